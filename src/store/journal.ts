// Port: the event journal (source of truth) with the current-state projection and periodic snapshots.
import type { TwinEvent } from '../core/events.js';

/** A thing's state at a revision. `json` is the thing JSON text, `null` once deleted. Times in epoch ms. */
export interface StoredThing {
  thingId: string;
  revision: number;
  created: number;
  modified: number;
  json: string | null;
}

/** What one group commit writes, atomically. */
export interface CommitBatch {
  events: TwinEvent[];
  /** The latest state of every thing the events touched (the current-state projection). */
  states: StoredThing[];
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

export interface Journal {
  /** Writes a batch atomically; resolves once it is durable at the configured level. */
  commit(batch: CommitBatch): Promise<void>;
  /** Visits the current state of every thing (deleted ones with `json: null`); resolves to the count. */
  loadCurrent(visit: (thing: StoredThing) => void): Promise<number>;
  /** A thing's events in revision order within the range. */
  readEvents(thingId: string, range: EventRange): Promise<TwinEvent[]>;
  /** The newest snapshot with revision ≤ `revision`, or null. */
  snapshotAtOrBefore(thingId: string, revision: number): Promise<StoredThing | null>;
  /** The revision current at `timestamp` (the last event at or before it), or null. */
  revisionAt(thingId: string, timestamp: number): Promise<number | null>;
  /** Forgets things deleted before `timestamp` (events, snapshots and tombstone); resolves to how many. */
  pruneDeletedBefore(timestamp: number): Promise<number>;
  close(): Promise<void>;
}
