// Whether a change writes at a place of a thing: what behaviour asks to know which inputs a write touched.
import type { ThingChange } from './thing-change.js';

/**
 * True when the change writes at `pointer` (segments from the thing root), at a parent of it or
 * under it, even when it writes the value that was there. A merge patch touches only the places it
 * names (a scalar or null in it replaces all under it).
 *
 * @example changeTouches({ action: 'merged', path: [], value: { a: { b: 1 } } }, ['a', 'c']) // false
 */
export function changeTouches(change: ThingChange, pointer: readonly string[]): boolean {
  const path = change.path;
  const shared = Math.min(path.length, pointer.length);
  for (let i = 0; i < shared; i++) if (path[i] !== pointer[i]) return false;
  if (path.length >= pointer.length || change.action !== 'merged') return true;
  let node = change.value;
  for (let i = path.length; i < pointer.length; i++) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return true;
    if (!Object.hasOwn(node, pointer[i])) return false;
    node = node[pointer[i]];
  }
  return true;
}
