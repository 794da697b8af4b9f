// Prediction intervals from the back-fit: per horizon step, the empirical quantile of the in-sample
// h-step errors (recent ones weighing more), smoothed across neighbouring steps and widened for
// the few independent errors behind it.
import { normalQuantile, studentQuantile, type BackFit } from './back-fit.js';
import type { FittedModel } from './model.js';

/** Fewest back-fit errors a horizon step needs before its own quantile is used. */
export const MIN_STEP_ERRORS = 40;

/**
 * Half-width of the window of neighbouring steps a step's quantile is averaged over, as a share of
 * h: errors change with the horizon on a relative scale (h = 200 is like h = 220, h = 2 not like 4).
 */
export const SMOOTHING_SHARE = 1 / 8;

/**
 * The age (of an error's target, in steps) at which an error counts half, as a share of the span
 * of back-fit origins: the oldest errors count a quarter. How large errors are drifts (a cluster
 * gets busier), and the recent ones say more about the next; a share keeps this scale-free.
 */
export const RECENCY_HALF_LIFE_SHARE = 1 / 2;

/**
 * The number of independent errors a series of errors is worth: its length divided by its
 * integrated autocorrelation time 1 + 2·Σρ_k, the sum stopped at the first pair of lags
 * (2m − 1, 2m) whose ρ add up to no more than 0 (Geyer's initial positive sequence). Overlapping h-step errors give about
 * length·stride/h; errors that persist longer (a whole day off the profile) give fewer.
 *
 * @example
 * effectiveSamples(Float64Array.from(whiteNoise)) // ≈ its length
 */
export function effectiveSamples(errors: Float64Array): number {
  const n = errors.length;
  if (n < 3) return n;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += errors[i];
  mean /= n;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += (errors[i] - mean) ** 2;
  if (!(c0 > 0)) return n;
  const rho = (k: number): number => {
    let ck = 0;
    for (let i = k; i < n; i++) ck += (errors[i] - mean) * (errors[i - k] - mean);
    return ck / c0;
  };
  // Sums of adjacent pairs of autocorrelations stay positive until the noise floor (Geyer 1992).
  let tau = 1;
  for (let k = 1; k + 1 < n >> 1; k += 2) {
    const pair = rho(k) + rho(k + 1);
    if (!(pair > 0)) break;
    tau += 2 * pair;
  }
  return n / Math.max(1, tau);
}

/**
 * How much wider than the in-sample quantile the band is made when it was learnt from `samples`
 * independent errors: the factor t_ν / z with ν = samples (at least 2). About 1 for hundreds of
 * independent errors, large for a day ahead learnt from three days.
 */
export function smallSampleInflation(samples: number, level: number): number {
  const nu = Math.max(2, samples);
  const p = (1 + level) / 2;
  return studentQuantile(p, nu) / normalQuantile(p);
}

/** Horizon steps (1-based) at which the autocorrelation time is measured: every one, then ~12 % apart. */
function measuredSteps(horizon: number): number[] {
  const steps: number[] = [];
  for (let h = 1; h <= horizon; h = Math.max(h + 1, Math.round(h * 1.125))) steps.push(h);
  if (steps[steps.length - 1] !== horizon) steps.push(horizon);
  return steps;
}

/**
 * What the back-fit says about the band at each step, level aside: each step's absolute errors in
 * ascending order with their cumulative recency weights, and the independent errors behind it.
 */
export interface StepCalibration {
  /** `sortedAbs[h - 1]`: |h-step errors| ascending, or null when fewer than {@link MIN_STEP_ERRORS}. */
  sortedAbs: (Float64Array | null)[];
  /** `cumulative[h - 1][k]`: the share of the weight of the errors up to `sortedAbs[h - 1][k]`. */
  cumulative: (Float64Array | null)[];
  /** Independent errors at each step (interpolated between measured steps). */
  samples: Float64Array;
}

