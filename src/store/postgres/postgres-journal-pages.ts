// A twin's journaled events read on a PostgreSQL connection of their own (a replay worker's),
// keyed by revision.
import type { TwinEvent } from '../../core/events.js';
import { toEvent, type EventRow } from '../journal-rows.js';
import type { JournalPages, TwinEventRange } from '../journal-pages.js';
import type { PgPool } from './postgres-pool.js';
import { toStorageError } from './postgres-errors.js';

const COLUMNS = 'seq, thing_id, revision, ts, action, path, value, originator, observed_at';
const PAGE_SQL = `SELECT ${COLUMNS} FROM events
  WHERE thing_id = $1 AND revision > $2 AND ts < $3 ORDER BY revision LIMIT $4`;
const COUNT_SQL =
  'SELECT count(*)::int AS n FROM events WHERE thing_id = $1 AND revision > $2 AND ts < $3';

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

  close(): Promise<void> {
    return this.pool.end();
  }
}
