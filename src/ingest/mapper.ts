// The mapper: one raw message and its context become observations, or errors saying where. Pure.
import type { JsonValue } from '../core/json.js';
import { readPath, selectAll } from './json-path.js';
import type { CompiledSpec, CompiledValue, Observation, TimestampFormat } from './spec.js';
import { fillTemplate, type MessageContext } from './template.js';

/** Why a message maps to nothing; `reason` is the dead letter's reason. */
export interface MappingError {
  reason:
    'thingid.unresolved' | 'value.missing' | 'value.invalid' | 'timestamp.invalid' | 'each.invalid';
  /** Where: the spec field (`/values/…`, `/thingId`, `/each`, `/timestamp`). */
  at: string;
  /** The `each` element, when the spec has `each`. */
  element?: number;
  detail: string;
}

export type MapResult =
  { ok: true; observations: Observation[] } | { ok: false; errors: MappingError[] };

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Epoch ms of a payload timestamp in `format`, or null when it is not one. */
export function parseTimestamp(value: unknown, format: TimestampFormat): number | null {
  if (format === 'iso8601') {
    if (typeof value !== 'string' || !ISO_8601.test(value)) return null;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return null;
  const ms = format === 'epoch-s' ? value * 1000 : format === 'epoch-us' ? value / 1000 : value;
  // Within what a Date can hold; fractions of a millisecond are dropped.
  return ms <= 8.64e15 ? Math.floor(ms) : null;
}

function pointerAt(value: CompiledValue, key?: string): string {
  const escaped = value.pointer.replace(/~/g, '~0').replace(/\//g, '~1');
  return `/values/${escaped}${key ? `/${key}` : ''}`;
}

function isJson(value: unknown, depth = 0): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth > 64 || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  return Object.values(value).every((v) => isJson(v, depth + 1));
}

/** Records a mapping error, with the element it concerns when the spec maps a list. */
function failAt(failures: MappingError[], element: number | undefined, error: MappingError): void {
  failures.push(element === undefined ? error : { ...error, element });
}

/** The elements a message yields: the message itself, or the list `each` selects. */
function elementsOf(spec: CompiledSpec, message: unknown): unknown[] | MappingError {
  if (spec.each === null) return [message];
  const list = readPath(spec.each, message, message);
  if (!Array.isArray(list))
    return {
      reason: 'each.invalid',
      at: '/each',
      detail:
        list === undefined
          ? `'${spec.each.text}' selects nothing in the message`
          : `'${spec.each.text}' selects a ${typeof list}, not a list`,
    };
  return list;
}

/** Pending JSONata results of one element: resolved values are filled in place. */
interface Slot {
  observation: Observation;
  index: number;
  value: CompiledValue;
  element: number | undefined;
  result: Promise<unknown>;
}

/**
 * Maps one message to its observation sets, one per element (`each`) or one for the message;
 * returns a promise only when the spec uses JSONata. A message maps whole or not at all: any
 * error of any element rejects it, with every error found.
 *
 * @example
 * mapMessage(spec, { vin: 'X1', speed: 0 }, {}, Date.now())
 * // { ok: true, observations: [{ thingId: 'fleet:X1', timestamp, values: [['features/speed/properties/value', 0]] }] }
 */
export function mapMessage(
  spec: CompiledSpec,
  message: unknown,
  context: MessageContext,
  receivedAt: number,
): MapResult | Promise<MapResult> {
  const elements = elementsOf(spec, message);
  if (!Array.isArray(elements)) return { ok: false, errors: [elements] };
  const observations: Observation[] = [];
  const failures: MappingError[] = [];
  const slots: Slot[] = [];
  const indexed = spec.each !== null;
  for (let e = 0; e < elements.length; e++) {
    const element = elements[e];
    const where = indexed ? e : undefined;
    const id = fillTemplate(spec.thingId, element, message, context);
    if (!id.ok) {
      failAt(failures, where, {
        reason: 'thingid.unresolved',
        at: '/thingId',
        detail: `the thingId template '${spec.thingId.text}' cannot be filled: ${id.missing} is missing`,
      });
      continue;
    }
    let timestamp = receivedAt;
    if (spec.timestamp !== null) {
      const raw = readPath(spec.timestamp.path, element, message);
      if (raw !== undefined) {
        const parsed = parseTimestamp(raw, spec.timestamp.format);
        if (parsed === null) {
          failAt(failures, where, {
            reason: 'timestamp.invalid',
            at: '/timestamp',
            detail: `${JSON.stringify(raw)} at ${spec.timestamp.path.text} is not a ${spec.timestamp.format} timestamp`,
          });
          continue;
        }
        timestamp = parsed;
      }
    }
    const observation: Observation = { thingId: id.value, timestamp, values: [] };
    for (const value of spec.values) {
      if (value.jsonata !== undefined) {
        const bindings = { message: message as unknown };
        let result: Promise<unknown>;
        try {
          result = Promise.resolve(value.jsonata.evaluate(element, bindings));
        } catch (error) {
          result = Promise.reject(error);
        }
        observation.values.push([value.pointer, null]);
        slots.push({
          observation,
          index: observation.values.length - 1,
          value,
          element: where,
          result,
        });
        continue;
      }
      const path = value.path;
      if (path === undefined) continue;
      const found = path.many
        ? selectAll(path, element, message)
        : readPath(path, element, message);
      if (found === undefined) {
        if (value.required)
          failAt(failures, where, {
            reason: 'value.missing',
            at: pointerAt(value),
            detail: `the required value ${path.text} is missing`,
          });
        continue;
      }
      observation.values.push([value.pointer, found as JsonValue]);
    }
    observations.push(observation);
  }
  if (slots.length === 0)
    return failures.length > 0 ? { ok: false, errors: failures } : { ok: true, observations };
  return settleJsonata(observations, failures, slots);
}

async function settleJsonata(
  observations: Observation[],
  failures: MappingError[],
  slots: Slot[],
): Promise<MapResult> {
  const missing = new Set<string>();
  for (const slot of slots) {
    const fail = (error: MappingError) =>
      failures.push(slot.element === undefined ? error : { ...error, element: slot.element });
    let result: unknown;
    try {
      result = await slot.result;
    } catch (error) {
      const { message, position } = error as { message?: string; position?: number };
      fail({
        reason: 'value.invalid',
        at: pointerAt(slot.value, 'jsonata'),
        detail: `JSONata failed: ${message ?? String(error)}${position === undefined ? '' : ` at character ${position}`}`,
      });
      continue;
    }
    if (result === undefined) {
      if (slot.value.required)
        fail({
          reason: 'value.missing',
          at: pointerAt(slot.value, 'jsonata'),
          detail: 'the required JSONata value is missing (the expression gave no result)',
        });
      missing.add(`${observations.indexOf(slot.observation)}:${slot.index}`);
      continue;
    }
    // JSONata sequences are arrays with extra fields; a plain copy is what gets stored.
    let plain: unknown = result;
    try {
      if (typeof result === 'object' && result !== null) plain = JSON.parse(JSON.stringify(result));
    } catch {
      plain = undefined;
    }
    if (!isJson(plain)) {
      fail({
        reason: 'value.invalid',
        at: pointerAt(slot.value, 'jsonata'),
        detail: 'the JSONata result is not a JSON value (a function, NaN or Infinity)',
      });
      continue;
    }
    slot.observation.values[slot.index] = [slot.value.pointer, plain];
  }
  if (failures.length > 0) return { ok: false, errors: failures };
  if (missing.size > 0)
    observations.forEach((observation, o) => {
      observation.values = observation.values.filter((_, v) => !missing.has(`${o}:${v}`));
    });
  return { ok: true, observations };
}
