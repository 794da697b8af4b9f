import { describe, expect, test } from 'vitest';
import { MAPE_BUCKET_MS, bucketMeans, mape, mapeOverTime } from './accuracy.js';

const MIN = 60_000;
const DAY = 86_400_000;

function series(points: [number, number][]): { timestamp: number[]; power: number[] } {
  return { timestamp: points.map((p) => p[0]), power: points.map((p) => p[1]) };
}

describe('bucketMeans', () => {
  test('averages each floor(t / 5 min) bucket, ignoring non-finite values', () => {
    const means = bucketMeans(
      series([
        [0, 10],
        [4 * MIN, 20],
        [5 * MIN, 100],
        [9.99 * MIN, Number.NaN],
        [20 * MIN, 7],
      ]),
    );
    expect([...means]).toEqual([
      [0, 15],
      [1, 100],
      [4, 7],
    ]);
    expect(MAPE_BUCKET_MS).toBe(300_000);
  });
});

describe('mape', () => {
  test('compares 5-minute means, not samples', () => {
    // Measured 100 then 300 in the first bucket (mean 200); predicted 200 flat: 0 % error on
    // means, though each sample is off by 50 % or more.
    const measured = series([
      [0, 100],
      [2 * MIN, 300],
      [5 * MIN, 200],
    ]);
    const predicted = series([
      [1 * MIN, 200],
      [6 * MIN, 250],
    ]);
    const result = mape(measured, predicted);
    expect(result.buckets).toBe(2);
    expect(result.mape).toBeCloseTo((0 + 25) / 2, 12);
  });

  test('skips buckets only one series has and buckets measured at 0 W', () => {
    const measured = series([
      [0, 100],
      [5 * MIN, 0],
      [10 * MIN, 100],
    ]);
    const predicted = series([
      [0, 110],
      [5 * MIN, 50],
      [15 * MIN, 100],
    ]);
    expect(mape(measured, predicted)).toEqual({ mape: expect.closeTo(10, 12), buckets: 1 });
  });

  test('no common bucket gives null, not NaN', () => {
    expect(mape(series([[0, 1]]), series([[10 * MIN, 1]]))).toEqual({ mape: null, buckets: 0 });
  });

  test('another bucket width can be asked for', () => {
    const measured = series([
      [0, 100],
      [1 * MIN, 200],
    ]);
    const predicted = series([
      [0, 150],
      [1 * MIN, 150],
    ]);
    expect(mape(measured, predicted).mape).toBeCloseTo(0, 12);
    expect(mape(measured, predicted, { bucketMs: MIN }).mape).toBeCloseTo((50 + 25) / 2, 12);
  });

  test('mismatched series and bad widths are refused', () => {
    expect(() => mape({ timestamp: [0, 1], power: [1] }, series([[0, 1]]))).toThrow(
      /measured: 2 timestamps but 1 power values/,
    );
    expect(() => mape(series([[0, 1]]), series([[0, 1]]), { bucketMs: 0 })).toThrow(/bucketMs/);
  });
});

describe('mapeOverTime', () => {
  const measured = series([
    [0, 100],
    [DAY - 5 * MIN, 100],
    [DAY, 200],
    [2 * DAY + 10 * MIN, 50],
  ]);
  const predicted = series([
    [0, 110],
    [DAY - 5 * MIN, 130],
    [DAY, 220],
    [2 * DAY + 10 * MIN, 50],
  ]);

  test('one row per day with its own and the cumulative MAPE', () => {
    const rows = mapeOverTime(measured, predicted, { periodMs: DAY });
    expect(rows.map((r) => [r.period, r.start, r.end, r.buckets])).toEqual([
      [0, 0, DAY, 2],
      [1, DAY, 2 * DAY, 1],
      [2, 2 * DAY, 3 * DAY, 1],
    ]);
    expect(rows[0].mape).toBeCloseTo(20, 12);
    expect(rows[1].mape).toBeCloseTo(10, 12);
    expect(rows[2].mape).toBeCloseTo(0, 12);
    expect(rows[0].cumulativeMape).toBeCloseTo(20, 12);
    expect(rows[1].cumulativeMape).toBeCloseTo(50 / 3, 12);
    expect(rows[2].cumulativeMape).toBeCloseTo(12.5, 12);
    // The overall MAPE is the last row's cumulative one.
    expect(mape(measured, predicted).mape).toBeCloseTo(rows[2].cumulativeMape, 12);
  });

  test('periods count from the origin (windows of a run)', () => {
    const rows = mapeOverTime(measured, predicted, { periodMs: 15 * MIN, origin: -5 * MIN });
    expect(rows.map((r) => [r.period, r.start])).toEqual([
      [0, -5 * MIN],
      [96, DAY - 5 * MIN],
      [193, 2 * DAY + 10 * MIN],
    ]);
    expect(rows[1].buckets).toBe(2);
    expect(rows[1].mape).toBeCloseTo(20, 12);
  });

  test('a period without compared buckets has no row; a bad period is refused', () => {
    expect(mapeOverTime(series([[0, 1]]), series([[DAY, 1]]), { periodMs: DAY })).toEqual([]);
    expect(() => mapeOverTime(measured, predicted, { periodMs: -1 })).toThrow(/periodMs/);
  });
});
