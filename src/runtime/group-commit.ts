// Group commit: writes made in the same turn of the event loop share one journal transaction.
import type { TwinEvent } from '../core/events.js';
import type { Journal, StoredThing } from '../store/journal.js';

export interface CommitObserver {
  committed(events: number, seconds: number): void;
  failed(error: unknown): void;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects events and state updates; flushes them in one `Journal.commit` on the next turn of the
 * event loop, and resolves each writer's promise only after the batch is durable.
 */
export class GroupCommit {
  private events: TwinEvent[] = [];
  private states = new Map<string, StoredThing>();
  private snapshots: StoredThing[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly journal: Journal,
    private readonly observer: CommitObserver,
  ) {}

  /** Queues one event with the state it produced; resolves once durable. */
  append(event: TwinEvent, state: StoredThing, snapshot: boolean): Promise<void> {
    this.events.push(event);
    this.states.set(state.thingId, state);
    if (snapshot) this.snapshots.push(state);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Resolves once everything queued so far is durable. */
  async drain(): Promise<void> {
    while (this.inFlight || this.events.length > 0) {
      if (this.inFlight) await this.inFlight;
      else await this.flush();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.events.length === 0) return Promise.resolve();
    const batch = {
      events: this.events,
      states: [...this.states.values()],
      snapshots: this.snapshots,
    };
    const waiters = this.waiters;
    this.events = [];
    this.states = new Map();
    this.snapshots = [];
    this.waiters = [];
    const started = process.hrtime.bigint();
    this.inFlight = this.journal.commit(batch).then(
      () => {
        this.observer.committed(
          batch.events.length,
          Number(process.hrtime.bigint() - started) / 1e9,
        );
        for (const w of waiters) w.resolve();
      },
      (error: unknown) => {
        this.observer.failed(error);
        for (const w of waiters) w.reject(error);
      },
    );
    return this.inFlight.finally(() => {
      this.inFlight = null;
      if (this.events.length > 0) this.schedule();
    });
  }
}
