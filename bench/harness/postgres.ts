// A throwaway PostgreSQL schema for a benchmark run, on the server at BENCH_POSTGRES_URL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresUnreachable as reachable } from '../../src/store/postgres/postgres-reachable.js';

/** The PostgreSQL the benchmarks use unless BENCH_POSTGRES_URL says otherwise. */
export const BENCH_POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name of its own for one benchmark run: `bench_<random>`. */
export function benchSchemaName(): string {
  return `bench_${randomBytes(6).toString('hex')}`;
}

/** Null when the benchmark PostgreSQL answers; otherwise why not. */
export async function postgresUnreachable(url = BENCH_POSTGRES_URL): Promise<string | null> {
  const reason = await reachable(url);
  return reason === null ? null : `PostgreSQL at ${url} cannot be reached: ${reason}`;
}

/** Drops `schema` and everything in it. */
export async function dropSchema(schema: string, url = BENCH_POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
