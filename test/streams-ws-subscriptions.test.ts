// Ditto's reactive-streams protocols on the WebSocket /ws/2 with a real `ws` client: the search
// protocol (subscribe, request, cancel → created, next, complete, failed) and history streaming
// (subscribeForPersistedEvents), demand as backpressure, Ditto's errors, and READ rights.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OPEN_SUBSCRIPTIONS } from '../src/streams/reactive-subscriptions.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { WsClient, type Received } from './support/ws-client.js';
import { sendOk } from './support/fixture-requests.js';
import { ownerEntry } from './support/policy-entries.js';

let f: SecureFixture;
let base: string;
let alice: string;
let bob: string;
const open: WsClient[] = [];

async function connect(auth: string): Promise<WsClient> {
  const client = await WsClient.open(`${base}/ws/2`, { authorization: auth });
  open.push(client);
  return client;
}

const ok = (method: 'PUT' | 'PATCH' | 'DELETE', url: string, auth: string, body?: unknown) =>
  sendOk(f, method, url, auth, body);

type Json = Record<string, unknown>;
const valueOf = (m: Json) => m.value as Json;

/** The next message on a topic ending in `/<action>` (search or streaming). */
async function next(client: WsClient, action: string, timeoutMs = 5000): Promise<Json> {
  const message = await client.take(
    (m: Received) => m.json !== undefined && String(m.json.topic).endsWith(`/${action}`),
    timeoutMs,
  );
  return message.json as Json;
}

/** Nothing arrives within `ms` (no message left queued either). */
async function quiet(client: WsClient, ms = 300): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  expect(client.received.map((m) => m.text)).toEqual([]);
}

function subscribe(client: WsClient, value: Json, extra: Json = {}, correlationId = 's-1'): void {
  client.send({
    topic: '_/_/things/twin/search/subscribe',
    headers: { 'correlation-id': correlationId },
    path: '/',
    value,
    ...extra,
  });
}

function request(
  client: WsClient,
  subscriptionId: string,
  demand: unknown,
  topic = 'search',
): void {
  client.send({
    topic: topic === 'search' ? '_/_/things/twin/search/request' : `${topic}/request`,
    headers: { 'correlation-id': `r-${subscriptionId}` },
    path: '/',
    value: { subscriptionId, demand },
  });
}

