// Known answers for the compare metrics, worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import { alignActual, compareSeries, metricsOf } from './run-compare.js';

describe('run compare', () => {
  it('interpolates actual values between the nearest points and measures every metric', () => {
    // Actual (0,1) (15,4) (30,1) (45,7): at 10 -> 1 + 3*10/15 = 3; at 20 -> 4 - 3*5/15 = 3;
    // at 40 -> 1 + 6*10/15 = 5. Errors (mean - actual): 0, -1, 0, 3, 0.
    const { metrics, aligned } = compareSeries(
      {
        t: [0, 10, 20, 30, 40],
        mean: [1, 2, 3, 4, 5],
        lower: [0, 2.5, 2, 0, 6],
        upper: [2, 3.5, 4, 2, 6],
      },
      { t: [0, 15, 30, 45], v: [1, 4, 1, 7] },
    );
    expect(aligned.actual).toEqual([1, 3, 3, 1, 5]);
    expect(aligned).toMatchObject({ t: [0, 10, 20, 30, 40], mean: [1, 2, 3, 4, 5] });
    expect(aligned.lower).toEqual([0, 2.5, 2, 0, 6]);
    expect(metrics.matched).toBe(5);
    expect(metrics.unmatched).toBe(0);
    // MAE = (0+1+0+3+0)/5; RMSE = sqrt((0+1+0+9+0)/5) = sqrt(2).
    expect(metrics.mae).toBeCloseTo(0.8, 12);
    expect(metrics.rmse).toBeCloseTo(Math.SQRT2, 12);
    // MAPE = 100 * (0/1 + 1/3 + 0/3 + 3/1 + 0/5) / 5.
    expect(metrics.mape).toBeCloseTo(200 / 3, 10);
    expect(metrics.mapeSkipped).toBe(0);
    // Naive one-step MAE of 1,3,3,1,5 = (2+0+2+4)/4 = 2, so MASE = 0.8/2.
    expect(metrics.mase).toBeCloseTo(0.4, 12);
    // 5 is outside [6, 6]; the others are inside: 4 of 5.
    expect(metrics.coverage).toBeCloseTo(0.8, 12);
  });

  it('leaves out instants before the first and after the last actual point, counting them', () => {
    // At 10: 0 + 10*5/20 = 2.5; at 20: 0 + 10*15/20 = 7.5; 0 and 30 have no point on one side.
    const { metrics, aligned } = compareSeries(
      { t: [0, 10, 20, 30], mean: [9, 9, 9, 9], lower: null, upper: null },
      { t: [5, 25], v: [0, 10] },
    );
    expect(aligned.actual).toEqual([null, 2.5, 7.5, null]);
    expect(aligned.lower).toBeUndefined();
    expect(metrics).toEqual({
      matched: 2,
      unmatched: 2,
      mae: 4,
      rmse: Math.sqrt((6.5 ** 2 + 1.5 ** 2) / 2),
      // 100 * (6.5/2.5 + 1.5/7.5) / 2
      mape: expect.closeTo(140, 10) as number,
      mapeSkipped: 0,
      // naive MAE |7.5 - 2.5| = 5
      mase: 0.8,
      coverage: null,
    });
  });

  it('MAPE skips instants whose actual value is 0 and says how many', () => {
    const metrics = metricsOf({ t: [5, 25], mean: [1, 12], lower: null, upper: null }, [0, 10]);
    expect(metrics.mape).toBeCloseTo(20, 12);
    expect(metrics.mapeSkipped).toBe(1);
    expect(metrics.mae).toBe(1.5);
    const allZero = metricsOf({ t: [1], mean: [1], lower: null, upper: null }, [0]);
    expect(allZero.mape).toBeNull();
    expect(allZero.mapeSkipped).toBe(1);
  });

  it('takes the last of points sharing a time, sorts unsorted points and skips non-finite values', () => {
    // At 5: between (0,0) and (10,5) -> 2.5; at 10: the last of 5 and 7; at 15: (10,7)..(20,9) -> 8.
    expect(alignActual([5, 10, 15], { t: [0, 10, 10, 20], v: [0, 5, 7, 9] })).toEqual([2.5, 7, 8]);
    expect(alignActual([5, 15], { t: [20, 0, 10], v: [9, 0, Number.NaN] })).toEqual([2.25, 6.75]);
    expect(alignActual([1], { t: [], v: [] })).toEqual([null]);
  });

  it('gives null measures without matches, and no MASE for a single or constant actual', () => {
    const none = metricsOf({ t: [1, 2], mean: [1, 2], lower: [0, 0], upper: [3, 3] }, [null, null]);
    expect(none).toEqual({
      matched: 0,
      unmatched: 2,
      mae: null,
      rmse: null,
      mape: null,
      mapeSkipped: 0,
      mase: null,
      coverage: null,
    });
    expect(metricsOf({ t: [1], mean: [3], lower: null, upper: null }, [1]).mase).toBeNull();
    const flat = metricsOf({ t: [1, 2, 3], mean: [3, 3, 3], lower: null, upper: null }, [2, 2, 2]);
    expect(flat.mae).toBe(1);
    expect(flat.mase).toBeNull();
  });

  it('counts bounds as inside the interval (lower <= actual <= upper)', () => {
    const m = metricsOf(
      { t: [1, 2, 3], mean: [1, 1, 1], lower: [1, 0, 0], upper: [1, 2, 0.5] },
      [1, 2, 0.6],
    );
    expect(m.coverage).toBeCloseTo(2 / 3, 12);
  });
});
