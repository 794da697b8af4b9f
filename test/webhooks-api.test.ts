// Webhooks through the real application with real HTTP receivers on local ports: the API, signed
// Ditto Protocol deliveries, order per twin under retries, dead letters, pause and resume, filters,
// read rights, access and metrics.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { WebhookReceiver, type Received } from './support/webhook-receiver.js';
import { scopedToken } from './support/fixture-requests.js';
import { ownerEntry } from './support/policy-entries.js';

let fx: SecureFixture;
let alice: string;
let bob: string;
let aliceFleet: string;
const receivers: WebhookReceiver[] = [];

async function receiver(): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver().start();
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  fx = await createSecureFixture({
    webhookTiming: { retryBaseMs: 20, retryMaxMs: 100, timeoutMs: 2000, flushMs: 20 },
  });
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
  aliceFleet = await scopedToken(fx, alice, 'fleet', ['fleet']);
});
afterAll(async () => {
  await fx.close();
  for (const r of receivers) await r.stop();
});

async function create(body: unknown, auth = fx.admin): Promise<string> {
  const response = await fx.send('POST', '/api/2/webhooks', auth, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

async function write(thingId: string, value: unknown, auth = fx.admin): Promise<void> {
  const response = await fx.send(
    'PUT',
    `/api/2/things/${thingId}/features/f/properties/v`,
    auth,
    value,
  );
  expect(response.statusCode, response.body).toBeLessThan(300);
}

async function thing(thingId: string, body: object = {}, auth = fx.admin): Promise<void> {
  const response = await fx.send('PUT', `/api/2/things/${thingId}`, auth, {
    features: { f: { properties: {} } },
    ...body,
  });
  expect(response.statusCode, response.body).toBe(201);
}

const valuesOf = (received: Received[], thingId: string) =>
  received
    .filter((r) => r.thingId === thingId && r.json.path.endsWith('/v'))
    .map((r) => r.json.value);

describe('webhooks API', () => {
  it('creates (201, Location), reads, lists, replaces, deletes', async () => {
    const r = await receiver();
    const created = await fx.send('POST', '/api/2/webhooks', fx.admin, {
      url: r.url,
      namespaces: ['crud'],
      secret: 'top secret',
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.headers.location).toMatch(new RegExp(`/api/2/webhooks/${id}$`));
    expect(created.json()).toMatchObject({
      url: r.url,
      namespaces: ['crud'],
      events: ['twin'],
      signed: true,
      paused: false,
      maxAttempts: 50,
      maxAgeHours: 24,
      revision: 1,
    });
    expect(created.body).not.toContain('top secret');
    expect((await fx.send('GET', `/api/2/webhooks/${id}`, fx.admin)).json()).toMatchObject({ id });
    const listed = (await fx.send('GET', '/api/2/webhooks', fx.admin)).json() as { id: string }[];
    expect(listed.map((w) => w.id)).toContain(id);
    const replaced = await fx.send('PUT', `/api/2/webhooks/${id}`, fx.admin, {
      url: r.url,
      filter: 'exists(attributes)',
      maxAttempts: 3,
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({
      filter: 'exists(attributes)',
      maxAttempts: 3,
      signed: false,
      revision: 2,
    });
    expect(replaced.json().namespaces).toBeUndefined();
    expect((await fx.send('DELETE', `/api/2/webhooks/${id}`, fx.admin)).statusCode).toBe(204);
    expectError(
      await fx.send('GET', `/api/2/webhooks/${id}`, fx.admin),
      404,
      'webhooks:webhook.notfound',
    );
    expectError(
      await fx.send('DELETE', `/api/2/webhooks/${id}`, fx.admin),
      404,
      'webhooks:webhook.notfound',
    );
  });

  it('refuses bad bodies with a 400 naming the field, and changes nothing', async () => {
    const r = await receiver();
    const id = await create({ url: r.url, namespaces: ['bad'] });
    const before = (await fx.send('GET', '/api/2/webhooks', fx.admin)).body;
    const cases: [unknown, string][] = [
      [[1], '/'],
      [{}, 'url'],
      [{ url: 'ftp://x/y' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'http://u:p@x/y' }, 'url'],
      [{ url: r.url, filter: 'eq(' }, 'filter'],
      [{ url: r.url, filter: 7 }, 'filter'],
      [{ url: r.url, extraFields: 'a(' }, 'extraFields'],
      [{ url: r.url, namespaces: [] }, 'namespaces'],
      [{ url: r.url, namespaces: ['not a namespace'] }, 'namespaces'],
      [{ url: r.url, namespaces: 'fleet' }, 'namespaces'],
      [{ url: r.url, events: ['live'] }, 'events'],
      [{ url: r.url, events: [] }, 'events'],
      [{ url: r.url, secret: '' }, 'secret'],
      [{ url: r.url, secret: 5 }, 'secret'],
      [{ url: r.url, maxAttempts: 0 }, 'maxAttempts'],
      [{ url: r.url, maxAttempts: 1.5 }, 'maxAttempts'],
      [{ url: r.url, maxAttempts: '3' }, 'maxAttempts'],
      [{ url: r.url, maxAgeHours: -1 }, 'maxAgeHours'],
      [{ url: r.url, maxAgeHours: 1e9 }, 'maxAgeHours'],
      [{ url: r.url, colour: 'blue' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      for (const [method, url] of [
        ['POST', '/api/2/webhooks'],
        ['PUT', `/api/2/webhooks/${id}`],
      ] as const) {
        const response = await fx.send(method, url, fx.admin, body);
        expectError(response, 400, 'webhooks:webhook.invalid');
        expect(response.json().message, JSON.stringify(body)).toContain(`'${field}'`);
      }
    }
    const notJson = await fx.request({
      method: 'POST',
      url: '/api/2/webhooks',
      headers: { authorization: fx.admin, 'content-type': 'application/json' },
      payload: '{"url":',
    });
    expect(notJson.statusCode).toBe(400);
    expect((await fx.send('GET', '/api/2/webhooks', fx.admin)).body).toBe(before);
    for (const url of [
      `/api/2/webhooks/${id}/deliveries?state=lost`,
      `/api/2/webhooks/${id}?x=1`,
    ]) {
      const response = await fx.send('GET', url, fx.admin);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatch(/invalid/);
    }
  });

  it('POSTs each event as its Ditto Protocol envelope, with a stable event id and a verifiable signature', async () => {
    const r = await receiver();
    const secret = 'shh-a-secret';
    const id = await create({ url: r.url, namespaces: ['signed'], secret });
    await thing('signed:one', { attributes: { a: 1 } });
    await write('signed:one', 42);
    await r.until(() => r.received.length >= 2);
    const [created, modified] = r.received;
    expect(created.json).toMatchObject({
      topic: 'signed/one/things/twin/events/created',
      path: '/',
    });
    expect(modified.json).toMatchObject({
      topic: 'signed/one/things/twin/events/modified',
      path: '/features/f/properties/v',
      value: 42,
      headers: { type: 'things.events:featurePropertyModified' },
    });
    for (const delivery of r.received) {
      const expected = createHmac('sha256', secret).update(delivery.body).digest('hex');
      expect(delivery.signature).toBe(`sha256=${expected}`);
      expect(delivery.eventId).toMatch(new RegExp(`^\\d+-${id}$`));
    }
    expect(created.eventId).not.toBe(modified.eventId);
    // The delivery log names the same event ids.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const log = (await fx.send('GET', `/api/2/webhooks/${id}/deliveries`, fx.admin)).json();
    expect(log.items.map((d: { eventId: string }) => d.eventId)).toEqual(
      r.received.map((d) => d.eventId),
    );
    expect(log.items[0]).toMatchObject({
      state: 'delivered',
      attempts: 1,
      status: 200,
      error: null,
    });
  });

  it('keeps each twin in order while its events are retried, and lets other twins proceed', async () => {
    const r = await receiver();
    // `order:slow` fails until `order:fast` has got all its events: the fast twin must not wait.
    r.answer = (d) =>
      d.thingId === 'order:slow' && valuesOf(r.received, 'order:fast').length < 20 ? 503 : 200;
    const id = await create({ url: r.url, namespaces: ['order'] });
    await thing('order:slow');
    await thing('order:fast');
    for (let n = 1; n <= 20; n++) {
      await write('order:slow', n);
      await write('order:fast', n);
    }
    await r.until(() => valuesOf(r.received, 'order:slow').length === 20);
    const numbers = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(valuesOf(r.received, 'order:slow')).toEqual(numbers);
    expect(valuesOf(r.received, 'order:fast')).toEqual(numbers);
    // Every event of the fast twin (its creation and 20 changes) came before any of the slow one.
    const firstSlow = r.received.findIndex((d) => d.thingId === 'order:slow');
    expect(r.received.slice(0, firstSlow).filter((d) => d.thingId === 'order:fast')).toHaveLength(
      21,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const log = (
      await fx.send('GET', `/api/2/webhooks/${id}/deliveries?limit=1000`, fx.admin)
    ).json();
    const slowCreated = log.items.find((d: { thingId: string }) => d.thingId === 'order:slow');
    expect(slowCreated.state).toBe('delivered');
    expect(slowCreated.attempts).toBeGreaterThan(1);
  });

  it('dead-letters an event after maxAttempts, keeps it in the log, and goes on with the twin', async () => {
    const r = await receiver();
    r.answer = (d) => (d.json.value === 'poison' ? 500 : 200);
    const id = await create({ url: r.url, namespaces: ['dead'], maxAttempts: 3 });
    await thing('dead:t');
    await write('dead:t', 'poison');
    await write('dead:t', 'after');
    await r.until(() => valuesOf(r.received, 'dead:t').includes('after'));
    expect(valuesOf(r.received, 'dead:t')).toEqual(['after']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const dead = (
      await fx.send('GET', `/api/2/webhooks/${id}/deliveries?state=dead`, fx.admin)
    ).json();
    expect(dead.items).toHaveLength(1);
    expect(dead.items[0]).toMatchObject({
      thingId: 'dead:t',
      state: 'dead',
      attempts: 3,
      status: 500,
    });
    expect(dead.items[0].error).toContain('gave up after 3 attempts');
  });

  it('re-drives dead letters, one by its seq or all, in order per twin and with their event ids', async () => {
    const r = await receiver();
    const poison = new Set(['p1', 'p2', 'q1']);
    r.answer = (d) => (poison.has(d.json.value as string) ? 500 : 200);
    const id = await create({ url: r.url, namespaces: ['redrive'], maxAttempts: 2 });
    await thing('redrive:t');
    await thing('redrive:u');
    for (const [twin, value] of [
      ['t', 'p1'],
      ['t', 'p2'],
      ['u', 'q1'],
      ['t', 'ok'],
    ])
      await write(`redrive:${twin}`, value);
    await r.until(() => valuesOf(r.received, 'redrive:t').includes('ok'));
    const deadLog = async () =>
      (await fx.send('GET', `/api/2/webhooks/${id}/deliveries?state=dead`, fx.admin)).json()
        .items as { seq: number; eventId: string; thingId: string }[];
    let dead = await deadLog();
    for (let i = 0; i < 100 && dead.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      dead = await deadLog();
    }
    expect(dead.map((d) => d.thingId)).toEqual(['redrive:t', 'redrive:t', 'redrive:u']);
    // Re-driven once 'ok' is done: a redrive restarts the loop, which sends again what was in flight.
    while ((await fx.send('GET', `/api/2/webhooks/${id}`, fx.admin)).json().backlog !== 0)
      await new Promise((resolve) => setTimeout(resolve, 10));
    poison.clear();
    r.received.length = 0;

    const one = dead[2];
    const single = await fx.send(
      'POST',
      `/api/2/webhooks/${id}/deliveries/${one.seq}/redrive`,
      fx.admin,
    );
    expect(single.statusCode, single.body).toBe(200);
    expect(single.json()).toEqual({ redriven: 1 });
    await r.until(() => r.received.length === 1);
    expect(r.received[0]).toMatchObject({ eventId: one.eventId });
    expect(r.received[0].json.value).toBe('q1');
    const stateOf = async (seq: number) =>
      (await fx.send('GET', `/api/2/webhooks/${id}/deliveries`, fx.admin))
        .json()
        .items.find((d: { seq: number }) => d.seq === seq)?.state;
    while ((await stateOf(one.seq)) !== 'delivered')
      await new Promise((resolve) => setTimeout(resolve, 10));
    expectError(
      await fx.send('POST', `/api/2/webhooks/${id}/deliveries/${one.seq}/redrive`, fx.admin),
      404,
      'webhooks:delivery.notfound',
    );

    const all = await fx.send('POST', `/api/2/webhooks/${id}/deliveries/redrive`, fx.admin);
    expect(all.json()).toEqual({ redriven: 2 });
    await r.until(() => r.received.length === 3);
    expect(valuesOf(r.received, 'redrive:t')).toEqual(['p1', 'p2']);
    expect(r.received.slice(1).map((d) => d.eventId)).toEqual([dead[0].eventId, dead[1].eventId]);
    for (const d of dead)
      while ((await stateOf(d.seq)) !== 'delivered')
        await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await deadLog()).toEqual([]);
    const log = (await fx.send('GET', `/api/2/webhooks/${id}/deliveries`, fx.admin)).json().items;
    for (const d of dead)
      expect(log.find((l: { seq: number }) => l.seq === d.seq)).toMatchObject({
        state: 'delivered',
        attempts: 1,
        status: 200,
      });
    expect(
      (await fx.send('POST', `/api/2/webhooks/${id}/deliveries/redrive`, fx.admin)).json(),
    ).toEqual({ redriven: 0 });

    for (const [url, auth, status] of [
      [`/api/2/webhooks/${id}/deliveries/abc/redrive`, fx.admin, 400],
      [`/api/2/webhooks/${id}/deliveries/0/redrive`, fx.admin, 400],
      [`/api/2/webhooks/${id}/deliveries/redrive?all=1`, fx.admin, 400],
      [`/api/2/webhooks/${id}/deliveries/redrive`, bob, 404],
    ] as const) {
      const response = await fx.send('POST', url, auth);
      expect(response.statusCode, url).toBe(status);
    }
    expect(r.received).toHaveLength(3);
  });

  it('an attempt without an answer within the timeout fails (here dead-lettered after one)', async () => {
    const r = await receiver();
    r.answer = () => 'hang';
    const id = await create({ url: r.url, namespaces: ['hang'], maxAttempts: 1 });
    const started = Date.now();
    await thing('hang:t');
    let dead: { error: string; status: number | null; attempts: number }[] = [];
    while (dead.length === 0 && Date.now() - started < 8000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      dead = (await fx.send('GET', `/api/2/webhooks/${id}/deliveries?state=dead`, fx.admin)).json()
        .items;
    }
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ status: null, attempts: 1 });
    expect(dead[0].error).toBe('no answer within 2000 ms; gave up after 1 attempts');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('a receiver that does not answer in time fails the attempt; the log shows the retry state', async () => {
    const r = await receiver();
    let hung = false;
    // The first request hangs past the timeout (2 s here); then the receiver fails with 503 for a while.
    let failing = true;
    r.answer = () => {
      if (!hung) {
        hung = true;
        return 'hang';
      }
      return failing ? 503 : 200;
    };
    const id = await create({ url: r.url, namespaces: ['slow'], maxAttempts: 1000 });
    await thing('slow:t');
    let pending: { attempts: number; error: string; nextAttempt: string; status: number | null }[] =
      [];
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      pending = (
        await fx.send('GET', `/api/2/webhooks/${id}/deliveries?state=pending`, fx.admin)
      ).json().items;
      if (pending.length === 1 && pending[0].attempts >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pending).toHaveLength(1);
    expect(pending[0].status).toBe(503);
    expect(pending[0].error).toBe('the receiver answered 503');
    expect(Date.parse(pending[0].nextAttempt)).toBeGreaterThan(Date.now() - 1000);
    expect(r.received).toHaveLength(0);
    failing = false;
    await r.until(() => r.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const log = (await fx.send('GET', `/api/2/webhooks/${id}/deliveries`, fx.admin)).json().items;
    expect(log).toHaveLength(1);
    expect(log[0].state).toBe('delivered');
    expect(log[0].attempts).toBeGreaterThanOrEqual(4);
  });

  it('a paused webhook delivers nothing; resumed, it delivers what was committed meanwhile, in order', async () => {
    const r = await receiver();
    const id = await create({ url: r.url, namespaces: ['pause'] });
    await thing('pause:t');
    await r.until(() => r.received.length === 1);
    // Paused only once the first delivery is done (an attempt in flight would be made again).
    while ((await fx.send('GET', `/api/2/webhooks/${id}`, fx.admin)).json().backlog !== 0)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const paused = await fx.send('POST', `/api/2/webhooks/${id}/pause`, fx.admin);
    expect(paused.json()).toMatchObject({ paused: true });
    for (let n = 1; n <= 5; n++) await write('pause:t', n);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received).toHaveLength(1);
    expect((await fx.send('GET', `/api/2/webhooks/${id}`, fx.admin)).json().backlog).toBe(5);
    const resumed = await fx.send('POST', `/api/2/webhooks/${id}/resume`, fx.admin);
    expect(resumed.json()).toMatchObject({ paused: false });
    await r.until(() => r.received.length === 6);
    expect(valuesOf(r.received, 'pause:t')).toEqual([1, 2, 3, 4, 5]);
  });

  it('delivers only what the filter selects and what the owner may read', async () => {
    const r = await receiver();
    // alice may read `fleet:shared` except its attributes/secret; `fleet:private` not at all.
    await fx.send('PUT', '/api/2/policies/fleet:shared', fx.admin, {
      entries: {
        admin: ownerEntry('bob'),
        alice: {
          subjects: { 'user:alice': { type: 'user' } },
          resources: {
            'thing:/': { grant: ['READ'], revoke: [] },
            'thing:/attributes/secret': { grant: [], revoke: ['READ'] },
          },
        },
      },
    });
    await fx.send('PUT', '/api/2/policies/fleet:private', fx.admin, {
      entries: {
        admin: ownerEntry('bob'),
      },
    });
    const filtered = await receiver();
    await create({ url: r.url, namespaces: ['fleet'], extraFields: 'attributes' }, aliceFleet);
    await create(
      { url: filtered.url, namespaces: ['fleet'], filter: 'gt(features/f/properties/v,10)' },
      alice,
    );
    await thing(
      'fleet:shared',
      { policyId: 'fleet:shared', attributes: { secret: 's3', open: 'o' } },
      bob,
    );
    await thing('fleet:private', { policyId: 'fleet:private' }, bob);
    for (const v of [5, 15, 7, 30]) {
      await write('fleet:private', v, bob);
      await write('fleet:shared', v, bob);
    }
    await r.until(() => valuesOf(r.received, 'fleet:shared').length === 4);
    await filtered.until(() => filtered.received.length === 2);
    expect(valuesOf(r.received, 'fleet:shared')).toEqual([5, 15, 7, 30]);
    expect(r.received.some((d) => d.thingId === 'fleet:private')).toBe(false);
    const created = r.received.find((d) => d.thingId === 'fleet:shared' && d.json.path === '/');
    expect(created?.json.value).toMatchObject({ attributes: { open: 'o' } });
    expect(JSON.stringify(r.received)).not.toContain('s3');
    expect(r.received[r.received.length - 1].json.extra).toEqual({ attributes: { open: 'o' } });
    expect(filtered.received.map((d) => [d.thingId, d.json.value])).toEqual([
      ['fleet:shared', 15],
      ['fleet:shared', 30],
    ]);
  });

  it('access: a scoped token stays in its namespaces, and nobody sees or changes another owner’s webhook', async () => {
    const r = await receiver();
    expectError(
      await fx.send('POST', '/api/2/webhooks', aliceFleet, { url: r.url, namespaces: ['other'] }),
      403,
      'webhooks:webhook.forbidden',
    );
    const id = await create({ url: r.url }, aliceFleet);
    expect((await fx.send('GET', `/api/2/webhooks/${id}`, aliceFleet)).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['GET', `/api/2/webhooks/${id}`, undefined],
      ['PUT', `/api/2/webhooks/${id}`, { url: r.url }],
      ['DELETE', `/api/2/webhooks/${id}`, undefined],
      ['POST', `/api/2/webhooks/${id}/pause`, undefined],
      ['GET', `/api/2/webhooks/${id}/deliveries`, undefined],
    ] as const)
      expectError(await fx.send(method, url, bob, body), 404, 'webhooks:webhook.notfound');
    const bobs = (await fx.send('GET', '/api/2/webhooks', bob)).json() as { id: string }[];
    expect(bobs.map((w) => w.id)).not.toContain(id);
    expect((await fx.request({ method: 'GET', url: '/api/2/webhooks' })).statusCode).toBe(401);
    expect((await fx.send('GET', `/api/2/webhooks/${id}`, fx.admin)).statusCode).toBe(200);
  });

  it('shows the backlog per webhook and counts deliveries on /metrics', async () => {
    const r = await receiver();
    const id = await create({ url: r.url, namespaces: ['metrics'] });
    await fx.send('POST', `/api/2/webhooks/${id}/pause`, fx.admin);
    await thing('metrics:t');
    await write('metrics:t', 1);
    let text = (await fx.request({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(`twinfold_webhook_backlog{webhook="${id}"} 2`);
    await fx.send('POST', `/api/2/webhooks/${id}/resume`, fx.admin);
    await r.until(() => r.received.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    text = (await fx.request({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(`twinfold_webhook_backlog{webhook="${id}"} 0`);
    expect(text).toContain(
      `twinfold_webhook_deliveries_total{webhook="${id}",outcome="delivered"} 2`,
    );
  });
});
