// How commit batches are written to the SQLite journal: the schema, the encoding of a batch, and the
// writer itself (as plain JavaScript source, so the same code runs in the writer thread and inline).
//
// Events are appended to `recent_events`, whose rowid order means one or two fresh pages per batch,
// then moved, sorted, into `events` (keyed by thing and revision) in bulk once enough have gathered.
// Inserting each event straight into the keyed table touches one B-tree page per thing per batch,
// which cost about 15 µs of CPU per event against about 6 µs this way (tmp micro-benchmark, 1,000
// and 100,000 things, batches of 20). Readers query both tables.
import type { TwinEvent } from '../../core/events.js';
import { formatPointer } from '../../core/json-pointer.js';
import type { CommitBatch, StoredThing } from '../journal.js';

/** The columns of both event tables, in the order the writer inserts them. */
export const EVENT_COLUMNS = 'thing_id, revision, ts, action, path, value, originator';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL,
  action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, originator TEXT, seq INTEGER,
  PRIMARY KEY (thing_id, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recent_events (
  seq INTEGER PRIMARY KEY, thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL,
  action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, originator TEXT);
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

type EventRow = [string, number, number, string, string, string | null, string | null];
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

/** The writer, as created by `createJournalWriter(db, archiveEvery)` in {@link WRITER_SOURCE}. */
export interface JournalWriter {
  /**
   * Writes one batch in a transaction and returns the position of its first event (the others
   * follow it). Throws `journal write failed: …` when it cannot; from then on every write throws
   * `journal write refused: …` (nothing lands after a gap).
   */
  write(batch: BatchRows): number;
  /** Moves recent events into `events` when enough have gathered, or any at all with `force`. */
  archiveIfDue(force: boolean): void;
  /**
   * Forgets things deleted before `before` (epoch ms) and not changed since the last checkpoint:
   * events, snapshots, tombstone. Returns how many.
   */
  prune(before: number): number;
}

/** Plain JavaScript defining `createJournalWriter(db, archiveEvery)`; `db` is a better-sqlite3 connection. */
export const WRITER_SOURCE = `
function createJournalWriter(db, archiveEvery) {
  const insertEvent = db.prepare('INSERT INTO recent_events (seq, ${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const saveSeq = db.prepare('UPDATE sequence SET last = ? WHERE id = 1');
  let lastSeq = db.prepare(${JSON.stringify(LAST_SEQ_SQL)}).pluck().get();
  const upsertThing = db.prepare('INSERT OR REPLACE INTO things (thing_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)');
  const upsertSnapshot = db.prepare('INSERT OR REPLACE INTO snapshots (thing_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)');
  const markDirty = db.prepare('INSERT OR IGNORE INTO dirty (thing_id) VALUES (?)');
  const markClean = db.prepare('DELETE FROM dirty WHERE thing_id = ?');
  const lastArchived = db.prepare('SELECT MAX(revision) FROM events WHERE thing_id = ?').pluck();
  const archiveStatements = ${JSON.stringify(ARCHIVE_SQL)}.map((sql) => db.prepare(sql));
  // Deleted before the cut-off, and not re-created since the last checkpoint (those are dirty).
  const doomed = 'SELECT thing_id FROM things WHERE json IS NULL AND modified < ? AND thing_id NOT IN (SELECT thing_id FROM dirty)';
  const doomedIds = db.prepare(doomed).pluck();
  // recent_events has no index by thing: one pass over it.
  const pruneRecent = db.prepare('DELETE FROM recent_events WHERE thing_id IN (' + doomed + ')');
  const pruneById = ['events', 'snapshots', 'things'].map((table) => db.prepare('DELETE FROM ' + table + ' WHERE thing_id = ?'));
  // The newest revision of each thing with events in recent_events: a thing's revisions must grow,
  // as the primary key of events would demand (checked here, before anything is acknowledged).
  const newest = new Map();
  // Recent events left by a crash were moved when the journal opened.
  let recent = 0;
  let failure = null;
  const apply = db.transaction((batch) => {
    const seen = new Map();
    let seq = lastSeq;
    for (const row of batch.events) {
      const id = row[0];
      const last = seen.get(id) ?? newest.get(id) ?? lastArchived.get(id) ?? 0;
      if (!(row[1] > last)) {
        throw new Error('event revision ' + row[1] + ' of ' + id + ' is not after revision ' + last);
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
  const prune = db.transaction((before) => {
    const ids = doomedIds.all(before);
    pruneRecent.run(before);
    for (const statement of pruneById) for (const id of ids) statement.run(id);
    for (const id of ids) newest.delete(id);
    return ids.length;
  });
  return {
    write(batch) {
      if (failure !== null) throw new Error('journal write refused: an earlier write failed (' + failure + ')');
      try {
        const seen = apply(batch);
        for (const [id, revision] of seen) newest.set(id, revision);
        recent += batch.events.length;
        const first = lastSeq + 1;
        lastSeq += batch.events.length;
        return first;
      } catch (error) {
        failure = String((error && error.message) || error);
        throw new Error('journal write failed: ' + failure);
      }
    },
    archiveIfDue(force) {
      if (failure !== null || recent === 0 || (!force && recent < archiveEvery)) return;
      try {
        archive();
        newest.clear();
        recent = 0;
      } catch (error) {
        failure = 'moving recent events failed: ' + String((error && error.message) || error);
      }
    },
    prune(before) {
      return prune(before);
    },
  };
}
`;

/** Creates the writer of {@link WRITER_SOURCE} on a connection of this thread. */
export function createInlineJournalWriter(db: unknown, archiveEvery: number): JournalWriter {
  const create = new Function(
    'db',
    'archiveEvery',
    `${WRITER_SOURCE}\nreturn createJournalWriter(db, archiveEvery);`,
  ) as (db: unknown, archiveEvery: number) => JournalWriter;
  return create(db, archiveEvery);
}
