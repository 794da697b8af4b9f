// /search/things over HTTP with `--index store`: the search index in the store's database (SQLite's
// index.db, a PostgreSQL table), filled from the journal at start, on every storage backend.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBackends } from '../src/store/test-backends.js';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

await describeBackends('search over HTTP with --index store', (backend) => {
  const fixtures: AppFixture[] = [];
  afterAll(async () => {
    for (const f of fixtures) await f.close();
  });

  it('search - filters, sorts, pages and counts from the store index, and again after a restart', async () => {
    const pg = backend.postgres;
    const f = await createAppFixture(
      {},
      {},
      {
        index: 'store',
        ...(pg === undefined ? {} : { store: pg.url, storeSchema: pg.schema }),
      },
    );
    fixtures.push(f);
    for (let i = 0; i < 9; i++) {
      const res = await f.send('PUT', `/api/2/things/org.store:dev-${i}`, {
        attributes: { kind: i % 3 === 0 ? 'pump' : 'valve', index: i, name: `Device ${i}` },
      });
      expect(res.statusCode).toBe(201);
    }
    expect(
      (await f.send('PUT', '/api/2/things/org.store:dev-4/attributes/kind', 'pump')).statusCode,
    ).toBe(204);
    expect(
      (await f.request({ method: 'DELETE', url: '/api/2/things/org.store:dev-6' })).statusCode,
    ).toBe(204);

    const search = async (params: Record<string, string>) => {
      const res = await f.request({
        url: `/api/2/search/things?${q({ fields: 'thingId', ...params })}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: { thingId: string }[]; cursor?: string };
    };
    const expectAnswers = async () => {
      const pumps = await search({
        filter: 'eq(attributes/kind,"pump")',
        option: 'sort(-attributes/index),size(2)',
      });
      expect(pumps.items.map((t) => t.thingId)).toEqual(['org.store:dev-4', 'org.store:dev-3']);
      const rest = await search({
        filter: 'eq(attributes/kind,"pump")',
        option: `sort(-attributes/index),size(2),cursor(${pumps.cursor})`,
      });
      expect(rest.items.map((t) => t.thingId)).toEqual(['org.store:dev-0']);
      expect(rest.cursor).toBeUndefined();
      const liked = await search({
        filter: 'ilike(attributes/name,"device ?")',
        option: 'size(20)',
      });
      expect(liked.items).toHaveLength(8);
      const count = await f.request({
        url: `/api/2/search/things/count?${q({ filter: 'gt(attributes/index,4)' })}`,
      });
      expect(count.json()).toBe(3);
      // A cursor of another query is a 400, as with the memory index.
      const misuse = await f.request({
        url: `/api/2/search/things?${q({ filter: 'exists(thingId)', option: `cursor(${pumps.cursor})` })}`,
      });
      expect(misuse.statusCode).toBe(400);
      expect(misuse.json().error).toBe('thing-search:search.option.invalid');
    };
    await expectAnswers();

    // The rows are in the store, not in memory.
    if (pg === undefined) expect(existsSync(join(f.dir, 'index.db'))).toBe(true);
    else
      expect(await pg.query('SELECT count(*)::int AS n FROM ' + pg.schema + '.twin_index')).toEqual(
        [{ n: 8 }],
      );

    // The index is emptied on open and rebuilt from the journal.
    await f.restart();
    await expectAnswers();
  });
});
