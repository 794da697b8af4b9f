// Window operators: one per window per twin, taking samples incrementally (running sums,
// monotonic deques) so that a sample costs amortised O(1), or O(log n) when it comes late.

export const WINDOW_OPS = [
  'avg',
  'min',
  'max',
  'sum',
  'count',
  'rate',
  'integral',
  'ewma',
] as const;
export type WindowOp = (typeof WINDOW_OPS)[number];

/** A window as the document declares it, durations in ms. */
export interface WindowSpec {
  /** Pointer of the sampled value. */
  of: string;
  op: WindowOp;
  /** A duration window: samples with time in `(latest − span, latest]`. */
  span: number | null;
  /** A count window: the last `samples` samples. */
  samples: number | null;
  /** How much earlier than the latest sample a sample may come and still be applied. */
  lateness: number;
  /** `ewma` only: the age at which a sample's weight has halved. */
  halfLife: number | null;
}

/** One twin's state of one window. */
export interface WindowOperator {
  /** Takes a sample; false when it came later than the lateness allows (not applied). */
  add(time: number, value: number): boolean;
  /** The output over the samples taken; null while there is none (`rate` under two samples). */
  value(): number | null;
  /**
   * True when samples of event time before `since` no longer matter: taken or not, the window's
   * next outputs are the same (for an `ewma`, within 2^-64 of the samples' spread). It assumes no
   * sample before `since` came later than `since` plus the lateness (such samples are dropped as
   * late). A window rebuilt from a twin's journaled inputs after a restart reads back until then.
   */
  covers(since: number): boolean;
}

/** Half-lives after which what an `ewma` sample weighs is below 2^-64 of the latest. */
const EWMA_MEMORY_HALF_LIVES = 64;

/**
 * How far back in event time a window's state reaches (ms): its duration plus its lateness, for an
 * `ewma` the 64 half-lives of {@link WindowOperator.covers} plus it; 0 for a count of samples.
 */
export function reachOf(spec: WindowSpec): number {
  if (spec.span !== null) return spec.span + spec.lateness;
  if (spec.op === 'ewma') return EWMA_MEMORY_HALF_LIVES * (spec.halfLife ?? 0) + spec.lateness;
  return 0;
}

export function createWindow(spec: WindowSpec): WindowOperator {
  if (spec.op === 'ewma') return new Ewma(spec.halfLife ?? 0, spec.lateness);
  return new SampleWindow(spec, aggregateFor(spec.op));
}

interface Sample {
  time: number;
  value: number;
  /** Arrival order: breaks ties between samples of one time. */
  seq: number;
}

/** An array with a cheap removal at the front (a moving head, compacted now and then). */
class Run<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  at(i: number): T {
    return this.items[this.head + i];
  }

  push(item: T): void {
    this.items.push(item);
  }

  insert(i: number, item: T): void {
    this.items.splice(this.head + i, 0, item);
  }

  pop(): void {
    this.items.pop();
  }

  removeAt(i: number): void {
    this.items.splice(this.head + i, 1);
  }

  shift(): void {
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** The first index whose item is after `key` (all before it are at or before `key`). */
  upperBound(isAfter: (item: T) => boolean): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isAfter(this.at(mid))) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

const isLater = (a: Sample, b: Sample): boolean =>
  a.time > b.time || (a.time === b.time && a.seq > b.seq);

/** What an operator keeps up to date as samples enter (anywhere) and leave (at the front). */
interface Aggregate {
  inserted(samples: Run<Sample>, index: number): void;
  /** Called before the front sample leaves. */
  removingFront(samples: Run<Sample>): void;
  result(samples: Run<Sample>): number | null;
}

class SampleWindow implements WindowOperator {
  private readonly samples = new Run<Sample>();
  private latest = -Infinity;
  private seq = 0;

  constructor(
    private readonly spec: WindowSpec,
    private readonly aggregate: Aggregate,
  ) {}

