// The arithmetic the SeriesStore adapters share: buckets, batch pre-aggregation, query plans.
import { describe, expect, it } from 'vitest';
import { aggregateBatch, bucketStart, chooseTier, planQuery } from './series-rows.js';
import type { BucketQuery } from './series-store.js';

const MIN = 60_000;
const HOUR = 3_600_000;

const query = (from: number, to: number, step: number, tiers?: boolean): BucketQuery => ({
  thingId: 'a:b',
  pointer: 'p',
  from,
  to,
  step,
  aggregations: ['avg'],
  tiers,
});

describe('series rows', () => {
  it('bucketStart - UTC multiples of step, negative times included', () => {
    expect([0, 1, 9, 10, -1, -10, -11].map((t) => bucketStart(t, 10))).toEqual([
      0, 0, 0, 10, -10, -10, -20,
    ]);
  });

  it('aggregateBatch - one row per series and bucket; first/last by time, ties by arrival', () => {
    const rows = aggregateBatch(
      [
        { seriesId: 1, t: 30, num: 3, txt: null },
        { seriesId: 2, t: 5, num: null, txt: 'x' },
        { seriesId: 1, t: 10, num: 1, txt: null },
        { seriesId: 1, t: 10, num: 7, txt: null },
        { seriesId: 1, t: 30, num: -2, txt: null },
        { seriesId: 1, t: 70, num: 5, txt: null },
      ],
      60,
    );
    expect(rows).toEqual([
      {
        seriesId: 1,
        bucket: 0,
        count: 4,
        sum: 9,
        min: -2,
        max: 7,
        firstT: 10,
        firstV: 1,
        lastT: 30,
        lastV: -2,
      },
      {
        seriesId: 2,
        bucket: 0,
        count: 1,
        sum: null,
        min: null,
        max: null,
        firstT: 5,
        firstV: 'x',
        lastT: 5,
        lastV: 'x',
      },
      {
        seriesId: 1,
        bucket: 60,
        count: 1,
        sum: 5,
        min: 5,
        max: 5,
        firstT: 70,
        firstV: 5,
        lastT: 70,
        lastV: 5,
      },
    ]);
  });

  it('chooseTier - the widest dividing tier, unless retention cut it later than raw points before from', () => {
    expect(chooseTier(30_000, 0, {})).toBeNull();
    expect(chooseTier(90_000, 0, {})).toBeNull();
    expect(chooseTier(5 * MIN, 0, {})).toBe('1m');
    expect(chooseTier(2 * HOUR, 0, {})).toBe('1h');
    // The 1 h tier cut at 10 h while raw points are kept: not for a range from before 10 h.
    expect(chooseTier(HOUR, 0, { '1h': 10 * HOUR })).toBe('1m');
    expect(chooseTier(HOUR, 10 * HOUR, { '1h': 10 * HOUR })).toBe('1h');
    expect(chooseTier(HOUR, 0, { '1h': 10 * HOUR, '1m': 5 * HOUR })).toBeNull();
    // Raw points cut as far or further: the tier holds all that raw points hold.
    expect(chooseTier(HOUR, 0, { '1h': 10 * HOUR, raw: 10 * HOUR })).toBe('1h');
  });

  it('planQuery - partial first and last buckets from raw points, whole ones from the tier', () => {
    expect(planQuery(query(-30, 2 * HOUR + 5, HOUR), {})).toEqual({
      tier: '1h',
      head: 0,
      tail: 2 * HOUR,
    });
    expect(planQuery(query(0, 2 * HOUR, HOUR), {})).toEqual({
      tier: '1h',
      head: 0,
      tail: 2 * HOUR,
    });
    // Within one bucket, asked from raw, or no tier divides: everything from raw points.
    for (const q of [query(5, HOUR - 5, HOUR), query(0, HOUR, HOUR, false), query(0, HOUR, 7)])
      expect(planQuery(q, {})).toEqual({ tier: null, head: q.to, tail: q.to });
  });
});
