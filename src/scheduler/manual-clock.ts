// A clock for tests of the scheduler: time moves only when told, and timers fire only when told.
import type { SchedulerClock } from './clock.js';

interface Timer {
  at: number;
  ms: number;
  fire: () => void;
}

/** A {@link SchedulerClock} that tests move by hand, with a way to wait for a timer to be set. */
export class ManualClock implements SchedulerClock {
  private readonly timers = new Set<Timer>();
  private readonly waiters = new Set<() => void>();

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  /** Moves the time to `t` (no timer fires). */
  set(t: number): void {
    this.t = t;
  }

  setTimer(ms: number, fire: () => void): () => void {
    const timer: Timer = { at: this.t + ms, ms, fire };
    this.timers.add(timer);
    for (const wake of [...this.waiters]) wake();
    return () => this.timers.delete(timer);
  }

  /** The durations of the timers pending now. */
  pending(): number[] {
    return [...this.timers].map((t) => t.ms);
  }

  /**
   * Waits (up to 5 s of real time) for a pending timer of `ms`, moves the time to when it is due
   * and fires it.
   */
  async fire(ms: number): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const timer = [...this.timers].find((t) => t.ms === ms);
      if (timer !== undefined) {
        this.timers.delete(timer);
        this.t = Math.max(this.t, timer.at);
        timer.fire();
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`no timer of ${ms} ms was set (pending: ${this.pending().join(', ')})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(poll);
          resolve();
        };
        const poll = setTimeout(wake, 50);
        this.waiters.add(wake);
      });
    }
  }
}