  add(time: number, value: number): boolean {
    if (time < this.latest && this.latest - time > this.spec.lateness) return false;
    const sample: Sample = { time, value, seq: this.seq++ };
    let index: number;
    if (time >= this.latest) {
      this.samples.push(sample);
      index = this.samples.length - 1;
      this.latest = time;
    } else {
      index = this.samples.upperBound((s) => isLater(s, sample));
      this.samples.insert(index, sample);
    }
    this.aggregate.inserted(this.samples, index);
    this.evict();
    return true;
  }

  value(): number | null {
    return this.samples.length === 0 ? null : this.aggregate.result(this.samples);
  }

  covers(since: number): boolean {
    const { span, samples: limit, lateness } = this.spec;
    // Earlier samples were at most `since + lateness`: a duration window has evicted them (and
    // the next sample, at least `latest − lateness`, is no earlier); a count window holds as
    // many samples later than all of them.
    if (span !== null) return since + lateness <= this.latest - span;
    const samples = this.samples;
    return (
      samples.length > 0 && samples.length >= (limit ?? 0) && samples.at(0).time >= since + lateness
    );
  }

  private evict(): void {
    const { span, samples: limit } = this.spec;
    const samples = this.samples;
    while (
      samples.length > 0 &&
      (span !== null ? samples.at(0).time <= this.latest - span : samples.length > (limit ?? 0))
    ) {
      this.aggregate.removingFront(samples);
      samples.shift();
    }
  }
}

function aggregateFor(op: Exclude<WindowOp, 'ewma'>): Aggregate {
  switch (op) {
    case 'sum':
      return new RunningSum((sum) => sum);
    case 'avg':
      return new RunningSum((sum, count) => sum / count);
    case 'count':
      return { inserted() {}, removingFront() {}, result: (samples) => samples.length };
    case 'min':
      return new Extreme((earlier, later) => earlier >= later);
    case 'max':
      return new Extreme((earlier, later) => earlier <= later);
    case 'rate':
      return { inserted() {}, removingFront() {}, result: rateOf };
    case 'integral':
      return new Trapezoids();
  }
}

/**
 * A sum kept by adding and subtracting; re-added from the samples once as many samples have
 * left as the window holds (amortised O(1)), so that rounding errors cannot pile up.
 */
class RunningSum implements Aggregate {
  private sum = 0;
  private removals = 0;

  constructor(private readonly finish: (sum: number, count: number) => number) {}

  inserted(samples: Run<Sample>, index: number): void {
    this.sum += samples.at(index).value;
  }

  removingFront(samples: Run<Sample>): void {
    this.sum -= samples.at(0).value;
    if (++this.removals >= Math.max(1024, samples.length)) {
      this.removals = 0;
      let sum = 0;
      for (let i = 1; i < samples.length; i++) sum += samples.at(i).value;
      this.sum = sum;
    }
  }

  result(samples: Run<Sample>): number {
    return this.finish(this.sum, samples.length);
  }
}

/**
 * Min or max by a monotonic deque: the samples no later sample beats, in time order, so the
 * front is the answer. `beatenBy(earlier, later)`: a later value at least as good as an earlier one
 * outlives it in the window, so the earlier one can never be the answer again.
 */
class Extreme implements Aggregate {
  private readonly deque = new Run<Sample>();

  constructor(private readonly beatenBy: (earlier: number, later: number) => boolean) {}

  inserted(samples: Run<Sample>, index: number): void {
    const sample = samples.at(index);
    const deque = this.deque;
    // The first deque entry after the sample is the best of every later sample: if it beats the
    // sample, the sample can never be the answer.
    let at = deque.upperBound((s) => isLater(s, sample));
    if (at < deque.length && this.beatenBy(sample.value, deque.at(at).value)) return;
    while (at > 0 && this.beatenBy(deque.at(at - 1).value, sample.value)) {
      if (at === deque.length) deque.pop();
      else deque.removeAt(at - 1);
      at--;
    }
    if (at === deque.length) deque.push(sample);
    else deque.insert(at, sample);
  }

