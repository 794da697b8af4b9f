// Validates an ingest spec on PUT and compiles it; every problem is reported with where it is.
import { isAckLabel, RESERVED_ACK_LABELS } from '../core/ack-labels.js';
import { errorText } from '../core/error-text.js';
import jsonata from 'jsonata';
import { errors } from '../core/error-registry.js';
import { assertDefinition, assertKey, assertPolicyId, isValidNamespace } from '../core/ids.js';
import { isJsonObject, type JsonValue } from '../core/json.js';
import { formatPointer } from '../core/json-pointer.js';
import type { TwinfoldError } from '../core/errors.js';
import { validateProperties } from '../core/thing-validation.js';
import { compileJsonPath, EVERY, JsonPathError, type JsonPath } from './json-path.js';
import { matchMqttTopic } from './topic-context.js';
import { commandTopicProblem, compileCommandTopic, fillCommandTopic } from './command-topic.js';
import {
  DEFAULT_COMMANDS,
  DITTO_PROTOCOL_SOURCE,
  type CompiledCommands,
  type PayloadKind,
  SOURCE_KINDS,
  TIMESTAMP_FORMATS,
  type CompiledSpec,
  type CompiledValue,
  type CreateSpec,
  type SourceKind,
  type TimestampFormat,
} from './spec.js';
import { compileTemplate, TemplateError, type Template } from './template.js';

/** A problem of a spec: the JSON pointer of the field in the spec, and what is wrong. */
export interface SpecProblem {
  at: string;
  detail: string;
}

const SPEC_KEYS = new Set([
  'source',
  'thingId',
  'timestamp',
  'each',
  'values',
  'required',
  'create',
  'commands',
]);

/** The fields that map raw payloads: a Ditto Protocol source has none of them. */
const MAPPING_KEYS = ['values', 'required', 'each', 'timestamp', 'create'] as const;

/** The thingId pattern of a Ditto Protocol spec that names none: any thing its owner may write. */
const ANY_THING = compileTemplate('{{$}}');

/** Spec ids: what a thing name may be, without `/` (it is one URL segment). */
const SPEC_ID = /^[A-Za-z0-9_.:@~-]{1,128}$/;

/** True when `specId` can name a spec. */
export function isValidSpecId(specId: string): boolean {
  // `specs` and `deadletters` are the names of resources beside `POST /api/2/ingest/{specId}`.
  return SPEC_ID.test(specId) && specId !== 'specs' && specId !== 'deadletters';
}

function at(...segments: string[]): string {
  return formatPointer(segments);
}

/** Segments of a target pointer, when it addresses an attribute or a feature (desired) property. */
function targetSegments(pointer: string): string[] | string {
  const segments = (pointer.startsWith('/') ? pointer.slice(1) : pointer).split('/');
  if (segments.some((s) => s === '')) return 'the pointer has an empty segment';
  const [root, featureId, kind] = segments;
  if (root === 'attributes') {
    if (segments.length < 2) return 'name an attribute: attributes/<name>';
  } else if (root === 'features') {
    if (segments.length < 4 || (kind !== 'properties' && kind !== 'desiredProperties'))
      return 'name a feature property: features/<featureId>/properties/<name> (or desiredProperties)';
    if (featureId === undefined) return 'name a feature';
  } else {
    return 'a target is an attribute (attributes/…) or a feature property (features/<id>/properties/…)';
  }
  for (const key of segments) {
    try {
      assertKey(key);
    } catch (error) {
      return `'${key}': ${(error as TwinfoldError).message}`;
    }
  }
  return segments;
}

function compilePath(
  text: unknown,
  where: string,
  problems: SpecProblem[],
  allowMany = false,
): JsonPath | null {
  if (typeof text !== 'string') {
    problems.push({ at: where, detail: 'a JSONPath (a string starting with $) is expected' });
    return null;
  }
  try {
    const path = compileJsonPath(text);
    if (path.many && !allowMany)
      problems.push({ at: where, detail: `'${text}' selects a list ([*]); select one value` });
    return path;
  } catch (error) {
    if (error instanceof JsonPathError) {
      problems.push({ at: where, detail: error.message });
      return null;
    }
    throw error;
  }
}

