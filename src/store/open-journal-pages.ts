// Opens the reader of journal pages for where a journal is (SQLite file or PostgreSQL schema).
import type { JournalLocation, JournalPages } from './journal-pages.js';
import { openPostgresJournalPages } from './postgres/postgres-storage.js';
import { SqliteJournalPages } from './sqlite/sqlite-journal-pages.js';

/** A reader with a connection of its own. */
export async function openJournalPages(location: JournalLocation): Promise<JournalPages> {
  if (location.kind === 'sqlite') return new SqliteJournalPages(location.path);
  return openPostgresJournalPages(location.url, location.schema);
}
