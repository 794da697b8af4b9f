// How commit batches are written to the SQLite journal: the schema, the encoding of a batch, and the
// writer itself (the same code runs inline and in the writer thread, sqlite-journal-worker.ts).
//
// Events are appended to `recent_events`, whose rowid order means one or two fresh pages per batch,
// then moved, sorted, into `events` (keyed by thing and revision) in bulk once enough have gathered.
// Inserting each event straight into the keyed table touches one B-tree page per thing per batch,
// which cost about 15 µs of CPU per event against about 6 µs this way (tmp micro-benchmark, 1,000
// and 100,000 things, batches of 20). Readers query both tables.
//
// The move runs in steps of a few hundred events, one transaction each, between commits: moved in
// one transaction, 20,000 events over 10,000 things held the writer 80-380 ms, and every commit
// waited behind it (the live benchmark's p99 was that stall).
import type Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import type { TwinEvent } from '../../core/events.js';
import { RevisionConflictError } from '../storage-errors.js';
import { formatPointer } from '../../core/json-pointer.js';
import type { CommitBatch, StoredThing } from '../journal.js';

/** The columns of both event tables, in the order the writer inserts them. */
export const EVENT_COLUMNS = 'thing_id, revision, ts, action, path, value, originator, observed_at';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL,
  action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, originator TEXT, seq INTEGER,
  observed_at INTEGER, PRIMARY KEY (thing_id, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recent_events (
  seq INTEGER PRIMARY KEY, thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL,
  action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, originator TEXT, observed_at INTEGER);
CREATE TABLE IF NOT EXISTS things (
  thing_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, created INTEGER NOT NULL,
  modified INTEGER NOT NULL, json TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dirty (thing_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  thing_id TEXT NOT NULL, revision INTEGER NOT NULL, created INTEGER NOT NULL,
  modified INTEGER NOT NULL, json TEXT,
  PRIMARY KEY (thing_id, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sequence (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
INSERT OR IGNORE INTO sequence (id, last) VALUES (1, 0);
`;

/**
 * Creates the index of events by position. It is created after {@link numberLegacyEvents} has
 * numbered the events of a journal written before positions existed.
 */
export const SEQ_INDEX = 'CREATE UNIQUE INDEX IF NOT EXISTS events_by_seq ON events (seq)';

/** The last position handed out: kept apart, since pruning may delete the newest events. */
export const LAST_SEQ_SQL = 'SELECT last FROM sequence WHERE id = 1';

/** Moves every recent event into `events`, sorted so that each page of `events` is written once. */
export const ARCHIVE_SQL = [
  `INSERT INTO events (seq, ${EVENT_COLUMNS})
   SELECT seq, ${EVENT_COLUMNS} FROM recent_events ORDER BY thing_id, revision`,
  'DELETE FROM recent_events',
];

type EventRow = [
  string,
  number,
  number,
  string,
  string,
  string | null,
  string | null,
  number | null,
];
type StateRow = [string, number, number, number, string | null];

const stateRow = (s: StoredThing): StateRow => [
  s.thingId,
  s.revision,
  s.created,
  s.modified,
  s.json,
];

function eventRow(e: TwinEvent): EventRow {
  const value = e.value === undefined ? null : JSON.stringify(e.value);
  return [
    e.thingId,
    e.revision,
    e.timestamp,
    e.action,
    formatPointer(e.path),
    value,
    e.originator ?? null,
    e.observedAt ?? null,
  ];
}

/** A batch as the writer takes it: rows in the column order of its statements. */
export interface BatchRows {
  events: EventRow[];
  dirty: string[];
  checkpoint: StateRow[] | null;
  snapshots: StateRow[];
}

export function rowsOf(batch: CommitBatch): BatchRows {
  return {
    events: batch.events.map(eventRow),
    dirty: batch.dirty,
    checkpoint: batch.checkpoint ? batch.checkpoint.map(stateRow) : null,
    snapshots: batch.snapshots.map(stateRow),
  };
}

/**
 * A batch as one string for the writer thread: the rows as JSON without the events' values, then
 * each value's JSON text on a line of its own (empty for none). The JSON that JSON.stringify makes
 * never holds a line break, so the lines need no escaping: each value is serialised once, not
 * escaped again inside the batch's JSON, and taken back by a split rather than unescaped.
 */
export function encodeBatch(batch: BatchRows): string {
  const { events } = batch;
  const values: string[] = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    values[i] = events[i][5] ?? '';
    events[i][5] = null;
  }
  const rows = JSON.stringify(batch);
  for (let i = 0; i < events.length; i++) events[i][5] = values[i] === '' ? null : values[i];
  return events.length === 0 ? rows : `${rows}\n${values.join('\n')}`;
}

/** The batch {@link encodeBatch} encoded. */
export function decodeBatch(encoded: string): BatchRows {
  const end = encoded.indexOf('\n');
  const batch = JSON.parse(end < 0 ? encoded : encoded.slice(0, end)) as BatchRows;
  if (end < 0) return batch;
  const { events } = batch;
  let start = end + 1;
  for (let i = 0; i < events.length; i++) {
    let stop = encoded.indexOf('\n', start);
    if (stop < 0) stop = encoded.length;
    events[i][5] = stop === start ? null : encoded.slice(start, stop);
    start = stop + 1;
  }
  return batch;
}

/** The writer made by {@link createJournalWriter}. */
export interface JournalWriter {
  /**
   * Writes one batch in a transaction and returns the position of its first event (the others
   * follow it). Throws `journal write failed: …` when it cannot; from then on every write throws
   * `journal write refused: …` (nothing lands after a gap) until {@link JournalWriter.recover}.
   */
  write(batch: BatchRows): number;
  /**
   * Once enough recent events have gathered, moves the next step of them into `events`: one
   * transaction of {@link ARCHIVE_STEP} events, or of as many as the last batch had when that is more (so
   * that moving keeps ahead of writing); with `force`, moves every recent event.
   */
  archiveIfDue(force: boolean): void;
  /**
   * Forgets things deleted before `before` (epoch ms) and not changed since the last checkpoint:
   * events, snapshots, tombstone. Returns how many.
   */
  prune(before: number): number;
  /**
   * Accepts writes again after a failure, once the caller has dropped every batch after the
   * failed one. The failed transaction was rolled back, so what was committed before it stands.
   */
  recover(): void;
  close(): void;
}

export interface JournalWriterOptions {
  /** Recent events are moved into the keyed table once this many have gathered. */
  archiveEvery: number;
  /**
   * A file that holds the last committed position, rewritten after each commit: a journal found
   * behind it at start has lost committed events (see sqlite-file-check.ts).
   */
  seqFile?: string;
}

/** At most how many things' newest revisions the writer keeps in memory past a move of recent events. */
const NEWEST_KEPT = 200_000;

/** Recent events moved into `events` per transaction while they are moved in steps. */
export const ARCHIVE_STEP = 500;

/** The width of the position written to the sequence file. */
const SEQ_WIDTH = 20;

/** Creates the writer on an open connection (of this thread or of the writer thread). */
export function createJournalWriter(
  db: Database.Database,
  options: JournalWriterOptions,
): JournalWriter {
  const insertEvent = db.prepare(
    `INSERT INTO recent_events (seq, ${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const saveSeq = db.prepare('UPDATE sequence SET last = ? WHERE id = 1');
  let lastSeq = db.prepare(LAST_SEQ_SQL).pluck().get() as number;
  const upsertThing = db.prepare(
    'INSERT OR REPLACE INTO things (thing_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)',
  );
  const upsertSnapshot = db.prepare(
    'INSERT OR REPLACE INTO snapshots (thing_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)',
  );
  const markDirty = db.prepare('INSERT OR IGNORE INTO dirty (thing_id) VALUES (?)');
  const markClean = db.prepare('DELETE FROM dirty WHERE thing_id = ?');
  const lastArchived = db.prepare('SELECT MAX(revision) FROM events WHERE thing_id = ?').pluck();
  const archiveStatements = ARCHIVE_SQL.map((sql) => db.prepare(sql));
  // A move in steps: the oldest recent events copied, sorted as `events` keeps them, into a
  // temporary table of this connection (n is their order), then moved n-range by n-range.
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS moving (n INTEGER PRIMARY KEY, seq INTEGER NOT NULL,
    thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL, action TEXT NOT NULL,
    path TEXT NOT NULL, value TEXT, originator TEXT, observed_at INTEGER)`);
  const clearMoving = db.prepare('DELETE FROM temp.moving');
  const fillMoving = db.prepare(
    `INSERT INTO temp.moving (seq, ${EVENT_COLUMNS}) SELECT seq, ${EVENT_COLUMNS} FROM recent_events
     WHERE seq < (SELECT MIN(seq) FROM recent_events) + ? ORDER BY thing_id, revision`,
  );
  const insertMoved = db.prepare(
    `INSERT INTO events (seq, ${EVENT_COLUMNS})
     SELECT seq, ${EVENT_COLUMNS} FROM temp.moving WHERE n > ? AND n <= ? ORDER BY n`,
  );
  const deleteMoved = db.prepare(
    'DELETE FROM recent_events WHERE seq IN (SELECT seq FROM temp.moving WHERE n > ? AND n <= ?)',
  );
  const countRecent = db.prepare('SELECT COUNT(*) FROM recent_events').pluck();
  // Deleted before the cut-off, and not re-created since the last checkpoint (those are dirty).
  const doomed =
    'SELECT thing_id FROM things WHERE json IS NULL AND modified < ? AND thing_id NOT IN (SELECT thing_id FROM dirty)';
  const doomedIds = db.prepare(doomed).pluck();
  // recent_events has no index by thing: one pass over it.
  const pruneRecent = db.prepare(`DELETE FROM recent_events WHERE thing_id IN (${doomed})`);
  const pruneById = ['events', 'snapshots', 'things'].map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE thing_id = ?`),
  );
  // Not O_APPEND: the position is rewritten in place.
  const seqFd =
    options.seqFile === undefined
      ? null
      : openSync(options.seqFile, existsSync(options.seqFile) ? 'r+' : 'w+');
  const seqBuffer = Buffer.alloc(SEQ_WIDTH + 1);
  const writeSeqFile = () => {
    if (seqFd === null) return;
    seqBuffer.write(`${String(lastSeq).padStart(SEQ_WIDTH, '0')}\n`, 0, 'latin1');
    try {
      writeSync(seqFd, seqBuffer, 0, seqBuffer.length, 0);
    } catch {
      // The batch is committed whatever happens here: a position left behind only makes the
      // start-up check weaker, never wrong (it refuses only a journal behind the position).
    }
  };
  // The newest revision of each thing written since the journal opened (or since the map was let
  // go of): a thing's revisions must grow, as the primary key of events would demand (checked
  // here, before anything is acknowledged).
  const newest = new Map<string, number>();
  // Recent events left by a crash were moved when the journal opened.
  let recent = 0;
  let failure: string | null = null;
  const apply = db.transaction((batch: BatchRows) => {
    const seen = new Map<string, number>();
    let seq = lastSeq;
    for (const row of batch.events) {
      const id = row[0];
      const last = seen.get(id) ?? newest.get(id) ?? (lastArchived.get(id) as number | null) ?? 0;
      if (!(row[1] > last)) {
        throw new RevisionConflictError(
          `event revision ${row[1]} of ${id} is not after revision ${last}`,
        );
      }
      seen.set(id, row[1]);
      insertEvent.run(++seq, ...row);
    }
    if (seq !== lastSeq) saveSeq.run(seq);
    for (const id of batch.dirty) markDirty.run(id);
    if (batch.checkpoint) {
      for (const row of batch.checkpoint) {
        upsertThing.run(row);
        markClean.run(row[0]);
      }
    }
    for (const row of batch.snapshots) upsertSnapshot.run(row);
    return seen;
  });
  const archive = db.transaction(() => {
    for (const statement of archiveStatements) statement.run();
  });
  const moveRows = db.transaction((from: number, to: number) => {
    insertMoved.run(from, to);
    return deleteMoved.run(from, to).changes;
  });
  // How many of the oldest recent events (at most `archiveEvery`) are in `moving`, sorted as
  // `events` keeps them so that each page of `events` is written once per move (null: no move
  // under way), and how many of them have moved.
  let moving: number | null = null;
  let moved = 0;
  let lastBatch = 0;
  /** Moves the next step; starts a move of the oldest recent events when none is under way. */
  const moveStep = () => {
    if (moving === null) {
      clearMoving.run();
      moving = fillMoving.run(options.archiveEvery).changes;
    }
    const to = Math.min(moving, moved + Math.max(ARCHIVE_STEP, lastBatch));
    recent -= moveRows.immediate(moved, to);
    moved = to;
    if (moved >= moving) {
      moving = null;
      moved = 0;
    }
  };
  /** Once nothing recent is left: the newest revisions stay known unless the map grew large. */
  const afterMove = () => {
    if (recent === 0 && newest.size > NEWEST_KEPT) newest.clear();
  };
  const prune = db.transaction((before: number) => {
    const ids = doomedIds.all(before) as string[];
    pruneRecent.run(before);
    for (const statement of pruneById) for (const id of ids) statement.run(id);
    for (const id of ids) newest.delete(id);
    return ids.length;
  });
  const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
  // Every transaction takes the write lock as it begins (IMMEDIATE), waiting for it as long as the
  // busy timeout says: one that read first and then found the lock taken (by a checkpoint that
  // holds off commits, see wal-checkpointer.ts) would fail at once with SQLITE_BUSY.
  return {
    write(batch) {
      if (failure !== null) {
        throw new Error(`journal write refused: an earlier write failed (${failure})`);
      }
      try {
        const seen = apply.immediate(batch);
        for (const [id, revision] of seen) newest.set(id, revision);
        recent += batch.events.length;
        lastBatch = batch.events.length;
        const first = lastSeq + 1;
        lastSeq += batch.events.length;
        if (batch.events.length > 0) writeSeqFile();
        return first;
      } catch (error) {
        failure = messageOf(error);
        const message = `journal write failed: ${failure}`;
        throw error instanceof RevisionConflictError
          ? new RevisionConflictError(message, { cause: error })
          : new Error(message, { cause: error });
      }
    },
    archiveIfDue(force) {
      if (failure !== null || recent === 0) return;
      if (!force && moving === null && recent < options.archiveEvery) return;
      try {
        if (force) {
          while (moving !== null) moveStep();
          if (recent > 0) archive.immediate();
          recent = 0;
        } else {
          moveStep();
        }
        // The newest revisions stay known (moving changes none of them), so the next batches need
        // not look each thing up in `events` again.
        afterMove();
      } catch (error) {
        moving = null;
        moved = 0;
        failure = `moving recent events failed: ${messageOf(error)}`;
      }
    },
    prune(before) {
      // Pruning deletes recent events too: a move under way reads what is left afresh.
      moving = null;
      moved = 0;
      const pruned = prune.immediate(before);
      recent = countRecent.get() as number;
      return pruned;
    },
    recover() {
      failure = null;
    },
    close() {
      if (seqFd !== null) closeSync(seqFd);
    },
  };
}
