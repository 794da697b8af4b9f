// Known answers for the interval construction: per-step quantiles of back-fit errors, their
// smoothing, the independent-sample count behind them, and coverage of fresh draws.
import { describe, expect, it } from 'vitest';
import type { BackFit } from './back-fit.js';
import { forecast } from './forecast.js';
import {
  calibrateSteps,
  effectiveSamples,
  halfWidths,
  MIN_STEP_ERRORS,
  smallSampleInflation,
  weightedQuantile,
} from './intervals.js';
import type { FittedModel } from './model.js';

/** A seeded standard normal generator (mulberry32 + Box–Muller). */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const randomWalkModel: FittedModel = {
  method: 'test',
  firstOrigin: 0,
  pathFrom: (_origin, horizon) => new Float64Array(horizon),
  spread: (h) => Math.sqrt(h),
};

/**
 * The back-fit a random walk's last-value forecast would give: the error from origin o at step h is
 * the sum of the h innovations after o (overlapping windows), newest origin first.
 */
function randomWalkBackFit(origins: number, horizon: number, seed: number): BackFit {
  const noise = gaussian(seed);
  const innovations = Float64Array.from({ length: origins + horizon }, noise);
  const errors = Array.from({ length: horizon }, (_, i) => {
    const column = new Float64Array(origins);
    for (let k = 0; k < origins; k++) {
      const o = origins - 1 - k;
      let sum = 0;
      for (let j = 1; j <= i + 1; j++) sum += innovations[o + j];
      column[k] = sum;
    }
    return column;
  });
  return { mae: 0, mse: 0, pairs: 0, errors, stride: 1, oneStepSd: 1, originSpan: origins };
}

/** The share of fresh N(0, sd²) draws inside ±width. */
function freshCoverage(width: number, sd: number, seed: number, draws = 20_000): number {
  const noise = gaussian(seed);
  let inside = 0;
  for (let i = 0; i < draws; i++) if (Math.abs(sd * noise()) <= width) inside++;
  return inside / draws;
}

