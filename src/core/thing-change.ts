// Changes to a thing (the payload of events) and how each one is applied: used by writes and by replay.
import type { JsonObject, JsonValue } from './json.js';
import { deleteAt, getAt, setAt } from './json-pointer.js';
import { applyMergePatch } from './merge-patch.js';
import { METADATA, nullPaths, removeMetadataAt } from './metadata.js';
import { isRelationPath, prunedRelations } from './relations.js';

export type ChangeAction = 'created' | 'modified' | 'merged' | 'deleted';

/** One change: `modified` sets `value` at `path`, `merged` merge-patches it, `deleted` removes it. */
export interface ThingChange {
  action: ChangeAction;
  /** Segments from the thing root; `[]` is the whole thing. */
  path: string[];
  value?: JsonValue;
}

/**
 * Applies a change to a thing (`null` when absent), returning the new thing or `null` once deleted.
 * The metadata of values a change removes goes with them (a deletion, a merge patch's `null`s, a
 * value replaced by `{}`); a thing without metadata pays nothing for that.
 */
export function applyChange(thing: JsonObject | null, change: ThingChange): JsonObject | null {
  let next = applyValueChange(thing, change);
  if (next !== null && change.action === 'deleted' && isRelationPath(change.path))
    next = prunedRelations(next, change.path);
  if (next === null || next[METADATA] === undefined || change.action === 'created') return next;
  const { action, path, value } = change;
  if (action === 'deleted') return removeMetadataAt(next, path);
  if (action === 'merged') {
    if (value === null) return removeMetadataAt(next, path);
    let result = next;
    for (const removed of nullPaths(value, path)) result = removeMetadataAt(result, removed);
    return result;
  }
  if (path.length > 0 && isEmptyObject(value)) return removeMetadataAt(next, path);
  return next;
}

function isEmptyObject(value: JsonValue | undefined): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const _key in value) return false;
  return true;
}

function applyValueChange(thing: JsonObject | null, change: ThingChange): JsonObject | null {
  const { action, path, value } = change;
  if (path.length === 0) {
    if (action === 'deleted') return null;
    if (action === 'merged') return applyMergePatch(thing ?? {}, value as JsonValue) as JsonObject;
    return value as JsonObject;
  }
  const base = thing ?? {};
  if (action === 'deleted') return deleteAt(base, path);
  if (action === 'merged') {
    const merged = applyMergePatch(getAt(base, path), value as JsonValue);
    return merged === undefined ? deleteAt(base, path) : setAt(base, path, merged);
  }
  return setAt(base, path, value as JsonValue);
}
