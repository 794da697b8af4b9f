// Ditto's metadata: the `_metadata` tree beside a thing's values (same paths), set, read and
// deleted with the put-metadata, get-metadata and delete-metadata headers and their wildcards.
import { errors } from './error-registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { deleteAt, getAt, setAt } from './json-pointer.js';

/** The key of a thing's metadata in its stored JSON (never shown unless selected). */
export const METADATA = '_metadata';

/** One `put-metadata` entry: a key relative to the addressed resource (may hold `*`) and its value. */
export interface MetadataEntry {
  key: string[];
  value: JsonValue;
}

/** What a write does to metadata besides what its change does (removing that of removed values). */
export type MetadataCommand = { put: MetadataEntry[] } | { delete: string[][] };

export type MetadataHeader = 'put-metadata' | 'get-metadata' | 'delete-metadata';

function keySegments(raw: string, header: MetadataHeader): string[] {
  const trimmed = raw.trim();
  const path = trimmed.startsWith('/') ? trimmed.slice(1) : trimmed;
  const segments = path.split('/');
  if (path === '' || segments.some((s) => s === ''))
    throw errors.metadataHeaderInvalid(header, `the key '${raw}' is not a JSON pointer.`);
  return segments;
}

/** Parses `put-metadata`: a JSON array of `{"key": "/pointer", "value": …}`. */
export function parsePutMetadata(raw: string): MetadataEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw errors.metadataHeaderInvalid('put-metadata', 'it is not JSON.');
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw errors.metadataHeaderInvalid('put-metadata', 'it must be a non-empty JSON array.');
  return parsed.map((item: unknown) => {
    if (!isJsonObject(item as JsonValue) || typeof (item as JsonObject).key !== 'string')
      throw errors.metadataHeaderInvalid(
        'put-metadata',
        'each entry must be an object like {"key":"/features/lamp/properties/on/issuedAt","value":"…"}.',
      );
    const { key, value } = item as JsonObject;
    if (value === undefined)
      throw errors.metadataHeaderInvalid('put-metadata', `the entry '${key}' has no value.`);
    return { key: keySegments(key as string, 'put-metadata'), value };
  });
}

/** Parses `get-metadata` or `delete-metadata`: a comma-separated list of keys. */
export function parseMetadataKeys(raw: string, header: MetadataHeader): string[][] {
  return raw.split(',').map((key) => keySegments(key, header));
}

// Ditto's accepted wildcard forms (MetadataWildcardValidator), by the level of the resource.
const PROPS = '(properties|desiredProperties)';
const LEAF = /^\*\/(?!\*\/).*$/;
const AT_ROOT = [
  new RegExp(`^features/\\*/${PROPS}/\\*/(?!\\*).*$`),
  new RegExp(`^features/(?!\\*).*/${PROPS}/\\*/(?!\\*/).*$`),
  new RegExp(`^features/\\*/${PROPS}/(?!\\*).*/(?!\\*).*$`),
  /^features\/\*\/definition\/(?!\*).*$/,
  /^attributes\/\*\/(?!\*).*$/,
  LEAF,
];
const AT_FEATURES = [
  new RegExp(`^\\*/${PROPS}/\\*/(?!\\*).*$`),
  new RegExp(`^(?!\\*).*/${PROPS}/\\*/(?!\\*).*$`),
  new RegExp(`^\\*/${PROPS}/(?!\\*).*/(?!\\*).*$`),
  /^\*\/definition\/(?!\*).*$/,
];
const AT_FEATURE = [
  new RegExp(`^${PROPS}/\\*/(?!\\*).*$`),
  new RegExp(`^\\*/${PROPS}/(?!\\*).*/(?!\\*).*$`),
  new RegExp(`^(?!\\*).*/${PROPS}/\\*/(?!\\*).*$`),
];

/**
 * Checks a key with `*` segments against the forms Ditto accepts at the resource (`resource`:
 * segments from the thing root); `*` alone (everything) is accepted for reads and deletions.
 */
export function assertWildcard(resource: string[], key: string[], header: MetadataHeader): void {
  if (!key.includes('*')) return;
  const text = key.join('/');
  if (text === '*' && header !== 'put-metadata') return;
  let forms = [LEAF];
  if (resource.length === 0) forms = AT_ROOT;
  else if (resource.length === 1 && resource[0] === 'features') forms = AT_FEATURES;
  else if (resource.length === 2 && resource[0] === 'features') forms = AT_FEATURE;
  if (!forms.some((form) => form.test(text))) throw errors.metadataWildcardInvalid(text, header);
}

/** Every leaf path of a value (scalars, arrays and empty objects; not nulls), relative to it. */
function leaves(value: JsonValue | undefined, base: string[], into: string[][]): void {
  if (value === null || value === undefined) return;
  if (!isJsonObject(value) || Object.keys(value).length === 0) {
    if (base.length > 0) into.push(base);
    return;
  }
  for (const [key, child] of Object.entries(value)) leaves(child, [...base, key], into);
}

/**
 * The concrete paths a key stands for in `tree`: a leading `*` followed by the rest (the form
 * `* /key`, without the space) stands for every leaf of `values` (the thing's values the metadata
 * belongs to), another `*` for each key of `tree` at its level.
 */
