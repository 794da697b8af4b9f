import { describe, expect, it } from 'vitest';
import { forecast, ForecastError, type ForecastOptions } from './index.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const STEP = 5 * MIN;

/** A seeded uniform generator (mulberry32), so every run sees the same noise. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(seed: number): () => number {
  const u = random(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function series(n: number, f: (i: number) => number, step = STEP, start = 1_700_000_000_000) {
  return {
    t: Array.from({ length: n }, (_, i) => start + i * step),
    v: Array.from({ length: n }, (_, i) => f(i)),
  };
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ForecastError);
    return `${(error as ForecastError).reason}: ${(error as Error).message}`;
  }
  throw new Error('expected a ForecastError');
}

describe('forecast', () => {
  it('seasonal-naive repeats the last season exactly, at the times after the history', () => {
    const noise = random(1);
    const h = series(3 * 24, () => Math.round(noise() * 100), HOUR);
    const result = forecast(h, { horizonMs: 48 * HOUR, method: 'seasonal-naive' });
    expect(result.seasonLength).toBe(24);
    expect(result.stepMs).toBe(HOUR);
    expect(result.method).toBe('seasonal-naive');
    const lastSeason = h.v.slice(-24);
    expect(result.mean).toEqual([...lastSeason, ...lastSeason]);
    expect(result.t[0]).toBe(h.t.at(-1)! + HOUR);
    expect(result.t.at(-1)).toBe(h.t.at(-1)! + 48 * HOUR);
  });

  it('extrapolates a pure linear trend (damped Holt, and the default ensemble stays close)', () => {
    const h = series(600, (i) => 50 + 0.2 * i);
    const holt = forecast(h, { horizonMs: HOUR, method: 'holt' });
    expect(holt.method).toBe('holt');
    holt.mean.forEach((m, k) => expect(m).toBeCloseTo(50 + 0.2 * (599 + k + 1), 1));
    // The intervals of an error-free fit are (nearly) zero wide.
    expect(holt.upper[11] - holt.lower[11]).toBeLessThan(0.05);
  });

  it('reproduces a noiseless daily season (Holt-Winters, profile + AR(1), and the default)', () => {
    const wave = (i: number) =>
      20 + 5 * Math.sin((2 * Math.PI * i) / 288) + 2 * Math.cos((4 * Math.PI * i) / 288);
    const h = series(4 * 288, wave);
    for (const method of ['holt-winters', 'seasonal-ar', 'auto'] as const) {
      const result = forecast(h, { horizonMs: 24 * HOUR, method });
      expect(result.seasonLength).toBe(288);
      const worst = Math.max(...result.mean.map((m, k) => Math.abs(m - wave(4 * 288 + k))));
      // The profile (alone or weighted in the default) is smoothed over ±30 min: ~1 % of the
      // amplitude (7) here.
      expect(worst, method).toBeLessThan(method === 'holt-winters' ? 0.02 : 0.1);
    }
  });

  it('intervals contain the mean, nest by level and widen with the horizon', () => {
    const step = gaussian(2);
    let level = 100;
    const h = series(2000, () => (level += step()));
    for (const method of ['auto', 'holt', 'ar', 'seasonal-naive'] as const) {
      const r = forecast(h, { horizonMs: 12 * HOUR, method, levels: [0.8, 0.95] });
      const [b80, b95] = r.bands;
      expect(r.level).toBe(0.8);
      expect(r.lower).toEqual(b80.lower);
      for (let k = 0; k < r.mean.length; k++) {
        expect(b95.lower[k]).toBeLessThanOrEqual(b80.lower[k]);
        expect(b80.lower[k]).toBeLessThanOrEqual(r.mean[k]);
        expect(b80.upper[k]).toBeGreaterThanOrEqual(r.mean[k]);
        expect(b95.upper[k]).toBeGreaterThanOrEqual(b80.upper[k]);
        if (k > 0) {
          expect(b95.upper[k] - b95.lower[k]).toBeGreaterThanOrEqual(
            b95.upper[k - 1] - b95.lower[k - 1] - 1e-9,
          );
        }
      }
      // A random walk: the 12 h band is much wider than the 5-minute one. Seasonal-naive's error
      // is a day's change at every horizon up to a day: its band is as wide at 5 min as at 12 h.
      const first = b95.upper[0] - b95.lower[0];
      const last = b95.upper.at(-1)! - b95.lower.at(-1)!;
      if (method === 'seasonal-naive') expect(last).toBeLessThan(2 * first);
      else expect(last, method).toBeGreaterThan(3 * first);
    }
  });

  it('covers a Gaussian-noise series near the nominal level, out of sample', () => {
    const noise = gaussian(3);
    const wave = (i: number) => 10 + 3 * Math.sin((2 * Math.PI * i) / 288);
    const all = series(288 * 12, (i) => wave(i) + noise());
    const covered = [0, 0];
    let points = 0;
    for (let o = 288 * 3; o + 12 < all.v.length; o += 24) {
      const r = forecast({ t: all.t.slice(0, o), v: all.v.slice(0, o) }, { horizonMs: HOUR });
      r.bands.forEach((band, b) => {
        for (let k = 0; k < 12; k++) {
          const actual = all.v[o + k];
          if (actual >= band.lower[k] && actual <= band.upper[k]) covered[b]++;
        }
      });
      points += 12;
    }
    expect(points).toBeGreaterThan(1200);
    expect(covered[0] / points).toBeGreaterThan(0.75);
    expect(covered[0] / points).toBeLessThan(0.85);
    expect(covered[1] / points).toBeGreaterThan(0.91);
    expect(covered[1] / points).toBeLessThan(0.99);
  });

  it('puts an irregular history on the grid: median step, means within half a step, gaps filled linearly', () => {
    // Every 5 min except a 30-minute gap; samples given out of order.
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < 400; i++) {
      if (i > 100 && i < 106) continue;
      t.push(i * STEP + 1000);
      v.push(i);
    }
    const reversed = { t: t.slice().reverse(), v: v.slice().reverse() };
    const r = forecast(reversed, { horizonMs: 30 * MIN, method: 'holt' });
    expect(r.stepMs).toBe(STEP);
    expect(r.t[0]).toBe(399 * STEP + 1000 + STEP);
    r.mean.forEach((m, k) => expect(m).toBeCloseTo(399 + k + 1, 1));
    // The explicit step is honoured: 15-minute means of a ramp.
    const coarse = forecast(
      { t, v },
      { horizonMs: HOUR, stepMs: 15 * MIN, method: 'seasonal-naive' },
    );
    expect(coarse.stepMs).toBe(15 * MIN);
    expect(coarse.seasonLength).toBe(96);
    expect(coarse.t).toHaveLength(4);
  });

  it('forecasts a constant series as that constant with a zero-width band', () => {
    for (const method of ['auto', 'holt-winters', 'seasonal-ar', 'seasonal-naive'] as const) {
      const r = forecast(
        series(3 * 288, () => 42),
        { horizonMs: 2 * HOUR, method },
      );
      for (const band of r.bands) {
        band.lower.forEach((lo) => expect(lo, method).toBeCloseTo(42, 6));
        band.upper.forEach((hi) => expect(hi, method).toBeCloseTo(42, 6));
      }
      r.mean.forEach((m) => expect(m, method).toBeCloseTo(42, 6));
    }
  });

  it('is fast: two weeks of 5-minute data in well under a second', () => {
    const noise = gaussian(4);
    const h = series(4032, (i) => 20 + 4 * Math.sin((2 * Math.PI * i) / 288) + noise());
    const started = performance.now();
    const r = forecast(h, { horizonMs: 24 * HOUR });
    expect(r.mean).toHaveLength(288);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  describe('refuses with a ForecastError', () => {
    const ok = series(3 * 288, (i) => i % 7);
    const call = (history: { t: number[]; v: number[] }, options: Partial<ForecastOptions>) => () =>
      forecast(history, { horizonMs: HOUR, ...options } as ForecastOptions);

    it('too little history, saying how much is needed', () => {
      expect(
        reason(
          call(
            series(5, (i) => i),
            {},
          ),
        ),
      ).toBe(
        'history.tooShort: ensemble needs at least 10 points on the 5 min grid (50 min of history); the history covers 5 points',
      );
      expect(
        reason(
          call(
            series(100, (i) => i),
            { method: 'holt-winters' },
          ),
        ),
      ).toMatch(
        'history.tooShort: holt-winters needs at least 577 points on the 5 min grid (2885 min of history); the history covers 100 points',
      );
      expect(
        reason(
          call(
            series(1, (i) => i),
            {},
          ),
        ),
      ).toMatch(/^history.tooShort/);
    });

    it('non-finite values and mismatched arrays', () => {
      const bad = series(50, (i) => i);
      bad.v[7] = Number.NaN;
      expect(reason(call(bad, {}))).toMatch(/^history.invalid: value 7 \(NaN\)/);
      const inf = series(50, (i) => i);
      inf.t[3] = Number.POSITIVE_INFINITY;
      expect(reason(call(inf, {}))).toMatch(/^history.invalid: timestamp 3/);
      expect(reason(call({ t: [1, 2, 3], v: [1, 2] }, {}))).toMatch(/3 timestamps but 2 values/);
    });

    it('a horizon that is not a positive multiple of the step', () => {
      expect(reason(call(ok, { horizonMs: 7 * MIN }))).toBe(
        'horizon.invalid: horizonMs 420000 is not a positive multiple of the step (300000 ms); try 300000',
      );
      expect(reason(call(ok, { horizonMs: 0 }))).toMatch(/^horizon.invalid/);
      expect(reason(call(ok, { horizonMs: -HOUR }))).toMatch(/^horizon.invalid/);
    });

    it('more than 100,000 output points', () => {
      expect(reason(call(ok, { horizonMs: 100_001 * STEP }))).toMatch(
        /^horizon.tooLong: the horizon is 100,001 steps of 300000 ms; at most 100,000/,
      );
      expect(() =>
        forecast(ok, { horizonMs: 100_000 * STEP, method: 'seasonal-naive' }),
      ).not.toThrow();
    });

    it('unknown methods, bad levels, bad step or season', () => {
      expect(reason(call(ok, { method: 'prophet' as never }))).toMatch(
        /^options.invalid: unknown method 'prophet'/,
      );
      expect(reason(call(ok, { levels: [95] }))).toMatch(
        /^options.invalid: level 95 is not in \(0, 1\)/,
      );
      expect(reason(call(ok, { levels: [] }))).toMatch(/^options.invalid/);
      expect(reason(call(ok, { stepMs: -5 }))).toMatch(/^options.invalid: stepMs -5/);
      expect(reason(call(ok, { seasonLength: 2.5 }))).toMatch(/^options.invalid: seasonLength 2.5/);
      expect(reason(call(ok, { stepMs: 1, horizonMs: 1000 }))).toMatch(
        /^history.tooLong: the history spans 258,900,001 steps of 1 ms/,
      );
    });
  });
});