/** A source as compiled: its transport, that transport's settings, and what its payloads are. */
interface CompiledSource {
  kind: SourceKind;
  config: Record<string, unknown>;
  payload: PayloadKind;
}

const KNOWN_SOURCES = [...SOURCE_KINDS, DITTO_PROTOCOL_SOURCE].join(', ');

function compileSource(source: unknown, problems: SpecProblem[]): CompiledSource | null {
  if (!isJsonObject(source) || Object.keys(source).length !== 1) {
    problems.push({
      at: '/source',
      detail: `one source is expected, e.g. {"http": {}} (known: ${KNOWN_SOURCES})`,
    });
    return null;
  }
  const [key] = Object.keys(source);
  if (key !== DITTO_PROTOCOL_SOURCE)
    return compileTransport(source, ['source'], 'mapped', problems);
  const inner = source[key];
  if (!isJsonObject(inner) || Object.keys(inner).length > 1) {
    problems.push({
      at: at('source', key),
      detail: `one transport is expected, e.g. {"mqtt": {"topic": "…"}}, or {} for HTTP (known: ${SOURCE_KINDS.join(', ')})`,
    });
    return null;
  }
  // `{"dittoProtocol": {}}`: Ditto Protocol messages POSTed to /api/2/ingest/{specId}.
  if (Object.keys(inner).length === 0)
    return { kind: 'http', config: {}, payload: 'dittoProtocol' };
  return compileTransport(inner, ['source', key], 'dittoProtocol', problems);
}

function compileTransport(
  source: Record<string, unknown>,
  where: string[],
  payload: PayloadKind,
  problems: SpecProblem[],
): CompiledSource | null {
  const [kind] = Object.keys(source);
  const body = source[kind];
  const known = payload === 'mapped' ? KNOWN_SOURCES : SOURCE_KINDS.join(', ');
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) {
    problems.push({
      at: at(...where, kind),
      detail: `'${kind}' is not a known source (known: ${known})`,
    });
    return null;
  }
  if (!isJsonObject(body)) {
    problems.push({ at: at(...where, kind), detail: 'an object is expected' });
    return null;
  }
  const allowed: Record<SourceKind, Record<string, 'string' | 'qos'>> = {
    http: {},
    mqtt: { topic: 'string', qos: 'qos' },
    nats: { subject: 'string', stream: 'string' },
    amqp: { queue: 'string' },
  };
  const fields = allowed[kind as SourceKind];
  const needed = { http: null, mqtt: 'topic', nats: 'subject', amqp: 'queue' }[kind as SourceKind];
  if (needed !== null && typeof body[needed] !== 'string')
    problems.push({ at: at(...where, kind, needed), detail: 'a non-empty string is required' });
  for (const [key, value] of Object.entries(body)) {
    const type = fields[key];
    if (type === undefined)
      problems.push({ at: at(...where, kind, key), detail: `'${key}' is not a field of ${kind}` });
    else if (type === 'string' && (typeof value !== 'string' || value === ''))
      problems.push({ at: at(...where, kind, key), detail: 'a non-empty string is expected' });
    else if (type === 'qos' && value !== 0 && value !== 1)
      problems.push({ at: at(...where, kind, key), detail: 'qos is 0 or 1' });
  }
  return { kind: kind as SourceKind, config: body, payload };
}

