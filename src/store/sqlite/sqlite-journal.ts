// The embedded Journal: SQLite in WAL mode, one transaction per group commit.
import { toEvent, toStored, type EventRow, type ThingRow } from '../journal-rows.js';
import { unavailableWhile } from '../storage-errors.js';
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TwinEvent } from '../../core/events.js';
import type {
  CommitBatch,
  Durability,
  EventRange,
  Journal,
  SeqRange,
  StoredThing,
} from '../journal.js';
import {
  assertJournalComplete,
  assertLogHasItsDatabase,
  openDatabase,
  readRecordedSeq,
} from './sqlite-file-check.js';
import { InlineBatchWriter, WorkerBatchWriter, type BatchWriter } from './sqlite-batch-writer.js';
import { logRestartOf, WalCheckpointer, type WalCheckpointOptions } from './wal-checkpointer.js';
import {
  ARCHIVE_SQL,
  EVENT_COLUMNS,
  LAST_SEQ_SQL,
  SCHEMA,
  SEQ_INDEX,
  rowsOf,
} from './sqlite-journal-writer.js';

export type { Durability } from '../journal.js';

export interface SqliteJournalOptions {
  /** File path, or `:memory:`. */
  path: string;
  /** How many twins written since opening are told apart (see RECENT_TWINS_TRACKED); tests. */
  recentTwinsTracked?: number;
  durability?: Durability;
  /**
   * Write on a connection in a worker thread (inserts and WAL checkpoints then never block the
   * event loop). Reads stay on this thread. Ignored for `:memory:`.
   */
  writerThread?: boolean;
  /** When the writer thread's WAL checkpoints run (on a thread of their own); tests. */
  walCheckpoints?: WalCheckpointOptions;
}

/** A thing's events in a range of revisions and times, from both event tables. */
const EVENTS_WHERE = 'thing_id = ? AND revision >= ? AND revision <= ? AND ts >= ? AND ts <= ?';
const READ_EVENTS_SQL = `SELECT seq, ${EVENT_COLUMNS} FROM events WHERE ${EVENTS_WHERE}
  UNION ALL SELECT seq, ${EVENT_COLUMNS} FROM recent_events WHERE ${EVENTS_WHERE}
  ORDER BY revision LIMIT ?`;
/** The same from the keyed table only: for a twin with no event in `recent_events`. */
const READ_KEYED_EVENTS_SQL = `SELECT seq, ${EVENT_COLUMNS} FROM events WHERE ${EVENTS_WHERE}
  ORDER BY revision LIMIT ?`;

/**
 * Twins written since the journal opened that are told apart, at most: reads of the others skip
 * `recent_events`, which has no index by twin (a scan of up to its 20,000-odd rows per read).
 * Past this many, every read reads both tables.
 */
const RECENT_TWINS_TRACKED = 200_000;

/** A page of the global sequence, from both event tables. */
const READ_ALL_SQL = `SELECT seq, ${EVENT_COLUMNS} FROM events WHERE seq >= ?
  UNION ALL SELECT seq, ${EVENT_COLUMNS} FROM recent_events WHERE seq >= ?
  ORDER BY seq LIMIT ?`;

/** Events read per page by `readAll`. */
const READ_ALL_PAGE = 1000;

/**
 * Gives both event tables of a journal written before observation times were kept their
 * `observed_at` column, once (its events read back without one, as they were written).
 */
