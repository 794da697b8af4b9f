// The rolling in-sample back-fit: forecasts from many origins inside the history and their errors
// by horizon step, plus the quantile functions the prediction intervals are built with.
import type { FittedModel } from './model.js';

/** The most (origin, horizon) pairs one back-fit evaluates; origins are thinned to stay below. */
export const MAX_BACK_FIT_PAIRS = 400_000;

/** The most origins one back-fit forecasts from. */
export const MAX_BACK_FIT_ORIGINS = 600;

/** In-sample h-step errors of a model over the history, by horizon step. */
export interface BackFit {
  /** Mean absolute error over every (origin, h ≤ horizon) pair. */
  mae: number;
  /** Mean squared error over the same pairs. */
  mse: number;
  pairs: number;
  /**
   * `errors[h - 1]`: the h-step errors (actual − forecast), newest origin first, origins `stride`
   * steps apart; only origins whose target lies inside the history, so shorter for long h.
   */
  errors: Float64Array[];
  /** Steps between consecutive back-fit origins. */
  stride: number;
  /** Standard deviation of the one-step in-sample errors. */
  oneStepSd: number;
  /** How many steps the origins span (last origin − first origin + 1). */
  originSpan: number;
}

/**
 * Forecasts from origins `firstOrigin`, … (thinned to at most {@link MAX_BACK_FIT_ORIGINS} origins
 * and {@link MAX_BACK_FIT_PAIRS} pairs) for
 * horizons 1 … `horizon` and collects the errors. Origins before `from` are skipped, so several
 * models can be compared on the same origins.
 */
export function backFit(y: Float64Array, model: FittedModel, horizon: number, from = 0): BackFit {
  const n = y.length;
  const first = Math.max(model.firstOrigin, from);
  const origins = Math.max(0, n - 1 - first);
  const stride = Math.max(
    1,
    Math.ceil(origins / MAX_BACK_FIT_ORIGINS),
    Math.ceil((origins * horizon) / MAX_BACK_FIT_PAIRS),
  );
  const lists: number[][] = Array.from({ length: horizon }, () => []);
  let absSum = 0;
  let sqSum = 0;
  let pairs = 0;
  let oneStepSq = 0;
  let oneStepCount = 0;
  // Thin from the end so the most recent origins are always in.
  for (let origin = n - 2; origin >= first; origin -= stride) {
    const last = Math.min(horizon, n - 1 - origin);
    const path = model.pathFrom(origin, last);
    for (let h = 1; h <= last; h++) {
      const e = y[origin + h] - path[h - 1];
      absSum += Math.abs(e);
      sqSum += e * e;
      pairs++;
      if (h === 1) {
        oneStepSq += e * e;
        oneStepCount++;
      }
      lists[h - 1].push(e);
    }
  }
  return {
    mae: pairs > 0 ? absSum / pairs : Number.NaN,
    mse: pairs > 0 ? sqSum / pairs : Number.NaN,
    pairs,
    errors: lists.map((list) => Float64Array.from(list)),
    stride,
    oneStepSd: oneStepCount > 1 ? Math.sqrt(oneStepSq / (oneStepCount - 1)) : Number.NaN,
    originSpan: Math.max(0, n - 1 - first),
  };
}

/** Linear-interpolated quantile of sorted values (type 7). */
export function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The standard normal quantile (Acklam's approximation, |error| < 1.2e-9 after refinement). */
export function normalQuantile(p: number): number {
  const a = [
    -39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472,
    2.50662827745924,
  ];
  const b = [
    -54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857,
  ];
  const c = [
    -0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373,
    4.37466414146497, 2.93816398269878,
  ];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

/** Student's t quantile by the Cornish–Fisher expansion in 1/ν (Abramowitz & Stegun 26.7.5). */
export function studentQuantile(p: number, nu: number): number {
  const z = normalQuantile(p);
  const z2 = z * z;
  return (
    z +
    (z * (z2 + 1)) / (4 * nu) +
    (z * ((5 * z2 + 16) * z2 + 3)) / (96 * nu * nu) +
    (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / (384 * nu ** 3)
  );
}
