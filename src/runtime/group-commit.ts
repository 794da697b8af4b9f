// Group commit: writes made in the same turn of the event loop share one journal transaction, and
// the current state of changed twins is checkpointed about once a second rather than on every write.
// A few commits may be in flight at once (the journal applies them in order), so the event loop
// keeps serving requests while the journal writes.
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
  /** Commits handed to the journal and not yet durable, at most (default 4). */
  maxInFlight?: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects events; flushes them in one `Journal.commit` on the next turn of the event loop and
 * resolves each writer's promise only after the batch is durable. Up to `maxInFlight` commits are
 * outstanding; the journal applies them in the order they were made (and fails every later one
 * once one fails), so batches and the checkpoints riding on them land in order.
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
  private inFlight = 0;
  /** Settles once the newest commit handed to the journal has settled. */
  private newest: Promise<void> = Promise.resolve();
  private readonly maxInFlight: number;
  private readonly now: () => number;

  constructor(
    private readonly journal: Journal,
    private readonly observer: CommitObserver,
    private readonly options: GroupCommitOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
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
    while (this.inFlight > 0 || this.events.length > 0 || this.forceCheckpoint) {
      const canFlush = this.events.length > 0 || this.forceCheckpoint;
      if (canFlush && this.inFlight < this.maxInFlight) this.flush();
      else await this.newest;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
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

  private flush(): void {
    if (this.events.length === 0 && !this.forceCheckpoint) return;
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
    this.inFlight++;
    const committed = this.journal.commit(batch).then(
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
    this.newest = committed.finally(() => {
      this.inFlight--;
      if (this.events.length > 0) this.schedule();
    });
  }
}
