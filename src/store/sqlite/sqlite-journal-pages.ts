// A twin's journaled events read on a read-only connection of the SQLite journal's file (a replay
// worker's own), keyed by revision: first from the keyed table, then from `recent_events` (the
// latest commits, not yet moved; every one of a twin's is newer than its moved ones), so that
// neither read needs a sort. Only the columns a replay reads are read.
import Database from 'better-sqlite3';
import type { TwinEvent } from '../../core/events.js';
import type { JsonValue } from '../../core/json.js';
import { parsePointer } from '../../core/json-pointer.js';
import type { ChangeAction } from '../../core/thing-change.js';
import type { JournalPages, TwinEventRange } from '../journal-pages.js';

const WHERE = 'thing_id = ? AND revision > ? AND ts < ?';
/** The columns of a page, in the order {@link RawRow} has them. */
const PAGE_COLUMNS = 'revision, ts, action, path, value, observed_at';

/** The SELECT of one page of a twin from `table` (`events`, then `recent_events`). */
export const journalPageSql = (table: 'events' | 'recent_events') =>
  `SELECT ${PAGE_COLUMNS} FROM ${table} WHERE ${WHERE} ORDER BY revision LIMIT ?`;
const COUNT_SQL = `SELECT (SELECT count(*) FROM events WHERE ${WHERE})
  + (SELECT count(*) FROM recent_events WHERE ${WHERE})`;

/** A row as `raw()` gives it: PAGE_COLUMNS in order. */
type RawRow = [number, number, ChangeAction, string, string | null, number | null];

export class SqliteJournalPages implements JournalPages {
  private readonly db: Database.Database;
  private readonly tables: Database.Statement[];
  private readonly counted: Database.Statement;
  /** Paths repeat (one observed value): parsed once each. */
  private readonly paths = new Map<string, string[]>();

  /** Opens `path` (the journal's `journal.db`) read-only; the journal's writer keeps writing. */
  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 10000');
    this.tables = (['events', 'recent_events'] as const).map((table) =>
      this.db.prepare(journalPageSql(table)).raw(),
    );
    this.counted = this.db.prepare(COUNT_SQL).pluck();
  }

  async count({ thingId, afterRevision, beforeTimestamp }: TwinEventRange): Promise<number> {
    const args = [thingId, afterRevision, beforeTimestamp];
    return this.counted.get(...args, ...args) as number;
  }

  async *pages(range: TwinEventRange, pageSize: number): AsyncIterable<TwinEvent[]> {
    let after = range.afterRevision;
    for (const table of this.tables) {
      for (;;) {
        const rows = table.all(range.thingId, after, range.beforeTimestamp, pageSize) as RawRow[];
        if (rows.length === 0) break;
        const events: TwinEvent[] = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) events[i] = this.eventOf(range.thingId, rows[i]);
        yield events;
        after = events[events.length - 1].revision;
        if (rows.length < pageSize) break;
      }
    }
  }

  private eventOf(thingId: string, row: RawRow): TwinEvent {
    const [revision, timestamp, action, pointer, value, observedAt] = row;
    let path = this.paths.get(pointer);
    if (path === undefined) {
      path = pointer === '/' ? [] : parsePointer(pointer);
      if (this.paths.size < 10_000) this.paths.set(pointer, path);
    }
    // Shared path arrays: the replay never changes an event's path.
    const event: TwinEvent = { thingId, revision, timestamp, action, path };
    if (value !== null) event.value = parseValue(value);
    if (observedAt !== null) event.observedAt = observedAt;
    return event;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/**
 * A journaled value: a number (the journal holds `JSON.stringify`'s text, which `Number` reads as
 * `JSON.parse` does, faster), else parsed as JSON.
 */
function parseValue(text: string): JsonValue {
  const first = text.charCodeAt(0);
  if ((first >= 48 && first <= 57) || first === 45) return Number(text);
  return JSON.parse(text) as JsonValue;
}