export function expandKey(
  key: string[],
  tree: JsonValue | undefined,
  values: JsonValue | undefined = tree,
): string[][] {
  if (!key.includes('*')) return [key];
  if (key[0] === '*' && !key.slice(1).includes('*')) {
    const found: string[][] = [];
    leaves(values, [], found);
    return found.map((leaf) => [...leaf, ...key.slice(1)]);
  }
  const result: string[][] = [];
  const walk = (node: JsonValue | undefined, depth: number, path: string[]) => {
    if (depth === key.length) {
      result.push(path);
      return;
    }
    const segment = key[depth];
    if (segment !== '*') return walk(getAt(node, [segment]), depth + 1, [...path, segment]);
    if (!isJsonObject(node)) return;
    for (const child of Object.keys(node)) walk(node[child], depth + 1, [...path, child]);
  };
  walk(tree, 0, []);
  return result;
}

/** The metadata tree of a thing (empty when it has none). */
export function metadataOf(thing: JsonObject | null): JsonObject {
  const tree = thing?.[METADATA];
  return isJsonObject(tree) ? tree : {};
}

/** `thing` with `tree` as its metadata (none when empty). */
export function withMetadata(thing: JsonObject, tree: JsonObject): JsonObject {
  const copy: JsonObject = { ...thing };
  delete copy[METADATA];
  if (Object.keys(tree).length > 0) copy[METADATA] = tree;
  return copy;
}

/** Deletes `path` from a tree and then every object left empty above it. */
function prunedDelete(tree: JsonObject, path: string[]): JsonObject {
  let result = deleteAt(tree, path);
  for (let depth = path.length - 1; depth > 0; depth--) {
    const parent = getAt(result, path.slice(0, depth));
    if (!isJsonObject(parent) || Object.keys(parent).length > 0) break;
    result = deleteAt(result, path.slice(0, depth));
  }
  return result;
}

/** `thing` without the metadata of the value at `path` (itself when that has none). */
export function removeMetadataAt(thing: JsonObject, path: string[]): JsonObject {
  const tree = thing[METADATA];
  if (!isJsonObject(tree)) return thing;
  if (path.length === 0) return withMetadata(thing, {});
  if (getAt(tree, path) === undefined) return thing;
  return withMetadata(thing, prunedDelete(tree, path));
}

/** The paths a merge patch deletes (its `null`s), relative to where it applies. */
export function nullPaths(
  patch: JsonValue | undefined,
  base: string[] = [],
  into: string[][] = [],
) {
  if (!isJsonObject(patch)) return into;
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) into.push([...base, key]);
    else nullPaths(value, [...base, key], into);
  }
  return into;
}

/**
 * The metadata tree after a write with `put-metadata` or `delete-metadata` at `resource`: `put`
 * keys (their wildcards expanded over `written`, the value the write sent) are set into the
 * metadata at the resource; `delete` keys are removed (their wildcards expanded over the
 * metadata, a leading one over `values`, the thing's values at the resource after the write).
 */
export function applyMetadataCommand(
  tree: JsonObject,
  resource: string[],
  command: MetadataCommand,
  written: JsonValue | undefined,
  values: JsonValue | undefined,
): JsonObject {
  if ('put' in command) {
    const relative = getAt(tree, resource);
    let local: JsonObject = isJsonObject(relative) ? relative : {};
    for (const { key, value } of command.put) {
      assertWildcard(resource, key, 'put-metadata');
      for (const path of expandKey(key, written)) local = setAt(local, path, value);
    }
    return resource.length === 0 ? local : setAt(tree, resource, local);
  }
  let result = tree;
  for (const key of command.delete) {
    assertWildcard(resource, key, 'delete-metadata');
    const relative = getAt(result, resource);
    if (key.length === 1 && key[0] === '*') {
      result = resource.length === 0 ? {} : prunedDelete(result, resource);
      continue;
    }
    for (const path of expandKey(key, relative, values))
      result = prunedDelete(result, [...resource, ...path]);
  }
  return result;
}

/**
 * The metadata `get-metadata` selects at `resource`, keyed relative to it (as in `ditto-metadata`);
 * `values` are the thing's values at the resource (a leading wildcard expands over their leaves).
 */
export function selectMetadata(
  tree: JsonObject,
  resource: string[],
  keys: string[][],
  values: JsonValue | undefined,
): JsonObject {
  const relative = getAt(tree, resource);
  let result: JsonObject = {};
  for (const key of keys) {
    assertWildcard(resource, key, 'get-metadata');
    if (key.length === 1 && key[0] === '*') {
      if (isJsonObject(relative)) result = { ...result, ...relative };
      continue;
    }
    for (const path of expandKey(key, relative, values)) {
      const value = getAt(relative, path);
      if (value !== undefined) result = setAt(result, path, value);
    }
  }
  return result;
}

/** The values metadata can belong to at `resource` of `thing` (at the root: attributes, features). */
export function valuesAt(thing: JsonObject | null, resource: string[]): JsonValue | undefined {
  if (thing === null) return undefined;
  if (resource.length > 0) return getAt(thing, resource);
  return { attributes: thing.attributes ?? null, features: thing.features ?? null };
}

/** A thing's JSON as shown: without its metadata (the value itself when it has none). */
export function withoutMetadata(value: JsonValue): JsonValue {
  if (!isJsonObject(value) || value[METADATA] === undefined) return value;
  const copy: JsonObject = { ...value };
  delete copy[METADATA];
  return copy;
}

/** Metadata as the `ditto-metadata` header carries it: JSON with non-ASCII characters escaped. */
export function metadataHeaderValue(metadata: JsonValue): string {
  return JSON.stringify(metadata).replace(
    /[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}
