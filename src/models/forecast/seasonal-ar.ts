// A seasonal mean profile plus AR(1) deviations: the forecast relaxes from the last deviation to
// the profile (the history's mean for each phase of the season, smoothed, shrunk to the mean).
import { type FittedModel } from './model.js';

/**
 * Fits the profile + AR(1) model with the given season length (1: AR(1) around the mean).
 *
 * The profile seen by an origin o uses y[0..o] only: for a phase p, the pooled mean of the values
 * whose phase lies within `smoothing` phases of p (default ±season/48: ±30 min of a day), pulled
 * toward the overall mean by an empirical-Bayes factor 1 − (noise of a phase mean) / (spread of
 * the phase means), the noise estimated from the spread within phases (a noiseless season is kept
 * whole, a season the days do not repeat is mostly dropped; half with only one season seen). φ is the
 * lag-1 least-squares estimate on the deviations from the whole history's profile, in [0, 0.9999].
 */
export function fitSeasonalAr(
  y: Float64Array,
  season: number,
  smoothing = Math.round(season / 48),
): FittedModel & { phi: number } {
  const n = y.length;
  const w = season > 1 ? Math.min(smoothing, (season - 1) >> 1) : 0;
  // cum[t] = y[t] + y[t - season] + …: the sum of one phase up to t.
  const cum = new Float64Array(n);
  let total = 0;
  const cumSq = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    cum[t] = y[t] + (t >= season ? cum[t - season] : 0);
    cumSq[t] = y[t] * y[t] + (t >= season ? cumSq[t - season] : 0);
  }
  const prefix = new Float64Array(n);
  for (let t = 0; t < n; t++) prefix[t] = total += y[t];

  const sums = new Float64Array(season);
  const counts = new Float64Array(season);
  /** The profile as origin `origin` sees it, one value per phase (into `profile`). */
  const profileAt = (origin: number, profile = new Float64Array(season)): Float64Array => {
    const mean = prefix[origin] / (origin + 1);
    profile.fill(mean);
    if (season === 1) return profile;
    sums.fill(0);
    counts.fill(0);
    let within = 0;
    let dof = 0;
    let phases = 0;
    let meanSum = 0;
    let meanSq = 0;
    let inverseCounts = 0;
    for (let p = 0; p < season; p++) {
      const last = origin - ((((origin - p) % season) + season) % season);
      if (last < 0) continue;
      sums[p] = cum[last];
      counts[p] = Math.floor(last / season) + 1;
      within += cumSq[last] - (cum[last] * cum[last]) / counts[p];
      dof += counts[p] - 1;
      const m = cum[last] / counts[p];
      phases++;
      meanSum += m;
      meanSq += m * m;
      inverseCounts += 1 / counts[p];
    }
    // Empirical Bayes: keep the share of the phase means' spread that their noise does not explain.
    const between = phases > 1 ? (meanSq - (meanSum * meanSum) / phases) / (phases - 1) : 0;
    const noise = dof > 0 ? (Math.max(0, within) / dof) * (inverseCounts / phases) : between / 2;
    const shrink = between > 0 ? Math.max(0, 1 - noise / between) : 0;
    let sum = 0;
    let count = 0;
    for (let d = -w; d <= w; d++) {
      const p = (d + season) % season;
      sum += sums[p];
      count += counts[p];
    }
    for (let p = 0; p < season; p++) {
      if (count > 0) profile[p] = mean + shrink * (sum / count - mean);
      const leaving = (p - w + season) % season;
      const entering = (p + w + 1) % season;
      sum += sums[entering] - sums[leaving];
      count += counts[entering] - counts[leaving];
    }
    return profile;
  };

  const full = profileAt(n - 1);
  let numerator = 0;
  let denominator = 0;
  let previous = y[0] - full[0];
  for (let t = 1; t < n; t++) {
    const x = y[t] - full[t % season];
    numerator += x * previous;
    denominator += previous * previous;
    previous = x;
  }
  const phi = denominator > 0 ? Math.min(0.9999, Math.max(0, numerator / denominator)) : 0;
  const phi2 = phi * phi;
  const scratch = new Float64Array(season);
  return {
    method: season > 1 ? 'seasonal-ar' : 'ar',
    firstOrigin: Math.max(season - 1, Math.min(n - 1, 3)),
    phi,
    pathFrom(origin, horizon) {
      const profile = origin === n - 1 ? full : profileAt(origin, scratch);
      const deviation = y[origin] - profile[origin % season];
      const out = new Float64Array(horizon);
      let power = 1;
      for (let h = 1; h <= horizon; h++) {
        power *= phi;
        out[h - 1] = profile[(origin + h) % season] + power * deviation;
      }
      return out;
    },
    spread: (h) => Math.sqrt(phi2 === 1 ? h : (1 - phi2 ** h) / (1 - phi2)),
  };
}
