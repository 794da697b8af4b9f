// Group commit: writes made in the same turn of the event loop share one journal transaction, and
// the current state of changed twins is checkpointed in rounds about once a second rather than on
// every write, a chunk of twins per commit.
// The event loop keeps serving requests while the journal writes; writes arriving meanwhile gather
// into the next batch. One commit in flight at a time measured best: with up to four, batches were
// half as large and the read benchmark's GET p99 under write load about 1 ms higher.
import type { TwinEvent } from '../core/events.js';
import type { CommitBatch, Journal, StoredThing } from '../store/journal.js';

export interface CommitObserver {
  /** A batch is durable: its events, numbered by the journal, in commit order. */
  committed(events: readonly TwinEvent[], seconds: number): void;
  failed(error: unknown): void;
  /**
   * The answer to a commit was lost with its connection; the journal is finding out whether it
   * landed, and the commit settles once it knows (or gives up).
   */
  inDoubt?(): void;
  /** The commit in doubt landed after all (after `committed`; also for checkpoint states only). */
  landedAfterDoubt?(): void;
}

export interface GroupCommitOptions {
  /** The current state of a twin (for checkpoints). */
  stateOf(thingId: string): StoredThing;
  /** Start a checkpoint round at most this often (ms; default 1000), or once 50,000 twins are dirty. */
  checkpointEveryMs?: number;
  /** States written per commit during a round (default 128), so that no commit stalls the event loop. */
  checkpointChunk?: number;
  /** Commits handed to the journal and not yet durable, at most (default 1). */
  maxInFlight?: number;
  /** The clock of checkpoint rounds (default Date.now). */
  now?: () => number;
}

/** How many tombstones a checkpoint chunk may hold for each state with JSON it may hold. */
const TOMBSTONES_PER_STATE = 32;

/** A checkpoint round starts early once this many twins are dirty. */
const ROUND_AT_DIRTY = 50_000;

/** The promise of one batch, settled by whoever commits the batch. */
interface Pending {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function pending(): Pending {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
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
  /** Settles once the batch being gathered is durable: one promise for all of its writers. */
  private gathering: Pending | null = null;
  /**
   * Twins the journal has marked dirty, as of the last commit: marked by a committed batch and
   * not cleaned by a committed checkpoint since. After a failure, `dirty` starts again from it.
   */
  private readonly durablyDirty = new Set<string>();
  /** Twins with events since the last checkpoint (committed or queued). */
  private readonly dirty = new Set<string>();
  /** When the last checkpoint round began. */
  private lastCheckpoint: number;
  /** The twins of the current checkpoint round, written `checkpointChunk` per commit from `next`. */
  private round: string[] = [];
  private next = 0;
  private forceCheckpoint = false;
  /** Set once a commit failed: the journal refuses everything after it, so rounds stop. */
  private failed = false;
  private scheduled = false;
  private inFlight = 0;
  /** Settles once the newest commit handed to the journal has settled. */
  private newest: Promise<void> = Promise.resolve();
  private readonly maxInFlight: number;
  private readonly checkpointEveryMs: number;
  private readonly checkpointChunk: number;
  private readonly now: () => number;

  constructor(
    private readonly journal: Journal,
    private readonly observer: CommitObserver,
    private readonly options: GroupCommitOptions,
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.checkpointEveryMs = options.checkpointEveryMs ?? 1000;
    this.checkpointChunk = options.checkpointChunk ?? 128;
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
    this.gathering ??= pending();
    this.schedule();
    return this.gathering.promise;
  }

  /**
   * After a failure, once every outstanding commit has settled (drained): asks the journal to
   * accept commits again and resumes checkpoint rounds.
   */
  async recover(): Promise<void> {
    await this.drain();
    await this.journal.recover();
    this.failed = false;
    this.lastCheckpoint = this.now();
  }

  /** True while a twin has events after its checkpointed state (committed or queued). */
  isDirty(thingId: string): boolean {
    return this.dirty.has(thingId);
  }

