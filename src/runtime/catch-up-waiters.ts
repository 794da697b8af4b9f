// Readers waiting for a consumer of the committed-event stream (the series, the alerts) to have
// kept every event up to a position: read-your-writes for what it keeps. A reader gives up after a
// patience, so a stalled store never hangs reads.

export class CatchUpWaiters {
  private readonly waiters: { seq: number; resolve: () => void }[] = [];

  /**
   * @param patienceMs how long a reader waits at most
   * @param wake tells the consumer that a reader waits (so that it keeps what it gathered now)
   */
  constructor(
    private readonly patienceMs: number,
    private readonly wake: () => void,
  ) {}

  /** True while a reader waits. */
  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Resolves once {@link release} reaches `seq`, or after the patience. */
  wait(seq: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve();
      }, this.patienceMs);
      this.waiters.push(waiter);
      this.wake();
    });
  }

  /** Lets go of the readers waiting for `kept` or less. */
  release(kept: number): void {
    for (let i = this.waiters.length - 1; i >= 0; i--)
      if (this.waiters[i].seq <= kept) this.waiters.splice(i, 1)[0].resolve();
  }

  /** Lets go of every reader (the consumer closes). */
  releaseAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}
