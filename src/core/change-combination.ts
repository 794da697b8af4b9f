// Several changes planned for one revision of a thing, as the one change its event journals.
import type { JsonObject, JsonValue } from './json.js';
import { jsonEqual } from './json-equal.js';
import { getAt } from './json-pointer.js';
import { METADATA } from './metadata.js';
import { isRelationPath, RELATIONS } from './relations.js';
import { applyChange, type ThingChange } from './thing-change.js';
import type { PlannedChange } from './thing-commands.js';

/**
 * A merge patch under construction, and whether it may say something other than the changes it
 * was built from: `exact` stays true while no change went into or under a value an earlier one
 * replaced (a merge into a replaced value merges into the old one instead) and no key is one of
 * Ditto's deletion keys (`{{ ~regex~ }}`, whose order against later keys matters).
 */
interface PatchBuild {
  patch: JsonObject;
  exact: boolean;
}

/**
 * The patch object at the first `depth` keys of `path` from `node`, made where missing (a value an
 * earlier change put on the way is replaced, and the patch no longer sure to be exact).
 */
function objectAt(build: PatchBuild, node: JsonObject, path: string[], depth: number): JsonObject {
  for (let i = 0; i < depth; i++) {
    const child = node[path[i]];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      if (child !== undefined) build.exact = false;
      node[path[i]] = {};
    }
    node = node[path[i]] as JsonObject;
  }
  return node;
}

/** Sets `value` at `path` in the patch under construction. */
function patchAt(build: PatchBuild, path: string[], value: JsonValue): void {
  // A deletion's null under a deletion key would delete what its regex matches instead.
  if (value === null && path[path.length - 1].startsWith('{{')) build.exact = false;
  objectAt(build, build.patch, path, path.length - 1)[path[path.length - 1]] = value;
}

/** A copy of a patch's objects (the patch built is changed in place; the changes' values are not). */
function copyOf(build: PatchBuild, value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const copy: JsonObject = {};
  for (const key in value) {
    if (key.startsWith('{{')) build.exact = false;
    copy[key] = copyOf(build, value[key]);
  }
  return copy;
}

/** Merges merge patch `later` into the patch at `path`, as applying one after the other would. */
function composeAt(build: PatchBuild, node: JsonObject, path: string[], later: JsonValue): void {
  if (path.length > 0) {
    node = objectAt(build, node, path, path.length - 1);
    const key = path[path.length - 1];
    const current = node[key];
    const laterIsObject = later !== null && typeof later === 'object' && !Array.isArray(later);
    if (
      laterIsObject &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
    ) {
      for (const [k, v] of Object.entries(later)) {
        if (k.startsWith('{{')) build.exact = false;
        composeAt(build, current, [k], v);
      }
    } else {
      if (laterIsObject && current !== undefined) build.exact = false;
      node[key] = copyOf(build, later);
    }
    return;
  }
  if (later === null || typeof later !== 'object' || Array.isArray(later)) return;
  for (const [k, v] of Object.entries(later)) {
    if (k.startsWith('{{')) build.exact = false;
    composeAt(build, node, [k], v);
  }
}

/**
 * A merge patch doing what the changes do, when one can (scalars, arrays, objects without nulls,
 * deletions, merges), else null; with whether it is sure to replay to the same thing (see {@link PatchBuild}).
 */
function asMergePatch(before: JsonObject, changes: readonly ThingChange[]): PatchBuild | null {
  const build: PatchBuild = { patch: {}, exact: true };
  for (const { action, path, value } of changes) {
    // A relation's removal also prunes what points to it; a merge's null does not.
    if (isRelationPath(path)) build.exact = false;
    if (action === 'merged') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
      if (path.length === 0 && RELATIONS in value) build.exact = false;
      composeAt(build, build.patch, path, value as JsonValue);
      continue;
    }
    if (path.length === 0) return null;
    if (action === 'deleted') {
      // Deleting under a missing object changes nothing; a merge's null there makes the object.
      if (!parentIsObject(before, path)) build.exact = false;
      patchAt(build, path, null);
    } else if (action !== 'modified' || value === null || value === undefined) return null;
    else if (typeof value !== 'object' || Array.isArray(value)) patchAt(build, path, value);
    else {
      // An object replaces the value there: its members, and null for each one it drops.
      const replacing = replacingPatch(getAt(before, path), value);
      if (replacing === null) return null;
      patchAt(build, path, replacing);
    }
  }
  return build;
}

/**
 * The merge patch that turns `old` (the value in the thing before the revision) into `value`: the
 * members of `value`, and null for each member of `old` that `value` lacks, at every depth; null
 * when `value` holds a null member somewhere (a merge patch's null deletes). Whatever changes went
 * before at the same place, the patch replaces theirs there: a merge applies it to `old`. A dropped
 * Ditto deletion key (`{{ ~regex~ }}`: null) may delete more members of `old` than itself, but
 * only ones the patch drops too or sets again whole (what it sets applies to nothing as to `old`).
 */
function replacingPatch(old: JsonValue | undefined, value: JsonObject): JsonObject | null {
  const patch: JsonObject = {};
  const was = old !== null && typeof old === 'object' && !Array.isArray(old) ? old : undefined;
  if (was !== undefined) for (const key in was) if (!Object.hasOwn(value, key)) patch[key] = null;
  for (const key in value) {
    const member = value[key];
    if (member === null) return null;
    if (typeof member !== 'object' || Array.isArray(member)) patch[key] = member;
    else {
      const inner = replacingPatch(
        was !== undefined && Object.hasOwn(was, key) ? was[key] : undefined,
        member,
      );
      if (inner === null) return null;
      patch[key] = inner;
    }
  }
  return patch;
}

/** True when the object holding the last segment of `path` is in `thing`. */
function parentIsObject(thing: JsonObject, path: readonly string[]): boolean {
  let node: JsonValue = thing;
  for (let i = 0; i < path.length - 1; i++) {
    node = (node as JsonObject)[path[i]];
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  }
  return true;
}

/**
 * One change that takes `before` to `next`, the thing after all of `changes` (applied in order),
 * for a revision holding several changes (a write and the values derived from it): a merge of the
 * changed values when that says exactly the same, else the whole thing. Its `created` is the
 * first change's (the resource the request addressed).
 *
 * @example
 * combineChanges(thing, [write.change, derived], next, false).change // { action: 'merged', path: [], value: {...} }
 */
export function combineChanges(
  before: JsonObject | null,
  changes: readonly ThingChange[],
  next: JsonObject | null,
  created: boolean,
): PlannedChange {
  if (next === null) return { change: { action: 'deleted', path: [] }, next, created };
  if (before === null)
    return { change: { action: 'created', path: [], value: next }, next, created };
  const build = asMergePatch(before, changes);
  if (build !== null) {
    const change: ThingChange = { action: 'merged', path: [], value: build.patch };
    // Metadata goes with the values a change removes, by rules a merge states differently.
    const sure = build.exact && before[METADATA] === undefined;
    if (sure || jsonEqual(applyChange(before, change), next)) return { change, next, created };
  }
  return { change: { action: 'modified', path: [], value: next }, next, created };
}
