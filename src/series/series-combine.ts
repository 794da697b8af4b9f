// Adds up or averages several series per bucket (e.g. the power of every host of a datacenter).
import type { Aggregation } from '../store/series-store.js';
import type { Combine } from './series-bodies.js';
import type { SeriesColumns } from './series-service.js';

/**
 * One series of the buckets of all: for each bucket start any of them has, each aggregation's
 * numbers summed or averaged over the series that have one there (null when none has). `count`
 * is always summed.
 */
export function combineSeries(
  all: readonly SeriesColumns[],
  aggregations: readonly Aggregation[],
  how: Combine,
): SeriesColumns {
  const starts = new Set<number>();
  for (const columns of all) for (const t of columns.t) starts.add(t);
  const t = [...starts].sort((a, b) => a - b);
  const at = new Map<number, number>();
  t.forEach((start, i) => at.set(start, i));
  const combined: SeriesColumns = { t };
  for (const aggregation of aggregations) {
    const sums = new Array<number>(t.length).fill(0);
    const counts = new Array<number>(t.length).fill(0);
    for (const columns of all) {
      const column = columns[aggregation] ?? [];
      for (let i = 0; i < columns.t.length; i++) {
        const value = column[i];
        if (typeof value !== 'number') continue;
        const k = at.get(columns.t[i]) as number;
        sums[k] += value;
        counts[k]++;
      }
    }
    combined[aggregation] = sums.map((sum, k) =>
      counts[k] === 0 ? null : how === 'avg' && aggregation !== 'count' ? sum / counts[k] : sum,
    );
  }
  return combined;
}
