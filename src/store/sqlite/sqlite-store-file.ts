// The file of a store kept beside the journal (webhooks, ingest): opened in WAL mode with its schema,
// and writes whose failure (a full disk, a lock timeout) becomes a typed error naming the store.
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { unavailableWhile } from '../storage-errors.js';
import { openDatabase } from './sqlite-file-check.js';

/** Opens (creating its directory) the database at `path`, or in memory, and applies `schema`. */
export function openStoreFile(path: string, schema: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return openDatabase(path, (db) => {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(schema);
  });
}

/** Runs a write of `store`; a failure of the database becomes a typed error. */
export function storeWrite<T>(store: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw unavailableWhile(`${store} write failed`, error);
  }
}
