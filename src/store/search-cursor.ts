// Keyset cursors of every search index: which query they belong to and the last row's sort key.
import { createHash } from 'node:crypto';
import { errors } from '../core/error-registry.js';
import type { FilterNode, SortKey } from '../rql/ast.js';

/**
 * Sort rank of a value, as MongoDB (and so Ditto) orders BSON types: missing and null, numbers,
 * strings, objects, arrays, booleans. Objects are equal among themselves, so are arrays.
 */
export const RANK = { null: 0, number: 1, string: 2, object: 3, array: 4, boolean: 5 } as const;

/** One sort key of a row: `[rank]`, or `[rank, value]` for numbers, strings and booleans (0/1). */
export type KeyValue = [number] | [number, number | string];

/** The sort keys a query orders by: its own, then `+thingId` unless it is already one of them. */
export function effectiveSort(sort: readonly SortKey[]): SortKey[] {
  const keys = [...sort];
  if (!keys.some((key) => key.path === 'thingId')) keys.push({ path: 'thingId', direction: 'asc' });
  return keys;
}

/** What a cursor is bound to: filter, namespaces (as a set) and sort keys. */
export function queryHash(
  filter: FilterNode | undefined,
  namespaces: readonly string[] | undefined,
  keys: readonly SortKey[],
): string {
  const ns = [...new Set(namespaces ?? [])].sort();
  return createHash('sha256')
    .update(JSON.stringify([filter ?? null, ns, keys]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(hash: string, key: KeyValue[]): string {
  return Buffer.from(JSON.stringify({ h: hash, k: key })).toString('base64url');
}

/**
 * The sort key a cursor holds; throws `thing-search:search.option.invalid` (400) for anything this
 * index did not return for a query with the same hash and keys.
 */
export function decodeCursor(cursor: string, hash: string, keys: readonly SortKey[]): KeyValue[] {
  const forged = () => errors.cursorInvalid('it is not a cursor this service returned');
  // Node's base64url decoder skips characters outside the alphabet: check them first.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw forged();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw forged();
  }
  if (typeof parsed !== 'object' || parsed === null || !('h' in parsed) || !('k' in parsed)) {
    throw forged();
  }
  if (parsed.h !== hash) {
    throw errors.cursorInvalid('it belongs to a search with another filter, namespaces or sort');
  }
  const key = parsed.k;
  if (
    !Array.isArray(key) ||
    key.length !== keys.length ||
    !key.every((v, i) => isKeyValue(v) && (keys[i].path !== 'thingId' || v[0] === RANK.string))
  ) {
    throw errors.cursorInvalid('its sort key is malformed');
  }
  return key as KeyValue[];
}

function isKeyValue(v: unknown): v is KeyValue {
  if (!Array.isArray(v) || !Number.isInteger(v[0])) return false;
  switch (v[0]) {
    case RANK.number:
      return v.length === 2 && typeof v[1] === 'number';
    case RANK.string:
      return v.length === 2 && typeof v[1] === 'string';
    case RANK.boolean:
      return v.length === 2 && (v[1] === 0 || v[1] === 1);
    case RANK.null:
    case RANK.object:
    case RANK.array:
      return v.length === 1;
    default:
      return false;
  }
}