/** Sorts each step's errors, weighs them by recency and counts the independent ones, once. */
export function calibrateSteps(fit: BackFit): StepCalibration {
  const horizon = fit.errors.length;
  const halfLife = Math.max(1, fit.originSpan * RECENCY_HALF_LIFE_SHARE);
  // Errors are newest first, `stride` steps apart: the k-th one's target is k·stride steps old.
  const weightOf = (k: number) => 2 ** ((-k * fit.stride) / halfLife);
  const sortedAbs: (Float64Array | null)[] = [];
  const cumulative: (Float64Array | null)[] = [];
  /** Kish's share of the errors' count their unequal weights leave: (Σw)² / (n·Σw²). */
  const kish = new Float64Array(horizon).fill(1);
  fit.errors.forEach((column, i) => {
    const n = column.length;
    if (n < MIN_STEP_ERRORS) {
      sortedAbs.push(null);
      cumulative.push(null);
      return;
    }
    const order = Uint32Array.from({ length: n }, (_, k) => k).sort(
      (a, b) => Math.abs(column[a]) - Math.abs(column[b]),
    );
    const sorted = new Float64Array(n);
    const cum = new Float64Array(n);
    let total = 0;
    let squares = 0;
    for (let k = 0; k < n; k++) {
      const w = weightOf(order[k]);
      sorted[k] = Math.abs(column[order[k]]);
      cum[k] = total += w;
      squares += w * w;
    }
    for (let k = 0; k < n; k++) cum[k] /= total;
    kish[i] = (total * total) / (n * squares);
    sortedAbs.push(sorted);
    cumulative.push(cum);
  });
  const samples = new Float64Array(horizon);
  const measured = measuredSteps(horizon).filter((h) => sortedAbs[h - 1] !== null);
  // The fewer of two counts: errors from overlapping h-step windows are worth at most one per h
  // steps of origins, and fewer when the errors persist longer than that.
  const at = measured.map(
    (h) =>
      kish[h - 1] *
      Math.min(effectiveSamples(fit.errors[h - 1]), (fit.errors[h - 1].length * fit.stride) / h),
  );
  let k = 0;
  for (let h = 1; h <= horizon; h++) {
    while (k + 1 < measured.length && measured[k + 1] <= h) k++;
    if (measured.length === 0) samples[h - 1] = fit.errors[h - 1].length;
    else if (h <= measured[k] || k + 1 >= measured.length) samples[h - 1] = at[k];
    else {
      const share = (h - measured[k]) / (measured[k + 1] - measured[k]);
      samples[h - 1] = at[k] + share * (at[k + 1] - at[k]);
    }
  }
  return { sortedAbs, cumulative, samples };
}

/**
 * The weighted `q` quantile: the smallest value whose cumulative weight share reaches q, linearly
 * interpolated from the value before it (equal weights give the type-4 quantile).
 */
export function weightedQuantile(
  sorted: Float64Array,
  cumulative: Float64Array,
  q: number,
): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < q) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return sorted[0];
  const below = cumulative[lo - 1];
  const share = (q - below) / (cumulative[lo] - below);
  return sorted[lo - 1] + share * (sorted[lo] - sorted[lo - 1]);
}

/**
 * The half-width of the central `level` band at each step 1 … horizon: the `level` quantile of the
 * absolute h-step in-sample errors weighted by recency ({@link RECENCY_HALF_LIFE_SHARE}), averaged (weighted by their counts) over the steps within
 * ±h·{@link SMOOTHING_SHARE} that have enough errors, times {@link smallSampleInflation} for the
 * independent errors behind it. Past the last step with enough errors the width grows as the
 * model's spread implies; with none, Gaussian with the one-step sd. It never narrows with h.
 */
export function halfWidths(
  calibration: StepCalibration,
  model: FittedModel,
  fit: BackFit,
  level: number,
): Float64Array {
  const { sortedAbs, cumulative, samples } = calibration;
  const horizon = sortedAbs.length;
  const raw = new Float64Array(horizon).fill(Number.NaN);
  for (let i = 0; i < horizon; i++) {
    const sorted = sortedAbs[i];
    const cum = cumulative[i];
    if (sorted && cum) raw[i] = weightedQuantile(sorted, cum, level);
  }
  const out = new Float64Array(horizon);
  let width = 0;
  let anchor = -1;
  for (let i = 0; i < horizon; i++) {
    const h = i + 1;
    let q: number;
    if (sortedAbs[i]) {
      const reach = Math.min(Math.round(h * SMOOTHING_SHARE), i, horizon - 1 - i);
      let sum = 0;
      let weight = 0;
      for (let j = i - reach; j <= i + reach; j++) {
        const sorted = sortedAbs[j];
        if (!sorted) continue;
        sum += raw[j] * sorted.length;
        weight += sorted.length;
      }
      q = (sum / weight) * smallSampleInflation(samples[i], level);
      anchor = i;
    } else if (anchor >= 0) {
      q = out[anchor] * (model.spread(h) / model.spread(anchor + 1));
    } else {
      const sd = Number.isFinite(fit.oneStepSd) ? fit.oneStepSd : 0;
      q = normalQuantile((1 + level) / 2) * sd * model.spread(h);
    }
    width = Math.max(width, q);
    out[i] = width;
  }
  return out;
}

/** The symmetric `level` band around `mean` (see {@link halfWidths}). */
export function intervals(
  mean: Float64Array,
  model: FittedModel,
  fit: BackFit,
  level: number,
  calibration: StepCalibration = calibrateSteps(fit),
): { lower: Float64Array; upper: Float64Array } {
  const widths = halfWidths(calibration, model, fit, level);
  const lower = new Float64Array(mean.length);
  const upper = new Float64Array(mean.length);
  for (let i = 0; i < mean.length; i++) {
    lower[i] = mean[i] - widths[i];
    upper[i] = mean[i] + widths[i];
  }
  return { lower, upper };
}
