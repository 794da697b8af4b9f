// Puts an irregular history onto a regular step grid ending at its last timestamp.
import { ForecastError } from './forecast-error.js';

/** A history on a regular grid: `v[i]` is the value at `end - (v.length - 1 - i) * stepMs`. */
export interface GridSeries {
  end: number;
  stepMs: number;
  v: Float64Array;
}

/** The most grid points a history may span (a guard against a tiny step over a long span). */
export const MAX_GRID_POINTS = 1_000_000;

/** The median spacing of sorted, distinct timestamps; NaN when there are fewer than two. */
export function medianSpacing(sortedT: ArrayLike<number>): number {
  const gaps: number[] = [];
  for (let i = 1; i < sortedT.length; i++) {
    const gap = sortedT[i] - sortedT[i - 1];
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return Number.NaN;
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  return gaps.length % 2 === 1 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
}

/**
 * Resamples `(t, v)` onto the grid `end - k * stepMs` (end = the last timestamp): each grid point
 * takes the mean of the samples within half a step of it; grid points with no sample are filled by
 * linear interpolation between the nearest filled ones. Samples need not be sorted.
 */
export function toGrid(t: ArrayLike<number>, v: ArrayLike<number>, stepMs: number): GridSeries {
  const order = Array.from({ length: t.length }, (_, i) => i).sort((a, b) => t[a] - t[b]);
  const first = t[order[0]];
  const end = t[order[order.length - 1]];
  const n = Math.floor((end - first) / stepMs + 0.5) + 1;
  if (n > MAX_GRID_POINTS) {
    throw new ForecastError(
      'history.tooLong',
      `the history spans ${n.toLocaleString('en-US')} steps of ${stepMs} ms; at most ` +
        `${MAX_GRID_POINTS.toLocaleString('en-US')} are supported: send a shorter history or a larger stepMs`,
    );
  }
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const i of order) {
    const k = n - 1 - Math.floor((end - t[i]) / stepMs + 0.5);
    if (k < 0) continue;
    sum[k] += v[i];
    count[k] += 1;
  }
  const out = new Float64Array(n);
  let previous = -1;
  for (let k = 0; k < n; k++) {
    if (count[k] === 0) continue;
    out[k] = sum[k] / count[k];
    if (previous >= 0 && k - previous > 1) {
      const a = out[previous];
      const b = out[k];
      for (let j = previous + 1; j < k; j++)
        out[j] = a + ((b - a) * (j - previous)) / (k - previous);
    }
    previous = k;
  }
  return { end, stepMs, v: out };
}
