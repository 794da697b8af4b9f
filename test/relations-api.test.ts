// Relations between twins over HTTP with a real app (SQLite journal): adding, replacing, reading,
// removing and walking them; their events in history; their errors; a restart; search by them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
beforeEach(async () => {
  f = await createAppFixture();
});
afterEach(async () => {
  await f.close();
});

const REL = '/api/2/things';

async function twin(id: string, attributes: Record<string, unknown> = { watts: 1 }) {
  const response = await f.send('PUT', `${REL}/${id}`, { attributes });
  expect(response.statusCode).toBe(201);
}

function relate(source: string, name: string, target: string, properties?: unknown) {
  const url = `${REL}/${source}/relations/${name}/${target}`;
  return properties === undefined
    ? f.request({ method: 'PUT', url })
    : f.send('PUT', url, properties);
}

async function listing(id: string, query = '') {
  const response = await f.request({ url: `${REL}/${id}/relations${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { relations: Record<string, unknown>[] }).relations;
}

describe('relations - one relation', () => {
  it('PUT creates with 201 and its properties, replaces with 204; GET answers the properties', async () => {
    await twin('dc:rack-7');
    await twin('dc:hall-1');
    const created = await relate('dc:rack-7', 'partOf', 'dc:hall-1', { slot: 3 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ slot: 3 });
    expect(created.headers.location).toMatch(/\/relations\/partOf\/dc:hall-1$/);
    const replaced = await relate('dc:rack-7', 'partOf', 'dc:hall-1', { slot: 4 });
    expect(replaced.statusCode).toBe(204);
    const read = await f.request({ url: `${REL}/dc:rack-7/relations/partOf/dc:hall-1` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ slot: 4 });
    expect(read.headers.etag).toBeDefined();
    // Without a body, a relation has no properties.
    await twin('dc:pdu-1');
    const bare = await relate('dc:rack-7', 'fedBy', 'dc:pdu-1');
    expect(bare.statusCode).toBe(201);
    expect(bare.json()).toEqual({});
  });

  it('DELETE answers 204, then 404 relations:relation.notfound', async () => {
    await twin('dc:rack-7');
    await twin('dc:hall-1');
    await relate('dc:rack-7', 'partOf', 'dc:hall-1', {});
    const url = `${REL}/dc:rack-7/relations/partOf/dc:hall-1`;
    expect((await f.request({ method: 'DELETE', url })).statusCode).toBe(204);
    const again = await f.request({ method: 'DELETE', url });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ status: 404, error: 'relations:relation.notfound' });
    expect((await f.request({ url })).statusCode).toBe(404);
    expect(await listing('dc:rack-7')).toEqual([]);
    // Nothing empty stays behind in the state (it would be journaled and replayed).
    expect(f.runtime.getThing('dc:rack-7')?.thing).not.toHaveProperty('_relations');
  });

  it('refuses a missing target or source (404), a relation to itself, a bad name or bad properties (400)', async () => {
    await twin('dc:rack-7');
    const missing = await relate('dc:rack-7', 'partOf', 'dc:nowhere', {});
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'relations:target.notfound' });
    const noSource = await relate('dc:nobody', 'partOf', 'dc:rack-7', {});
    expect(noSource.statusCode).toBe(404);
    expect(noSource.json()).toMatchObject({ error: 'things:thing.notfound' });
    const self = await relate('dc:rack-7', 'partOf', 'dc:rack-7', {});
    expect(self.statusCode).toBe(400);
    expect(self.json()).toMatchObject({ error: 'relations:target.invalid' });
    await twin('dc:hall-1');
    for (const name of ['part of', 'x'.repeat(65), 'a%2Fb', 'ü', '__proto__']) {
      const bad = await relate('dc:rack-7', encodeURIComponent(name), 'dc:hall-1', {});
      expect(bad.statusCode, name).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'relations:name.invalid' });
    }
    for (const properties of [[1], 'text', 3, null]) {
      const bad = await relate('dc:rack-7', 'partOf', 'dc:hall-1', properties);
      expect(bad.statusCode, JSON.stringify(properties)).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'relations:properties.invalid' });
    }
    const badTarget = await relate('dc:rack-7', 'partOf', 'no-namespace', {});
    expect(badTarget.statusCode).toBe(400);
    expect(badTarget.json()).toMatchObject({ error: 'things:id.invalid' });
    // Nothing of the refused writes landed.
    expect(await listing('dc:rack-7')).toEqual([]);
    expect(f.runtime.getThing('dc:rack-7')?.meta.revision).toBe(1);
  });

  it('properties count towards the thing size limit (413)', async () => {
    await twin('dc:rack-7');
    await twin('dc:hall-1');
    const big = { blob: 'x'.repeat(110 * 1024) };
    const response = await relate('dc:rack-7', 'partOf', 'dc:hall-1', big);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: 'things:thing.toolarge' });
  });
});

describe('relations - hidden from the thing JSON', () => {
  it('GET thing, fields, ids listings and search never show _relations; a thing-level PUT keeps them', async () => {
    await twin('dc:rack-7');
    await twin('dc:hall-1');
    await relate('dc:rack-7', 'partOf', 'dc:hall-1', { slot: 1 });
    const urls = [
      `${REL}/dc:rack-7`,
      `${REL}/dc:rack-7?fields=_relations`,
      `${REL}/dc:rack-7?fields=thingId,_relations/partOf`,
      `${REL}?ids=dc:rack-7`,
      `/api/2/search/things?filter=eq(thingId,"dc:rack-7")`,
      `/api/2/search/things?filter=eq(thingId,"dc:rack-7")&fields=thingId,_relations`,
    ];
    for (const url of urls) {
      const response = await f.request({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).not.toContain('_relations');
      expect(response.body, url).not.toContain('partOf');
    }
    // A body cannot set them (400, not dropped), and replacing the thing keeps them.
    for (const [method, body] of [
      ['PUT', { attributes: { watts: 2 }, _relations: { partOf: { 'dc:hall-2': {} } } }],
      ['PATCH', { _relations: null }],
      ['PATCH', { attributes: { watts: 2 }, _relations: { partOf: {} } }],
    ] as const) {
      const refused = await f.send(method, `${REL}/dc:rack-7`, body);
      expect(refused.statusCode, `${method} ${JSON.stringify(body)}`).toBe(400);
      expect(refused.json()).toMatchObject({ error: 'relations:relations.notsettable' });
    }
    const created = await f.send('PUT', `${REL}/dc:new`, {
      _relations: { a: { 'dc:rack-7': {} } },
    });
    expect(created.statusCode).toBe(400);
    expect((await f.request({ url: `${REL}/dc:new` })).statusCode).toBe(404);
    const put = await f.send('PUT', `${REL}/dc:rack-7`, { attributes: { watts: 2 } });
    expect(put.statusCode).toBe(204);
    expect(await listing('dc:rack-7')).toEqual([
      {
        source: 'dc:rack-7',
        name: 'partOf',
        target: 'dc:hall-1',
        depth: 1,
        properties: { slot: 1 },
        targetExists: true,
      },
    ]);
    const merged = await f.send('PATCH', `${REL}/dc:rack-7`, { attributes: { watts: 3 } });
    expect(merged.statusCode).toBe(204);
    expect(await listing('dc:rack-7')).toHaveLength(1);
  });

  it('history holds relationModified and relationDeleted events at /relations/<name>/<target>', async () => {
    await twin('dc:rack-7');
    await twin('dc:hall-1');
    await relate('dc:rack-7', 'partOf', 'dc:hall-1', { slot: 1 });
    await f.request({ method: 'DELETE', url: `${REL}/dc:rack-7/relations/partOf/dc:hall-1` });
    await f.send('PUT', `${REL}/dc:rack-7`, { attributes: { watts: 3 } });
    const history = (await f.request({ url: `${REL}/dc:rack-7/history` })).json() as {
      topic: string;
      path: string;
      headers: Record<string, string>;
      value?: unknown;
      revision: number;
    }[];
    expect(history.map((e) => [e.revision, e.headers.type, e.path])).toEqual([
      [1, 'things.events:thingCreated', '/'],
      [2, 'things.events:relationModified', '/relations/partOf/dc:hall-1'],
      [3, 'things.events:relationDeleted', '/relations/partOf/dc:hall-1'],
      [4, 'things.events:thingModified', '/'],
    ]);
    expect(history[1].topic).toBe('dc/rack-7/things/twin/events/modified');
    expect(history[1].value).toEqual({ slot: 1 });
    expect(JSON.stringify(history)).not.toContain('_relations');
  });

  it('time travel: the thing at a revision holds the relation it had then (hidden), history replays it', async () => {
    await twin('dc:rack-7');
    await twin('dc:hall-1');
    await relate('dc:rack-7', 'partOf', 'dc:hall-1', { slot: 1 });
    await f.request({ method: 'DELETE', url: `${REL}/dc:rack-7/relations/partOf/dc:hall-1` });
    const at2 = await f.runtime.stateAt('dc:rack-7', { revision: 2 });
    expect(at2?.thing._relations).toEqual({ partOf: { 'dc:hall-1': { slot: 1 } } });
    const at3 = await f.runtime.stateAt('dc:rack-7', { revision: 3 });
    expect(at3?.thing).not.toHaveProperty('_relations');
    const shown = await f.request({
      url: `${REL}/dc:rack-7`,
      headers: { 'at-historical-revision': '2' },
    });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain('_relations');
  });
});

describe('relations - listings and walks', () => {
  /** server-1 -> rack-1 -> row-1 -> hall-1, server-2 -> rack-1, rack-1 -feeds-> pdu-1 */
  async function datacenter() {
    for (const id of ['server-1', 'server-2', 'rack-1', 'row-1', 'hall-1', 'pdu-1'])
      await twin(`dc:${id}`);
    await relate('dc:server-1', 'partOf', 'dc:rack-1', {});
    await relate('dc:server-2', 'partOf', 'dc:rack-1', {});
    await relate('dc:rack-1', 'partOf', 'dc:row-1', {});
    await relate('dc:row-1', 'partOf', 'dc:hall-1', {});
    await relate('dc:rack-1', 'fedBy', 'dc:pdu-1', { phase: 'A' });
  }

  it('children (out) and parents (in), all names or one', async () => {
    await datacenter();
    const out = await listing('dc:rack-1');
    expect(out.map((r) => [r.name, r.target, r.depth])).toEqual([
      ['fedBy', 'dc:pdu-1', 1],
      ['partOf', 'dc:row-1', 1],
    ]);
    expect(out[0].properties).toEqual({ phase: 'A' });
    const parents = await listing('dc:rack-1', '?direction=in&name=partOf');
    expect(parents.map((r) => r.source)).toEqual(['dc:server-1', 'dc:server-2']);
    expect(await listing('dc:rack-1', '?direction=in&name=fedBy')).toEqual([]);
  });

  it('descendants and ancestors down to depth, breadth-first', async () => {
    await datacenter();
    const up = await listing('dc:server-1', '?name=partOf&depth=3');
    expect(up.map((r) => [r.source, r.target, r.depth])).toEqual([
      ['dc:server-1', 'dc:rack-1', 1],
      ['dc:rack-1', 'dc:row-1', 2],
      ['dc:row-1', 'dc:hall-1', 3],
    ]);
    const down = await listing('dc:hall-1', '?direction=in&depth=16');
    expect(down.map((r) => [r.source, r.depth])).toEqual([
      ['dc:row-1', 1],
      ['dc:rack-1', 2],
      ['dc:server-1', 3],
      ['dc:server-2', 3],
    ]);
    expect(await listing('dc:hall-1', '?direction=in&depth=2')).toHaveLength(2);
  });

  it('a cycle is walked once and its closing edge is marked', async () => {
    for (const id of ['a', 'b', 'c']) await twin(`loop:${id}`);
    await relate('loop:a', 'next', 'loop:b', {});
    await relate('loop:b', 'next', 'loop:c', {});
    await relate('loop:c', 'next', 'loop:a', {});
    const walk = await listing('loop:a', '?depth=16');
    expect(walk.map((r) => [r.source, r.target, r.depth, r.cycle ?? false])).toEqual([
      ['loop:a', 'loop:b', 1, false],
      ['loop:b', 'loop:c', 2, false],
      ['loop:c', 'loop:a', 3, true],
    ]);
  });

  it('refuses bad parameters with 400 relations:query.invalid and a missing twin with 404', async () => {
    await twin('dc:rack-1');
    for (const query of ['?depth=17', '?depth=0', '?depth=two', '?direction=up', '?sort=name']) {
      const response = await f.request({ url: `${REL}/dc:rack-1/relations${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json()).toMatchObject({ error: 'relations:query.invalid' });
    }
    const badName = await f.request({ url: `${REL}/dc:rack-1/relations?name=a%20b` });
    expect(badName.json()).toMatchObject({ status: 400, error: 'relations:name.invalid' });
    const missing = await f.request({ url: `${REL}/dc:none/relations` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'things:thing.notfound' });
  });

  it('deleting a twin removes its outgoing relations; incoming ones dangle, flagged', async () => {
    await datacenter();
    expect((await f.request({ method: 'DELETE', url: `${REL}/dc:rack-1` })).statusCode).toBe(204);
    expect(await listing('dc:row-1', '?direction=in')).toEqual([]);
    expect(await listing('dc:pdu-1', '?direction=in')).toEqual([]);
    const dangling = await listing('dc:server-1');
    expect(dangling).toEqual([
      {
        source: 'dc:server-1',
        name: 'partOf',
        target: 'dc:rack-1',
        depth: 1,
        properties: {},
        targetExists: false,
      },
    ]);
    // A dangling relation is removed by the source's writers alone (there is no target to ask).
    const removed = await f.request({
      method: 'DELETE',
      url: `${REL}/dc:server-1/relations/partOf/dc:rack-1`,
    });
    expect(removed.statusCode).toBe(204);
    // A twin of the same id brings the remaining one back to life.
    await twin('dc:rack-1');
    const revived = await listing('dc:rack-1', '?direction=in');
    expect(revived.map((r) => [r.source, r.targetExists])).toEqual([['dc:server-2', true]]);
  });

  it('a restart keeps relations, both ways (journal replay and the load pass)', async () => {
    await datacenter();
    await f.request({ method: 'DELETE', url: `${REL}/dc:rack-1/relations/fedBy/dc:pdu-1` });
    await f.restart();
    await f.runtime.indexed;
    expect((await listing('dc:rack-1')).map((r) => r.target)).toEqual(['dc:row-1']);
    expect((await listing('dc:rack-1', '?direction=in')).map((r) => r.source)).toEqual([
      'dc:server-1',
      'dc:server-2',
    ]);
    expect(await listing('dc:pdu-1', '?direction=in')).toEqual([]);
    expect((await listing('dc:hall-1', '?direction=in&depth=3')).length).toBe(4);
  });
});