function compileThingId(text: unknown, problems: SpecProblem[]): Template | null {
  if (typeof text !== 'string') {
    problems.push({
      at: '/thingId',
      detail: 'a template string is required, e.g. "fleet:{{$.vin}}"',
    });
    return null;
  }
  try {
    const template = compileTemplate(text);
    if (template.namespace !== null && !isValidNamespace(template.namespace))
      problems.push({ at: '/thingId', detail: `'${template.namespace}' is not a valid namespace` });
    if (template.namespace === null && !template.parts.some((p) => p.kind !== 'text'))
      problems.push({ at: '/thingId', detail: `'${text}' is not namespace:name` });
    return template;
  } catch (error) {
    if (error instanceof TemplateError) {
      problems.push({ at: '/thingId', detail: error.message });
      return null;
    }
    throw error;
  }
}

function compileJsonata(text: unknown, where: string, problems: SpecProblem[]) {
  if (typeof text !== 'string' || text.trim() === '') {
    problems.push({ at: where, detail: 'a JSONata expression (a non-empty string) is expected' });
    return undefined;
  }
  try {
    return jsonata(text);
  } catch (error) {
    const { position, message } = error as { position?: number; message?: string };
    problems.push({
      at: where,
      detail: `JSONata: ${message ?? errorText(error)}${position === undefined ? '' : ` at character ${position}`}`,
    });
    return undefined;
  }
}

function compileValues(
  values: unknown,
  required: unknown,
  problems: SpecProblem[],
): CompiledValue[] {
  if (!isJsonObject(values) || Object.keys(values).length === 0) {
    problems.push({ at: '/values', detail: 'an object of target pointer → JSONPath is required' });
    return [];
  }
  const mustHave = new Set<string>();
  if (required !== undefined) {
    if (!Array.isArray(required) || required.some((r) => typeof r !== 'string'))
      problems.push({ at: '/required', detail: 'a list of target pointers is expected' });
    else
      for (const [i, pointer] of (required as string[]).entries()) {
        if (!(pointer in values))
          problems.push({ at: at('required', String(i)), detail: `'${pointer}' is not in values` });
        mustHave.add(pointer);
      }
  }
  const compiled: CompiledValue[] = [];
  for (const [pointer, source] of Object.entries(values)) {
    const where = at('values', pointer);
    const segments = targetSegments(pointer);
    if (typeof segments === 'string') {
      problems.push({ at: where, detail: `target '${pointer}': ${segments}` });
      continue;
    }
    const value: CompiledValue = { pointer, segments, required: mustHave.has(pointer) };
    if (typeof source === 'string') {
      value.path = compilePath(source, where, problems, true) ?? undefined;
    } else if (isJsonObject(source)) {
      for (const key of Object.keys(source))
        if (key !== 'path' && key !== 'jsonata' && key !== 'required')
          problems.push({
            at: at('values', pointer, key),
            detail: `'${key}' is not a field of a value`,
          });
      if ('path' in source === 'jsonata' in source)
        problems.push({ at: where, detail: 'give either "path" or "jsonata"' });
      else if ('path' in source)
        value.path =
          compilePath(source.path, at('values', pointer, 'path'), problems, true) ?? undefined;
      else
        value.jsonata = compileJsonata(source.jsonata, at('values', pointer, 'jsonata'), problems);
      if (source.required !== undefined) {
        if (typeof source.required !== 'boolean')
          problems.push({ at: at('values', pointer, 'required'), detail: 'true or false' });
        else value.required ||= source.required;
      }
    } else {
      problems.push({ at: where, detail: 'a JSONPath string or {"jsonata": "…"} is expected' });
    }
    compiled.push(value);
  }
  // Two targets where one holds the other would overwrite each other in one revision.
  const pointers = compiled.map((v) => v.segments.join('/'));
  for (const a of pointers)
    for (const b of pointers)
      if (a !== b && b.startsWith(`${a}/`))
        problems.push({ at: at('values', b), detail: `'${b}' lies inside '${a}'` });
  return compiled;
}

