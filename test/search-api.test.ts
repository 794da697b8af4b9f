// /search/things over HTTP: GET and POST forms, count, namespaces, fields, paging and errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
beforeEach(async () => {
  f = await createAppFixture();
  for (let i = 0; i < 12; i++) {
    const ns = i % 3 === 0 ? 'org.other' : 'org.example';
    await f.send('PUT', `/api/2/things/${ns}:dev-${String(i).padStart(2, '0')}`, {
      attributes: { kind: i % 2 === 0 ? 'pump' : 'valve', index: i, tags: [`t${i % 4}`, 'all'] },
      features: { temp: { properties: { value: i * 1.5 } } },
    });
  }
});
afterEach(async () => {
  await f.close();
});

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('search api', () => {
  it('filters with RQL and returns {items} sorted by thingId by default', async () => {
    const response = await f.request({
      url: `/api/2/search/things?${q({ filter: 'eq(attributes/kind,"pump")', fields: 'thingId' })}`,
    });
    expect(response.statusCode).toBe(200);
    const ids = response.json().items.map((t: { thingId: string }) => t.thingId);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toHaveLength(6);
    expect(response.json().cursor).toBeUndefined();
  });

  it('returns whole things without special fields unless selected', async () => {
    const response = await f.request({
      url: `/api/2/search/things?${q({ filter: 'eq(attributes/index,4)' })}`,
    });
    const [thing] = response.json().items;
    expect(thing).toEqual({
      thingId: 'org.example:dev-04',
      policyId: 'org.example:dev-04',
      attributes: { kind: 'pump', index: 4, tags: ['t0', 'all'] },
      features: { temp: { properties: { value: 6 } } },
    });
  });

  it('sorts, sizes and pages with a cursor through every result exactly once', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const option = cursor
        ? `sort(-attributes/index),size(5),cursor(${cursor})`
        : 'sort(-attributes/index),size(5)';
      const page = (
        await f.request({
          url: `/api/2/search/things?${q({ option, fields: 'attributes/index' })}`,
        })
      ).json();
      seen.push(...page.items.map((t: { attributes: { index: number } }) => t.attributes.index));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('restricts to namespaces and counts', async () => {
    const count = await f.request({
      url: `/api/2/search/things/count?${q({ namespaces: 'org.other' })}`,
    });
    expect(count.json()).toBe(4);
    const filtered = await f.request({
      url: `/api/2/search/things/count?${q({ namespaces: 'org.example,org.other', filter: 'gt(features/temp/properties/value,9)' })}`,
    });
    expect(filtered.json()).toBe(5);
  });

  it('matches arrays when any element matches', async () => {
    const response = await f.request({
      url: `/api/2/search/things/count?${q({ filter: 'eq(attributes/tags,"t1")' })}`,
    });
    expect(response.json()).toBe(3);
  });

  it('POST takes the same parameters as a form body', async () => {
    const response = await f.request({
      method: 'POST',
      url: '/api/2/search/things',
      payload: q({
        filter: 'and(eq(attributes/kind,"valve"),lt(attributes/index,5))',
        fields: 'thingId',
      }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.json().items).toEqual([
      { thingId: 'org.example:dev-01' },
      { thingId: 'org.other:dev-03' },
    ]);
    const count = await f.request({
      method: 'POST',
      url: '/api/2/search/things/count',
      payload: q({ filter: 'eq(attributes/kind,"valve")' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(count.json()).toBe(6);
  });

  it('sees an acknowledged write in the very next search', async () => {
    await f.send('PUT', '/api/2/things/org.example:dev-01/attributes/kind', 'pump');
    const response = await f.request({
      url: `/api/2/search/things/count?${q({ filter: 'eq(attributes/kind,"pump")' })}`,
    });
    expect(response.json()).toBe(7);
    const deleted = await f.request({ method: 'DELETE', url: '/api/2/things/org.other:dev-00' });
    expect(deleted.statusCode).toBe(204);
    expect(
      (
        await f.request({
          url: `/api/2/search/things/count?${q({ filter: 'eq(attributes/kind,"pump")' })}`,
        })
      ).json(),
    ).toBe(6);
  });

  it('answers bad RQL with a 400 that says where it broke', async () => {
    const response = await f.request({
      url: `/api/2/search/things?${q({ filter: 'and(eq(attributes/kind,"pump"),' })}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('rql.expression.invalid');
    expect(response.json().message).toMatch(/position \d+/);
  });

  it('rejects bad options, namespaces and cursors', async () => {
    const size = await f.request({ url: `/api/2/search/things?${q({ option: 'size(201)' })}` });
    expect(size.statusCode).toBe(400);
    expect(size.json().error).toBe('thing-search:search.option.invalid');
    expect(
      (await f.request({ url: `/api/2/search/things?${q({ option: 'sort(attributes/x)' })}` }))
        .statusCode,
    ).toBe(400);
    expect(
      (await f.request({ url: `/api/2/search/things?${q({ option: 'cursor(garbage)' })}` }))
        .statusCode,
    ).toBe(400);
    expect(
      (await f.request({ url: `/api/2/search/things?${q({ namespaces: '1bad' })}` })).statusCode,
    ).toBe(400);
    // A cursor whose instant is out of range would make time:now an invalid date.
    const outOfRange = await f.request({
      url: `/api/2/search/things?${q({ filter: 'le(_modified,time:now)', option: 'cursor(zzzzzzzzzzzz~abc)' })}`,
    });
    expect(outOfRange.statusCode).toBe(400);
    expect(outOfRange.json().error).toBe('thing-search:search.option.invalid');
  });
});

describe('search api - time:now', () => {
  it('pages through a filter using time:now with the instant of the first page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const option = cursor ? `size(5),cursor(${cursor})` : 'size(5)';
      const url = `/api/2/search/things?${q({ filter: 'le(_modified,time:now)', option, fields: 'thingId' })}`;
      const response = await f.request({ url });
      expect(response.statusCode).toBe(200);
      seen.push(...response.json().items.map((t: { thingId: string }) => t.thingId));
      cursor = response.json().cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
  });
});
