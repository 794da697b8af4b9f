// Known answers of every fill mode over gaps, edges and a bucket with one point.
import { describe, expect, it } from 'vitest';
import { fillBuckets } from './bucket-fill.js';

// Buckets of 10 ms over [0, 59]: 10 and 40 hold points; 0, 20, 30 and 50 are empty.
const range = { from: 3, to: 59, step: 10 };
const buckets = {
  t: [10, 40],
  values: { avg: [1, 4], count: [2, 1], last: ['a', 'b'] as (string | null)[] },
  source: 'raw' as const,
};

describe('bucket fill', () => {
  it('none - only the buckets holding points', () => {
    expect(fillBuckets(buckets, range, ['avg', 'count'], 'none')).toBe(buckets);
  });

  it('null - every bucket; empty ones null, their count 0', () => {
    expect(fillBuckets(buckets, range, ['avg', 'count', 'last'], 'null')).toEqual({
      t: [0, 10, 20, 30, 40, 50],
      values: {
        avg: [null, 1, null, null, 4, null],
        count: [0, 2, 0, 0, 1, 0],
        last: [null, 'a', null, null, 'b', null],
      },
      source: 'raw',
    });
  });

  it('previous - the last non-empty bucket carried forward, null before the first', () => {
    expect(fillBuckets(buckets, range, ['avg', 'count', 'last'], 'previous')).toEqual({
      t: [0, 10, 20, 30, 40, 50],
      values: {
        avg: [null, 1, 1, 1, 4, 4],
        count: [0, 2, 0, 0, 1, 0],
        last: [null, 'a', 'a', 'a', 'b', 'b'],
      },
      source: 'raw',
    });
  });

  it('linear - the line between the buckets around a gap; edges and non-numbers stay null', () => {
    expect(fillBuckets(buckets, range, ['avg', 'count', 'last'], 'linear')).toEqual({
      t: [0, 10, 20, 30, 40, 50],
      values: {
        avg: [null, 1, 2, 3, 4, null],
        count: [0, 2, 0, 0, 1, 0],
        last: [null, 'a', null, null, 'b', null],
      },
      source: 'raw',
    });
  });

  it('a range of one bucket holding one point, and one holding none', () => {
    const one = { t: [20], values: { avg: [7] }, source: 'raw' as const };
    expect(fillBuckets(one, { from: 20, to: 29, step: 10 }, ['avg'], 'linear')).toEqual(one);
    expect(
      fillBuckets(
        { t: [], values: { avg: [] }, source: '1m' },
        { from: -15, to: -1, step: 10 },
        ['avg'],
        'null',
      ),
    ).toEqual({ t: [-20, -10], values: { avg: [null, null] }, source: '1m' });
  });
});
