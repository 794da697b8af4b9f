// The embedded IngestStore: specs and dead letters in `ingest.db` beside the journal.
import type Database from 'better-sqlite3';
import type {
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetterRecord,
  IngestSpecRecord,
  IngestStore,
} from '../ingest-store.js';
import { deadLetterWhere } from '../ingest-store-rows.js';
import { openStoreFile, storeWrite } from './sqlite-store-file.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ingest_specs (spec_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (id TEXT PRIMARY KEY, spec_id TEXT NOT NULL,
  reason TEXT NOT NULL, received INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dead_letters_by_spec ON dead_letters (spec_id, id);
`;

const storing = <T>(write: () => T): T => storeWrite('ingest store', write);

export class SqliteIngestStore implements IngestStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;

  constructor(path: string) {
    this.db = openStoreFile(path, SCHEMA);
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO dead_letters (id, spec_id, reason, received, record) VALUES (?, ?, ?, ?, ?)',
    );
  }

  async listSpecs(): Promise<IngestSpecRecord[]> {
    const rows = this.db
      .prepare('SELECT record FROM ingest_specs ORDER BY spec_id')
      .pluck()
      .all() as string[];
    return rows.map((r) => JSON.parse(r) as IngestSpecRecord);
  }

  async putSpec(spec: IngestSpecRecord): Promise<void> {
    storing(() =>
      this.db
        .prepare('INSERT OR REPLACE INTO ingest_specs (spec_id, record) VALUES (?, ?)')
        .run(spec.specId, JSON.stringify(spec)),
    );
  }

  async deleteSpec(specId: string): Promise<boolean> {
    return storing(
      () => this.db.prepare('DELETE FROM ingest_specs WHERE spec_id = ?').run(specId).changes > 0,
    );
  }

  async putDeadLetters(letters: DeadLetterRecord[]): Promise<void> {
    if (letters.length === 0) return;
    storing(() =>
      this.db.transaction(() => {
        for (const l of letters)
          this.insert.run(l.id, l.specId, l.reason, l.received, JSON.stringify(l));
      })(),
    );
  }

  async getDeadLetter(id: string): Promise<DeadLetterRecord | null> {
    const row = this.db.prepare('SELECT record FROM dead_letters WHERE id = ?').pluck().get(id) as
      string | undefined;
    return row === undefined ? null : (JSON.parse(row) as DeadLetterRecord);
  }

  async listDeadLetters(page: DeadLetterPage): Promise<DeadLetterRecord[]> {
    const { where, values } = deadLetterWhere(page, () => '?');
    const rows = this.db
      .prepare(`SELECT record FROM dead_letters ${where} ORDER BY id LIMIT ?`)
      .pluck()
      .all(...values, page.limit) as string[];
    return rows.map((r) => JSON.parse(r) as DeadLetterRecord);
  }

  async deleteDeadLetters(filter: DeadLetterFilter & { ids?: string[] }): Promise<number> {
    const { where, values } = deadLetterWhere(filter, () => '?');
    return storing(
      () => this.db.prepare(`DELETE FROM dead_letters ${where}`).run(...values).changes,
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
