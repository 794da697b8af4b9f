// The series points of a committed event: every number, boolean and string it sets in attributes
// or feature properties, at the time it was observed (or committed).
import type { TwinEvent } from '../core/events.js';
import type { JsonValue } from '../core/json.js';
import type { SeriesPoint } from '../store/series-store.js';

/** Escapes one pointer segment (`~` and `/`), as JSON pointers do. */
function escape(segment: string): string {
  return segment.includes('~') || segment.includes('/')
    ? segment.replace(/~/g, '~0').replace(/\//g, '~1')
    : segment;
}

/** True when a path (from the thing root) lies in what series keep: attributes and feature properties. */
export function isSeriesPath(segments: readonly string[]): boolean {
  if (segments[0] === 'attributes') return segments.length >= 2;
  return segments[0] === 'features' && segments[2] === 'properties' && segments.length >= 4;
}

/**
 * True when something under a path (from the thing root) may be kept: the path is kept itself or
 * lies above what is (the thing, `features`, a feature, its `properties`, `attributes`).
 */
function mayHoldKept(segments: readonly string[]): boolean {
  if (segments.length === 0) return true;
  if (segments[0] === 'attributes') return true;
  if (segments[0] !== 'features') return false;
  return segments.length < 3 || segments[2] === 'properties';
}

/**
 * Appends the points of `value` placed at `segments` to `out`: its scalar leaves that lie in
 * attributes or feature properties. Arrays are not series and are passed over; `null` (a merge
 * patch's deletion, or a value set to null) is no point.
 */
function collect(
  thingId: string,
  segments: string[],
  pointer: string,
  value: JsonValue,
  t: number,
  out: SeriesPoint[],
): void {
  if (value === null || Array.isArray(value)) return;
  if (typeof value === 'object') {
    if (!mayHoldKept(segments)) return;
    for (const key in value) {
      if (segments.length === 0 && key !== 'attributes' && key !== 'features') continue;
      segments.push(key);
      const child = pointer === '' ? escape(key) : `${pointer}/${escape(key)}`;
      collect(thingId, segments, child, value[key], t, out);
      segments.pop();
    }
    return;
  }
  if (isSeriesPath(segments)) out.push({ thingId, pointer, t, value });
}

/** Appends the series points of one committed event to `out` (none for a deletion). */
export function collectEventPoints(event: TwinEvent, out: SeriesPoint[]): void {
  if (event.action === 'deleted' || event.value === undefined) return;
  const t = event.observedAt ?? event.timestamp;
  const segments = [...event.path];
  if (!mayHoldKept(segments) && !isSeriesPath(segments)) return;
  collect(event.thingId, segments, segments.map(escape).join('/'), event.value, t, out);
}
