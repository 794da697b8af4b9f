// The cluster Catalog: users, tokens and policies in PostgreSQL, each record kept whole as JSON text.
import { toPolicyRecord, type PolicyRow } from '../catalog-rows.js';
import type {
  ApiTokenRecord,
  Catalog,
  PolicyHistoryPoint,
  PolicyRecord,
  RefreshTokenRecord,
  UserRecord,
} from '../catalog.js';
import { PooledStore } from './pooled-store.js';
import type { PgPool } from './postgres-pool.js';

/**
 * The PostgreSQL {@link Catalog}. Records are stored whole (JSON text), so fields added to them later
 * round-trip without a migration; the key columns beside them are what statements look up.
 * It runs on the storage's pool, which it does not own: `close` only stops further use.
 */
export class PostgresCatalog extends PooledStore implements Catalog {
  constructor(pool: PgPool) {
    super(pool, 'the catalog');
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.records<UserRecord>(
      'SELECT record FROM users ORDER BY username',
      [],
      'listing users',
    );
  }

  async putUser(user: UserRecord): Promise<void> {
    await this.run(
      `INSERT INTO users (username, record) VALUES ($1, $2)
       ON CONFLICT (username) DO UPDATE SET record = excluded.record`,
      [user.username, JSON.stringify(user)],
      'writing a user',
    );
  }

  async deleteUser(username: string): Promise<boolean> {
    const result = await this.run(
      'DELETE FROM users WHERE username = $1',
      [username],
      'deleting a user',
    );
    return (result.rowCount ?? 0) > 0;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.records<ApiTokenRecord>(
      'SELECT record FROM api_tokens ORDER BY id',
      [],
      'listing API tokens',
    );
  }

  async putToken(token: ApiTokenRecord): Promise<void> {
    await this.run(
      `INSERT INTO api_tokens (id, record) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record`,
      [token.id, JSON.stringify(token)],
      'writing an API token',
    );
  }

  async getRefreshToken(id: string): Promise<RefreshTokenRecord | null> {
    const [token] = await this.records<RefreshTokenRecord>(
      'SELECT record FROM refresh_tokens WHERE id = $1',
      [id],
      'reading a refresh token',
    );
    return token ?? null;
  }

  async putRefreshToken(token: RefreshTokenRecord): Promise<void> {
    // Expired tokens are of no use: each write clears them out, as the SQLite catalog does.
    await this.run(
      'DELETE FROM refresh_tokens WHERE expires < $1',
      [Date.now()],
      'clearing expired refresh tokens',
    );
    await this.run(
      `INSERT INTO refresh_tokens (id, record, expires) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record, expires = excluded.expires`,
      [token.id, JSON.stringify(token), token.expires],
      'writing a refresh token',
    );
  }

  async listPolicies(): Promise<PolicyRecord[]> {
    const { rows } = await this.run<PolicyRow>(
      'SELECT policy_id, revision, created, modified, json FROM policies ORDER BY policy_id',
      [],
      'listing policies',
    );
    return rows.map(toPolicyRecord);
  }

  async putPolicy(policy: PolicyRecord): Promise<void> {
    // One statement, so the current row and its history are written together or not at all.
    await this.run(
      `WITH history AS (
         INSERT INTO policy_history (policy_id, revision, created, modified, json)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (policy_id, revision) DO UPDATE SET created = excluded.created,
           modified = excluded.modified, json = excluded.json)
       INSERT INTO policies (policy_id, revision, created, modified, json) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (policy_id) DO UPDATE SET revision = excluded.revision,
         created = excluded.created, modified = excluded.modified, json = excluded.json`,
      [policy.policyId, policy.revision, policy.created, policy.modified, policy.json],
      'writing a policy',
    );
  }

  async policyAt(policyId: string, at: PolicyHistoryPoint): Promise<PolicyRecord | null> {
    const columns = 'SELECT policy_id, revision, created, modified, json FROM policy_history';
    const { rows } =
      'revision' in at
        ? await this.run<PolicyRow>(
            `${columns} WHERE policy_id = $1 AND revision = $2`,
            [policyId, at.revision],
            'reading a policy revision',
          )
        : await this.run<PolicyRow>(
            `${columns} WHERE policy_id = $1 AND modified <= $2 ORDER BY revision DESC LIMIT 1`,
            [policyId, at.timestamp],
            'reading a policy at a time',
          );
    return rows.length > 0 ? toPolicyRecord(rows[0]) : null;
  }
}
