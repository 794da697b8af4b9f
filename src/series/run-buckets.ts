// A run's predicted series in buckets, as a series read gives them: its mean aggregated as asked,
// its bounds averaged, empty buckets filled.
import type { Buckets, SeriesValue } from '../store/series-store.js';
import { fillBuckets } from './bucket-fill.js';
import { bucketStart, type SeriesWindow } from './series-window.js';

/** The predicted columns of a run series: instants, mean and optional bounds. */
export interface PredictedColumns {
  t: number[];
  mean: number[];
  lower?: number[];
  upper?: number[];
}

/**
 * The columns of a run series over a window: the instants in `[from, to]` (raw), or buckets of
 * `step` with each aggregation of `mean` (named as in a series read) and `lower`/`upper` averaged.
 */
export function runColumns(
  series: PredictedColumns,
  window: SeriesWindow,
): Record<string, (SeriesValue | null)[]> {
  const keep: number[] = [];
  series.t.forEach((t, i) => {
    if (t >= window.from && t <= window.to) keep.push(i);
  });
  const pick = (column: number[]) => keep.map((i) => column[i]);
  if (window.step === null) {
    const raw: Record<string, (SeriesValue | null)[]> = {
      t: pick(series.t),
      mean: pick(series.mean),
    };
    if (series.lower && series.upper) {
      raw.lower = pick(series.lower);
      raw.upper = pick(series.upper);
    }
    return raw;
  }
  const step = window.step;
  const starts: number[] = [];
  const groups: number[][] = [];
  for (const i of keep) {
    const start = bucketStart(series.t[i], step);
    if (starts[starts.length - 1] !== start) {
      starts.push(start);
      groups.push([]);
    }
    groups[groups.length - 1].push(i);
  }
  const avg = (column: number[], group: number[]) =>
    group.reduce((sum, i) => sum + column[i], 0) / group.length;
  const values: Buckets['values'] = {};
  for (const aggregation of window.aggregations) {
    values[aggregation] = groups.map((group) => {
      const m = group.map((i) => series.mean[i]);
      switch (aggregation) {
        case 'avg':
          return avg(series.mean, group);
        case 'min':
          return Math.min(...m);
        case 'max':
          return Math.max(...m);
        case 'sum':
          return m.reduce((a, b) => a + b, 0);
        case 'count':
          return m.length;
        case 'first':
          return m[0];
        case 'last':
          return m[m.length - 1];
      }
    });
  }
  const bounds = series.lower && series.upper ? { lower: series.lower, upper: series.upper } : null;
  const filled = fillBuckets(
    { t: starts, values, source: 'raw' },
    { from: window.from, to: window.to, step },
    window.aggregations,
    window.fill,
  );
  const out: Record<string, (SeriesValue | null)[]> = { t: filled.t };
  for (const aggregation of window.aggregations)
    out[aggregation] = filled.values[aggregation] ?? [];
  if (bounds) {
    for (const name of ['lower', 'upper'] as const) {
      const byStart = new Map(starts.map((start, k) => [start, avg(bounds[name], groups[k])]));
      out[name] = filled.t.map((start) => byStart.get(start) ?? null);
    }
  }
  return out;
}
