// The embedded Catalog: users, tokens and policies in a SQLite file beside the journal.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  ApiTokenRecord,
  Catalog,
  PolicyRecord,
  RefreshTokenRecord,
  UserRecord,
} from '../catalog.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_tokens (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (id TEXT PRIMARY KEY, record TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS policies (policy_id TEXT PRIMARY KEY, revision INTEGER NOT NULL,
  created INTEGER NOT NULL, modified INTEGER NOT NULL, json TEXT);
`;

export class SqliteCatalog implements Catalog {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  private records<T>(table: string): T[] {
    const rows = this.db.prepare(`SELECT record FROM ${table}`).pluck().all() as string[];
    return rows.map((r) => JSON.parse(r) as T);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.records<UserRecord>('users');
  }

  async putUser(user: UserRecord): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO users (username, record) VALUES (?, ?)')
      .run(user.username, JSON.stringify(user));
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM users WHERE username = ?').run(username).changes > 0;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.records<ApiTokenRecord>('api_tokens');
  }

  async putToken(token: ApiTokenRecord): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO api_tokens (id, record) VALUES (?, ?)')
      .run(token.id, JSON.stringify(token));
  }

  async getRefreshToken(id: string): Promise<RefreshTokenRecord | null> {
    const row = this.db
      .prepare('SELECT record FROM refresh_tokens WHERE id = ?')
      .pluck()
      .get(id) as string | undefined;
    return row ? (JSON.parse(row) as RefreshTokenRecord) : null;
  }

  async putRefreshToken(token: RefreshTokenRecord): Promise<void> {
    this.db.prepare('DELETE FROM refresh_tokens WHERE expires < ?').run(Date.now());
    this.db
      .prepare('INSERT OR REPLACE INTO refresh_tokens (id, record, expires) VALUES (?, ?, ?)')
      .run(token.id, JSON.stringify(token), token.expires);
  }

  async listPolicies(): Promise<PolicyRecord[]> {
    const rows = this.db
      .prepare('SELECT policy_id, revision, created, modified, json FROM policies')
      .all() as {
      policy_id: string;
      revision: number;
      created: number;
      modified: number;
      json: string | null;
    }[];
    return rows.map((r) => ({
      policyId: r.policy_id,
      revision: r.revision,
      created: r.created,
      modified: r.modified,
      json: r.json,
    }));
  }

  async putPolicy(policy: PolicyRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO policies (policy_id, revision, created, modified, json) VALUES (?, ?, ?, ?, ?)',
      )
      .run(policy.policyId, policy.revision, policy.created, policy.modified, policy.json);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
