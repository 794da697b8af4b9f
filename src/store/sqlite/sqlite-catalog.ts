// The embedded Catalog: users, tokens and policies in a SQLite file beside the journal.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { StorageCorruptError, unavailableWhile } from '../storage-errors.js';
import { toPolicyRecord, type PolicyRow } from '../catalog-rows.js';
import { assertLogHasItsDatabase, openDatabase } from './sqlite-file-check.js';
import type {
  ApiTokenRecord,
  Catalog,
  PolicyHistoryPoint,
  PolicyRecord,
  RefreshTokenRecord,
  UserRecord,
} from '../catalog.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_tokens (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (id TEXT PRIMARY KEY, record TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS catalog_identity (id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS policies (policy_id TEXT PRIMARY KEY, revision INTEGER NOT NULL,
  created INTEGER NOT NULL, modified INTEGER NOT NULL, json TEXT);
CREATE TABLE IF NOT EXISTS policy_history (policy_id TEXT NOT NULL, revision INTEGER NOT NULL,
  created INTEGER NOT NULL, modified INTEGER NOT NULL, json TEXT, PRIMARY KEY (policy_id, revision));
CREATE INDEX IF NOT EXISTS policy_history_by_time ON policy_history (policy_id, modified);
INSERT OR IGNORE INTO policy_history (policy_id, revision, created, modified, json)
  SELECT policy_id, revision, created, modified, json FROM policies;
`;

/** Runs a write; a failure of the database (a full disk, a lock timeout) becomes a typed error. */
function storing<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw unavailableWhile('catalog write failed', error);
  }
}

/**
 * Refuses a catalog that is not the one this data directory was created with: its identity, kept
 * both inside it and beside it, must match. Otherwise an emptied or replaced catalog.db would
 * start with no users, tokens or policies, unnoticed.
 */
function assertSameCatalog(db: Database.Database, path: string): void {
  const idFile = `${path}.id`;
  let id = db.prepare('SELECT id FROM catalog_identity').pluck().get() as string | undefined;
  const recorded = existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : null;
  if (recorded !== null && recorded !== id) {
    throw new StorageCorruptError(
      `${basename(path)} is not the catalog of this data directory (it was emptied or replaced): ` +
        `starting would lose its users, tokens and policies. Restore ${path} from a backup; to ` +
        `start with an empty catalog on purpose, delete ${idFile}.`,
    );
  }
  if (id === undefined) {
    id = randomUUID();
    db.prepare('INSERT INTO catalog_identity (id) VALUES (?)').run(id);
  }
  if (recorded === null) writeFileSync(idFile, `${id}\n`);
}

export class SqliteCatalog implements Catalog {
  private readonly db: Database.Database;

  constructor(path: string) {
    const onDisk = path !== ':memory:';
    if (onDisk) {
      mkdirSync(dirname(path), { recursive: true });
      assertLogHasItsDatabase(path);
    }
    this.db = openDatabase(path, (db) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      if (onDisk) assertSameCatalog(db, path);
    });
  }

  private records<T>(table: string): T[] {
    const rows = this.db.prepare(`SELECT record FROM ${table}`).pluck().all() as string[];
    return rows.map((r) => JSON.parse(r) as T);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.records<UserRecord>('users');
  }

  async putUser(user: UserRecord): Promise<void> {
    storing(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO users (username, record) VALUES (?, ?)')
        .run(user.username, JSON.stringify(user));
    });
  }

  async deleteUser(username: string): Promise<boolean> {
    return storing(
      () => this.db.prepare('DELETE FROM users WHERE username = ?').run(username).changes > 0,
    );
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.records<ApiTokenRecord>('api_tokens');
  }

  async putToken(token: ApiTokenRecord): Promise<void> {
    storing(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO api_tokens (id, record) VALUES (?, ?)')
        .run(token.id, JSON.stringify(token));
    });
  }

  async getRefreshToken(id: string): Promise<RefreshTokenRecord | null> {
    const row = this.db
      .prepare('SELECT record FROM refresh_tokens WHERE id = ?')
      .pluck()
      .get(id) as string | undefined;
    return row ? (JSON.parse(row) as RefreshTokenRecord) : null;
  }

  async putRefreshToken(token: RefreshTokenRecord): Promise<void> {
    storing(() => {
      this.db.prepare('DELETE FROM refresh_tokens WHERE expires < ?').run(Date.now());
      this.db
        .prepare('INSERT OR REPLACE INTO refresh_tokens (id, record, expires) VALUES (?, ?, ?)')
        .run(token.id, JSON.stringify(token), token.expires);
    });
  }

  async listPolicies(): Promise<PolicyRecord[]> {
    const rows = this.db
      .prepare('SELECT policy_id, revision, created, modified, json FROM policies')
      .all() as PolicyRow[];
    return rows.map(toPolicyRecord);
  }

  async putPolicy(policy: PolicyRecord): Promise<void> {
    const values = [policy.policyId, policy.revision, policy.created, policy.modified, policy.json];
    storing(() => {
      this.db.transaction(() => {
        this.db
          .prepare(
            'INSERT OR REPLACE INTO policies (policy_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)',
          )
          .run(...values);
        this.db
          .prepare(
            'INSERT OR REPLACE INTO policy_history (policy_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)',
          )
          .run(...values);
      })();
    });
  }

  async policyAt(policyId: string, at: PolicyHistoryPoint): Promise<PolicyRecord | null> {
    const columns = 'SELECT policy_id, revision, created, modified, json FROM policy_history';
    const row = (
      'revision' in at
        ? this.db
            .prepare(`${columns} WHERE policy_id = ? AND revision = ?`)
            .get(policyId, at.revision)
        : this.db
            .prepare(
              `${columns} WHERE policy_id = ? AND modified <= ? ORDER BY revision DESC LIMIT 1`,
            )
            .get(policyId, at.timestamp)
    ) as PolicyRow | undefined;
    return row ? toPolicyRecord(row) : null;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
