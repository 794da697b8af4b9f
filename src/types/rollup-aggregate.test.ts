import { describe, expect, it } from 'vitest';
import { RollupAggregate } from './rollup-aggregate.js';
import type { RollupOp } from './behaviour.js';

/** The aggregate of a plain list, computed from scratch. */
function reference(op: RollupOp, values: number[]): number | undefined {
  if (op === 'count') return values.length;
  if (op === 'sum') return values.reduce((a, b) => a + b, 0);
  if (values.length === 0) return undefined;
  if (op === 'avg') return values.reduce((a, b) => a + b, 0) / values.length;
  return op === 'min' ? Math.min(...values) : Math.max(...values);
}

describe('RollupAggregate', () => {
  it('has known answers for every op through joins and leaves', () => {
    const cases: [RollupOp, number | undefined][] = [
      ['sum', 9],
      ['avg', 3],
      ['min', 1],
      ['max', 5],
      ['count', 3],
    ];
    for (const [op, expected] of cases) {
      const aggregate = new RollupAggregate(op);
      for (const v of [4, 1, 5, 3]) aggregate.add(v);
      aggregate.remove(4);
      expect(aggregate.value(), op).toBe(expected);
    }
  });

  it('with no values: sum and count 0, avg, min and max absent', () => {
    for (const op of ['sum', 'count'] as const) expect(new RollupAggregate(op).value()).toBe(0);
    for (const op of ['avg', 'min', 'max'] as const) {
      const aggregate = new RollupAggregate(op);
      aggregate.add(7);
      aggregate.remove(7);
      expect(aggregate.value(), op).toBeUndefined();
    }
  });

  it('min and max follow the extreme leaving, also with repeated values', () => {
    const max = new RollupAggregate('max');
    for (const v of [5, 9, 9, 2]) max.add(v);
    max.remove(9);
    expect(max.value()).toBe(9);
    max.remove(9);
    expect(max.value()).toBe(5);
    max.add(-3);
    max.remove(5);
    max.remove(2);
    expect(max.value()).toBe(-3);
  });

  it('does not grow with churn of the same few values', () => {
    const min = new RollupAggregate('min');
    for (let i = 0; i < 100_000; i++) {
      min.add(i % 3);
      min.remove(i % 3);
    }
    min.add(1);
    expect(min.value()).toBe(1);
    expect(
      (min as unknown as { extreme: { heap: { size: number } } }).extreme.heap.size,
    ).toBeLessThan(40);
  });

  it('agrees with a from-scratch computation over a long random run of changes', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const op of ['sum', 'avg', 'min', 'max', 'count'] as const) {
      const aggregate = new RollupAggregate(op);
      const members: number[] = [];
      for (let step = 0; step < 5000; step++) {
        if (members.length > 0 && random() < 0.45) {
          const [gone] = members.splice(Math.floor(random() * members.length), 1);
          aggregate.remove(gone);
        } else {
          const value = Math.round((random() - 0.5) * 1e6) / 100;
          members.push(value);
          aggregate.add(value);
        }
        const expected = reference(op, members);
        if (expected === undefined) expect(aggregate.value()).toBeUndefined();
        else expect(aggregate.value()).toBeCloseTo(expected, 6);
      }
    }
  });
});
