// PostgreSQL-specific checks of the search index: buffered writes that fail keep their order and
// surface as a typed storage error on the next search, then land once PostgreSQL answers again.
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { parseFilter } from '../../rql/parse-filter.js';
import { StorageError, StorageUnavailableError } from '../storage-errors.js';
import { describeBackends, type PostgresTestSchema } from '../test-backends.js';
import { twin } from '../twin-index.contract.js';
import type { PgQueryable } from './postgres-pool.js';
import { PostgresTwinIndex } from './postgres-twin-index.js';

/** A real pool whose queries fail, as with a lost connection, while `down` is set. */
function flakyPool(url: string, schema: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined);
  const state = { down: false, writes: 0 };
  const queryable: PgQueryable = {
    async query(text, values) {
      if (/^\s*WITH removed/.test(text)) state.writes++;
      if (state.down) {
        // Fails as a lost connection does: after a while, so that writes arrive meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw Object.assign(new Error('Connection terminated unexpectedly'), {
          code: 'ECONNRESET',
        });
      }
      const result = await pool.query(text, values);
      return { rows: result.rows, rowCount: result.rowCount };
    },
  };
  return { queryable, state, end: () => pool.end() };
}

await describeBackends(
  'postgres twin index',
  (backend) => {
    const schema = backend.postgres as PostgresTestSchema;
    const ends: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const end of ends) await end();
    });
    const open = async (table: string) => {
      await schema.query(`CREATE SCHEMA IF NOT EXISTS ${schema.schema}`);
      const flaky = flakyPool(schema.url, schema.schema);
      ends.push(flaky.end);
      return { index: await PostgresTwinIndex.open(flaky.queryable, { table }), ...flaky };
    };
    const ids = async (index: PostgresTwinIndex, rql?: string) =>
      (
        await index.search({
          filter: rql === undefined ? undefined : parseFilter(rql),
          sort: [],
          size: 50,
        })
      ).thingIds;

    it('a failed flush rejects the next search with StorageUnavailableError and loses no write or order', async () => {
      const { index, state } = await open('flaky_index');
      index.put(twin('f:a', { n: 1 }));
      index.put(twin('f:b', { n: 1 }));
      expect(await ids(index)).toEqual(['f:a', 'f:b']);

      state.down = true;
      index.put(twin('f:a', { n: 2 }));
      index.remove('f:b');
      index.put(twin('f:c', { n: 2 }));
      // size() answers from memory at once, whatever the database does.
      expect(index.size()).toBe(2);
      const error = await index.search({ sort: [], size: 5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect((error as Error).message).toMatch(/search index write failed: Connection terminated/);
      await expect(index.count({})).rejects.toBeInstanceOf(StorageUnavailableError);
      // Written while a flush of the earlier writes is in flight, and failing: it must land after
      // them, not before.
      const attempt = index.count({});
      await new Promise((resolve) => setTimeout(resolve, 10));
      index.put(twin('f:a', { n: 3 }));
      await expect(attempt).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(index.search({ sort: [], size: 5 })).rejects.toBeInstanceOf(StorageError);

      state.down = false;
      expect(await ids(index)).toEqual(['f:a', 'f:c']);
      expect(await ids(index, 'eq(attributes/n,3)')).toEqual(['f:a']);
      expect(await ids(index, 'eq(attributes/n,2)')).toEqual(['f:c']);
      expect(await index.count({})).toBe(2);
      expect(index.size()).toBe(2);
    });

    it('writes are flushed in the background and in batches, without waiting for a search', async () => {
      const { index, state } = await open('batched_index');
      for (let i = 0; i < 50; i++) index.put(twin(`b:${String(i).padStart(2, '0')}`, { i }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const flushes = state.writes;
      expect(flushes).toBeGreaterThanOrEqual(1);
      expect(flushes).toBeLessThan(50);
      expect(await index.count({ filter: parseFilter('ge(attributes/i,0)') })).toBe(50);
      // Nothing was left to flush: the search needed no write of its own.
      expect(state.writes).toBe(flushes);
    });

    it('refuses a table name that would need quoting', async () => {
      const { queryable } = await open('unused_index');
      await expect(PostgresTwinIndex.open(queryable, { table: 'Bad; DROP' })).rejects.toThrow(
        /not a plain identifier/,
      );
    });
  },
  { only: ['postgres'] },
);
