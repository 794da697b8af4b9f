// What a client wrote in a journaled revision, without what behaviour computed in it: the input a
// replay feeds a type, taken from an event that holds the write and its outputs as one change.
import type { JsonObject, JsonValue } from '../../core/json.js';
import { isJsonObject } from '../../core/json.js';
import { getAt, setAt } from '../../core/json-pointer.js';
import type { ThingChange } from '../../core/thing-change.js';
import { ThingDraft } from '../../types/thing-draft.js';

/** True when `path` is `pointer` or under it. */
export function isAtOrUnder(path: readonly string[], pointer: readonly string[]): boolean {
  if (path.length < pointer.length) return false;
  for (let i = 0; i < pointer.length; i++) if (path[i] !== pointer[i]) return false;
  return true;
}

/** `value` (a thing, or what sits at `base`) without the computed places at or under `base`. */
function withoutComputed(
  value: JsonValue,
  base: readonly string[],
  computed: readonly (readonly string[])[],
): JsonValue {
  if (!isJsonObject(value)) return value;
  // One draft: each object on the way to a computed place is copied once, whatever their number.
  let draft: ThingDraft | null = null;
  for (const pointer of computed) {
    if (pointer.length <= base.length || !isAtOrUnder(pointer, base)) continue;
    const rest = base.length === 0 ? pointer : pointer.slice(base.length);
    if (getAt(draft?.thing ?? value, rest) === undefined) continue;
    draft ??= new ThingDraft(value);
    draft.remove(rest);
  }
  return draft?.thing ?? value;
}

/** True when the merge patch holds nothing (an empty object, or objects of empty objects). */
function isEmptyPatch(value: JsonValue): boolean {
  if (!isJsonObject(value)) return false;
  for (const key in value) if (!isEmptyPatch(value[key])) return false;
  return true;
}

/** Places where `before` and `after` differ, as the smallest changes taking one to the other. */
export function differences(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: string[] = [],
  out: ThingChange[] = [],
): ThingChange[] {
  if (after === undefined) {
    if (before !== undefined) out.push({ action: 'deleted', path });
    return out;
  }
  if (isJsonObject(before) && isJsonObject(after)) {
    for (const key in before)
      if (!(key in after)) out.push({ action: 'deleted', path: [...path, key] });
    for (const key in after) differences(before[key], after[key], [...path, key], out);
    return out;
  }
  if (before === undefined || JSON.stringify(before) !== JSON.stringify(after))
    out.push({ action: 'modified', path, value: after });
  return out;
}

/** What a replay applies for one journaled event. */
export type InputStep =
  /** Apply `change`; `touched` are the changes the behaviour's `touches` looks at. */
  | { kind: 'change'; change: ThingChange; touched: ThingChange[]; replaceWhole: boolean }
  /** The event wrote only computed values (a timer's revision, for instance): nothing to feed. */
  | { kind: 'none' }
  | { kind: 'deleted' };

/**
 * The input of a journaled change: the change without the places in `computed` (pointers from the
 * thing root). A whole thing written as such (`modified` at the root: a write whose computed
 * values could not be joined as a merge patch, an alert object for instance) becomes the
 * differences of its inputs from `current`, the thing's inputs before it, since the journal no
 * longer tells which places the write named; a `created` thing touches everything.
 */
export function inputOf(
  change: ThingChange,
  computed: readonly (readonly string[])[],
  current: JsonObject | null,
): InputStep {
  const { action, path } = change;
  if (action === 'deleted' && path.length === 0) return { kind: 'deleted' };
  for (const pointer of computed) if (isAtOrUnder(path, pointer)) return { kind: 'none' };
  if (action === 'deleted')
    return { kind: 'change', change, touched: [change], replaceWhole: false };
  const value = withoutComputed(change.value as JsonValue, path, computed);
  if (action === 'merged') {
    if (isEmptyPatch(value) && !isEmptyPatch(change.value as JsonValue)) return { kind: 'none' };
    const stripped: ThingChange = value === change.value ? change : { action, path, value };
    return { kind: 'change', change: stripped, touched: [stripped], replaceWhole: false };
  }
  // Nothing computed was in it (a value written at a leaf, mostly): the change as it is.
  const stripped: ThingChange = value === change.value ? change : { action, path, value };
  if (path.length === 0 && action === 'modified' && current !== null) {
    const inputsBefore = withoutComputed(current, [], computed);
    const touched = differences(inputsBefore, value);
    if (touched.length === 0) return { kind: 'none' };
    return { kind: 'change', change: stripped, touched, replaceWhole: true };
  }
  return { kind: 'change', change: stripped, touched: [stripped], replaceWhole: path.length === 0 };
}

/** `thing` with the values at `pointers` taken from `from` (what a replay computed so far). */
export function carryComputed(
  thing: JsonObject,
  from: JsonObject | null,
  pointers: readonly (readonly string[])[],
): JsonObject {
  let result = thing;
  if (from === null) return result;
  for (const pointer of pointers) {
    const value = getAt(from, pointer);
    if (value !== undefined) result = setAt(result, pointer, value);
  }
  return result;
}
