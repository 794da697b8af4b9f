// The statements of one store on a pool it does not own: failures become typed storage errors,
// and once the store is closed every statement is refused, naming the store.
import { StorageError } from '../storage-errors.js';
import { toStorageError } from './postgres-errors.js';
import type { PgPool, PgResult } from './postgres-pool.js';

export class PooledStatements {
  private closed = false;

  /** `store` names the store in messages ("the catalog", "the ingest store"). */
  constructor(
    private readonly pool: PgPool,
    private readonly store: string,
  ) {}

  /** Runs one statement; `what` says what it does, for the error. */
  async run<R extends object>(sql: string, values: unknown[], what: string): Promise<PgResult<R>> {
    if (this.closed)
      throw new StorageError(`PostgreSQL storage: ${what} failed: ${this.store} is closed`);
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw toStorageError(error, what);
    }
  }

  /** Refuses every later statement (the pool itself stays open: the storage owns it). */
  close(): void {
    this.closed = true;
  }
}
