// The differences between two JSON values, leaf by leaf: what a twin's revision changed against another.
import { pointerOf, type Json } from './thing-events.js';

export interface Difference {
  path: string;
  /** Absent when the value was added. */
  before?: Json;
  /** Absent when the value was removed. */
  after?: Json;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf (or array, or type change) that differs, in key order, by JSON pointer. */
export function diffJson(
  before: Json | undefined,
  after: Json | undefined,
  keys: string[] = [],
): Difference[] {
  if (isObject(before) && isObject(after)) {
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return names.flatMap((name) => diffJson(before[name], after[name], [...keys, name]));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const difference: Difference = { path: pointerOf(keys) };
  if (before !== undefined) difference.before = before;
  if (after !== undefined) difference.after = after;
  return [difference];
}