function compileCreate(create: unknown, problems: SpecProblem[]): CreateSpec | null {
  if (create === undefined || create === false) return null;
  if (!isJsonObject(create)) {
    problems.push({
      at: '/create',
      detail: 'an object ({definition, attributes, policyId}) or false',
    });
    return null;
  }
  const result: CreateSpec = {};
  for (const [key, value] of Object.entries(create)) {
    const where = at('create', key);
    try {
      if (key === 'definition') {
        assertDefinition(value);
        result.definition = value;
      } else if (key === 'attributes') {
        validateProperties(value as JsonValue, 'attributes');
        result.attributes = value as CreateSpec['attributes'];
      } else if (key === 'policyId') {
        assertPolicyId(value);
        result.policyId = value;
      } else problems.push({ at: where, detail: `'${key}' is not a field of create` });
    } catch (error) {
      problems.push({ at: where, detail: errorText(error) });
    }
  }
  return result;
}

function compileTimestamp(timestamp: unknown, problems: SpecProblem[]): CompiledSpec['timestamp'] {
  if (timestamp === undefined) return null;
  if (!isJsonObject(timestamp)) {
    problems.push({ at: '/timestamp', detail: 'an object {"path", "format"} is expected' });
    return null;
  }
  for (const key of Object.keys(timestamp))
    if (key !== 'path' && key !== 'format')
      problems.push({ at: at('timestamp', key), detail: `'${key}' is not a field of timestamp` });
  const path = compilePath(timestamp.path, '/timestamp/path', problems);
  const format = timestamp.format;
  if (!(TIMESTAMP_FORMATS as readonly unknown[]).includes(format)) {
    problems.push({
      at: '/timestamp/format',
      detail: `one of ${TIMESTAMP_FORMATS.join(', ')} is expected`,
    });
    return null;
  }
  return path ? { path, format: format as TimestampFormat } : null;
}

function compileEach(each: unknown, problems: SpecProblem[]): JsonPath | null {
  if (each === undefined) return null;
  const path = compilePath(each, '/each', problems, true);
  if (path === null) return null;
  const steps = [...path.steps];
  if (steps[steps.length - 1] === EVERY) steps.pop();
  if (steps.includes(EVERY)) {
    problems.push({ at: '/each', detail: 'only a trailing [*] is supported, e.g. $.readings[*]' });
    return null;
  }
  if (path.fromMessage) problems.push({ at: '/each', detail: 'each starts at $ (the message)' });
  return { ...path, steps, many: false };
}

function compileCommands(
  commands: unknown,
  mqttFilter: string | null,
  problems: SpecProblem[],
): CompiledCommands | null {
  if (commands === undefined) return null;
  if (!isJsonObject(commands)) {
    problems.push({
      at: '/commands',
      detail: 'an object {"topic", "responseTopic", "qos", "acks"} (each optional) is expected',
    });
    return null;
  }
  const result: CompiledCommands = { ...DEFAULT_COMMANDS };
  for (const [key, value] of Object.entries(commands)) {
    const where = at('commands', key);
    if (key === 'topic' || key === 'responseTopic') {
      const problem = commandTopicProblem(value);
      if (problem !== null) problems.push({ at: where, detail: problem });
      else result[key] = value as string;
    } else if (key === 'qos') {
      if (value !== 0 && value !== 1) problems.push({ at: where, detail: 'qos is 0 or 1' });
      else result.qos = value;
    } else if (key === 'acks') {
      const labels = compileAckLabels(value, where, problems);
      if (labels !== null) result.acks = labels;
    } else problems.push({ at: where, detail: `'${key}' is not a field of commands` });
  }
  if (result.topic === result.responseTopic)
    problems.push({
      at: '/commands/responseTopic',
      detail: 'the response topic must differ from the command topic',
    });
  // A source that took Twinfold's commands or the devices' answers in would ingest them as telemetry.
  if (mqttFilter !== null)
    for (const key of ['topic', 'responseTopic'] as const) {
      const sample = fillCommandTopic(compileCommandTopic(result[key]), 'namespace:name');
      if (matchMqttTopic(mqttFilter, sample) !== null)
        problems.push({
          at: at('commands', key),
          detail: `'${result[key]}' matches the source's topic filter '${mqttFilter}': its messages would be ingested as telemetry`,
        });
    }
  return result;
}

