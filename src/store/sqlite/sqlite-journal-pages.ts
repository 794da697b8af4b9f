// A twin's journaled events read on a read-only connection of the SQLite journal's file (a replay
// worker's own), keyed by revision: first from the keyed table, then from `recent_events` (the
// latest commits, not yet moved; every one of a twin's is newer than its moved ones). All reads
// are of one snapshot (one read transaction, from the first read to close), so that a move of
// recent events meanwhile neither hides nor repeats any; and `recent_events`, which has no index
// by twin, is read once, not once per twin. Only the columns a replay reads are read.
import Database from 'better-sqlite3';
import type { TwinEvent } from '../../core/events.js';
import type { JsonValue } from '../../core/json.js';
import { parsePointer } from '../../core/json-pointer.js';
import type { ChangeAction } from '../../core/thing-change.js';
import {
  stateFromSnapshot,
  type JournalPages,
  type TwinEventRange,
  type TwinStart,
} from '../journal-pages.js';

const WHERE = 'thing_id = ? AND revision > ? AND ts < ?';
/** The columns of a page, in the order {@link RawRow} has them. */
const PAGE_COLUMNS = 'revision, ts, action, path, value, observed_at';

/** The SELECT of one page of a twin from `events` (the keyed table). */
export const journalPageSql = () =>
  `SELECT ${PAGE_COLUMNS} FROM events WHERE ${WHERE} ORDER BY revision LIMIT ?`;
/** Every recent event, in commit order (so each twin's in revision order), its twin last. */
export const RECENT_SQL = `SELECT ${PAGE_COLUMNS}, thing_id FROM recent_events ORDER BY seq`;
const COUNT_SQL = `SELECT count(*) FROM events WHERE ${WHERE}`;
const REVISION_BEFORE_SQL = 'SELECT max(revision) FROM events WHERE thing_id = ? AND ts < ?';
const SNAPSHOT_SQL = `SELECT revision, json FROM snapshots WHERE thing_id = ? AND revision <= ?
  ORDER BY revision DESC LIMIT 1`;
const BETWEEN_SQL = `SELECT ${PAGE_COLUMNS} FROM events
  WHERE thing_id = ? AND revision > ? AND revision <= ? ORDER BY revision`;

/** A row as `raw()` gives it: PAGE_COLUMNS in order (a recent row has its twin after them). */
type RawRow = [number, number, ChangeAction, string, string | null, number | null, string?];

export class SqliteJournalPages implements JournalPages {
  private readonly db: Database.Database;
  private readonly page: Database.Statement;
  private readonly counted: Database.Statement;
  private readonly revisionBefore: Database.Statement;
  private readonly snapshot: Database.Statement;
  private readonly between: Database.Statement;
  /** The snapshot's recent events by twin, read at the first read. */
  private recentByTwin: Map<string, RawRow[]> | null = null;
  /** Paths repeat (one observed value): parsed once each. */
  private readonly paths = new Map<string, string[]>();

  /** Opens `path` (the journal's `journal.db`) read-only; the journal's writer keeps writing. */
  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 10000');
    this.page = this.db.prepare(journalPageSql()).raw();
    this.counted = this.db.prepare(COUNT_SQL).pluck();
    this.revisionBefore = this.db.prepare(REVISION_BEFORE_SQL).pluck();
    this.snapshot = this.db.prepare(SNAPSHOT_SQL);
    this.between = this.db.prepare(BETWEEN_SQL).raw();
  }

  /** The recent events of the snapshot by twin; the first call begins the snapshot. */
  private recent(): Map<string, RawRow[]> {
    if (this.recentByTwin === null) {
      this.db.exec('BEGIN');
      const byTwin = new Map<string, RawRow[]>();
      for (const row of this.db.prepare(RECENT_SQL).raw().iterate() as Iterable<RawRow>) {
        const thingId = row[6] as string;
        const rows = byTwin.get(thingId);
        if (rows === undefined) byTwin.set(thingId, [row]);
        else rows.push(row);
      }
      this.recentByTwin = byTwin;
    }
    return this.recentByTwin;
  }

  /** The twin's recent events in the range, after `afterRevision`. */
  private recentOf(range: TwinEventRange, afterRevision: number): RawRow[] {
    const rows = this.recent().get(range.thingId);
    if (rows === undefined) return [];
    return rows.filter((row) => row[0] > afterRevision && row[1] < range.beforeTimestamp);
  }

  async count(range: TwinEventRange): Promise<number> {
    const recent = this.recentOf(range, range.afterRevision).length;
    return (
      recent +
      (this.counted.get(range.thingId, range.afterRevision, range.beforeTimestamp) as number)
    );
  }

  async *pages(range: TwinEventRange, pageSize: number): AsyncIterable<TwinEvent[]> {
    this.recent();
    let after = range.afterRevision;
    for (;;) {
      const rows = this.page.all(range.thingId, after, range.beforeTimestamp, pageSize) as RawRow[];
      if (rows.length === 0) break;
      yield this.eventsOf(range.thingId, rows, 0, rows.length);
      after = rows[rows.length - 1][0];
      if (rows.length < pageSize) break;
    }
    const recent = this.recentOf(range, after);
    for (let from = 0; from < recent.length; from += pageSize)
      yield this.eventsOf(range.thingId, recent, from, Math.min(recent.length, from + pageSize));
  }

  async startOf(thingId: string, timestamp: number): Promise<TwinStart> {
    // The twin's recent events are all newer than its moved ones.
    const recent = (this.recent().get(thingId) ?? []).filter((row) => row[1] < timestamp);
    const afterRevision =
      recent.length > 0
        ? recent[recent.length - 1][0]
        : ((this.revisionBefore.get(thingId, timestamp) as number | null) ?? 0);
    if (afterRevision === 0) return { afterRevision, start: null };
    const snapshot = this.snapshot.get(thingId, afterRevision) as
      { revision: number; json: string | null } | undefined;
    const after = snapshot?.revision ?? 0;
    const rows = [
      ...(this.between.all(thingId, after, afterRevision) as RawRow[]),
      ...recent.filter((row) => row[0] > after && row[0] <= afterRevision),
    ];
    const events = this.eventsOf(thingId, rows, 0, rows.length);
    return { afterRevision, start: stateFromSnapshot(snapshot ?? null, events, afterRevision) };
  }

  private eventsOf(thingId: string, rows: RawRow[], from: number, to: number): TwinEvent[] {
    const events: TwinEvent[] = new Array(to - from);
    for (let i = from; i < to; i++) events[i - from] = this.eventOf(thingId, rows[i]);
    return events;
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
    if (this.db.inTransaction) this.db.exec('COMMIT');
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