describe('prediction intervals', () => {
  it('effectiveSamples - white noise is worth its length, overlapping 20-step sums about 1/20 of it', () => {
    const noise = gaussian(1);
    const white = Float64Array.from({ length: 4000 }, noise);
    expect(effectiveSamples(white)).toBeGreaterThan(0.8 * 4000);
    expect(effectiveSamples(white)).toBeLessThanOrEqual(4000);
    const sums = new Float64Array(4000);
    for (let i = 0; i < 4000; i++) for (let j = 0; j < 20; j++) sums[i] += white[(i + j) % 4000];
    expect(effectiveSamples(sums)).toBeGreaterThan(4000 / 40);
    expect(effectiveSamples(sums)).toBeLessThan(4000 / 10);
  });

  it('smallSampleInflation - t over z: 1 for many samples, t_2 / z for two', () => {
    expect(smallSampleInflation(10_000, 0.8)).toBeCloseTo(1, 3);
    expect(smallSampleInflation(1, 0.8)).toBeCloseTo(smallSampleInflation(2, 0.8), 10);
    expect(smallSampleInflation(5, 0.8)).toBeCloseTo(1.476 / 1.2816, 2);
  });

  it('halfWidths - per step the level quantile of the errors: a random walk gives z·√h, and fresh draws are covered at the level, short and long', () => {
    const fit = randomWalkBackFit(20_000, 48, 2);
    const calibration = calibrateSteps(fit);
    for (const level of [0.8, 0.95]) {
      const widths = halfWidths(calibration, randomWalkModel, fit, level);
      const z = level === 0.8 ? 1.281552 : 1.959964;
      for (const h of [1, 2, 12, 48]) {
        expect(widths[h - 1] / (z * Math.sqrt(h)), `h=${h}`).toBeGreaterThan(0.95);
        expect(widths[h - 1] / (z * Math.sqrt(h)), `h=${h}`).toBeLessThan(1.07);
        const covered = freshCoverage(widths[h - 1], Math.sqrt(h), 10 + h);
        expect(covered, `h=${h}`).toBeGreaterThan(level - 0.03);
        expect(covered, `h=${h}`).toBeLessThan(level + 0.03);
      }
    }
  });

  it('halfWidths - widens a band learnt from few independent windows by t/z, not one from many', () => {
    // 400 origins: about 8 independent 48-step windows, but 400 one-step errors.
    const fit = randomWalkBackFit(400, 48, 3);
    const calibration = calibrateSteps(fit);
    const widths = halfWidths(calibration, randomWalkModel, fit, 0.8);
    const plenty = { ...calibration, samples: new Float64Array(48).fill(1e9) };
    const unwidened = halfWidths(plenty, randomWalkModel, fit, 0.8);
    expect(calibration.samples[47]).toBeLessThanOrEqual(400 / 48 + 1e-9);
    expect(calibration.samples[47]).toBeGreaterThan(3);
    expect(widths[47] / unwidened[47]).toBeCloseTo(
      smallSampleInflation(calibration.samples[47], 0.8),
      6,
    );
    expect(widths[47] / unwidened[47]).toBeGreaterThan(1.05);
    expect(widths[0] / unwidened[0]).toBeLessThan(1.003);
  });

  it('weightedQuantile - equal weights interpolate between order statistics', () => {
    const sorted = Float64Array.from([1, 2, 3, 4]);
    const cumulative = Float64Array.from([0.25, 0.5, 0.75, 1]);
    expect(weightedQuantile(sorted, cumulative, 0.5)).toBeCloseTo(2, 10);
    expect(weightedQuantile(sorted, cumulative, 0.6)).toBeCloseTo(2.4, 10);
    expect(weightedQuantile(sorted, cumulative, 0.1)).toBe(1);
    expect(weightedQuantile(sorted, cumulative, 1)).toBe(4);
  });

  it('calibrateSteps - an error counts half when its target is half the origin span old', () => {
    // The newest 300 errors are ±2, the oldest 300 ±1: the old ones hold 1/3 of the weight
    // (Σ 2^(−k/300) over k = 300 … 599 over the sum over k = 0 … 599), not half.
    const column = Float64Array.from(
      { length: 600 },
      (_, k) => (k % 2 ? -1 : 1) * (k < 300 ? 2 : 1),
    );
    const fit: BackFit = {
      mae: 0,
      mse: 0,
      pairs: 0,
      errors: [column],
      stride: 1,
      oneStepSd: 1,
      originSpan: 600,
    };
    const calibration = calibrateSteps(fit);
    expect(calibration.cumulative[0]?.[299]).toBeCloseTo(1 / 3, 10);
    const plenty = { ...calibration, samples: Float64Array.of(1e9) };
    expect(halfWidths(plenty, randomWalkModel, fit, 0.3)[0]).toBeCloseTo(1, 6);
    expect(halfWidths(plenty, randomWalkModel, fit, 0.4)[0]).toBeGreaterThan(1);
    // Unequal weights are worth fewer samples (Kish): here 600 · (Σw)² / (600 · Σw²) ≈ 0.93 · 600.
    expect(calibration.samples[0]).toBeLessThan(0.95 * 600);
    expect(calibration.samples[0]).toBeGreaterThan(0.85 * 600);
  });

  it('halfWidths - averages a step with its neighbours within ±h/8, and never narrows', () => {
    // Every step's |errors| are exactly its own constant, except one outlier step.
    const horizon = 64;
    const level = (h: number) => (h === 40 ? 80 : h);
    const errors = Array.from({ length: horizon }, (_, i) =>
      Float64Array.from({ length: 100 }, (_, k) => (k % 2 === 0 ? 1 : -1) * level(i + 1)),
    );
    const fit: BackFit = {
      mae: 0,
      mse: 0,
      pairs: 0,
      errors,
      stride: 100,
      oneStepSd: 1,
      originSpan: 1e4,
    };
    const calibration = { ...calibrateSteps(fit), samples: new Float64Array(horizon).fill(1e9) };
    const widths = halfWidths(calibration, randomWalkModel, fit, 0.8);
    expect(widths[0]).toBeCloseTo(1, 6);
    expect(widths[3]).toBeCloseTo(4, 6); // ±round(4/8) = ±1 → mean of 3, 4, 5 = 4
    // Step 40 averages 35 … 45 with itself at 80: (35 + … + 45 − 40 + 80) / 11.
    expect(widths[39]).toBeCloseTo((440 + 40) / 11, 6);
    for (let i = 1; i < horizon; i++) expect(widths[i]).toBeGreaterThanOrEqual(widths[i - 1]);
  });

  it('halfWidths - past the steps with enough errors grows as the model spread says; with none, Gaussian', () => {
    const fit = randomWalkBackFit(MIN_STEP_ERRORS + 10, 8, 4);
    // Steps 5 … 8 keep too few errors (a short history seen at long horizons).
    for (let i = 4; i < 8; i++) fit.errors[i] = fit.errors[i].subarray(0, MIN_STEP_ERRORS - 1);
    const widths = halfWidths(calibrateSteps(fit), randomWalkModel, fit, 0.8);
    expect(widths[7] / widths[3]).toBeCloseTo(Math.sqrt(8 / 4), 6);
    const none: BackFit = { ...fit, errors: fit.errors.map((e) => e.subarray(0, 3)), oneStepSd: 2 };
    const gaussianWidths = halfWidths(calibrateSteps(none), randomWalkModel, none, 0.8);
    expect(gaussianWidths[0]).toBeCloseTo(1.281552 * 2, 5);
    expect(gaussianWidths[3]).toBeCloseTo(1.281552 * 2 * 2, 5);
  });

  it('forecast - an AR(1) series: the 80 % and 95 % bands cover fresh continuations at the level, 5 min and 5 h ahead', () => {
    const phi = 0.9;
    const noise = gaussian(5);
    const v: number[] = [];
    let x = 0;
    for (let i = 0; i < 4000; i++) v.push(50 + (x = phi * x + noise()));
    const t = v.map((_, i) => 1_700_000_000_000 + i * 300_000);
    const steps = 60;
    const r = forecast({ t, v }, { horizonMs: steps * 300_000, method: 'ar', levels: [0.8, 0.95] });
    const fresh = gaussian(6);
    const inside = r.bands.map(() => ({ first: 0, last: 0 }));
    const draws = 4000;
    for (let d = 0; d < draws; d++) {
      let state = x;
      for (let h = 1; h <= steps; h++) {
        state = phi * state + fresh();
        if (h !== 1 && h !== steps) continue;
        r.bands.forEach((band, b) => {
          const value = 50 + state;
          if (value >= band.lower[h - 1] && value <= band.upper[h - 1])
            inside[b][h === 1 ? 'first' : 'last']++;
        });
      }
    }
    for (const [b, level] of [0.8, 0.95].entries()) {
      for (const at of ['first', 'last'] as const) {
        expect(inside[b][at] / draws, `${level} ${at}`).toBeGreaterThan(level - 0.05);
        expect(inside[b][at] / draws, `${level} ${at}`).toBeLessThan(Math.min(0.995, level + 0.05));
      }
    }
  });
});