beforeAll(async () => {
  f = await createSecureFixture();
  base = (await f.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
  alice = await f.addUser('alice');
  bob = await f.addUser('bob');
  // alice owns seven lamps; bob may read only lamp-3, and there nothing but attributes/room.
  await ok('PUT', '/api/2/policies/wss.ns:bob-reads', alice, {
    entries: {
      owner: ownerEntry('alice'),
      bob: {
        subjects: { 'user:bob': { type: 'user' } },
        resources: { 'thing:/attributes/room': { grant: ['READ'], revoke: [] } },
      },
    },
  });
  for (let i = 1; i <= 7; i++) {
    await ok('PUT', `/api/2/things/wss.ns:lamp-${i}`, alice, {
      ...(i === 3 ? { policyId: 'wss.ns:bob-reads' } : {}),
      attributes: { room: i % 2 === 0 ? 'kitchen' : 'hall', n: i, secret: `s${i}` },
    });
  }
});

afterAll(async () => {
  for (const client of open) await client.close();
  await f.close();
});

describe('websocket search protocol', () => {
  it('answers subscribe with created, sends one page per demand, then complete', async () => {
    const client = await connect(alice);
    subscribe(
      client,
      {
        filter: 'eq(attributes/room,"hall")',
        options: 'size(2),sort(-attributes/n)',
        namespaces: ['wss.ns'],
      },
      { fields: 'thingId,attributes/n' },
    );
    const created = await next(client, 'created');
    expect(created).toMatchObject({
      topic: '_/_/things/twin/search/created',
      path: '/',
      headers: { 'correlation-id': 's-1' },
    });
    const id = valueOf(created).subscriptionId as string;
    expect(typeof id).toBe('string');
    // No page before the first request (backpressure by demand).
    await quiet(client);
    request(client, id, 1);
    const first = await next(client, 'next');
    expect(first.topic).toBe('_/_/things/twin/search/next');
    expect(first.headers).toMatchObject({ 'correlation-id': `r-${id}` });
    expect(valueOf(first)).toEqual({
      subscriptionId: id,
      items: [
        { thingId: 'wss.ns:lamp-7', attributes: { n: 7 } },
        { thingId: 'wss.ns:lamp-5', attributes: { n: 5 } },
      ],
    });
    // The demand is used up: nothing more until the next request.
    await quiet(client);
    request(client, id, 5);
    const second = await next(client, 'next');
    expect(valueOf(second).items).toEqual([
      { thingId: 'wss.ns:lamp-3', attributes: { n: 3 } },
      { thingId: 'wss.ns:lamp-1', attributes: { n: 1 } },
    ]);
    const complete = await next(client, 'complete');
    expect(complete).toMatchObject({
      topic: '_/_/things/twin/search/complete',
      value: { subscriptionId: id },
    });
    await quiet(client);
  });

  it('completes at once when nothing matches, and uses Ditto defaults (25 a page, by thingId)', async () => {
    const client = await connect(alice);
    subscribe(client, { filter: 'eq(attributes/room,"nowhere")' });
    const id = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, id, 1);
    expect(valueOf(await next(client, 'complete'))).toEqual({ subscriptionId: id });
    subscribe(client, {});
    const all = valueOf(await next(client, 'created')).subscriptionId as string;
    expect(all).not.toBe(id);
    request(client, all, 1);
    const page = valueOf(await next(client, 'next')).items as Json[];
    expect(page.map((t) => t.thingId)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((i) => `wss.ns:lamp-${i}`),
    );
    await next(client, 'complete');
  });

  it('cancel stops a subscription: a later request fails as for a cancelled one', async () => {
    const client = await connect(alice);
    subscribe(client, { options: 'size(1)' });
    const id = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, id, 1);
    expect((valueOf(await next(client, 'next')).items as Json[]).length).toBe(1);
    client.send({
      topic: '_/_/things/twin/search/cancel',
      path: '/',
      value: { subscriptionId: id },
    });
    await quiet(client);
    request(client, id, 1);
    const failed = await next(client, 'failed');
    expect(valueOf(failed)).toMatchObject({
      subscriptionId: id,
      error: { status: 400, error: 'thing-search:subscription.protocol.error' },
    });
  });

  it('a subscriber sees only the things and the parts its identity may read', async () => {
    const client = await connect(bob);
    subscribe(client, {});
    const id = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, id, 10);
    const items = valueOf(await next(client, 'next')).items as Json[];
    // Only attributes/room of lamp-3 (not even its policyId), exactly what HTTP search answers bob.
    expect(items).toEqual([{ thingId: 'wss.ns:lamp-3', attributes: { room: 'hall' } }]);
    const http = await f.send('GET', '/api/2/search/things', bob);
    expect(http.json<{ items: Json[] }>().items).toEqual(items);
    await next(client, 'complete');
    // A filter on what bob may not read matches nothing (it does not leak by matching).
    subscribe(client, { filter: 'eq(attributes/secret,"s3")' });
    const hidden = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, hidden, 1);
    await next(client, 'complete');
  });

  it('an invalid filter or option: created, then failed with the Ditto error on the first request', async () => {
    const client = await connect(alice);
    for (const [value, code] of [
      [{ filter: 'eq(attributes/room' }, 'rql.expression.invalid'],
      [{ options: 'size(0)' }, 'thing-search:search.option.invalid'],
      [{ options: 'cursor(abc)' }, 'thing-search:search.option.invalid'],
      [{ options: 'limit(0,5)' }, 'thing-search:search.option.invalid'],
      [{ namespaces: ['not a namespace!'] }, 'parameter.invalid'],
    ] as const) {
      subscribe(client, value as Json);
      const id = valueOf(await next(client, 'created')).subscriptionId as string;
      // Ditto: no complete or failed before the first request.
      await quiet(client, 100);
      request(client, id, 1);
      const failed = await next(client, 'failed');
      expect(failed.topic).toBe('_/_/things/twin/search/failed');
      expect(valueOf(failed)).toMatchObject({
        subscriptionId: id,
        error: { status: 400, error: expect.any(String), message: expect.any(String) },
      });
      const error = valueOf(failed).error as Json;
      expect(error.error).toBe(code);
      expect(typeof error.description).toBe('string');
    }
  });

  it('demand ≤ 0 or not an integer fails the subscription (reactive streams rule 3.9)', async () => {
    const client = await connect(alice);
    for (const demand of [0, -1, 1.5]) {
      subscribe(client, {});
      const id = valueOf(await next(client, 'created')).subscriptionId as string;
      request(client, id, demand);
      const failed = await next(client, 'failed');
      expect(valueOf(failed)).toMatchObject({
        subscriptionId: id,
        error: {
          status: 400,
          error: 'thing-search:subscription.protocol.error',
          message: expect.stringContaining('rule 3.9'),
        },
      });
      // The subscription is over.
      request(client, id, 1);
      expect((valueOf(await next(client, 'failed')).error as Json).error).toBe(
        'thing-search:subscription.protocol.error',
      );
    }
  });

  it('an unknown subscription id fails with subscription.not.found', async () => {
    const client = await connect(alice);
    request(client, 'nope', 1);
    expect(valueOf(await next(client, 'failed'))).toMatchObject({
      subscriptionId: 'nope',
      error: { status: 404, error: 'thing-search:subscription.not.found' },
    });
    client.send({
      topic: '_/_/things/twin/search/cancel',
      path: '/',
      value: { subscriptionId: 'nope' },
    });
    expect((valueOf(await next(client, 'failed')).error as Json).status).toBe(404);
  });

  it('holds at most 256 open subscriptions a socket; the next fails on its first request', async () => {
    const client = await connect(alice);
    const ids: string[] = [];
    for (let i = 0; i <= MAX_OPEN_SUBSCRIPTIONS; i++) {
      subscribe(client, {});
      ids.push(valueOf(await next(client, 'created')).subscriptionId as string);
    }
    request(client, ids[MAX_OPEN_SUBSCRIPTIONS], 1);
    expect(valueOf(await next(client, 'failed')).error).toMatchObject({
      status: 400,
      error: 'thing-search:subscription.protocol.error',
      message: expect.stringContaining(`At most ${MAX_OPEN_SUBSCRIPTIONS}`),
    });
    // The earlier ones still work; cancelling one makes room for a new one.
    request(client, ids[0], 1);
    await next(client, 'next');
    client.send({
      topic: '_/_/things/twin/search/cancel',
      path: '/',
      value: { subscriptionId: ids[1] },
    });
    subscribe(client, { filter: 'eq(attributes/n,4)' });
    const fresh = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, fresh, 1);
    expect((valueOf(await next(client, 'next')).items as Json[]).map((t) => t.thingId)).toEqual([
      'wss.ns:lamp-4',
    ]);
  });

  it('malformed search messages and unknown topics get Ditto error envelopes', async () => {
    const client = await connect(alice);
    const cases: [Json, string][] = [
      [{ topic: '_/_/things/twin/search/explode', value: {} }, 'protocoladapter:unknown.topicpath'],
      [
        { topic: '_/_/things/live/search/subscribe', value: {} },
        'protocoladapter:unknown.topicpath',
      ],
      [
        { topic: '_/_/things/twin/search/subscribe', value: { filter: 42 } },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/subscribe', value: { nonsense: 1 } },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/subscribe', value: { namespaces: 'wss.ns' } },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/subscribe', value: [] },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/request', value: { subscriptionId: '0' } },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/request', value: { demand: 1 } },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/request', value: { subscriptionId: '0', demand: '1' } },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/cancel', value: { subscriptionId: '0', extra: true } },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/search/subscribe', path: '/attributes', value: {} },
        'protocoladapter:illegal.adaptable',
      ],
      [
        { topic: '_/_/things/twin/nonsense/subscribe', value: {} },
        'protocoladapter:unknown.topicpath',
      ],
    ];
    for (const [message, code] of cases) {
      const answer = await client.request(message);
      expect(answer.topic, JSON.stringify(message)).toBe('_/_/things/twin/errors');
      expect(answer.status).toBe(400);
      expect((answer.value as Json).error, JSON.stringify(message)).toBe(code);
    }
    await quiet(client);
  });
});

