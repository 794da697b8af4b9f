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
  let pointer = '';
  for (const segment of segments) {
    const plain = !segment.includes('~') && !segment.includes('/');
    pointer += '/' + (plain ? segment : segment.replace(/~/g, '~0').replace(/\//g, '~1'));
  }
  return pointer === '' ? '/' : pointer;
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
  return setFrom(root, segments, 0, value);
}

// Walks by index: destructuring `[head, ...rest]` would build an array per level.
function setFrom(
  node: JsonObject,
  segments: readonly string[],
  depth: number,
  value: JsonValue,
): JsonObject {
  const key = segments[depth];
  const copy: JsonObject = { ...node };
  if (depth === segments.length - 1) {
    copy[key] = value;
  } else {
    const child = node[key];
    copy[key] = setFrom(isJsonObject(child) ? child : {}, segments, depth + 1, value);
  }
  return copy;
}

/** Returns a copy of `root` without the value at `segments` (`root` itself when absent). */
export function deleteAt(root: JsonObject, segments: readonly string[]): JsonObject {
  return segments.length === 0 ? root : deleteFrom(root, segments, 0);
}

function deleteFrom(node: JsonObject, segments: readonly string[], depth: number): JsonObject {
  const key = segments[depth];
  if (!Object.prototype.hasOwnProperty.call(node, key)) return node;
  if (depth === segments.length - 1) {
    const copy: JsonObject = { ...node };
    delete copy[key];
    return copy;
  }
  const child = node[key];
  if (!isJsonObject(child)) return node;
  const edited = deleteFrom(child, segments, depth + 1);
  if (edited === child) return node;
  const copy: JsonObject = { ...node };
  copy[key] = edited;
  return copy;
}
