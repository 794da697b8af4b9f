// Port: one twin's journaled events read in big pages by a reader of its own (a replay's worker),
// beside the journal the runtime writes: a read-only SQLite connection, or its own PostgreSQL one.
import type { TwinEvent } from '../core/events.js';
import type { JsonObject } from '../core/json.js';
import { applyChange } from '../core/thing-change.js';

/** Where a journal is, for a reader that opens its own connection (in another thread). */
export type JournalLocation =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };

/** One twin's events after a revision and committed before a time (epoch ms). */
export interface TwinEventRange {
  thingId: string;
  afterRevision: number;
  beforeTimestamp: number;
}

export interface JournalPages {
  /** How many events the range holds. */
  count(range: TwinEventRange): Promise<number>;
  /**
   * The range's events in revision order, `pageSize` at a time. They need not carry `seq` nor
   * `originator` (a replay reads neither).
   */
  pages(range: TwinEventRange, pageSize: number): AsyncIterable<TwinEvent[]>;
  /**
   * Where a twin stood before `timestamp` (epoch ms): its last revision committed before it (0
   * when none) and its state at that revision, from the nearest snapshot on (null when it had
   * none, or was deleted).
   */
  startOf(thingId: string, timestamp: number): Promise<TwinStart>;
  close(): Promise<void>;
}

/** A twin at the start of a range. */
export interface TwinStart {
  afterRevision: number;
  start: JsonObject | null;
}

/**
 * The twin at `revision` from a snapshot's JSON (null: none) and the events after the snapshot up
 * to the revision, in order; null when one of them is missing (pruned) or the twin was deleted.
 */
export function stateFromSnapshot(
  snapshot: { revision: number; json: string | null } | null,
  events: readonly TwinEvent[],
  revision: number,
): JsonObject | null {
  let thing: JsonObject | null = snapshot?.json ? (JSON.parse(snapshot.json) as JsonObject) : null;
  let expected = (snapshot?.revision ?? 0) + 1;
  for (const event of events) {
    if (event.revision !== expected) return null;
    thing = applyChange(thing, event);
    expected++;
  }
  return expected === revision + 1 ? thing : null;
}
