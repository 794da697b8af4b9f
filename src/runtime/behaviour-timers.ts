// Timers of twin behaviour: an assessment waiting out its `for` with no new observation coming is
// evaluated again when its time is up. One timer per twin (its earliest due time), unref'd.

/** At most how long one timer sleeps; a later due time is reached in several sleeps. */
const MAX_SLEEP_MS = 2 ** 31 - 1;

export class BehaviourTimers {
  private readonly byTwin = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private closed = false;

  /**
   * @param fire runs a twin's due behaviour at event time `at`
   * @param now the clock event times are compared with (default Date.now)
   */
  constructor(
    private readonly fire: (thingId: string, at: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sets (or with null clears) the time a twin's behaviour is due. */
  set(thingId: string, at: number | null): void {
    const current = this.byTwin.get(thingId);
    if (current?.at === at) return;
    if (current) clearTimeout(current.timer);
    if (at === null || this.closed) {
      this.byTwin.delete(thingId);
      return;
    }
    this.byTwin.set(thingId, { at, timer: this.sleep(thingId, at) });
  }

  /** How many twins wait for a timer. */
  get size(): number {
    return this.byTwin.size;
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.byTwin.values()) clearTimeout(timer);
    this.byTwin.clear();
  }

  private sleep(thingId: string, at: number): NodeJS.Timeout {
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, at - this.now()));
    const timer = setTimeout(() => {
      const entry = this.byTwin.get(thingId);
      if (entry?.timer !== timer) return;
      if (at > this.now()) {
        entry.timer = this.sleep(thingId, at);
        return;
      }
      this.byTwin.delete(thingId);
      this.fire(thingId, at);
    }, delay);
    timer.unref();
    return timer;
  }
}
