// Opening SQLite files safely: data is never discarded before it is read, and a file found damaged,
// emptied, replaced or cut short is refused with a message naming it and what to do.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Durability } from '../journal.js';
import { StorageCorruptError } from '../storage-errors.js';

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/**
 * Refuses a database file that is missing or empty while its write-ahead log still holds data:
 * opening it would let SQLite start a new database and delete the log, losing what it held.
 */
export function assertLogHasItsDatabase(path: string): void {
  const log = `${path}-wal`;
  const logSize = sizeOf(log);
  if (logSize > 0 && sizeOf(path) === 0) {
    throw new StorageCorruptError(
      `${basename(path)} is ${existsSync(path) ? 'empty' : 'missing'} but its write-ahead log ` +
        `${basename(log)} holds ${logSize} bytes: the database file was emptied, deleted or ` +
        `replaced, and opening it would discard the log. Restore ${path} from a backup; to start ` +
        `anew on purpose, move ${log} away.`,
    );
  }
}

/**
 * The last committed position recorded beside the journal, or 0 when none was. A file that holds
 * anything but a position (or nothing yet) was damaged: it is refused rather than read as 0, which would silently
 * turn off the check below.
 */
export function readRecordedSeq(seqFile: string): number {
  if (!existsSync(seqFile)) return 0;
  const text = readFileSync(seqFile, 'latin1').trim();
  // Empty: created by a writer that has not committed anything yet.
  if (text === '') return 0;
  if (/^\d+$/.test(text)) return Number(text);
  throw new StorageCorruptError(
    `${basename(seqFile)} does not hold a position (${JSON.stringify(text.slice(0, 40))}): the ` +
      `file that records the journal's last committed event was damaged. If the journal itself ` +
      `is intact, delete ${seqFile} and start again (it is rewritten at the next write).`,
  );
}

/**
 * Refuses a journal that ends before the last position it is known to have committed: its file or
 * write-ahead log was truncated, emptied or replaced, which SQLite alone does not notice.
 */
export function assertJournalComplete(
  path: string,
  lastSeq: number,
  recorded: number,
  durability: Durability = 'process',
): void {
  if (lastSeq >= recorded) return;
  const missing = recorded - lastSeq;
  // Without fsync at each commit, a power cut may keep the position file but not the last commits.
  const powerCut =
    durability === 'process'
      ? ` If the machine lost power or crashed (not just the process), this is what ` +
        `--durability process allows: its last writes are kept only while the operating system ` +
        `runs; start with what is left (below), and use --durability power where that matters.`
      : '';
  throw new StorageCorruptError(
    `${basename(path)} ends at event ${lastSeq}, but event ${recorded} was committed: the database ` +
      `or its write-ahead log (${basename(path)}-wal) was truncated, emptied or replaced, and ` +
      `${missing} acknowledged events are missing.${powerCut} Restore the data directory from a ` +
      `backup; to start with what is left, delete ${path}.seq.`,
  );
}

/**
 * Opens a database and prepares it; a file SQLite finds damaged becomes a StorageCorruptError
 * naming it, and the connection is closed when preparing fails.
 */
export function openDatabase(
  path: string,
  prepare: (db: Database.Database) => void,
): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    prepare(db);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
      throw new StorageCorruptError(
        `${path} is damaged (${(error as Error).message}). Restore it from a backup.`,
        { cause: error },
      );
    }
    throw error;
  }
}
