// Pointers in type documents (`features/power/properties/kw`): parsed, checked, compared, and
// the `where` of an error naming a part of the document.
import { TwinfoldError } from '../core/errors.js';
import { assertFeatureId, assertKey } from '../core/ids.js';
import { formatPointer, parsePointer } from '../core/json-pointer.js';

/** Where a problem sits in the document: `windows/features~1power~1properties~1avg5m/op`. */
export function whereOf(...segments: string[]): string {
  return formatPointer(segments).slice(1);
}

/** The segments of a `where` (each key unescaped), to name a member below it. */
export function whereSegments(where: string): string[] {
  return where === '' ? [] : parsePointer(where);
}

/**
 * The segments of a pointer to a value a type may compute: `attributes/<key>…` or
 * `features/<id>/properties/<key>…`. Returns a reason instead when it is not one.
 */
export function outputSegments(pointer: string): string[] | string {
  return valueSegments(pointer, false);
}

/**
 * The segments of a pointer to a value a type may read (a window's or roll-up's `of`): as
 * {@link outputSegments}, and also `features/<id>/desiredProperties/<key>…`.
 */
export function inputSegments(pointer: string): string[] | string {
  return valueSegments(pointer, true);
}

function valueSegments(pointer: string, desiredAllowed: boolean): string[] | string {
  const shape = desiredAllowed
    ? "'attributes/<key>…', 'features/<id>/properties/<key>…' or 'features/<id>/desiredProperties/<key>…'"
    : "'attributes/<key>…' or 'features/<id>/properties/<key>…'";
  if (pointer.startsWith('/') || pointer.endsWith('/'))
    return `a pointer is ${shape} (no leading or trailing '/')`;
  const segments = parsePointer(pointer);
  const [root, featureId, section] = segments;
  const inFeature =
    root === 'features' &&
    segments.length >= 4 &&
    (section === 'properties' || (desiredAllowed && section === 'desiredProperties'));
  if (!(root === 'attributes' && segments.length >= 2) && !inFeature)
    return `a pointer is ${shape}`;
  try {
    if (root === 'features') assertFeatureId(featureId);
    for (const key of segments.slice(root === 'features' ? 3 : 1)) assertKey(key);
  } catch (err) {
    if (err instanceof TwinfoldError) return err.message;
    throw err;
  }
  return segments;
}

/** True when one pointer is the other or lies inside it (writing one can change the other). */
export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
