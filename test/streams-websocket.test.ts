// The Ditto Protocol WebSocket /ws/2 with a real `ws` client on a real port: authentication,
// START-SEND-EVENTS with namespaces/filter/extraFields, READ rights (partial too), twin commands by
// correlation-id, JWT-TOKEN, malformed frames, and a slow consumer closed while writes go on.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERFLOW_CLOSE_CODE } from '../src/api/routes/websocket.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { WsClient } from './support/ws-client.js';
import { sendOk } from './support/fixture-requests.js';
import { RW } from './support/policy-entries.js';

const owner = (subject: string) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': RW },
});
/** bob reads and writes everything of the thing but `attributes/secret`. */
const bobPartial = {
  subjects: { 'user:bob': { type: 'user' } },
  resources: {
    'thing:/': RW,
    'thing:/attributes/secret': { grant: [], revoke: ['READ', 'WRITE'] },
  },
};

const MAX_BUFFERED = 64 * 1024;
let f: SecureFixture;
let base: string;
let alice: string;
let bob: string;
let mallory: string;
const open: WsClient[] = [];

async function connect(headers: Record<string, string> = {}, query = ''): Promise<WsClient> {
  const client = await WsClient.open(`${base}/ws/2${query}`, headers);
  open.push(client);
  return client;
}

const ok = (method: 'PUT' | 'PATCH' | 'DELETE', url: string, auth: string, body?: unknown) =>
  sendOk(f, method, url, auth, body);

async function subscribe(client: WsClient, query = ''): Promise<void> {
  const answer = await client.control(`START-SEND-EVENTS${query}`);
  expect(answer.text).toBe('START-SEND-EVENTS:ACK');
}

beforeAll(async () => {
  f = await createSecureFixture({ streams: { maxBufferedBytes: MAX_BUFFERED } });
  const url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  base = url.replace('http', 'ws');
  alice = await f.addUser('alice');
  bob = await f.addUser('bob');
  mallory = await f.addUser('mallory');
  await ok('PUT', '/api/2/policies/ws.ns:shared', alice, {
    entries: { owner: owner('user:alice'), bob: bobPartial },
  });
});

afterAll(async () => {
  for (const client of open) await client.close();
  await f.close();
});

describe('websocket - authentication as Ditto clients do it', () => {
  it('refuses a handshake without credentials or with wrong ones (401), before any upgrade', async () => {
    await expect(WsClient.open(`${base}/ws/2`)).rejects.toMatchObject({ status: 401 });
    await expect(
      WsClient.open(`${base}/ws/2`, { authorization: f.basic('alice', 'wrong') }),
    ).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.open(`${base}/ws/2?access_token=tft_nope`)).rejects.toMatchObject({
      status: 401,
    });
  });

  it('accepts Basic, a Bearer header and the access_token query parameter', async () => {
    const login = await f.send('POST', '/api/2/auth/login', undefined, {
      username: 'alice',
      password: 'alice-password',
    });
    const jwt = login.json<{ access_token: string }>().access_token;
    for (const client of [
      await connect({ authorization: alice }),
      await connect({ authorization: `Bearer ${jwt}` }),
      await connect({}, `?access_token=${encodeURIComponent(jwt)}`),
    ]) {
      const answer = await client.request({
        topic: '_/_/things/twin/commands/retrieve',
        path: '/',
      });
      // The identity is known: the command is answered (here: refused for its placeholder topic).
      expect(answer.status).toBe(400);
    }
  });
});

