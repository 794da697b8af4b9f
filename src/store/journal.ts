// Port: the event journal (source of truth) with a checkpointed current-state projection and snapshots.
import type { TwinEvent } from '../core/events.js';

/** `process`: a commit survives a crash of the process (kill -9); `power`: it also survives power loss (fsync). */
export type Durability = 'process' | 'power';

/** A thing's state at a revision. `json` is the thing JSON text, `null` once deleted. Times in epoch ms. */
export interface StoredThing {
  thingId: string;
  revision: number;
  created: number;
  modified: number;
  json: string | null;
}

/**
 * What one group commit writes, atomically. The stored current state of a thing is only rewritten
 * at checkpoints; in between, a thing with newer events is marked dirty, and loading replays its
 * events after its stored state.
 */
export interface CommitBatch {
  /** The journal numbers them (`seq`) in this order when it commits them. */
  events: TwinEvent[];
  /** Things that get their first event since the last checkpoint. */
  dirty: string[];
  /**
   * A checkpoint of some things: the state of each after this batch. Once it commits, those things
   * are no longer dirty (the others stay as they are).
   */
  checkpoint?: StoredThing[];
  /** Historical snapshots that speed up time travel. */
  snapshots: StoredThing[];
}

export interface EventRange {
  fromRevision?: number;
  toRevision?: number;
  fromTimestamp?: number;
  toTimestamp?: number;
  limit?: number;
}

/** A range of the global event sequence. */
export interface SeqRange {
  /** The first position to read (default 1). */
  fromSeq?: number;
  /** Read at most this many events (default: all). */
  limit?: number;
}

export interface Journal {
  /**
   * Writes a batch atomically; resolves once it is durable at the configured level, having set the
   * `seq` of each of its events: one after the last committed event's, gap-free. Several
   * commits may be outstanding: they apply in the order they were made, and once one fails every
   * later one is refused (so no batch lands after a lost one).
   *
   * When the answer of a commit is lost with its connection, a journal that can tell (PostgreSQL)
   * calls `inDoubt` and finds out, within a bound, whether the commit landed: then it resolves as
   * usual, or rejects with StorageUnavailableError once it is sure the batch never lands, or with
   * CommitOutcomeUnknownError when it could not find out in time (the batch stands or not, as the
   * database decided; `recover` settles it for good).
   */
  commit(batch: CommitBatch, inDoubt?: () => void): Promise<void>;
  /**
   * Visits the state of every thing as of the last checkpoint (deleted ones with `json: null`);
   * resolves to the count. Things in `dirtyThings()` have events after that state.
   */
  loadCurrent(visit: (thing: StoredThing) => void): Promise<number>;
  /** One thing's state as of the last checkpoint (deleted: `json: null`), or null when none is stored. */
  checkpointed(thingId: string): Promise<StoredThing | null>;
  /** Things with events newer than their checkpointed state. */
  dirtyThings(): Promise<string[]>;
  /** The position of the last committed event (0 when there is none). */
  lastSeq(): Promise<number>;
  /**
   * Every committed event from `fromSeq` on, in `seq` order, across all twins, read in pages (so a
   * long journal is never held in memory at once). Ends at the last event committed when a page is
   * read; pruned events are skipped.
   */
  readAll(range?: SeqRange): AsyncIterable<TwinEvent>;
  /** A thing's events in revision order within the range. */
  readEvents(thingId: string, range: EventRange): Promise<TwinEvent[]>;
  /** The newest snapshot with revision ≤ `revision`, or null. */
  snapshotAtOrBefore(thingId: string, revision: number): Promise<StoredThing | null>;
  /** The revision current at `timestamp` (the last event at or before it), or null. */
  revisionAt(thingId: string, timestamp: number): Promise<number | null>;
  /**
   * Accepts commits again after a failed one. The caller first lets every outstanding commit
   * settle (they are refused) and drops what they held; what committed before the failure stands,
   * and so does a commit whose outcome was unknown, if it landed: the caller reads the journal
   * after the last position it knows to learn what it holds.
   */
  recover(): Promise<void>;
  /** Forgets things deleted before `timestamp` (events, snapshots and tombstone); resolves to how many. */
  pruneDeletedBefore(timestamp: number): Promise<number>;
  close(): Promise<void>;
}
