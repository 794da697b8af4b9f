// The embedded Journal: SQLite in WAL mode, one transaction per group commit.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TwinEvent } from '../../core/events.js';
import type { JsonValue } from '../../core/json.js';
import { formatPointer, parsePointer } from '../../core/json-pointer.js';
import type { ChangeAction } from '../../core/thing-change.js';
import type { CommitBatch, EventRange, Journal, StoredThing } from '../journal.js';
import {
  InlineBatchWriter,
  WorkerBatchWriter,
  type BatchWriter,
  type Operation,
} from './sqlite-batch-writer.js';

/** `process`: a commit survives a crash of the process (kill -9); `power`: it also survives power loss (fsync). */
export type Durability = 'process' | 'power';

export interface SqliteJournalOptions {
  /** File path, or `:memory:`. */
  path: string;
  durability?: Durability;
  /**
   * Write on a connection in a worker thread (inserts and WAL checkpoints then never block the
   * event loop). Reads stay on this thread. Ignored for `:memory:`.
   */
  writerThread?: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL,
  action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, originator TEXT,
  PRIMARY KEY (thing_id, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS things (
  thing_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, created INTEGER NOT NULL,
  modified INTEGER NOT NULL, json TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dirty (thing_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  thing_id TEXT NOT NULL, revision INTEGER NOT NULL, created INTEGER NOT NULL,
  modified INTEGER NOT NULL, json TEXT,
  PRIMARY KEY (thing_id, revision)) WITHOUT ROWID;
`;

interface EventRow {
  thing_id: string;
  revision: number;
  ts: number;
  action: ChangeAction;
  path: string;
  value: string | null;
  originator: string | null;
}

interface ThingRow {
  thing_id: string;
  revision: number;
  created: number;
  modified: number;
  json: string | null;
}

function toEvent(row: EventRow): TwinEvent {
  const event: TwinEvent = {
    thingId: row.thing_id,
    revision: row.revision,
    timestamp: row.ts,
    action: row.action,
    path: row.path === '/' ? [] : parsePointer(row.path),
  };
  if (row.value !== null) event.value = JSON.parse(row.value) as JsonValue;
  if (row.originator !== null) event.originator = row.originator;
  return event;
}

function toStored(row: ThingRow): StoredThing {
  return {
    thingId: row.thing_id,
    revision: row.revision,
    created: row.created,
    modified: row.modified,
    json: row.json,
  };
}

const WRITES = {
  insertEvent:
    'INSERT INTO events (thing_id, revision, ts, action, path, value, originator) VALUES (?, ?, ?, ?, ?, ?, ?)',
  upsertThing:
    'INSERT OR REPLACE INTO things (thing_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)',
  upsertSnapshot:
    'INSERT OR REPLACE INTO snapshots (thing_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)',
  markDirty: 'INSERT OR IGNORE INTO dirty (thing_id) VALUES (?)',
  clearDirty: 'DELETE FROM dirty',
};

/** The statements that write one batch. */
function operationsOf(batch: CommitBatch): Operation[] {
  const operations: Operation[] = [];
  for (const e of batch.events) {
    const value = e.value === undefined ? null : JSON.stringify(e.value);
    const params = [
      e.thingId,
      e.revision,
      e.timestamp,
      e.action,
      formatPointer(e.path),
      value,
      e.originator ?? null,
    ];
    operations.push(['insertEvent', params]);
  }
  for (const id of batch.dirty) operations.push(['markDirty', [id]]);
  if (batch.checkpoint) {
    for (const s of batch.checkpoint)
      operations.push(['upsertThing', [s.thingId, s.revision, s.created, s.modified, s.json]]);
    operations.push(['clearDirty', []]);
  }
  for (const s of batch.snapshots)
    operations.push(['upsertSnapshot', [s.thingId, s.revision, s.created, s.modified, s.json]]);
  return operations;
}

export class SqliteJournal implements Journal {
  private readonly db: Database.Database;
  private readonly writer: BatchWriter;

  constructor(options: SqliteJournalOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const synchronous = options.durability === 'power' ? 'FULL' : 'NORMAL';
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous}`);
    this.db.pragma('cache_size = -65536');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    const threaded = options.writerThread ?? false;
    this.writer =
      threaded && options.path !== ':memory:'
        ? new WorkerBatchWriter(options.path, synchronous, WRITES)
        : new InlineBatchWriter(this.db, WRITES);
  }

  commit(batch: CommitBatch): Promise<void> {
    return this.writer.write(operationsOf(batch));
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

  async dirtyThings(): Promise<string[]> {
    return this.db.prepare('SELECT thing_id FROM dirty').pluck().all() as string[];
  }

  async readEvents(thingId: string, range: EventRange): Promise<TwinEvent[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM events WHERE thing_id = ? AND revision >= ? AND revision <= ? AND ts >= ? AND ts <= ?
         ORDER BY revision LIMIT ?`,
      )
      .all(
        thingId,
        range.fromRevision ?? 0,
        range.toRevision ?? Number.MAX_SAFE_INTEGER,
        range.fromTimestamp ?? 0,
        range.toTimestamp ?? Number.MAX_SAFE_INTEGER,
        range.limit ?? -1,
      ) as EventRow[];
    return rows.map(toEvent);
  }

  async snapshotAtOrBefore(thingId: string, revision: number): Promise<StoredThing | null> {
    const row = this.db
      .prepare(
        'SELECT * FROM snapshots WHERE thing_id = ? AND revision <= ? ORDER BY revision DESC LIMIT 1',
      )
      .get(thingId, revision) as ThingRow | undefined;
    return row ? toStored(row) : null;
  }

  async revisionAt(thingId: string, timestamp: number): Promise<number | null> {
    const row = this.db
      .prepare('SELECT MAX(revision) AS revision FROM events WHERE thing_id = ? AND ts <= ?')
      .get(thingId, timestamp) as { revision: number | null };
    return row.revision;
  }

  async pruneDeletedBefore(timestamp: number): Promise<number> {
    const prune = this.db.transaction((before: number) => {
      const ids = this.db
        .prepare('SELECT thing_id FROM things WHERE json IS NULL AND modified < ?')
        .pluck()
        .all(before) as string[];
      for (const table of ['events', 'snapshots', 'things', 'dirty']) {
        const statement = this.db.prepare(`DELETE FROM ${table} WHERE thing_id = ?`);
        for (const id of ids) statement.run(id);
      }
      return ids.length;
    });
    return prune(timestamp);
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}