  /** Remembers a twin whose stored state is behind its events (found when loading). */
  markDirty(thingId: string): void {
    this.dirty.add(thingId);
    this.durablyDirty.add(thingId);
  }

  /**
   * Resolves once every event queued so far is durable or its commit failed; unlike
   * {@link drain}, it does not wait for events queued later (it ends under a steady load too).
   */
  settled(): Promise<void> {
    return this.gathering === null ? this.newest : this.gathering.promise.catch(() => undefined);
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

  private get roundPending(): boolean {
    return this.next < this.round.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private roundDue(): boolean {
    return (
      this.dirty.size >= ROUND_AT_DIRTY ||
      (this.dirty.size > 0 && this.now() - this.lastCheckpoint >= this.checkpointEveryMs)
    );
  }

  /**
   * The twins whose states go with the next commit: the next chunk of the current round, which
   * begins with the twins dirty when it starts (all of them at once when forced, at shutdown). States taken now
   * include every queued event, all of which are in this very batch, so each twin is clean after it.
   */
  private takeCheckpointChunk(): StoredThing[] {
    if (this.failed) {
      this.forceCheckpoint = false;
      return [];
    }
    const forced = this.forceCheckpoint;
    this.forceCheckpoint = false;
    if (forced || (!this.roundPending && this.roundDue())) {
      this.round = [...this.dirty];
      this.next = 0;
      this.lastCheckpoint = this.now();
    }
    // A forced round (shutdown) is written whole. A chunk counts the states that have JSON to
    // serialise; tombstones of deleted twins cost next to nothing, so many more of them fit.
    const size = forced ? Infinity : this.checkpointChunk;
    const chunk: StoredThing[] = [];
    let costly = 0;
    while (
      costly < size &&
      chunk.length < size * TOMBSTONES_PER_STATE &&
      this.next < this.round.length
    ) {
      const id = this.round[this.next++];
      if (!this.dirty.has(id)) continue;
      const state = this.options.stateOf(id);
      chunk.push(state);
      if (state.json !== null) costly++;
    }
    return chunk;
  }

  private flush(): void {
    const chunk = this.takeCheckpointChunk();
    if (chunk.length === 0 && this.events.length === 0) return;
    const batch: CommitBatch = {
      events: this.events,
      dirty: this.newlyDirty,
      snapshots: this.snapshots,
    };
    if (chunk.length > 0) {
      batch.checkpoint = chunk;
      for (const state of chunk) this.dirty.delete(state.thingId);
    }
    const done = this.gathering;
    this.events = [];
    this.newlyDirty = [];
    this.snapshots = [];
    this.gathering = null;
    const started = process.hrtime.bigint();
    this.inFlight++;
    let doubted = false;
    const inDoubt = () => {
      doubted = true;
      this.observer.inDoubt?.();
    };
    const committed = this.journal.commit(batch, inDoubt).then(
      () => {
        for (const id of batch.dirty) this.durablyDirty.add(id);
        for (const state of batch.checkpoint ?? []) this.durablyDirty.delete(state.thingId);
        try {
          // Commits of checkpoint states only are housekeeping, not commits of writes.
          if (batch.events.length > 0) {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            this.observer.committed(batch.events, seconds);
          }
        } finally {
          if (doubted) this.observer.landedAfterDoubt?.();
          done?.resolve();
        }
      },
      (error: unknown) => {
        this.failed = true;
        this.round = [];
        this.next = 0;
        // Nothing of this batch, nor of any later one, is stored, and every write not yet durable
        // is undone: the twins dirty are those the journal has marked, as after the last commit.
        this.dirty.clear();
        for (const id of this.durablyDirty) this.dirty.add(id);
        try {
          this.observer.failed(error);
        } finally {
          done?.reject(error);
        }
      },
    );
    this.newest = committed.finally(() => {
      this.inFlight--;
      if (this.events.length > 0 || this.roundPending) this.schedule();
    });
  }
}
