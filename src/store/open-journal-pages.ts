// Opens the reader of journal pages for where a journal is (SQLite file or PostgreSQL schema).
import type { JournalLocation, JournalPages } from './journal-pages.js';

/** A reader of its own; PostgreSQL's client is loaded only when a PostgreSQL journal is read. */
export async function openJournalPages(location: JournalLocation): Promise<JournalPages> {
  if (location.kind === 'sqlite') {
    const { SqliteJournalPages } = await import('./sqlite/sqlite-journal-pages.js');
    return new SqliteJournalPages(location.path);
  }
  const { openPostgresJournalPages } = await import('./postgres/postgres-storage.js');
  return openPostgresJournalPages(location.url, location.schema);
}
