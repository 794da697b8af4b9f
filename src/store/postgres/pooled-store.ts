// A store on a pool it does not own: failures become typed storage errors, records kept whole as JSON
// text are read back, and once the store is closed every statement is refused, naming the store.
import { StorageError } from '../storage-errors.js';
import { toStorageError } from './postgres-errors.js';
import type { PgPool, PgResult } from './postgres-pool.js';

export abstract class PooledStore {
  private closed = false;

  /** `store` names the store in messages ("the catalog", "the ingest store"). */
  constructor(
    private readonly pool: PgPool,
    private readonly store: string,
  ) {}

  /** Runs one statement; `what` says what it does, for the error. */
  protected async run<R extends object>(
    sql: string,
    values: unknown[],
    what: string,
  ): Promise<PgResult<R>> {
    if (this.closed)
      throw new StorageError(`PostgreSQL storage: ${what} failed: ${this.store} is closed`);
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw toStorageError(error, what);
    }
  }

  /** Runs a query of one `record` column and parses each row's JSON text. */
  protected async records<T>(sql: string, values: unknown[], what: string): Promise<T[]> {
    const { rows } = await this.run<{ record: string }>(sql, values, what);
    return rows.map((r) => JSON.parse(r.record) as T);
  }

  /** Refuses every later statement (the pool itself stays open: the storage owns it). */
  async close(): Promise<void> {
    this.closed = true;
  }
}
