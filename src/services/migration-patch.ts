// The patch of a definition migration, as Ditto's migrateDefinition computes it: the new
// definition, the type's schema defaults for what the thing lacks (when asked), then the migration
// payload with its `thing-json` placeholders resolved and the parts whose patch condition fails
// left out.
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { getAt, parsePointer } from '../core/json-pointer.js';
import { applyMergePatch } from '../core/merge-patch.js';
import type { FilterNode } from '../rql/ast.js';
import { evaluateFilter } from '../rql/evaluate.js';
import { parseFilter } from '../rql/parse-filter.js';
import { parseTypeId } from '../types/type-id.js';

/** A migration as the API asks for it (Ditto's `MigrateThingDefinition`), checked. */
export interface MigrationRequest {
  /** The type id the definition names (`ns:name:version`). */
  typeId: string;
  /** `thingDefinitionUrl` as sent (echoed in errors). */
  definition: string;
  payload: JsonObject;
  conditions: { path: string[]; raw: string; condition: FilterNode }[];
  initializeMissingPropertiesFromDefaults: boolean;
}

const FIELDS = [
  'thingDefinitionUrl',
  'migrationPayload',
  'patchConditions',
  'initializeMissingPropertiesFromDefaults',
];

/** Where a type's own URL names it: `…/api/2/types/<ns:name:version>`. */
const TYPE_URL = /^https?:\/\/[^/]+(?:\/[^/]+)*\/api\/2\/types\/([^/?#]+)$/;

/**
 * The type id a Ditto definition names: a type id `ns:name:version` (Ditto's definition form), or
 * the URL of one of our types (`http://host/api/2/types/ns:name:version`). Any other URL names no
 * model this node can make a skeleton of: Ditto's 400 `wot:skeleton.generation.failed`.
 */
export function typeIdOfDefinition(definition: string): string {
  const fromUrl = TYPE_URL.exec(definition);
  let id = definition;
  if (fromUrl) {
    try {
      id = decodeURIComponent(fromUrl[1]);
    } catch {
      throw errors.skeletonGenerationFailed(definition);
    }
  }
  try {
    parseTypeId(id);
  } catch {
    throw errors.skeletonGenerationFailed(definition);
  }
  return id;
}

/**
 * Checks a migration body (extra `fields` of a bulk form are the caller's). Unknown fields are
 * refused, not ignored.
 */
export function parseMigrationRequest(
  body: unknown,
  extra: readonly string[] = [],
): MigrationRequest {
  if (!isJsonObject(body as JsonValue))
    throw errors.migrationRequestInvalid('', 'the body must be a JSON object');
  const object = body as JsonObject;
  for (const key of Object.keys(object))
    if (!FIELDS.includes(key) && !extra.includes(key))
      throw errors.migrationRequestInvalid(
        key,
        `unknown field (expected ${[...FIELDS, ...extra].join(', ')})`,
      );
  const definition = object.thingDefinitionUrl;
  if (typeof definition !== 'string' || definition === '')
    throw errors.migrationRequestInvalid(
      'thingDefinitionUrl',
      "is required: a type id 'ns:name:version' or its URL",
    );
  const payload = object.migrationPayload ?? {};
  if (!isJsonObject(payload))
    throw errors.migrationRequestInvalid(
      'migrationPayload',
      'must be a JSON object (a merge patch of attributes and features)',
    );
  for (const key of Object.keys(payload))
    if (key !== 'attributes' && key !== 'features')
      throw errors.migrationRequestInvalid(
        `migrationPayload/${key}`,
        "a migration payload updates 'attributes' and 'features' only",
      );
  const initialize = object.initializeMissingPropertiesFromDefaults ?? false;
  if (typeof initialize !== 'boolean')
    throw errors.migrationRequestInvalid(
      'initializeMissingPropertiesFromDefaults',
      'must be true or false',
    );
  return {
    typeId: typeIdOfDefinition(definition),
    definition,
    payload,
    conditions: conditionsOf(object.patchConditions),
    initializeMissingPropertiesFromDefaults: initialize,
  };
}

/** `patchConditions`: `{"thing:/features/x": "<RQL>"}` (Ditto's resource keys; `/path` too). */
function conditionsOf(raw: JsonValue | undefined): MigrationRequest['conditions'] {
  if (raw === undefined) return [];
  if (!isJsonObject(raw))
    throw errors.migrationRequestInvalid(
      'patchConditions',
      'must be an object of "thing:/<pointer>" to RQL conditions',
    );
  return Object.entries(raw).map(([key, value]) => {
    const pointer = key.startsWith('thing:') ? key.slice('thing:'.length) : key;
    if (!pointer.startsWith('/') || pointer === '/')
      throw errors.migrationRequestInvalid(
        `patchConditions/${key}`,
        'the key must be a resource key such as "thing:/features/thermostat"',
      );
    if (typeof value !== 'string')
      throw errors.migrationRequestInvalid(`patchConditions/${key}`, 'must be an RQL string');
    let condition: FilterNode;
    try {
      condition = parseFilter(value);
    } catch (error) {
      if (error instanceof TwinfoldError) throw errors.rqlInvalid(`${value}: ${error.message}`);
      throw error;
    }
    return { path: parsePointer(pointer), raw: value, condition };
  });
}

/**
 * The patch a migration merges into `thing` (Ditto's "patch" of the response): `definition`, the
 * defaults the type's schemas give for what the thing lacks (only when asked), then the payload.
 *
 * @param doc the thing as search sees it (with `thingId`, `_revision`, …), for the conditions
 * @param schema the new type's `schema` member
 */
export function migrationPatch(
  request: MigrationRequest,
  thing: JsonObject,
  doc: object,
  schema: JsonValue | undefined,
): JsonObject {
  let payload: JsonObject = resolvePlaceholders(request.payload, thing) as JsonObject;
  for (const { path, condition } of request.conditions) {
    if (getAt(payload, path) === undefined) continue;
    if (!evaluateFilter(condition, doc)) payload = withoutPath(payload, path);
  }
  payload = (withoutEmptyObjects(payload) ?? {}) as JsonObject;
  let patch: JsonObject = { definition: request.typeId };
  if (request.initializeMissingPropertiesFromDefaults) {
    const defaults = missingDefaults(skeletonOf(schema), thing);
    if (isJsonObject(defaults)) patch = { ...patch, ...defaults };
  }
  return applyMergePatch(patch, payload) as JsonObject;
}

/** The values a type's schemas give as `default`, shaped as a thing (attributes, features). */
export function skeletonOf(schema: JsonValue | undefined): JsonObject {
  const skeleton: JsonObject = {};
  if (!isJsonObject(schema)) return skeleton;
  const attributes = defaultsOf(schema.attributes);
  if (isJsonObject(attributes)) skeleton.attributes = attributes;
  if (isJsonObject(schema.features)) {
    const features: JsonObject = {};
    for (const [id, featureSchema] of Object.entries(schema.features)) {
      const properties = defaultsOf(featureSchema);
      if (isJsonObject(properties)) features[id] = { properties };
    }
    if (Object.keys(features).length > 0) skeleton.features = features;
  }
  return skeleton;
}

/** A schema's `default`, or the object of its properties' defaults (undefined: none). */
function defaultsOf(schema: JsonValue | undefined): JsonValue | undefined {
  if (!isJsonObject(schema)) return undefined;
  if (schema.default !== undefined) return schema.default;
  if (!isJsonObject(schema.properties)) return undefined;
  const object: JsonObject = {};
  for (const [key, child] of Object.entries(schema.properties)) {
    const value = defaultsOf(child);
    if (value !== undefined) object[key] = value;
  }
  return Object.keys(object).length > 0 ? object : undefined;
}

/** The defaults the thing has no value for (Ditto's `removeConflicts`: existing values win). */
function missingDefaults(
  defaults: JsonValue,
  existing: JsonValue | undefined,
): JsonValue | undefined {
  if (existing === undefined) return defaults;
  if (!isJsonObject(defaults) || !isJsonObject(existing)) return undefined;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(defaults)) {
    const missing = missingDefaults(value, existing[key]);
    if (missing !== undefined && !(isJsonObject(missing) && Object.keys(missing).length === 0))
      result[key] = missing;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

const EXACT_PLACEHOLDER =
  /^\s*(?:\{\{\s*thing-json:([^|}]+?)\s*\}\}|\$\{\s*thing-json:([^|}]+?)\s*\})\s*$/;
const ANY_PLACEHOLDER = /\{\{\s*thing-json:([^|}]+?)\s*\}\}|\$\{\s*thing-json:([^|}]+?)\s*\}/g;