function addObservedAtColumns(db: Database.Database): void {
  const columnsOf = db.prepare('SELECT name FROM pragma_table_info(?)').pluck();
  for (const table of ['events', 'recent_events']) {
    const columns = columnsOf.all(table) as string[];
    if (!columns.includes('observed_at')) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN observed_at INTEGER`);
    }
  }
}

/**
 * Numbers the events of a journal written before events had positions, once: in the order of
 * their timestamps (the commit order up to ties within one millisecond), each event taken no
 * earlier than its twin's previous one, so a clock stepped back never reorders a twin's events.
 */
function numberLegacyEvents(db: Database.Database): void {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('events');
  if (columns.includes('seq')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE events ADD COLUMN seq INTEGER');
    db.exec(`INSERT INTO events (${EVENT_COLUMNS})
      SELECT ${EVENT_COLUMNS} FROM recent_events ORDER BY thing_id, revision`);
    db.exec('DELETE FROM recent_events');
    db.exec(`UPDATE events SET seq = numbered.n FROM (
      SELECT thing_id, revision, row_number() OVER (ORDER BY at, thing_id, revision) AS n FROM (
        SELECT thing_id, revision,
          max(ts) OVER (PARTITION BY thing_id ORDER BY revision) AS at FROM events)
    ) AS numbered WHERE events.thing_id = numbered.thing_id AND events.revision = numbered.revision`);
    db.exec('UPDATE sequence SET last = (SELECT COALESCE(MAX(seq), 0) FROM events) WHERE id = 1');
  })();
}

export class SqliteJournal implements Journal {
  private readonly db: Database.Database;
  private readonly writer: BatchWriter;
  /** The thread that checkpoints the log of the writer thread (which never does), if any. */
  private readonly checkpointer: WalCheckpointer | null = null;
  /**
   * The twins with events this process committed or is committing: the only ones `recent_events`
   * can hold, since opening moves every recent event into the keyed table. Null once more twins
   * were written than are told apart: then any twin may have recent events.
   */
  private recentTwins: Set<string> | null = new Set();
  private readonly recentTwinsTracked: number;

  constructor(options: SqliteJournalOptions) {
    const { path } = options;
    const onDisk = path !== ':memory:';
    const seqFile = onDisk ? `${path}.seq` : undefined;
    if (onDisk) {
      mkdirSync(dirname(path), { recursive: true });
      assertLogHasItsDatabase(path);
    }
    const synchronous = options.durability === 'power' ? 'FULL' : 'NORMAL';
    this.db = openDatabase(path, (db) => {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma('cache_size = -65536');
      db.pragma('busy_timeout = 10000');
      db.exec(SCHEMA);
      // Before the numbering: it copies events between the tables with every column.
      addObservedAtColumns(db);
      numberLegacyEvents(db);
      db.exec(SEQ_INDEX);
      if (seqFile) {
        const last = db.prepare(LAST_SEQ_SQL).pluck().get() as number;
        assertJournalComplete(path, last, readRecordedSeq(seqFile), options.durability);
      }
      // Events still in recent_events after a crash join the keyed table before anything reads them.
      db.transaction(() => {
        for (const sql of ARCHIVE_SQL) db.prepare(sql).run();
      })();
    });
    this.recentTwinsTracked = options.recentTwinsTracked ?? RECENT_TWINS_TRACKED;
    const threaded = (options.writerThread ?? false) && onDisk;
    this.writer = threaded
      ? new WorkerBatchWriter(path, synchronous, logRestartOf(options.walCheckpoints), seqFile)
      : new InlineBatchWriter(this.db, seqFile);
    if (threaded)
      this.checkpointer = WalCheckpointer.start(path, synchronous, options.walCheckpoints);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /**
   * Runs a read; a failure of the database (a lock held too long, an I/O error) becomes a
   * StorageUnavailableError naming what was read, as the writer's failures do.
   */
  private async reading<T>(what: string, read: () => T): Promise<T> {
    try {
      return read();
    } catch (error) {
      throw unavailableWhile(`reading ${what} from the journal failed`, error);
    }
  }

  /** A statement compiled once per SQL text (reads run often: history, time travel, replay). */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async commit(batch: CommitBatch): Promise<void> {
    const { events } = batch;
    // Before the rows can be read: a twin is known to have recent events from here on.
    const recent = this.recentTwins;
    if (recent !== null) {
      for (let i = 0; i < events.length; i++) recent.add(events[i].thingId);
      if (recent.size > this.recentTwinsTracked) this.recentTwins = null;
    }
    const first = await this.writer.write(rowsOf(batch));
    for (let i = 0; i < events.length; i++) events[i].seq = first + i;
  }

  lastSeq(): Promise<number> {
    return this.reading('the last position', () => {
      return this.prepared(LAST_SEQ_SQL).pluck().get() as number;
    });
  }

  async *readAll(range: SeqRange = {}): AsyncIterable<TwinEvent> {
    let from = range.fromSeq ?? 1;
    let left = range.limit ?? Infinity;
    while (left > 0) {
      const page = Math.min(READ_ALL_PAGE, left);
      const rows = this.prepared(READ_ALL_SQL).all(from, from, page) as EventRow[];
      for (const row of rows) yield toEvent(row);
      if (rows.length < page) return;
      from = (rows[rows.length - 1].seq as number) + 1;
      left -= rows.length;
    }
  }

  async loadCurrent(visit: (thing: StoredThing) => void): Promise<number> {
    let count = 0;
    const statement = this.db
      .prepare('SELECT thing_id, revision, created, modified, json FROM things')
      .raw(true);
    type Row = [string, number, number, number, string | null];
    for (const row of statement.iterate() as IterableIterator<Row>) {
      visit({ thingId: row[0], revision: row[1], created: row[2], modified: row[3], json: row[4] });
      count++;
    }
    return count;
  }

  dirtyThings(): Promise<string[]> {
    return this.reading('the dirty things', () => {
      return this.prepared('SELECT thing_id FROM dirty').pluck().all() as string[];
    });
  }

  readEvents(thingId: string, range: EventRange): Promise<TwinEvent[]> {
    return this.reading('events', () => {
      const bounds = [
        thingId,
        range.fromRevision ?? 0,
        range.toRevision ?? Number.MAX_SAFE_INTEGER,
        range.fromTimestamp ?? 0,
        range.toTimestamp ?? Number.MAX_SAFE_INTEGER,
      ];
      const rows = (
        this.mayHaveRecent(thingId)
          ? this.prepared(READ_EVENTS_SQL).all(...bounds, ...bounds, range.limit ?? -1)
          : this.prepared(READ_KEYED_EVENTS_SQL).all(...bounds, range.limit ?? -1)
      ) as EventRow[];
      return rows.map(toEvent);
    });
  }

  checkpointed(thingId: string): Promise<StoredThing | null> {
    return this.reading('a thing', () => {
      const row = this.prepared(
        'SELECT thing_id, revision, created, modified, json FROM things WHERE thing_id = ?',
      ).get(thingId) as ThingRow | undefined;
      return row ? toStored(row) : null;
    });
  }

  snapshotAtOrBefore(thingId: string, revision: number): Promise<StoredThing | null> {
    return this.reading('a snapshot', () => {
      const row = this.prepared(
        'SELECT * FROM snapshots WHERE thing_id = ? AND revision <= ? ORDER BY revision DESC LIMIT 1',
      ).get(thingId, revision) as ThingRow | undefined;
      return row ? toStored(row) : null;
    });
  }

  /** False when `recent_events` holds no event of the twin (it was not written since opening). */
  private mayHaveRecent(thingId: string): boolean {
    return this.recentTwins === null || this.recentTwins.has(thingId);
  }

  revisionAt(thingId: string, timestamp: number): Promise<number | null> {
    return this.reading('a revision', () => {
      if (!this.mayHaveRecent(thingId))
        return this.prepared('SELECT MAX(revision) FROM events WHERE thing_id = ? AND ts <= ?')
          .pluck()
          .get(thingId, timestamp) as number | null;
      const row = this.prepared(
        `SELECT MAX(revision) AS revision FROM (
             SELECT MAX(revision) AS revision FROM events WHERE thing_id = ? AND ts <= ?
             UNION ALL SELECT MAX(revision) FROM recent_events WHERE thing_id = ? AND ts <= ?)`,
      ).get(thingId, timestamp, thingId, timestamp) as { revision: number | null };
      return row.revision;
    });
  }

  recover(): Promise<void> {
    return this.writer.recover();
  }

  pruneDeletedBefore(timestamp: number): Promise<number> {
    // On the writer, so that it is ordered with commits and never blocks the event loop.
    return this.writer.prune(timestamp);
  }

  /** Flushes and closes; a second call does nothing. */
  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.writer.close();
    await this.checkpointer?.close();
    // The last connection: closing it checkpoints the log and removes it.
    this.db.close();
  }
}