describe('websocket history streaming (subscribeForPersistedEvents) and historical retrieve', () => {
  const topic = 'wss.ns/history/things/twin/streaming';
  let created: number;

  beforeAll(async () => {
    const before = Date.now();
    await ok('PUT', '/api/2/things/wss.ns:history', alice, {
      policyId: 'wss.ns:bob-reads',
      attributes: { room: 'r1', secret: 'x' },
    });
    created = before;
    for (let i = 2; i <= 5; i++)
      await ok('PUT', '/api/2/things/wss.ns:history/attributes/room', alice, `r${i}`);
    await ok('PUT', '/api/2/things/wss.ns:history/attributes/secret', alice, 'y');
  });

  function streamSubscribe(client: WsClient, value: Json, thing = topic): void {
    client.send({
      topic: `${thing}/subscribeForPersistedEvents`,
      headers: { 'correlation-id': 'h-1' },
      path: '/',
      value,
    });
  }

  it('streams the persisted events of a revision range as Ditto Protocol events, by demand', async () => {
    const client = await connect(alice);
    streamSubscribe(client, { fromHistoricalRevision: 2, toHistoricalRevision: 4 });
    const createdMessage = await next(client, 'created');
    expect(createdMessage).toMatchObject({
      topic: `${topic}/created`,
      headers: { 'correlation-id': 'h-1' },
    });
    const id = valueOf(createdMessage).subscriptionId as string;
    await quiet(client);
    request(client, id, 2, topic);
    const items = [await next(client, 'next'), await next(client, 'next')];
    expect(items.map((m) => m.topic)).toEqual([`${topic}/next`, `${topic}/next`]);
    expect(items.map((m) => valueOf(m).item)).toMatchObject([
      {
        topic: 'wss.ns/history/things/twin/events/modified',
        path: '/attributes/room',
        value: 'r2',
        revision: 2,
      },
      {
        topic: 'wss.ns/history/things/twin/events/modified',
        path: '/attributes/room',
        value: 'r3',
        revision: 3,
      },
    ]);
    await quiet(client);
    request(client, id, 10, topic);
    expect(valueOf(await next(client, 'next')).item).toMatchObject({ value: 'r4', revision: 4 });
    expect(valueOf(await next(client, 'complete'))).toEqual({ subscriptionId: id });
  });

  it('takes relative revisions, timestamps and a filter', async () => {
    const client = await connect(alice);
    streamSubscribe(client, { fromHistoricalRevision: -2, toHistoricalRevision: 0 });
    let id = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, id, 10, topic);
    // Relative to the latest revision (6), as the SSE history stream counts.
    for (const revision of [4, 5, 6])
      expect(valueOf(await next(client, 'next')).item).toMatchObject({ revision });
    await next(client, 'complete');

    streamSubscribe(client, {
      fromHistoricalTimestamp: new Date(created - 1000).toISOString(),
      toHistoricalTimestamp: new Date(Date.now() + 1000).toISOString(),
      filter: 'eq(attributes/room,"r3")',
    });
    id = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, id, 10, topic);
    expect(valueOf(await next(client, 'next')).item).toMatchObject({ revision: 3, value: 'r3' });
    await next(client, 'complete');
  });

  it('a subscriber sees only what it may read of each revision', async () => {
    const client = await connect(bob);
    streamSubscribe(client, {});
    const id = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, id, 100, topic);
    const seen: Json[] = [];
    for (let i = 0; i < 5; i++) seen.push(valueOf(await next(client, 'next')).item as Json);
    // The creation without the secret, the four room changes; the change of the secret is withheld.
    expect(seen[0]).toMatchObject({ revision: 1, value: { attributes: { room: 'r1' } } });
    expect(JSON.stringify(seen[0])).not.toContain('secret');
    expect(seen.map((s) => s.revision)).toEqual([1, 2, 3, 4, 5]);
    await next(client, 'complete');
    // A thing bob may not read at all is not found.
    streamSubscribe(client, {}, 'wss.ns/lamp-1/things/twin/streaming');
    const hidden = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, hidden, 1, 'wss.ns/lamp-1/things/twin/streaming');
    expect(valueOf(await next(client, 'failed'))).toMatchObject({
      subscriptionId: hidden,
      error: { status: 404, error: 'things:thing.notfound' },
    });
  });

  it('streams a long history page by page, in order, complete right after the last event', async () => {
    await ok('PUT', '/api/2/things/wss.ns:long', alice, { attributes: { i: 0 } });
    for (let i = 1; i <= 600; i++)
      await ok('PUT', '/api/2/things/wss.ns:long/attributes/i', alice, i);
    const long = 'wss.ns/long/things/twin/streaming';
    const client = await connect(alice);
    streamSubscribe(client, { fromHistoricalRevision: 1 }, long);
    const id = valueOf(await next(client, 'created')).subscriptionId as string;
    // Exactly the number of events: the complete needs no further demand.
    request(client, id, 601, long);
    const revisions: number[] = [];
    for (let i = 0; i < 601; i++)
      revisions.push((valueOf(await next(client, 'next')).item as Json).revision as number);
    expect(revisions).toEqual(Array.from({ length: 601 }, (_, i) => i + 1));
    expect(valueOf(await next(client, 'complete'))).toEqual({ subscriptionId: id });
  });

  it('refuses bad input with Ditto errors', async () => {
    const client = await connect(alice);
    for (const value of [
      { fromHistoricalRevision: 'one' },
      { fromHistoricalTimestamp: 'yesterday' },
      { fromHistoricalRevision: 1, toHistoricalTimestamp: new Date().toISOString() },
      { since: 1 },
      { filter: 7 },
    ]) {
      const answer = await client.request({ topic: `${topic}/subscribeForPersistedEvents`, value });
      expect(answer, JSON.stringify(value)).toMatchObject({
        topic: 'wss.ns/history/things/twin/errors',
        status: 400,
        value: { error: 'protocoladapter:illegal.adaptable' },
      });
    }
    const unknown = await client.request({ topic: `${topic}/subscribeForEverything`, value: {} });
    expect((unknown.value as Json).error).toBe('protocoladapter:unknown.topicpath');
    // An invalid filter: created, then failed on the first request.
    streamSubscribe(client, { filter: 'eq(attributes/room' });
    const id = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, id, 1, topic);
    expect((valueOf(await next(client, 'failed')).error as Json).error).toBe(
      'rql.expression.invalid',
    );
    // Demand ≤ 0 and unknown ids.
    streamSubscribe(client, {});
    const other = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, other, 0, topic);
    expect(valueOf(await next(client, 'failed')).error).toMatchObject({
      status: 400,
      error: 'streaming.subscription.protocol.error',
    });
    request(client, 'missing', 1, topic);
    expect(valueOf(await next(client, 'failed')).error).toMatchObject({
      status: 404,
      error: 'streaming.subscription.not.found',
    });
    // A thing that never existed.
    streamSubscribe(client, {}, 'wss.ns/never/things/twin/streaming');
    const never = valueOf(await next(client, 'created')).subscriptionId as string;
    request(client, never, 1, 'wss.ns/never/things/twin/streaming');
    expect((valueOf(await next(client, 'failed')).error as Json).status).toBe(404);
  });

  it('retrieves a thing as it was with at-historical-revision and at-historical-timestamp', async () => {
    const client = await connect(alice);
    const byRevision = await client.request({
      topic: 'wss.ns/history/things/twin/commands/retrieve',
      path: '/attributes/room',
      headers: { 'at-historical-revision': '3' },
    });
    expect(byRevision).toMatchObject({ status: 200, value: 'r3' });
    const byTime = await client.request({
      topic: 'wss.ns/history/things/twin/commands/retrieve',
      path: '/attributes/room',
      headers: { 'at-historical-timestamp': new Date(Date.now() + 1000).toISOString() },
    });
    expect(byTime).toMatchObject({ status: 200, value: 'r5' });
  });
});