/**
 * Ditto's `thing-json` placeholders in the payload's strings, resolved from the thing as it is:
 * a string that is exactly one placeholder takes the value with its JSON type; placeholders in
 * longer text are replaced by their text. A pointer where the thing has nothing is a 400.
 */
export function resolvePlaceholders(value: JsonValue, thing: JsonObject): JsonValue {
  if (typeof value === 'string') {
    if (!value.includes('thing-json:')) return value;
    const exact = EXACT_PLACEHOLDER.exec(value);
    if (exact) return placeholderValue(exact[1] ?? exact[2], thing, value);
    return value.replace(ANY_PLACEHOLDER, (whole, brace?: string, legacy?: string) => {
      const resolved = placeholderValue(brace ?? (legacy as string), thing, whole);
      return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolvePlaceholders(item, thing));
  if (isJsonObject(value)) {
    const result: JsonObject = {};
    for (const [key, item] of Object.entries(value)) result[key] = resolvePlaceholders(item, thing);
    return result;
  }
  return value;
}

function placeholderValue(pointer: string, thing: JsonObject, text: string): JsonValue {
  const trimmed = pointer.trim();
  const path = parsePointer(trimmed.startsWith('/') ? trimmed : `/${trimmed}`);
  const found = getAt(thing, path);
  if (found === undefined) throw errors.placeholderUnresolved(text.trim());
  return found;
}

function withoutPath(object: JsonObject, path: readonly string[]): JsonObject {
  const [head, ...rest] = path;
  if (!(head in object)) return object;
  const copy = { ...object };
  if (rest.length === 0) delete copy[head];
  else if (isJsonObject(copy[head])) copy[head] = withoutPath(copy[head], rest);
  return copy;
}

/** Drops objects left empty by the conditions (explicit nulls, which delete, stay). */
function withoutEmptyObjects(value: JsonValue): JsonValue | undefined {
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const cleaned = withoutEmptyObjects(item);
    if (cleaned !== undefined) result[key] = cleaned;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}