/** The acknowledgement labels a spec's devices declare: Ditto's label syntax, none of Twinfold's own. */
function compileAckLabels(value: unknown, where: string, problems: SpecProblem[]): string[] | null {
  if (!Array.isArray(value)) {
    problems.push({ at: where, detail: 'a list of acknowledgement labels is expected' });
    return null;
  }
  const labels: string[] = [];
  for (const [i, label] of value.entries()) {
    const place = `${where}/${i}`;
    if (!isAckLabel(label))
      problems.push({
        at: place,
        detail: 'an acknowledgement label is 3 to 165 of A-Z a-z 0-9 - _ : (e.g. "device-applied")',
      });
    else if (RESERVED_ACK_LABELS.includes(label))
      problems.push({ at: place, detail: `'${label}' is issued by Twinfold itself` });
    else if (labels.includes(label))
      problems.push({ at: place, detail: `'${label}' is given more than once` });
    else labels.push(label);
  }
  return labels;
}

/** The 400 for a spec's problems: each as `at <pointer>: <detail>`, in the order found. */
export function specInvalid(problems: SpecProblem[]): TwinfoldError {
  return errors.ingestSpecInvalid(problems.map((p) => `at ${p.at}: ${p.detail}`).join('; '));
}

/**
 * Validates a spec body and compiles it; throws `ingest:spec.invalid` (400) naming every problem
 * with the pointer of the field in the spec.
 *
 * @example
 * compileSpec('trucks', { source: { http: {} }, thingId: 'fleet:{{$.vin}}', values: { 'attributes/km': '$.km' } })
 */
export function compileSpec(specId: string, body: unknown): CompiledSpec {
  if (!isJsonObject(body)) throw specInvalid([{ at: '/', detail: 'a JSON object is expected' }]);
  const problems: SpecProblem[] = [];
  for (const key of Object.keys(body))
    if (!SPEC_KEYS.has(key))
      problems.push({ at: at(key), detail: `'${key}' is not a field of a spec` });
  const source = compileSource(body.source, problems);
  const protocol = source?.payload === 'dittoProtocol';
  if (protocol)
    // The Ditto Protocol message says what changes: nothing is mapped.
    for (const key of MAPPING_KEYS)
      if (body[key] !== undefined)
        problems.push({
          at: at(key),
          detail: `a ${DITTO_PROTOCOL_SOURCE} source applies Ditto Protocol commands as they are: '${key}' has no place in its spec`,
        });
  const thingId =
    protocol && body.thingId === undefined ? ANY_THING : compileThingId(body.thingId, problems);
  const timestamp = protocol ? null : compileTimestamp(body.timestamp, problems);
  const each = protocol ? null : compileEach(body.each, problems);
  const values = protocol ? [] : compileValues(body.values, body.required, problems);
  const create = protocol ? null : compileCreate(body.create, problems);
  const commands = compileCommands(
    body.commands,
    source?.kind === 'mqtt' && typeof source.config.topic === 'string' ? source.config.topic : null,
    problems,
  );
  if (problems.length > 0 || source === null || thingId === null) throw specInvalid(problems);
  const { config } = source;
  const filter = config.topic ?? config.subject ?? config.queue ?? null;
  return {
    specId,
    source: source.kind,
    payload: source.payload,
    filter: typeof filter === 'string' ? filter : null,
    thingId,
    timestamp,
    each,
    values,
    create,
    namespaces: thingId.namespace === null ? null : [thingId.namespace],
    hasJsonata: values.some((v) => v.jsonata !== undefined),
    commands,
    ...(typeof config.stream === 'string' ? { stream: config.stream } : {}),
  };
}
