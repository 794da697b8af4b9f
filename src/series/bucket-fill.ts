// Fills the empty buckets of an aggregated series read: with null, the previous bucket, or a line.
import type { Aggregation, Buckets, SeriesValue } from '../store/series-store.js';
import type { Fill } from './series-window.js';
import { bucketStart } from './series-window.js';

/** Aggregated columns of a read: `t` (bucket starts) and one column per aggregation. */
export type BucketColumns = Buckets;

/**
 * The buckets of `[from, to]` with the empty ones filled as `fill` says; `buckets` holds the
 * non-empty ones, ascending. Under every fill but `none` the answer holds every bucket from the
 * one holding `from` to the one holding `to`; an empty bucket's `count` is 0, its other columns:
 * `null` under `null`; the previous bucket's (null before the first non-empty one) under
 * `previous`; under `linear`, the line between the non-empty buckets around it when both hold
 * numbers, else null.
 */
export function fillBuckets(
  buckets: Buckets,
  range: { from: number; to: number; step: number },
  aggregations: readonly Aggregation[],
  fill: Fill,
): BucketColumns {
  if (fill === 'none') return buckets;
  const { step } = range;
  const first = bucketStart(range.from, step);
  const last = bucketStart(range.to, step);
  const t: number[] = [];
  /** For each bucket of the grid: its index in `buckets`, or -1 when it is empty. */
  const source: number[] = [];
  let k = 0;
  for (let start = first; start <= last; start += step) {
    while (k < buckets.t.length && buckets.t[k] < start) k++;
    t.push(start);
    source.push(k < buckets.t.length && buckets.t[k] === start ? k : -1);
  }
  const values: BucketColumns['values'] = {};
  for (const aggregation of aggregations) {
    const column = buckets.values[aggregation] ?? [];
    const out: (SeriesValue | null)[] = new Array<SeriesValue | null>(t.length);
    for (let i = 0; i < t.length; i++) out[i] = source[i] === -1 ? null : column[source[i]];
    if (aggregation === 'count') {
      for (let i = 0; i < t.length; i++) if (source[i] === -1) out[i] = 0;
    } else if (fill === 'previous') {
      for (let i = 1; i < t.length; i++) if (source[i] === -1) out[i] = out[i - 1];
    } else if (fill === 'linear') {
      interpolate(t, source, out);
    }
    values[aggregation] = out;
  }
  return { t, values, source: buckets.source };
}

/** Sets each empty bucket between two numeric ones to the line through them (in place). */
function interpolate(t: number[], source: number[], out: (SeriesValue | null)[]): void {
  let before = -1;
  for (let i = 0; i < t.length; i++) {
    if (source[i] === -1) continue;
    const a = out[before];
    const b = out[i];
    if (before !== -1 && i - before > 1 && typeof a === 'number' && typeof b === 'number') {
      for (let j = before + 1; j < i; j++)
        out[j] = a + ((b - a) * (t[j] - t[before])) / (t[i] - t[before]);
    }
    before = i;
  }
}
