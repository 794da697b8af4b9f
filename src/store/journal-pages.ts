// Port: one twin's journaled events read in big pages by a reader of its own (a replay's worker),
// beside the journal the runtime writes: a read-only SQLite connection, or its own PostgreSQL one.
import type { TwinEvent } from '../core/events.js';

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
  close(): Promise<void>;
}