describe('websocket - change notifications', () => {
  it('delivers the Ditto Protocol event of an HTTP write after START-SEND-EVENTS:ACK', async () => {
    const client = await connect({ authorization: alice });
    await subscribe(client);
    await ok('PUT', '/api/2/things/ws.ns:lamp', alice, {
      policyId: 'ws.ns:shared',
      attributes: { room: 'hall' },
    });
    await ok('PUT', '/api/2/things/ws.ns:lamp/attributes/room', alice, 'kitchen');
    const created = await client.event();
    expect(created).toMatchObject({
      topic: 'ws.ns/lamp/things/twin/events/created',
      path: '/',
      value: { thingId: 'ws.ns:lamp', policyId: 'ws.ns:shared', attributes: { room: 'hall' } },
      revision: 1,
    });
    expect(typeof created.timestamp).toBe('string');
    expect((created.headers as Record<string, string>)['ditto-originator']).toBe('user:alice');
    const modified = await client.event();
    expect(modified).toMatchObject({
      topic: 'ws.ns/lamp/things/twin/events/modified',
      path: '/attributes/room',
      value: 'kitchen',
      revision: 2,
    });
  });

  it('filters by namespaces and by RQL over the changed data, extraFields and placeholders', async () => {
    const byNamespace = await connect({ authorization: alice });
    await subscribe(byNamespace, '?namespaces=ws.other');
    const byValue = await connect({ authorization: alice });
    await subscribe(byValue, `?filter=${encodeURIComponent('gt(attributes/counter,42)')}`);
    const withExtra = await connect({ authorization: alice });
    await subscribe(
      withExtra,
      `?extraFields=attributes/room&filter=${encodeURIComponent('eq(attributes/room,"lab")')}`,
    );
    const lifecycle = await connect({ authorization: alice });
    await subscribe(
      lifecycle,
      `?filter=${encodeURIComponent("and(in(topic:action,'created','deleted'),eq(resource:path,'/'))")}`,
    );

    const id = 'ws.ns:counter';
    await ok('PUT', `/api/2/things/${id}`, alice, {
      policyId: 'ws.ns:shared',
      attributes: { room: 'lab', counter: 1 },
    });
    await ok('PUT', `/api/2/things/${id}/attributes/counter`, alice, 43);
    await ok('PUT', `/api/2/things/${id}/attributes/counter`, alice, 7);
    await ok('PUT', '/api/2/things/ws.other:x', alice, { policyId: 'ws.ns:shared' });
    await ok('DELETE', `/api/2/things/${id}`, alice);
    // A marker every subscriber that saw everything else has seen by now.
    await ok('PUT', '/api/2/things/ws.other:marker', alice, {
      policyId: 'ws.ns:shared',
      attributes: { room: 'lab', counter: 100 },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const topics = (events: Record<string, unknown>[]) =>
      events.map((e) => `${String(e.topic)} ${String(e.path)}`);
    expect(topics(await byNamespace.events())).toEqual([
      'ws.other/x/things/twin/events/created /',
      'ws.other/marker/things/twin/events/created /',
    ]);
    // The counter change to 43 passes; the creation with counter 1 and the change to 7 do not.
    expect(topics(await byValue.events())).toEqual([
      'ws.ns/counter/things/twin/events/modified /attributes/counter',
      'ws.other/marker/things/twin/events/created /',
    ]);
    // The filter sees attributes/room through extraFields even when only the counter changed.
    const extra = await withExtra.events();
    expect(topics(extra)).toEqual([
      'ws.ns/counter/things/twin/events/created /',
      'ws.ns/counter/things/twin/events/modified /attributes/counter',
      'ws.ns/counter/things/twin/events/modified /attributes/counter',
      'ws.other/marker/things/twin/events/created /',
    ]);
    expect(extra[1].extra).toEqual({ attributes: { room: 'lab' } });
    expect(topics(await lifecycle.events())).toEqual([
      'ws.ns/counter/things/twin/events/created /',
      'ws.other/x/things/twin/events/created /',
      'ws.ns/counter/things/twin/events/deleted /',
      'ws.other/marker/things/twin/events/created /',
    ]);
  });

  it('STOP-SEND-EVENTS ends the events, with an ACK', async () => {
    const client = await connect({ authorization: alice });
    await subscribe(client);
    expect((await client.control('STOP-SEND-EVENTS')).text).toBe('STOP-SEND-EVENTS:ACK');
    await ok('PUT', '/api/2/things/ws.ns:stopped', alice, { policyId: 'ws.ns:shared' });
    expect(await client.events(200)).toEqual([]);
  });

  it('refuses bad subscription parameters with an error envelope and no ACK', async () => {
    const client = await connect({ authorization: alice });
    for (const query of ['?filter=eq(', '?extraFields=a(', '?namespaces=', '?unknown=1']) {
      const answer = await client.control(`START-SEND-EVENTS${query}`);
      expect(answer.json, query).toMatchObject({
        topic: '_/_/things/twin/errors',
        status: 400,
        value: { status: 400, error: 'gateway:streaming.parameter.invalid' },
      });
    }
  });

  it('acknowledges the live subscriptions and refuses parameters they do not take', async () => {
    // Their deliveries are tested in test/live-channel.test.ts.
    const client = await connect({ authorization: alice });
    for (const what of ['MESSAGES', 'LIVE-COMMANDS', 'LIVE-EVENTS']) {
      const answer = await client.control(`START-SEND-${what}?namespaces=ws.ns`);
      expect(answer.text, what).toBe(`START-SEND-${what}:ACK`);
      const refused = await client.control(`START-SEND-${what}?extraFields=attributes`);
      expect(refused.json, what).toMatchObject({
        status: 400,
        value: { error: 'gateway:streaming.parameter.invalid' },
      });
    }
  });
});

describe('websocket - a subscriber receives only what it may read', () => {
  it('withholds events of unreadable things and filters a partly readable change', async () => {
    const bobs = await connect({ authorization: bob });
    await subscribe(bobs, '?extraFields=attributes');
    const mallorys = await connect({ authorization: mallory });
    await subscribe(mallorys);
    const id = 'ws.ns:vault';
    await ok('PUT', `/api/2/things/${id}`, alice, {
      policyId: 'ws.ns:shared',
      attributes: { secret: 'S3CRET', public: 1 },
    });
    await ok('PUT', `/api/2/things/${id}/attributes/secret`, alice, 'S3CRET-2');
    await ok('PATCH', `/api/2/things/${id}/attributes`, alice, { secret: 'S3CRET-3', public: 2 });
    await ok('PUT', `/api/2/things/${id}/attributes/public`, alice, 3);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const events = await bobs.events();
    const text = JSON.stringify(events);
    expect(text).not.toContain('S3CRET');
    expect(events.map((e) => e.path)).toEqual(['/', '/attributes', '/attributes/public']);
    expect(events[0].value).toEqual({
      thingId: id,
      policyId: 'ws.ns:shared',
      attributes: { public: 1 },
    });
    expect(events[1].value).toEqual({ public: 2 });
    expect(events[2].extra).toEqual({ attributes: { public: 3 } });
    expect(await mallorys.events()).toEqual([]);
  });

  it('a filter cannot probe a hidden value', async () => {
    const probe = await connect({ authorization: bob });
    await subscribe(
      probe,
      `?extraFields=attributes/secret&filter=${encodeURIComponent('eq(attributes/secret,"S3CRET-3")')}`,
    );
    await ok('PUT', '/api/2/things/ws.ns:vault/attributes/public', alice, 4);
    expect(await probe.events(200)).toEqual([]);
  });
});

describe('websocket - twin commands answered by correlation-id', () => {
  it('creates, retrieves, modifies, merges and deletes a thing and its parts', async () => {
    const client = await connect({ authorization: alice });
    const topic = (action: string) => `ws.ns/cmd/things/twin/commands/${action}`;
    const created = await client.request({
      topic: topic('create'),
      path: '/',
      value: { policyId: 'ws.ns:shared', attributes: { a: 1 } },
    });
    expect(created).toMatchObject({
      topic: topic('create'),
      path: '/',
      status: 201,
      value: { thingId: 'ws.ns:cmd', attributes: { a: 1 } },
    });
    expect((created.headers as Record<string, string>).etag).toBe('"rev:1"');
    const again = await client.request({ topic: topic('create'), path: '/', value: {} });
    expect(again).toMatchObject({
      topic: 'ws.ns/cmd/things/twin/errors',
      status: 409,
      value: { status: 409, error: 'things:thing.conflict' },
    });
    expect(
      await client.request({ topic: topic('modify'), path: '/attributes/b', value: { c: 2 } }),
    ).toMatchObject({ status: 201, path: '/attributes/b', value: { c: 2 } });
    expect(
      await client.request({ topic: topic('modify'), path: '/attributes/a', value: 5 }),
    ).toMatchObject({ status: 204, path: '/attributes/a' });
    expect(
      await client.request({
        topic: topic('merge'),
        path: '/features',
        value: { lamp: { properties: { on: true } } },
      }),
    ).toMatchObject({ status: 204 });
    expect(
      await client.request({ topic: topic('retrieve'), path: '/', fields: 'attributes' }),
    ).toMatchObject({ status: 200, value: { attributes: { a: 5, b: { c: 2 } } } });
    expect(
      await client.request({ topic: topic('retrieve'), path: '/features/lamp/properties/on' }),
    ).toMatchObject({ status: 200, value: true });
    expect(
      await client.request({
        topic: topic('modify'),
        path: '/attributes/a',
        value: 6,
        headers: { 'if-match': '"rev:1"' },
      }),
    ).toMatchObject({ status: 412, value: { error: 'things:precondition.failed' } });
    expect(await client.request({ topic: topic('delete'), path: '/attributes/b' })).toMatchObject({
      status: 204,
    });
    expect(await client.request({ topic: topic('delete'), path: '/' })).toMatchObject({
      status: 204,
    });
    expect(await client.request({ topic: topic('retrieve'), path: '/' })).toMatchObject({
      topic: 'ws.ns/cmd/things/twin/errors',
      status: 404,
      value: { error: 'things:thing.notfound' },
    });
    expect(f.runtime.getThing('ws.ns:cmd')).toBeNull();
  });

  it('applies the socket identity: partial rights, strangers, read-only', async () => {
    await ok('PUT', '/api/2/things/ws.ns:guarded', alice, {
      policyId: 'ws.ns:shared',
      attributes: { secret: 'x', open: 1 },
    });
    const bobs = await connect({ authorization: bob });
    const topic = 'ws.ns/guarded/things/twin/commands';
    expect(await bobs.request({ topic: `${topic}/retrieve`, path: '/attributes' })).toMatchObject({
      status: 200,
      value: { open: 1 },
    });
    expect(
      await bobs.request({ topic: `${topic}/modify`, path: '/attributes/secret', value: 'y' }),
    ).toMatchObject({ status: 403 });
    const mallorys = await connect({ authorization: mallory });
    expect(await mallorys.request({ topic: `${topic}/retrieve`, path: '/' })).toMatchObject({
      status: 404,
      value: { error: 'things:thing.notfound' },
    });
    expect(f.runtime.getThing('ws.ns:guarded')?.thing).toMatchObject({
      attributes: { secret: 'x' },
    });
  });
});

describe('websocket - malformed frames get a Ditto error envelope and the socket stays open', () => {
  it('answers each malformed message and then a valid command', async () => {
    const client = await connect({ authorization: alice });
    const cases: [string | Buffer, number, string][] = [
      ['not json', 400, 'json.invalid'],
      ['[1,2]', 400, 'protocoladapter:illegal.adaptable'],
      ['{"path":"/"}', 400, 'protocoladapter:illegal.adaptable'],
      ['{"topic":"a/b/c","path":"/"}', 400, 'protocoladapter:unknown.topicpath'],
      [
        '{"topic":"ws.ns/x/things/twin/commands/explode","path":"/"}',
        400,
        'protocoladapter:unknown.topicpath',
      ],
      [
        '{"topic":"ws.ns/x/things/twin/commands/retrieve","path":"/nope"}',
        400,
        'protocoladapter:unknown.path',
      ],
      [
        '{"topic":"ws.ns/x/things/twin/commands/modify","path":"/attributes/a"}',
        400,
        'protocoladapter:illegal.adaptable',
      ],
      [
        '{"topic":"ws.ns/x/things/twin/commands/retrieve","path":"/","headers":{"a":{}}}',
        400,
        'protocoladapter:illegal.adaptable',
      ],
      [
        // A live command for a thing that does not exist (for the sender) goes nowhere.
        '{"topic":"ws.ns/x/things/live/commands/retrieve","path":"/"}',
        404,
        'things:thing.notfound',
      ],
      [
        '{"topic":"ws.ns/x/things/twin/commands/modify","path":"/attributes/a//b","value":1}',
        400,
        'protocoladapter:unknown.path',
      ],
      [
        '{"topic":"ws.ns/x/things/twin/commands/create","path":"/attributes","value":{}}',
        400,
        'protocoladapter:illegal.adaptable',
      ],
      ['START-SEND-NOTHING', 400, 'protocoladapter:illegal.adaptable'],
      ['JWT-TOKEN', 401, 'gateway:jwt.invalid'],
      [Buffer.from([0xff, 0x00]), 400, 'protocoladapter:illegal.adaptable'],
      [
        '{"topic":"ws.ns/x/things/twin/commands/retrieve","path":"/","headers":{"a b":"1"}}',
        400,
        'protocoladapter:illegal.adaptable',
      ],
      [
        '{"topic":"ws.ns/x/things/twin/commands/retrieve","path":"/","headers":{"a":"x\\ny"}}',
        400,
        'protocoladapter:illegal.adaptable',
      ],
      [
        '{"topic":"ws.ns/x/things/twin/commands/modify","path":"/attributes/a/..","value":1}',
        400,
        'protocoladapter:unknown.path',
      ],
    ];
    for (const [frame, status, error] of cases) {
      if (typeof frame === 'string') client.send(frame);
      else client.socket.send(frame, { binary: true });
      const answer = await client.json();
      expect(answer, String(frame)).toMatchObject({ status, value: { status, error } });
      expect(String(answer.topic)).toMatch(/\/things\/twin\/errors$/);
    }
    const answer = await client.request({
      topic: 'ws.ns/nothing/things/twin/commands/retrieve',
      path: '/',
    });
    expect(answer).toMatchObject({ status: 404, topic: 'ws.ns/nothing/things/twin/errors' });
    expect(client.closed).toBeNull();
  });

  it('closes a socket that sends a message larger than the limit with 1009', async () => {
    const client = await connect({ authorization: alice });
    client.send('x'.repeat(f.platform.config.maxThingBytes * 2 + 10));
    await expect(client.take()).rejects.toThrow(/1009/);
  });
});

describe('websocket - JWT-TOKEN refresh', () => {
  it('takes a new token of the same subject and refuses others', async () => {
    const jwtOf = async (username: string) =>
      (
        await f.send('POST', '/api/2/auth/login', undefined, {
          username,
          password: `${username}-password`,
        })
      ).json<{ access_token: string }>().access_token;
    const client = await connect({ authorization: `Bearer ${await jwtOf('alice')}` });
    client.send(`JWT-TOKEN?jwtToken=${await jwtOf('alice')}`);
    client.send(`JWT-TOKEN?jwtToken=${await jwtOf('bob')}`);
    expect(await client.json()).toMatchObject({
      status: 401,
      value: { error: 'gateway:jwt.invalid' },
    });
    client.send('JWT-TOKEN?jwtToken=eyJhbGciOiJIUzI1NiJ9.e30.bad');
    expect(await client.json()).toMatchObject({ status: 401 });
    const answer = await client.request({
      topic: 'ws.ns/vault/things/twin/commands/retrieve',
      path: '/attributes/public',
    });
    expect(answer).toMatchObject({ status: 200 });
  });
});

describe('websocket - a slow consumer', () => {
  it('is closed with 1013 and a reason while writes and other subscribers go on', async () => {
    const slow = await connect({ authorization: alice });
    await subscribe(slow);
    const fast = await connect({ authorization: alice });
    await subscribe(fast, '?namespaces=ws.slow');
    // The slow client stops reading: the kernel buffers fill, then the server's.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(8 * 1024);
    const subscribers = f.runtime.events.subscriberCount;
    let writes = 0;
    const started = Date.now();
    while (f.runtime.events.subscriberCount === subscribers && writes < 4000) {
      const batch = [];
      for (let i = 0; i < 50; i++, writes++)
        batch.push(
          ok('PUT', `/api/2/things/ws.slow:t${writes % 100}`, alice, { attributes: { big } }),
        );
      await Promise.all(batch);
    }
    expect(f.runtime.events.subscriberCount).toBe(subscribers - 1);
    // A few more writes after the close, all answered.
    for (let i = 0; i < 50; i++, writes++)
      await ok('PUT', `/api/2/things/ws.slow:t${i}`, alice, { attributes: { big, i } });
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(60);
    // The fast subscriber got every event, in order.
    const received: number[] = [];
    while (received.length < writes) {
      const event = await fast.event(10_000);
      received.push(event.revision as number);
    }
    expect(received.length).toBe(writes);
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await expect(slow.take(() => false, 40_000)).rejects.toThrow(
      new RegExp(`${OVERFLOW_CLOSE_CODE} event buffer overflow`),
    );
  }, 120_000);
});

describe('websocket - not an HTTP resource', () => {
  it('answers a plain GET /ws/2 (no upgrade) with 404 once authenticated, 401 without', async () => {
    const response = await f.request({ method: 'GET', url: '/ws/2' });
    expect(response.statusCode).toBe(401);
    const authed = await f.request({
      method: 'GET',
      url: '/ws/2',
      headers: { authorization: alice },
    });
    expect(authed.statusCode).toBe(404);
  });
});

describe('websocket - credential expiry', () => {
  it('closes the socket with 1008 when its JWT expires', async () => {
    const short = await createSecureFixture({ accessTtlSeconds: 1 });
    try {
      const url = (await short.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
      await short.addUser('carol');
      const login = await short.send('POST', '/api/2/auth/login', undefined, {
        username: 'carol',
        password: 'carol-password',
      });
      const jwt = login.json<{ access_token: string }>().access_token;
      const client = await WsClient.open(`${url}/ws/2`, { authorization: `Bearer ${jwt}` });
      await expect(client.take(() => false, 10_000)).rejects.toThrow(/1008 the credential expired/);
    } finally {
      await short.close();
    }
  }, 20_000);
});

describe('websocket - random and malformed frames', () => {
  it('answers each of 3,000 random frames exactly once and never closes the socket', async () => {
    const client = await connect({ authorization: f.admin });
    const piece = fc.constantFrom(
      'fz.ns',
      'lamp',
      '_',
      '',
      'things',
      'twin',
      'live',
      'commands',
      'events',
      'retrieve',
      'modify',
      'merge',
      'delete',
      'create',
      'search',
      'x:y',
      '..',
    );
    const topic = fc.array(piece, { minLength: 0, maxLength: 7 }).map((parts) => parts.join('/'));
    const path = fc
      .array(
        fc.constantFrom(
          'attributes',
          'features',
          'f',
          'properties',
          'definition',
          'policyId',
          'a',
          '',
          '.',
          '..',
          '~1',
          'desiredProperties',
        ),
        { maxLength: 5 },
      )
      .map((p) => '/' + p.join('/'));
    const header = fc.dictionary(
      fc.constantFrom(
        'if-match',
        'if-none-match',
        'condition',
        'x-any',
        'Content-Type',
        'a b',
        'timeout',
      ),
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    );
    const message = fc.record(
      {
        topic: fc.oneof(topic, fc.jsonValue()),
        path: fc.oneof(path, fc.jsonValue()),
        value: fc.jsonValue(),
        headers: fc.oneof(header, fc.jsonValue()),
        fields: fc.oneof(fc.string(), fc.integer()),
      },
      { requiredKeys: [] },
    );
    const frame = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      message.map((m) => JSON.stringify(m)),
      fc.constantFrom(
        'START-SEND-EVENTS?filter=',
        'STOP-SEND-EVENTS',
        'JWT-TOKEN?jwtToken=x',
        'START-SEND-LIVE-EVENTS',
        'START-SEND-EVENTS?namespaces=fz.none',
      ),
    );
    const frames = fc.sample(frame, { numRuns: 3000, seed: 20261201 });
    const answers = () =>
      client.received.filter((m) => !String(m.json?.topic).includes('/things/twin/events/')).length;
    for (const text of frames) client.send(text === '' ? ' ' : text);
    const deadline = Date.now() + 60_000;
    while (answers() < frames.length && Date.now() < deadline && !client.closed)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.closed).toBeNull();
    expect(answers()).toBe(frames.length);
    const statuses = client.received.map((m) => m.json?.status).filter((s) => s !== undefined);
    expect(statuses.filter((s) => (s as number) >= 500 && s !== 501)).toEqual([]);
    const answer = await client.request({
      topic: 'fz.ns/none/things/twin/commands/retrieve',
      path: '/',
    });
    expect(answer).toMatchObject({ status: 404 });
  }, 120_000);
});
