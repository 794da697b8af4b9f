// The writes applied in memory but not yet durable, in order, so that a failed commit can undo them.
import type { TwinEntry } from './twin-states.js';

/** The twin and its entry before each pending write (parallel arrays: no object per write). */
export class PendingWrites {
  private ids: string[] = [];
  private previous: (TwinEntry | undefined)[] = [];
  private head = 0;

  /** A write replaced `previous` (undefined: the twin had no entry) as the twin's state. */
  record(thingId: string, previous: TwinEntry | undefined): void {
    this.ids.push(thingId);
    this.previous.push(previous);
  }

  /** The oldest `count` pending writes are durable. */
  settle(count: number): void {
    this.head += count;
    if (this.head >= this.ids.length) this.clear();
    else if (this.head > 4096) {
      this.ids = this.ids.slice(this.head);
      this.previous = this.previous.slice(this.head);
      this.head = 0;
    }
  }

  /** Takes every pending write, newest first: what to put back to undo them all. */
  takeNewestFirst(): [string, TwinEntry | undefined][] {
    const undo: [string, TwinEntry | undefined][] = [];
    for (let i = this.ids.length - 1; i >= this.head; i--)
      undo.push([this.ids[i], this.previous[i]]);
    this.clear();
    return undo;
  }

  private clear(): void {
    this.ids = [];
    this.previous = [];
    this.head = 0;
  }
}
