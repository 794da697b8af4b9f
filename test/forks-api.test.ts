// What-if forks through the real application: twins copied as they were at an instant (values and
// the relations among them, re-pointed into the scenario namespace), changed through the normal
// API, replayed into; refused namespaces; the requester's rights; and the namespace deleted in
// one call, removing the copies and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createAppFixture } from './support/app-fixture.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

let fx: SecureFixture;
let bob: string;
let mallory: string;
/** An instant after the plant was built and before it changed. */
let before: string;

const TYPE_ID = 'plant:rack:1.0.0';
const RACK_TYPE = {
  derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
};

interface Copy {
  definition?: string;
  attributes: Record<string, unknown>;
  features: { power: { properties: Record<string, unknown> } };
}

interface ForkView {
  namespace: string;
  at: string;
  twins: { thingId: string; of: string; revision: number }[];
  relations: number;
  skipped: { thingId: string; reason: string }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function put(url: string, body: unknown, auth = fx.admin): Promise<void> {
  const response = await fx.send('PUT', url, auth, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
}

async function rack(id: string, watts: number, extra: object = {}) {
  await put(`/api/2/things/${id}`, {
    definition: TYPE_ID,
    attributes: { site: 'p1' },
    features: { power: { properties: { watts } } },
    ...extra,
  });
}

async function get(thingId: string, auth = fx.admin): Promise<Copy> {
  const response = await fx.send('GET', `/api/2/things/${thingId}`, auth);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Copy;
}

async function relations(thingId: string): Promise<string[]> {
  const response = await fx.send('GET', `/api/2/things/${thingId}/relations`, fx.admin);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { relations: { name: string; target: string }[] }).relations.map(
    (r) => `${r.name}->${r.target}`,
  );
}

const fork = (body: unknown, auth = fx.admin) => fx.send('POST', '/api/2/forks', auth, body);

beforeAll(async () => {
  fx = await createSecureFixture();
  bob = await fx.addUser('bob');
  mallory = await fx.addUser('mallory');
  await put(`/api/2/types/${TYPE_ID}`, RACK_TYPE);
  await rack('plant:rack-1', 100);
  await rack('plant:rack-2', 200);
  await put('/api/2/things/plant:hall', { attributes: { site: 'p1' } });
  await put('/api/2/things/plant:outside', { attributes: { site: 'elsewhere' } });
  await put('/api/2/things/plant:rack-1/relations/partOf/plant:hall', { slot: 1 });
  await put('/api/2/things/plant:rack-2/relations/partOf/plant:hall', { slot: 2 });
  await put('/api/2/things/plant:rack-1/relations/feeds/plant:outside', {});
  await sleep(5);
  before = new Date().toISOString();
  await sleep(5);
  // After the instant: new values, a new relation, a twin that did not exist.
  await put('/api/2/things/plant:rack-1/features/power/properties/watts', 900);
  await put('/api/2/things/plant:rack-2/relations/next/plant:rack-1', {});
  await rack('plant:rack-3', 300);
});
afterAll(async () => {
  await fx.close();
});

describe('POST /api/2/forks', () => {
  it('copies the twins as they were at the instant, with the relations among them', async () => {
    const response = await fork({
      filter: 'eq(attributes/site,"p1")',
      at: before,
      into: 'whatif.a',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers.location).toMatch(/\/api\/2\/forks\/whatif\.a$/);
    const view = response.json() as ForkView;
    expect(view.namespace).toBe('whatif.a');
    expect(view.at).toBe(before);
    expect(view.twins.map((t) => [t.thingId, t.of])).toEqual([
      ['whatif.a:hall', 'plant:hall'],
      ['whatif.a:rack-1', 'plant:rack-1'],
      ['whatif.a:rack-2', 'plant:rack-2'],
    ]);
    expect(view.skipped).toEqual([
      { thingId: 'plant:rack-3', reason: `it did not exist at ${before}` },
    ]);
    expect(view.relations).toBe(2);

    const copy = await get('whatif.a:rack-1');
    expect(copy.definition).toBe(TYPE_ID);
    // Every copy is under the fork's one policy, which the requester owns.
    expect((copy as unknown as { policyId: string }).policyId).toBe('whatif.a:fork');
    const policy = await fx.send('GET', '/api/2/policies/whatif.a:fork', fx.admin);
    expect(policy.statusCode, policy.body).toBe(200);
    expect(copy.features.power.properties).toEqual({ watts: 100, kw: 0.1 });
    expect((await get('plant:rack-1')).features.power.properties.watts).toBe(900);
    expect(await relations('whatif.a:rack-1')).toEqual(['partOf->whatif.a:hall']);
    expect(await relations('whatif.a:rack-2')).toEqual(['partOf->whatif.a:hall']);
    const props = await fx.send(
      'GET',
      '/api/2/things/whatif.a:rack-2/relations/partOf/whatif.a:hall',
      fx.admin,
    );
    expect(props.json()).toMatchObject({ slot: 2 });
    await expectMissing('whatif.a:rack-3');
    await expectMissing('whatif.a:outside');
  });

  it('lets the copies change through the normal API, governed by their type, sources untouched', async () => {
    await put('/api/2/things/whatif.a:rack-2/features/power/properties/watts', 500);
    expect((await get('whatif.a:rack-2')).features.power.properties).toEqual({
      watts: 500,
      kw: 0.5,
    });
    expect((await get('plant:rack-2')).features.power.properties).toEqual({ watts: 200, kw: 0.2 });
    const list = await fx.send('GET', '/api/2/forks', fx.admin);
    expect((list.json() as ForkView[]).map((f) => f.namespace)).toContain('whatif.a');
    const one = await fx.send('GET', '/api/2/forks/whatif.a', fx.admin);
    expect(one.statusCode, one.body).toBe(200);
  });

  it('refuses a taken namespace, a source namespace and bad requests, copying nothing', async () => {
    const taken = await fork({ filter: 'eq(attributes/site,"p1")', into: 'whatif.a' });
    expectError(taken, 409, 'forks:namespace.taken');
    await put('/api/2/things/other.ns:thing', { attributes: { x: 1 } });
    expectError(
      await fork({ filter: 'eq(attributes/site,"p1")', into: 'other.ns' }),
      409,
      'forks:namespace.taken',
    );
    expectError(
      await fork({ filter: 'eq(attributes/site,"p1")', into: 'plant' }),
      409,
      'forks:namespace.taken',
    );
    const invalid: [unknown, string][] = [
      [{ into: 'whatif.x' }, 'filter'],
      [{ filter: 'eq(', into: 'whatif.x' }, 'filter'],
      [{ filter: 'exists(thingId)', into: 'not a namespace!' }, 'into'],
      [{ filter: 'exists(thingId)', into: 'whatif.x', at: 'yesterday' }, 'at'],
      [{ filter: 'exists(thingId)', into: 'whatif.x', at: Date.now() + 3_600_000 }, 'at'],
      [{ filter: 'exists(thingId)', into: 'whatif.x', extra: true }, 'extra'],
    ];
    for (const [body, field] of invalid) {
      const response = await fork(body);
      expectError(response, 400, 'forks:request.invalid');
      expect(response.json().message).toContain(`'${field}'`);
    }
    // Two sources of one name would both be <into>:x.
    await put('/api/2/things/clash.a:x', { attributes: { n: 1 } });
    await put('/api/2/things/clash.b:x', { attributes: { n: 2 } });
    const clash = await fork({ filter: 'like(thingId,"clash.*")', into: 'whatif.x' });
    expectError(clash, 400, 'forks:request.invalid');
    expect(clash.json().message).toContain('clash.a:x and clash.b:x');
    const count = await fx.send('GET', '/api/2/search/things/count?namespaces=whatif.x', fx.admin);
    expect(count.body).toBe('0');
  });

  it('copies only what the requester may read; it owns the copies, others see nothing', async () => {
    const policy = (grants: Record<string, string[]>) => ({
      entries: Object.fromEntries([
        [
          'keeper',
          {
            subjects: { 'user:keeper': { type: 'user' } },
            resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
          },
        ],
        ...Object.entries(grants).map(([user, grant]) => [
          user,
          {
            subjects: { [`user:${user}`]: { type: 'user' } },
            resources: { 'thing:/': { grant, revoke: [] } },
          },
        ]),
      ]),
    });
    await put('/api/2/policies/perm:bob-reads', policy({ bob: ['READ'] }));
    await put('/api/2/policies/perm:secret', policy({ mallory: ['READ', 'WRITE'] }));
    await put('/api/2/things/perm:seen', { policyId: 'perm:bob-reads', attributes: { n: 1 } });
    await put('/api/2/things/perm:unseen', { policyId: 'perm:secret', attributes: { n: 2 } });
    const response = await fork({ filter: 'like(thingId,"perm:*")', into: 'whatif.bob' }, bob);
    expect(response.statusCode, response.body).toBe(201);
    expect((response.json() as ForkView).twins.map((t) => t.thingId)).toEqual(['whatif.bob:seen']);
    // bob owns the copy (he could only read the source); mallory sees neither it nor the fork.
    await put('/api/2/things/whatif.bob:seen/attributes/n', 10, bob);
    expect((await get('whatif.bob:seen', bob)).attributes).toEqual({ n: 10 });
    await expectMissing('whatif.bob:seen', mallory);
    expectError(
      await fx.send('GET', '/api/2/forks/whatif.bob', mallory),
      404,
      'forks:fork.notfound',
    );
    expectError(
      await fx.send('DELETE', '/api/2/forks/whatif.bob', mallory),
      404,
      'forks:fork.notfound',
    );
    const deleted = await fx.send('DELETE', '/api/2/forks/whatif.bob', bob);
    expect(deleted.statusCode, deleted.body).toBe(204);
    await expectMissing('whatif.bob:seen');
    expect((await get('perm:seen')).attributes).toEqual({ n: 1 });
  });

  it('takes a replay into the fork: the live inputs replayed through the copies', async () => {
    const made = await fork({
      filter: 'like(thingId,"plant:rack-*")',
      at: before,
      into: 'whatif.r',
    });
    expect(made.statusCode, made.body).toBe(201);
    const replay = await fx.send('POST', '/api/2/replays', fx.admin, {
      type: TYPE_ID,
      filter: 'like(thingId,"plant:rack-*")',
      into: 'whatif.r',
    });
    expect(replay.statusCode, replay.body).toBe(202);
    const replayId = replay.json().replayId as string;
    let view: { state: string; into?: { written: string[] } } = { state: 'running' };
    for (let i = 0; i < 300 && view.state === 'running'; i++) {
      await sleep(20);
      view = (await fx.send('GET', `/api/2/replays/${replayId}`, fx.admin)).json();
    }
    expect(view.state).toBe('succeeded');
    expect(view.into?.written).toEqual(
      expect.arrayContaining(['whatif.r:rack-1', 'whatif.r:rack-2']),
    );
    expect((await get('whatif.r:rack-1')).features.power.properties).toMatchObject({
      watts: 900,
      kw: 0.9,
    });
  });
});

describe('DELETE /api/2/forks/{namespace}', () => {
  it('deletes every twin of the scenario namespace, and only those', async () => {
    // A twin made in the scenario since the fork goes with it.
    await put('/api/2/things/whatif.a:added', { attributes: { x: 1 } });
    const response = await fx.send('DELETE', '/api/2/forks/whatif.a', fx.admin);
    expect(response.statusCode, response.body).toBe(204);
    for (const id of ['whatif.a:hall', 'whatif.a:rack-1', 'whatif.a:rack-2', 'whatif.a:added'])
      await expectMissing(id);
    const count = await fx.send('GET', '/api/2/search/things/count?namespaces=whatif.a', fx.admin);
    expect(count.body).toBe('0');
    // The policies made for the copies went too; the sources, their relations and others stay.
    for (const policyId of ['whatif.a:fork', 'whatif.a:added'])
      expect((await fx.send('GET', `/api/2/policies/${policyId}`, fx.admin)).statusCode).toBe(404);
    expect((await get('plant:rack-1')).features.power.properties.watts).toBe(900);
    expect(await relations('plant:rack-1')).toEqual(['feeds->plant:outside', 'partOf->plant:hall']);
    expect((await get('whatif.r:rack-1')).features.power.properties.watts).toBe(900);
    expect((await get('other.ns:thing')).attributes).toEqual({ x: 1 });
    expectError(
      await fx.send('GET', '/api/2/forks/whatif.a', fx.admin),
      404,
      'forks:fork.notfound',
    );
    // The namespace may take a fork again.
    const again = await fork({ filter: 'eq(thingId,"plant:hall")', into: 'whatif.a' });
    expect(again.statusCode, again.body).toBe(201);
  });
});

async function expectMissing(thingId: string, auth = fx.admin): Promise<void> {
  const response = await fx.send('GET', `/api/2/things/${thingId}`, auth);
  expectError(response, 404, 'things:thing.notfound');
}

describe('forks across a restart', () => {
  it('are listed and deleted after the node restarts, and still hold their namespace', async () => {
    const f = await createAppFixture();
    try {
      const made = await f.send('PUT', '/api/2/things/rs:rack', { attributes: { watts: 1 } });
      expect(made.statusCode, made.body).toBe(201);
      const forked = await f.send('POST', '/api/2/forks', {
        filter: 'eq(thingId,"rs:rack")',
        into: 'rs.whatif',
      });
      expect(forked.statusCode, forked.body).toBe(201);
      await f.restart();
      await f.runtime.indexed;
      const listed = await f.request({ method: 'GET', url: '/api/2/forks' });
      expect((listed.json() as ForkView[]).map((v) => [v.namespace, v.twins.length])).toEqual([
        ['rs.whatif', 1],
      ]);
      const again = await f.send('POST', '/api/2/forks', {
        filter: 'eq(thingId,"rs:rack")',
        into: 'rs.whatif',
      });
      expectError(again, 409, 'forks:namespace.taken');
      const deleted = await f.request({ method: 'DELETE', url: '/api/2/forks/rs.whatif' });
      expect(deleted.statusCode, deleted.body).toBe(204);
      await f.restart();
      await f.runtime.indexed;
      expect((await f.request({ method: 'GET', url: '/api/2/forks' })).json()).toEqual([]);
      const gone = await f.request({ method: 'GET', url: '/api/2/things/rs.whatif:rack' });
      expect(gone.statusCode).toBe(404);
    } finally {
      await f.close();
    }
  });
});
