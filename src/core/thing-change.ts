// Changes to a thing (the payload of events) and how each one is applied: used by writes and by replay.
import type { JsonObject, JsonValue } from './json.js';
import { deleteAt, getAt, setAt } from './json-pointer.js';
import { applyMergePatch } from './merge-patch.js';

export type ChangeAction = 'created' | 'modified' | 'merged' | 'deleted';

/** One change: `modified` sets `value` at `path`, `merged` merge-patches it, `deleted` removes it. */
export interface ThingChange {
  action: ChangeAction;
  /** Segments from the thing root; `[]` is the whole thing. */
  path: string[];
  value?: JsonValue;
}

/** Applies a change to a thing (`null` when absent), returning the new thing or `null` once deleted. */
export function applyChange(thing: JsonObject | null, change: ThingChange): JsonObject | null {
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