describe('websocket subscriptions - random input', () => {
  it('2,000 random search and streaming messages: no crash, no 5xx, the socket stays usable', async () => {
    const client = await connect(alice);
    const topic = fc.constantFrom(
      '_/_/things/twin/search/subscribe',
      '_/_/things/twin/search/request',
      '_/_/things/twin/search/cancel',
      '_/_/things/twin/search/next',
      'wss.ns/_/things/twin/search/subscribe',
      'wss.ns/history/things/twin/streaming/subscribeForPersistedEvents',
      'wss.ns/history/things/twin/streaming/request',
      'wss.ns/history/things/twin/streaming/cancel',
      'wss.ns/lamp-1/things/twin/streaming/subscribeForPersistedEvents',
      '_/_/things/twin/streaming/request',
    );
    const value = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          subscriptionId: fc.oneof(fc.constantFrom('0', '1', '2', '3', 'x'), fc.jsonValue()),
          demand: fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double(), fc.jsonValue()),
          filter: fc.oneof(
            fc.constantFrom('eq(attributes/n,1)', 'eq(', 'exists(attributes)'),
            fc.jsonValue(),
          ),
          options: fc.oneof(
            fc.constantFrom('size(1)', 'size(0)', 'sort(-thingId)', 'cursor(x)'),
            fc.jsonValue(),
          ),
          namespaces: fc.oneof(fc.constant(['wss.ns']), fc.jsonValue()),
          fromHistoricalRevision: fc.oneof(fc.integer({ min: -5, max: 10 }), fc.jsonValue()),
          toHistoricalTimestamp: fc.oneof(
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
            fc.jsonValue(),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    const message = fc.record(
      {
        topic,
        value,
        path: fc.oneof(fc.constant('/'), fc.jsonValue()),
        fields: fc.oneof(fc.string(), fc.integer()),
      },
      { requiredKeys: ['topic'] },
    );
    for (const m of fc.sample(message, { numRuns: 2000, seed: 20261202 })) client.send(m);
    // Let everything be answered (pages are small), then check the socket is still served.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(client.closed).toBeNull();
    const statuses = client.received.flatMap((m) => {
      const json = m.json as Json | undefined;
      const error = (json?.value as Json | undefined)?.error as Json | undefined;
      return [json?.status, error?.status].filter((s) => typeof s === 'number') as number[];
    });
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    client.received.splice(0);
    subscribe(client, { filter: 'eq(attributes/n,2)' }, {}, 'after-fuzz');
    const created = await client.take(
      (m) =>
        (m.json?.headers as Json | undefined)?.['correlation-id'] === 'after-fuzz' &&
        String(m.json?.topic).endsWith('/created'),
    );
    const id = valueOf(created.json as Json).subscriptionId as string;
    request(client, id, 1);
    const page = await client.take(
      (m) =>
        String(m.json?.topic).endsWith('/next') && (m.json?.value as Json).subscriptionId === id,
    );
    expect((valueOf(page.json as Json).items as Json[]).map((t) => t.thingId)).toEqual([
      'wss.ns:lamp-2',
    ]);
  }, 60_000);
});
