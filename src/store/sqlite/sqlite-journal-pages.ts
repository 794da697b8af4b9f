// A twin's journaled events read on a read-only connection of the SQLite journal's file (a replay
// worker's own), from both event tables, keyed by revision.
import Database from 'better-sqlite3';
import type { TwinEvent } from '../../core/events.js';
import { toEvent, type EventRow } from '../journal-rows.js';
import type { JournalPages, TwinEventRange } from '../journal-pages.js';
import { EVENT_COLUMNS } from './sqlite-journal-writer.js';

const WHERE = 'thing_id = ? AND revision > ? AND ts < ?';
const PAGE_SQL = `SELECT seq, ${EVENT_COLUMNS} FROM events WHERE ${WHERE}
  UNION ALL SELECT seq, ${EVENT_COLUMNS} FROM recent_events WHERE ${WHERE}
  ORDER BY revision LIMIT ?`;
const COUNT_SQL = `SELECT (SELECT count(*) FROM events WHERE ${WHERE})
  + (SELECT count(*) FROM recent_events WHERE ${WHERE})`;

export class SqliteJournalPages implements JournalPages {
  private readonly db: Database.Database;
  private readonly page: Database.Statement;
  private readonly counted: Database.Statement;

  /** Opens `path` (the journal's `journal.db`) read-only; the journal's writer keeps writing. */
  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 10000');
    this.page = this.db.prepare(PAGE_SQL);
    this.counted = this.db.prepare(COUNT_SQL).pluck();
  }

  async count({ thingId, afterRevision, beforeTimestamp }: TwinEventRange): Promise<number> {
    const args = [thingId, afterRevision, beforeTimestamp];
    return this.counted.get(...args, ...args) as number;
  }

  async *pages(range: TwinEventRange, pageSize: number): AsyncIterable<TwinEvent[]> {
    let after = range.afterRevision;
    for (;;) {
      const args = [range.thingId, after, range.beforeTimestamp];
      const rows = this.page.all(...args, ...args, pageSize) as EventRow[];
      if (rows.length === 0) return;
      const events = rows.map(toEvent);
      yield events;
      if (rows.length < pageSize) return;
      after = events[events.length - 1].revision;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
