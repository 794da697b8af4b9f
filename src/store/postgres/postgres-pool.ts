// The subset of pg's Pool and PoolClient that the PostgreSQL stores use, described structurally so that
// only postgres-storage.ts imports `pg`.

/** The result of one statement: its rows (bigints already parsed to numbers) and how many it touched. */
export interface PgResult<R> {
  rows: R[];
  rowCount: number | null;
}

/** Something statements run on: a pool (any free connection) or one connection. */
export interface PgQueryable {
  query<R extends object>(text: string, values?: unknown[]): Promise<PgResult<R>>;
}

/** One connection checked out of a pool. */
export interface PgPoolClient extends PgQueryable {
  /** Gives the connection back; with an error, the pool discards it instead. */
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** A pool of connections, each with the storage's schema as its search path. */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}
