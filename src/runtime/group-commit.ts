// Group commit: writes made in the same turn of the event loop share one journal transaction, and
// the current state of changed twins is checkpointed about once a second rather than on every write.
import type { TwinEvent } from '../core/events.js';
import type { CommitBatch, Journal, StoredThing } from '../store/journal.js';

export interface CommitObserver {
  committed(events: number, seconds: number): void;
  failed(error: unknown): void;
}

export interface GroupCommitOptions {
  /** The current state of a twin (for checkpoints). */
  stateOf(thingId: string): StoredThing;
  /** Checkpoint at most this often (ms)… */
  checkpointEveryMs?: number;
  /** …or once this many twins are dirty. */
  checkpointAtDirty?: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects events; flushes them in one `Journal.commit` on the next turn of the event loop and
 * resolves each writer's promise only after the batch is durable. One commit is in flight at a
 * time, so batches (and the checkpoints riding on them) reach the journal in order.
 */
export class GroupCommit {
  private events: TwinEvent[] = [];
  private newlyDirty: string[] = [];
  private snapshots: StoredThing[] = [];
  private waiters: Waiter[] = [];
  /** Twins with events since the last checkpoint (committed or queued). */
  private readonly dirty = new Set<string>();
  private lastCheckpoint: number;
  private forceCheckpoint = false;
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(
    private readonly journal: Journal,
    private readonly observer: CommitObserver,
    private readonly options: GroupCommitOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.lastCheckpoint = this.now();
  }

  /** Queues one event; resolves once durable. */
  append(event: TwinEvent, snapshot: StoredThing | null): Promise<void> {
    this.events.push(event);
    if (!this.dirty.has(event.thingId)) {
      this.dirty.add(event.thingId);
      this.newlyDirty.push(event.thingId);
    }
    if (snapshot) this.snapshots.push(snapshot);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Remembers a twin whose stored state is behind its events (found when loading). */
  markDirty(thingId: string): void {
    this.dirty.add(thingId);
  }

  /** Resolves once everything queued so far is durable; with `checkpoint`, also checkpointed. */
  async drain(checkpoint = false): Promise<void> {
    if (checkpoint && this.dirty.size > 0) this.forceCheckpoint = true;
    while (this.inFlight || this.events.length > 0 || this.forceCheckpoint) {
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

  private checkpointDue(): boolean {
    if (this.forceCheckpoint) return true;
    const every = this.options.checkpointEveryMs ?? 1000;
    const atDirty = this.options.checkpointAtDirty ?? 50_000;
    return (
      this.dirty.size >= atDirty ||
      (this.dirty.size > 0 && this.now() - this.lastCheckpoint >= every)
    );
  }

  private flush(): Promise<void> {
    if (this.events.length === 0 && !this.forceCheckpoint) return Promise.resolve();
    const batch: CommitBatch = {
      events: this.events,
      dirty: this.newlyDirty,
      snapshots: this.snapshots,
    };
    if (this.checkpointDue()) {
      // States taken now include every queued event, all of which are in this very batch.
      batch.checkpoint = [...this.dirty].map((id) => this.options.stateOf(id));
      batch.dirty = [];
      this.dirty.clear();
      this.lastCheckpoint = this.now();
      this.forceCheckpoint = false;
    }
    const waiters = this.waiters;
    this.events = [];
    this.newlyDirty = [];
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
