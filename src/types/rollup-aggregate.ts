// The aggregate of one roll-up: sum, avg, min, max or count of the values its members contribute,
// kept up to date as a member's value changes, joins or leaves, at a cost that does not grow with
// the number of members (compensated sums; min and max from counted values and a lazy heap).
import type { RollupOp } from './behaviour.js';

/** A binary heap of numbers, smallest first (negate for largest first). */
class NumberHeap {
  private items: number[] = [];

  /** Empties the heap and fills it with `values`. */
  reset(values: Iterable<number>): void {
    this.items = [];
    for (const value of values) this.push(value);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): number | undefined {
    return this.items[0];
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= items[i]) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): void {
    const items = this.items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && items[left] < items[smallest]) smallest = left;
      if (right < items.length && items[right] < items[smallest]) smallest = right;
      if (smallest === i) return;
      [items[smallest], items[i]] = [items[i], items[smallest]];
      i = smallest;
    }
  }
}

/**
 * The extreme (min or max) of a multiset of numbers: each distinct value counted, a heap of the
 * distinct values, and values whose count fell to zero dropped lazily when they reach the top.
 */
class Extreme {
  private readonly counts = new Map<number, number>();
  private readonly heap = new NumberHeap();

  /** @param sign 1 for the minimum, -1 for the maximum */
  constructor(private readonly sign: 1 | -1) {}

  add(value: number): void {
    const count = this.counts.get(value) ?? 0;
    this.counts.set(value, count + 1);
    if (count > 0) return;
    // Values that left stay in the heap until they reach its top: past twice the values held, the
    // heap is made again from them, so that churn cannot grow it without bound (amortised O(log n)).
    if (this.heap.size >= 2 * this.counts.size + 16)
      this.heap.reset([...this.counts.keys()].map((v) => this.sign * v));
    else this.heap.push(this.sign * value);
  }

  remove(value: number): void {
    const count = this.counts.get(value) ?? 0;
    if (count <= 1) this.counts.delete(value);
    else this.counts.set(value, count - 1);
  }

  value(): number | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      const value = this.sign * top;
      if (this.counts.has(value)) return value === 0 ? 0 : value;
      this.heap.pop();
    }
  }
}

/** A sum kept with Neumaier's compensation, so that adding and taking away values does not drift. */
class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const total = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - total + value;
    else this.compensation += value - total + this.sum;
    this.sum = total;
  }

  value(): number {
    return this.sum + this.compensation;
  }
}

export class RollupAggregate {
  private readonly sum = new CompensatedSum();
  private count = 0;
  private readonly extreme: Extreme | null;

  constructor(readonly op: RollupOp) {
    this.extreme = op === 'min' ? new Extreme(1) : op === 'max' ? new Extreme(-1) : null;
  }

  /** A member's value joins. */
  add(value: number): void {
    this.count++;
    this.sum.add(value);
    this.extreme?.add(value);
  }

  /** A member's value leaves (it must have joined). */
  remove(value: number): void {
    this.count--;
    this.sum.add(-value);
    this.extreme?.remove(value);
  }

  /** The aggregate now; undefined for avg, min and max of no values (sum and count are 0). */
  value(): number | undefined {
    switch (this.op) {
      case 'count':
        return this.count;
      case 'sum':
        return this.count === 0 ? 0 : this.sum.value();
      case 'avg':
        return this.count === 0 ? undefined : this.sum.value() / this.count;
      default:
        return this.extreme?.value();
    }
  }

  /** How many values it holds. */
  get size(): number {
    return this.count;
  }
}