describe('relations - search', () => {
  it('RQL over _relations/<name>/<target> finds the children of a twin', async () => {
    await twin('dc:rack-1');
    await twin('dc:rack-2');
    await twin('dc:hall-1');
    await twin('dc:hall-2');
    await relate('dc:rack-1', 'partOf', 'dc:hall-1', { slot: 2 });
    await relate('dc:rack-2', 'partOf', 'dc:hall-2', { slot: 5 });
    const search = async (filter: string) => {
      const response = await f.request({
        url: `/api/2/search/things?filter=${encodeURIComponent(filter)}`,
      });
      expect(response.statusCode, response.body).toBe(200);
      const items = (response.json() as { items: { thingId: string }[] }).items;
      expect(JSON.stringify(items)).not.toContain('_relations');
      return items.map((t) => t.thingId);
    };
    expect(await search('exists(_relations/partOf/dc:hall-1)')).toEqual(['dc:rack-1']);
    expect(await search('exists(_relations/partOf)')).toEqual(['dc:rack-1', 'dc:rack-2']);
    expect(await search('gt(_relations/partOf/*/slot,3)')).toEqual(['dc:rack-2']);
    await f.request({ method: 'DELETE', url: `${REL}/dc:rack-1/relations/partOf/dc:hall-1` });
    expect(await search('exists(_relations/partOf/dc:hall-1)')).toEqual([]);
  });
});
