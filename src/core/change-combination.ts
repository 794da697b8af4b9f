// Several changes planned for one revision of a thing, as the one change its event journals.
import type { JsonObject, JsonValue } from './json.js';
import { jsonEqual } from './json-equal.js';
import { applyChange, type ThingChange } from './thing-change.js';
import type { PlannedChange } from './thing-commands.js';

/** Sets `value` at `path` in a merge patch under construction. */
function patchAt(patch: JsonObject, path: string[], value: JsonValue): void {
  let node = patch;
  for (let i = 0; i < path.length - 1; i++) {
    const child = node[path[i]];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) node[path[i]] = {};
    node = node[path[i]] as JsonObject;
  }
  node[path[path.length - 1]] = value;
}

/** A copy of a patch's objects (the patch built is changed in place; the changes' values are not). */
function copyOf(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const copy: JsonObject = {};
  for (const key in value) copy[key] = copyOf(value[key]);
  return copy;
}

/** Merges merge patch `later` into `patch` at `path`, as applying one after the other would. */
function composeAt(patch: JsonObject, path: string[], later: JsonValue): void {
  if (path.length > 0) {
    const parent = path.slice(0, -1);
    let node = patch;
    for (const key of parent) {
      const child = node[key];
      if (child === null || typeof child !== 'object' || Array.isArray(child)) node[key] = {};
      node = node[key] as JsonObject;
    }
    const key = path[path.length - 1];
    const current = node[key];
    if (
      later !== null &&
      typeof later === 'object' &&
      !Array.isArray(later) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
    ) {
      for (const [k, v] of Object.entries(later)) composeAt(current, [k], v);
    } else node[key] = copyOf(later);
    return;
  }
  if (later === null || typeof later !== 'object' || Array.isArray(later)) return;
  for (const [k, v] of Object.entries(later)) composeAt(patch, [k], v);
}

/**
 * A merge patch doing what the changes do, when one can (scalars, arrays, deletions, merges),
 * else null. The caller checks that it replays to the same thing (a merge into what an earlier
 * change replaced may not).
 */
function asMergePatch(changes: ThingChange[]): JsonObject | null {
  const patch: JsonObject = {};
  for (const { action, path, value } of changes) {
    if (action === 'merged') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
      composeAt(patch, path, value as JsonValue);
      continue;
    }
    if (path.length === 0) return null;
    if (action === 'deleted') patchAt(patch, path, null);
    else if (
      action === 'modified' &&
      value !== null &&
      (typeof value !== 'object' || Array.isArray(value))
    )
      patchAt(patch, path, value as JsonValue);
    else return null;
  }
  return patch;
}

/**
 * One change that takes `before` to the thing after all of `planned` (applied in order), for a
 * revision holding several changes (a write and the values derived from it): a merge of the
 * changed values when that says exactly the same, else the whole thing. Its `created` is the
 * first change's (the resource the request addressed).
 *
 * @example
 * combineChanges(thing, [write, derived]).change // { action: 'merged', path: [], value: {...} }
 */
export function combineChanges(before: JsonObject | null, planned: PlannedChange[]): PlannedChange {
  if (planned.length === 1) return planned[0];
  const next = planned[planned.length - 1].next;
  const created = planned[0].created;
  if (next === null) return { change: { action: 'deleted', path: [] }, next, created };
  if (before === null)
    return { change: { action: 'created', path: [], value: next }, next, created };
  const patch = asMergePatch(planned.map((p) => p.change));
  if (patch !== null) {
    const change: ThingChange = { action: 'merged', path: [], value: patch };
    if (jsonEqual(applyChange(before, change), next)) return { change, next, created };
  }
  return { change: { action: 'modified', path: [], value: next }, next, created };
}
