// A twin's journaled events read on a PostgreSQL connection of their own (a replay worker's),
// keyed by revision.
import type { TwinEvent } from '../../core/events.js';
import { toEvent, type EventRow } from '../journal-rows.js';
import {
  stateFromSnapshot,
  type JournalPages,
  type TwinEventRange,
  type TwinStart,
} from '../journal-pages.js';
import type { PgPool } from './postgres-pool.js';
import { toStorageError } from './postgres-errors.js';

const COLUMNS = 'seq, thing_id, revision, ts, action, path, value, originator, observed_at';
const PAGE_SQL = `SELECT ${COLUMNS} FROM events
  WHERE thing_id = $1 AND revision > $2 AND ts < $3 ORDER BY revision LIMIT $4`;
const COUNT_SQL =
  'SELECT count(*)::int AS n FROM events WHERE thing_id = $1 AND revision > $2 AND ts < $3';
const REVISION_BEFORE_SQL =
  'SELECT max(revision) AS revision FROM events WHERE thing_id = $1 AND ts < $2';
const SNAPSHOT_SQL = `SELECT revision, json FROM snapshots WHERE thing_id = $1 AND revision <= $2
  ORDER BY revision DESC LIMIT 1`;
const BETWEEN_SQL = `SELECT ${COLUMNS} FROM events
  WHERE thing_id = $1 AND revision > $2 AND revision <= $3 ORDER BY revision`;

export class PostgresJournalPages implements JournalPages {
  /** @param pool connections whose search path is the journal's schema */
  constructor(private readonly pool: PgPool) {}

  async count({ thingId, afterRevision, beforeTimestamp }: TwinEventRange): Promise<number> {
    try {
      const { rows } = await this.pool.query<{ n: number }>(COUNT_SQL, [
        thingId,
        afterRevision,
        beforeTimestamp,
      ]);
      return rows[0].n;
    } catch (error) {
      throw toStorageError(error, `counting the events of ${thingId}`);
    }
  }

  async *pages(range: TwinEventRange, pageSize: number): AsyncIterable<TwinEvent[]> {
    let after = range.afterRevision;
    for (;;) {
      let rows: EventRow[];
      try {
        ({ rows } = await this.pool.query<EventRow>(PAGE_SQL, [
          range.thingId,
          after,
          range.beforeTimestamp,
          pageSize,
        ]));
      } catch (error) {
        throw toStorageError(error, `reading the events of ${range.thingId}`);
      }
      if (rows.length === 0) return;
      const events = rows.map(toEvent);
      yield events;
      if (rows.length < pageSize) return;
      after = events[events.length - 1].revision;
    }
  }

  async startOf(thingId: string, timestamp: number): Promise<TwinStart> {
    try {
      const found = await this.pool.query<{ revision: number | null }>(REVISION_BEFORE_SQL, [
        thingId,
        timestamp,
      ]);
      const afterRevision = found.rows[0]?.revision ?? 0;
      if (afterRevision === 0) return { afterRevision, start: null };
      const snapshots = await this.pool.query<{ revision: number; json: string | null }>(
        SNAPSHOT_SQL,
        [thingId, afterRevision],
      );
      const snapshot = snapshots.rows[0] ?? null;
      const { rows } = await this.pool.query<EventRow>(BETWEEN_SQL, [
        thingId,
        snapshot?.revision ?? 0,
        afterRevision,
      ]);
      const events = rows.map(toEvent);
      return { afterRevision, start: stateFromSnapshot(snapshot, events, afterRevision) };
    } catch (error) {
      throw toStorageError(error, `reading where ${thingId} started`);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
