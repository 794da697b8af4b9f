// JSON pointers as segment arrays: parse, format, read, write and delete inside JSON values.
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** Splits `/a/b` or `a/b` into segments; the empty pointer (`''` or `'/'`) is `[]`. */
export function parsePointer(text: string): string[] {
  const trimmed = text.startsWith('/') ? text.slice(1) : text;
  if (trimmed === '') return [];
  return trimmed.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Formats segments as a pointer with a leading slash (`[]` -> `/`). */
export function formatPointer(segments: readonly string[]): string {
  if (segments.length === 0) return '/';
  return '/' + segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** The value at `segments`, or `undefined` when any step is missing. */
export function getAt(root: unknown, segments: readonly string[]): JsonValue | undefined {
  let node: unknown = root;
  for (const key of segments) {
    if (!isJsonObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = node[key];
  }
  return node as JsonValue;
}

/**
 * Returns a copy of `root` with `value` at `segments`, creating (or replacing non-object)
 * intermediate objects. Only the objects on the path are copied.
 */
export function setAt(root: JsonObject, segments: readonly string[], value: JsonValue): JsonObject {
  if (segments.length === 0) {
    if (!isJsonObject(value)) throw new TypeError('the root must be an object');
    return value;
  }
  const [head, ...rest] = segments;
  const copy: JsonObject = { ...root };
  if (rest.length === 0) {
    copy[head] = value;
  } else {
    const child = copy[head];
    copy[head] = setAt(isJsonObject(child) ? child : {}, rest, value);
  }
  return copy;
}

/** Returns a copy of `root` without the value at `segments` (unchanged when absent). */
export function deleteAt(root: JsonObject, segments: readonly string[]): JsonObject {
  if (segments.length === 0) return root;
  const [head, ...rest] = segments;
  if (!Object.prototype.hasOwnProperty.call(root, head)) return root;
  const copy: JsonObject = { ...root };
  if (rest.length === 0) {
    delete copy[head];
  } else {
    const child = copy[head];
    if (!isJsonObject(child)) return root;
    copy[head] = deleteAt(child, rest);
  }
  return copy;
}