  removingFront(samples: Run<Sample>): void {
    if (this.deque.length > 0 && this.deque.at(0) === samples.at(0)) this.deque.shift();
  }

  result(): number {
    return this.deque.at(0).value;
  }
}

/** Per second, from the first to the last sample of the window. */
function rateOf(samples: Run<Sample>): number | null {
  if (samples.length < 2) return null;
  const first = samples.at(0);
  const last = samples.at(samples.length - 1);
  const seconds = (last.time - first.time) / 1000;
  return seconds > 0 ? (last.value - first.value) / seconds : null;
}

const trapezoid = (a: Sample, b: Sample): number =>
  ((a.value + b.value) / 2) * ((b.time - a.time) / 1000);

/** The trapezoidal integral over time in seconds (W → J), kept as a running sum of trapezoids. */
class Trapezoids implements Aggregate {
  private sum = 0;
  private removals = 0;

  inserted(samples: Run<Sample>, index: number): void {
    const sample = samples.at(index);
    const previous = index > 0 ? samples.at(index - 1) : null;
    const next = index + 1 < samples.length ? samples.at(index + 1) : null;
    if (previous !== null && next !== null) this.sum -= trapezoid(previous, next);
    if (previous !== null) this.sum += trapezoid(previous, sample);
    if (next !== null) this.sum += trapezoid(sample, next);
  }

  removingFront(samples: Run<Sample>): void {
    if (samples.length >= 2) this.sum -= trapezoid(samples.at(0), samples.at(1));
    if (++this.removals >= Math.max(1024, samples.length)) {
      this.removals = 0;
      let sum = 0;
      for (let i = 2; i < samples.length; i++) sum += trapezoid(samples.at(i - 1), samples.at(i));
      this.sum = sum;
    }
  }

  result(): number {
    return this.sum;
  }
}

/**
 * Exponentially weighted moving average over irregular samples: a sample Δt after the previous
 * one weighs `1 − 2^(−Δt/halfLife)`; the first one initialises. Samples within the lateness of
 * the latest stay open (a late one may still come between them) and are folded in on reading.
 */
class Ewma implements WindowOperator {
  private settled: { value: number; time: number } | null = null;
  private readonly open = new Run<Sample>();
  private latest = -Infinity;
  private seq = 0;
  private cached: number | null = null;

  constructor(
    private readonly halfLife: number,
    private readonly lateness: number,
  ) {}

  add(time: number, value: number): boolean {
    if (time < this.latest && this.latest - time > this.lateness) return false;
    const sample: Sample = { time, value, seq: this.seq++ };
    if (time >= this.latest) {
      this.open.push(sample);
      this.latest = time;
    } else {
      this.open.insert(
        this.open.upperBound((s) => isLater(s, sample)),
        sample,
      );
    }
    while (this.open.length > 0 && this.open.at(0).time < this.latest - this.lateness) {
      this.settled = this.fold(this.settled, this.open.at(0));
      this.open.shift();
    }
    let state = this.settled;
    for (let i = 0; i < this.open.length; i++) state = this.fold(state, this.open.at(i));
    this.cached = state === null ? null : state.value;
    return true;
  }

  value(): number | null {
    return this.cached;
  }

  covers(since: number): boolean {
    return this.latest - (since + this.lateness) >= EWMA_MEMORY_HALF_LIVES * this.halfLife;
  }

  private fold(
    state: { value: number; time: number } | null,
    sample: Sample,
  ): { value: number; time: number } {
    if (state === null) return { value: sample.value, time: sample.time };
    const weight = 1 - Math.pow(2, -(sample.time - state.time) / this.halfLife);
    return { value: state.value + weight * (sample.value - state.value), time: sample.time };
  }
}
