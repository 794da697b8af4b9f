// Validation of thing JSON and of the values written to each kind of sub-resource.
import { errors } from './error-registry.js';
import { assertDefinition, assertFeatureId, assertKeysDeep, assertPolicyId } from './ids.js';
import { isJsonObject, type JsonValue } from './json.js';

/** Deepest nesting of objects and arrays accepted in a written value. */
export const MAX_JSON_DEPTH = 500;

const THING_KEYS = new Set(['thingId', 'policyId', 'definition', 'attributes', 'features']);
const FEATURE_KEYS = new Set(['definition', 'properties', 'desiredProperties']);

function mustBeObject(value: JsonValue, what: string): void {
  if (!isJsonObject(value))
    throw errors.jsonInvalid(`The value of '${what}' must be a JSON object.`);
}

/**
 * Rejects what the journal cannot keep faithfully: nesting deeper than {@link MAX_JSON_DEPTH}
 * (it would overflow the stack of every recursive walk) and numbers beyond the range of a double
 * (`1e400` parses to Infinity, which would be stored as null). Walks without recursion.
 *
 * @returns the value's nesting depth: 0 for a scalar, 1 for `{}` or `[1]`, 2 for `{"a":[]}`, …
 */
export function validateJsonValue(value: JsonValue): number {
  const pending: [JsonValue, number][] = [[value, 1]];
  let deepest = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node === 'number' && !Number.isFinite(node)) {
      throw errors.jsonInvalid('A number in the JSON is too large: it must fit a 64-bit double.');
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      throw errors.jsonInvalid(`The JSON nests deeper than ${MAX_JSON_DEPTH} levels.`);
    }
    if (depth > deepest) deepest = depth;
    for (const child of Array.isArray(node) ? node : Object.values(node))
      pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Rejects a value of nesting depth `depth` (see {@link validateJsonValue}) written at `segments`
 * of a thing when the thing would then nest deeper than {@link MAX_JSON_DEPTH} levels, the limit of
 * a whole thing's body: every stored thing can be written back as it is read.
 */
export function validateDepthAt(segments: readonly string[], depth: number): void {
  if (segments.length + depth <= MAX_JSON_DEPTH) return;
  throw errors.jsonInvalid(
    `The JSON nests deeper than ${MAX_JSON_DEPTH} levels in the thing: the value nests ${depth} levels at a pointer ${segments.length} levels deep.`,
  );
}

/** A thing definition: a `namespace:name:version` string or null. */
export function validateThingDefinition(value: JsonValue): void {
  if (value !== null) assertDefinition(value);
}

/** A feature definition: a non-empty array of definition identifiers. */
export function validateFeatureDefinition(value: JsonValue): void {
  if (!Array.isArray(value))
    throw errors.jsonInvalid('A feature definition must be a JSON array of strings.');
  if (value.length === 0) {
    throw errors.jsonInvalid(
      'Feature Definition must not be empty! It can however also be deleted completely.',
    );
  }
  for (const item of value) assertDefinition(item);
}

/** A properties or attributes object: keys valid at every depth. */
export function validateProperties(value: JsonValue, what: string): void {
  mustBeObject(value, what);
  assertKeysDeep(value);
}

export function validateFeature(value: JsonValue, featureId: string): void {
  assertFeatureId(featureId);
  mustBeObject(value, `features/${featureId}`);
  for (const [key, child] of Object.entries(value as Record<string, JsonValue>)) {
    if (!FEATURE_KEYS.has(key)) {
      throw errors.jsonInvalid(
        `Unknown field '${key}' in feature '${featureId}': a feature has only definition, properties and desiredProperties.`,
      );
    }
    if (key === 'definition') validateFeatureDefinition(child);
    else validateProperties(child, `features/${featureId}/${key}`);
  }
}

export function validateFeatures(value: JsonValue): void {
  mustBeObject(value, 'features');
  for (const [id, feature] of Object.entries(value as Record<string, JsonValue>))
    validateFeature(feature, id);
}

/** Validates a whole thing object (after `_` fields were removed). */
export function validateThing(value: JsonValue): void {
  mustBeObject(value, 'thing');
  for (const [key, child] of Object.entries(value as Record<string, JsonValue>)) {
    // The metadata and relations kept beside the values (core/metadata.ts, core/relations.ts),
    // never part of a request body here.
    if (key === '_metadata' || key === '_relations') continue;
    if (!THING_KEYS.has(key)) {
      throw errors.jsonInvalid(
        `Unknown field '${key}': a thing has only thingId, policyId, definition, attributes and features.`,
      );
    }
    if (key === 'policyId') assertPolicyId(child);
    else if (key === 'definition') validateThingDefinition(child);
    else if (key === 'attributes') validateProperties(child, 'attributes');
    else if (key === 'features') validateFeatures(child);
    else if (typeof child !== 'string')
      throw errors.jsonInvalid("The value of 'thingId' must be a string.");
  }
}
