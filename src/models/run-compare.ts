// Compare metrics of a predicted series against the actual one: alignment by linear interpolation,
// MAE, RMSE, MAPE, MASE and interval coverage (pure functions on arrays).

/** A predicted series: equal-length columns, `t` increasing; bounds both or neither. */
export interface Predicted {
  t: readonly number[];
  mean: readonly number[];
  lower: readonly number[] | null;
  upper: readonly number[] | null;
}

/** Actual points, oldest first (ties in the order they were written); non-finite values are skipped. */
export interface ActualPoints {
  t: readonly number[];
  v: readonly number[];
}

/** The error measures over the matched instants; null where they are not defined. */
export interface CompareMetrics {
  /** Run instants that got an actual value, and those that did not (left out of every measure). */
  matched: number;
  unmatched: number;
  /** Mean absolute error. */
  mae: number | null;
  /** Root mean squared error. */
  rmse: number | null;
  /** Mean absolute percentage error, in percent, over matched instants whose actual value is not 0. */
  mape: number | null;
  /** Matched instants left out of MAPE because their actual value is 0. */
  mapeSkipped: number;
  /**
   * Mean absolute scaled error: MAE divided by the MAE of the one-step naive forecast of the
   * aligned actual values (each matched instant predicted by the previous matched one). Null with
   * fewer than two matched instants or when that naive MAE is 0 (a constant actual series).
   */
  mase: number | null;
  /** Share of matched instants with lower <= actual <= upper; null without bounds or matches. */
  coverage: number | null;
}

/** The run's instants with the actual value matched to each (null when none could be). */
export interface Aligned {
  t: number[];
  actual: (number | null)[];
  mean: number[];
  lower?: number[];
  upper?: number[];
}

/** First index whose time is >= x (`strict`: > x) in ascending `t`. */
function search(t: readonly number[], x: number, strict: boolean): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? t[mid] <= x : t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The finite points of `actual`, sorted by time (stable, so ties keep their order). */
function cleaned(actual: ActualPoints): { t: number[]; v: number[] } {
  const points: [number, number][] = [];
  for (let i = 0; i < actual.t.length; i++)
    if (Number.isFinite(actual.v[i]) && Number.isFinite(actual.t[i]))
      points.push([actual.t[i], actual.v[i]]);
  points.sort((a, b) => a[0] - b[0]);
  return { t: points.map((p) => p[0]), v: points.map((p) => p[1]) };
}

/**
 * The actual value at each instant: the actual point at that very time (the last written when
 * several share it), else the linear interpolation between the nearest actual points before and
 * after it; null when there is no actual point on one side (before the first or after the last).
 *
 * @example alignActual([0, 5, 20], { t: [0, 10], v: [1, 3] }) // [1, 2, null]
 */
export function alignActual(instants: readonly number[], actual: ActualPoints): (number | null)[] {
  const { t, v } = cleaned(actual);
  return instants.map((x) => {
    const first = search(t, x, false);
    const after = search(t, x, true);
    if (first < after) return v[after - 1];
    if (first === 0 || first === t.length) return null;
    const [t0, t1, v0, v1] = [t[first - 1], t[first], v[first - 1], v[first]];
    return v0 + ((v1 - v0) * (x - t0)) / (t1 - t0);
  });
}

/** The metrics of `predicted` against actual values already aligned to its instants. */
export function metricsOf(
  predicted: Predicted,
  actual: readonly (number | null)[],
): CompareMetrics {
  let matched = 0;
  let absSum = 0;
  let sqSum = 0;
  let pctSum = 0;
  let pctCount = 0;
  let covered = 0;
  let naiveSum = 0;
  let naiveCount = 0;
  let previous: number | null = null;
  for (let i = 0; i < predicted.t.length; i++) {
    const a = actual[i];
    if (a === null) continue;
    matched++;
    const error = predicted.mean[i] - a;
    absSum += Math.abs(error);
    sqSum += error * error;
    if (a !== 0) {
      pctSum += Math.abs(error / a);
      pctCount++;
    }
    if (predicted.lower && predicted.upper && predicted.lower[i] <= a && a <= predicted.upper[i])
      covered++;
    if (previous !== null) {
      naiveSum += Math.abs(a - previous);
      naiveCount++;
    }
    previous = a;
  }
  const mae = matched === 0 ? null : absSum / matched;
  const naive = naiveCount === 0 ? 0 : naiveSum / naiveCount;
  return {
    matched,
    unmatched: predicted.t.length - matched,
    mae,
    rmse: matched === 0 ? null : Math.sqrt(sqSum / matched),
    mape: pctCount === 0 ? null : (100 * pctSum) / pctCount,
    mapeSkipped: matched - pctCount,
    mase: mae === null || naive === 0 ? null : mae / naive,
    coverage: predicted.lower && predicted.upper && matched > 0 ? covered / matched : null,
  };
}

/**
 * Compares a predicted series with actual points: aligns them ({@link alignActual}) and measures
 * ({@link metricsOf}).
 *
 * @example
 * compareSeries({ t: [0, 10], mean: [1, 2], lower: null, upper: null }, { t: [0, 10], v: [1, 4] })
 * // metrics.mae === 1, metrics.rmse === Math.SQRT2, metrics.mape === 25
 */
export function compareSeries(
  predicted: Predicted,
  actual: ActualPoints,
): { metrics: CompareMetrics; aligned: Aligned } {
  const values = alignActual(predicted.t, actual);
  const aligned: Aligned = { t: [...predicted.t], actual: values, mean: [...predicted.mean] };
  if (predicted.lower && predicted.upper) {
    aligned.lower = [...predicted.lower];
    aligned.upper = [...predicted.upper];
  }
  return { metrics: metricsOf(predicted, values), aligned };
}
