// Server-sent events as in Ditto, read with a real HTTP client (fetch) on a real port: the changed
// part of each readable thing, per thing and per path, filters, history streams, `id: <seq>` with
// Last-Event-ID resume (no gap, no duplicate), 406 for what cannot stream, and slow readers closed.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { SseClient } from './support/sse-client.js';
import { WsClient } from './support/ws-client.js';
import { sendOk } from './support/fixture-requests.js';
import { RW, ownerEntry } from './support/policy-entries.js';

const MAX_BUFFERED = 64 * 1024;

let f: SecureFixture;
let base: string;
let alice: string;
let bob: string;
let mallory: string;
const open: SseClient[] = [];

async function stream(path: string, auth: string, headers: Record<string, string> = {}) {
  const client = await SseClient.open(`${base}${path}`, { authorization: auth, ...headers });
  open.push(client);
  expect(client.response.status).toBe(200);
  expect(client.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return client;
}

const ok = (method: 'PUT' | 'PATCH' | 'DELETE', url: string, auth: string, body?: unknown) =>
  sendOk(f, method, url, auth, body);

beforeAll(async () => {
  f = await createSecureFixture({ streams: { maxBufferedBytes: MAX_BUFFERED } });
  base = await f.app.listen({ port: 0, host: '127.0.0.1' });
  alice = await f.addUser('alice');
  bob = await f.addUser('bob');
  mallory = await f.addUser('mallory');
  await ok('PUT', '/api/2/policies/sse.ns:shared', alice, {
    entries: {
      owner: ownerEntry('alice'),
      bob: {
        subjects: { 'user:bob': { type: 'user' } },
        resources: {
          'thing:/': RW,
          'thing:/attributes/secret': { grant: [], revoke: ['READ', 'WRITE'] },
        },
      },
    },
  });
});

afterAll(async () => {
  for (const client of open) await client.close();
  await f.close();
});

describe('sse - change notifications at /api/2/things', () => {
  it('sends the changed part of the thing as Thing JSON, each event with id: <seq>', async () => {
    const client = await stream('/api/2/things', alice);
    await ok('PUT', '/api/2/things/sse.ns:lamp', alice, {
      policyId: 'sse.ns:shared',
      attributes: { room: 'hall' },
      features: { lamp: { properties: { on: false, color: 'blue' } } },
    });
    await ok('PUT', '/api/2/things/sse.ns:lamp/features/lamp/properties/on', alice, true);
    await ok('PATCH', '/api/2/things/sse.ns:lamp', alice, { attributes: { room: 'lab' } });
    const events = await client.waitFor(3);
    expect(client.json()).toEqual([
      {
        thingId: 'sse.ns:lamp',
        policyId: 'sse.ns:shared',
        attributes: { room: 'hall' },
        features: { lamp: { properties: { on: false, color: 'blue' } } },
      },
      { thingId: 'sse.ns:lamp', features: { lamp: { properties: { on: true } } } },
      { thingId: 'sse.ns:lamp', attributes: { room: 'lab' } },
    ]);
    const ids = events.map((e) => Number(e.id));
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
  });

  it('honours ids, fields (with _revision and _context), namespaces, filter and extraFields', async () => {
    const byIds = await stream(
      '/api/2/things?ids=sse.ns:b&fields=thingId,_revision,_context/topic',
      alice,
    );
    const byNs = await stream('/api/2/things?namespaces=sse.other', alice);
    const filtered = await stream(
      `/api/2/things?extraFields=attributes/room&filter=${encodeURIComponent('eq(attributes/room,"lab")')}`,
      alice,
    );
    await ok('PUT', '/api/2/things/sse.ns:a', alice, {
      policyId: 'sse.ns:shared',
      attributes: { room: 'lab' },
    });
    await ok('PUT', '/api/2/things/sse.ns:b', alice, {
      policyId: 'sse.ns:shared',
      attributes: { room: 'hall' },
    });
    await ok('PUT', '/api/2/things/sse.ns:a/attributes/n', alice, 1);
    await ok('PUT', '/api/2/things/sse.ns:b/attributes/n', alice, 1);
    await ok('PUT', '/api/2/things/sse.other:c', alice, {
      policyId: 'sse.ns:shared',
      attributes: { room: 'lab' },
    });
    await filtered.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(byIds.json()).toEqual([
      {
        thingId: 'sse.ns:b',
        _revision: 1,
        _context: { topic: 'sse.ns/b/things/twin/events/created' },
      },
      {
        thingId: 'sse.ns:b',
        _revision: 2,
        _context: { topic: 'sse.ns/b/things/twin/events/modified' },
      },
    ]);
    expect(byNs.json()).toEqual([
      { thingId: 'sse.other:c', policyId: 'sse.ns:shared', attributes: { room: 'lab' } },
    ]);
    // The change of attributes/n on sse.ns:a passes through its extra field room=lab, merged in.
    expect(Object.keys(filtered.json()[1] as object)[0]).toBe('thingId');
    expect(filtered.json()).toEqual([
      { thingId: 'sse.ns:a', policyId: 'sse.ns:shared', attributes: { room: 'lab' } },
      { thingId: 'sse.ns:a', attributes: { room: 'lab', n: 1 } },
      { thingId: 'sse.other:c', policyId: 'sse.ns:shared', attributes: { room: 'lab' } },
    ]);
  });

  it('streams one thing, or one part of it (the value at that path)', async () => {
    const thing = await stream('/api/2/things/sse.ns:part', alice);
    const attribute = await stream('/api/2/things/sse.ns:part/attributes/location', alice);
    const property = await stream('/api/2/things/sse.ns:part/features/f/properties/on', alice);
    await ok('PUT', '/api/2/things/sse.ns:other', alice, { policyId: 'sse.ns:shared' });
    await ok('PUT', '/api/2/things/sse.ns:part', alice, {
      policyId: 'sse.ns:shared',
      attributes: { location: { lat: 1, lon: 2 } },
      features: { f: { properties: { on: false } } },
    });
    await ok('PUT', '/api/2/things/sse.ns:part/attributes/location/lat', alice, 5);
    await ok('PUT', '/api/2/things/sse.ns:part/attributes/other', alice, 5);
    await ok('PUT', '/api/2/things/sse.ns:part/features/f/properties/on', alice, true);
    await thing.waitFor(4);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(thing.json().map((t) => Object.keys(t as object))).toEqual([
      ['thingId', 'policyId', 'attributes', 'features'],
      ['thingId', 'attributes'],
      ['thingId', 'attributes'],
      ['thingId', 'features'],
    ]);
    expect(attribute.json()).toEqual([{ lat: 1, lon: 2 }, { lat: 5 }]);
    expect(property.json()).toEqual([false, true]);
  });
});

describe('sse - only what the subscriber may read', () => {
  it('filters partly readable changes and withholds unreadable things', async () => {
    const bobs = await stream('/api/2/things?extraFields=attributes', bob);
    const mallorys = await stream('/api/2/things', mallory);
    const bobPath = await stream('/api/2/things/sse.ns:vault/attributes/secret', bob);
    await ok('PUT', '/api/2/things/sse.ns:vault', alice, {
      policyId: 'sse.ns:shared',
      attributes: { secret: 'S3CRET', open: 1 },
    });
    await ok('PUT', '/api/2/things/sse.ns:vault/attributes/secret', alice, 'S3CRET-2');
    await ok('PUT', '/api/2/things/sse.ns:vault/attributes/open', alice, 2);
    await bobs.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(JSON.stringify(bobs.events)).not.toContain('S3CRET');
    expect(bobs.json()).toEqual([
      { thingId: 'sse.ns:vault', policyId: 'sse.ns:shared', attributes: { open: 1 } },
      { thingId: 'sse.ns:vault', attributes: { open: 2 } },
    ]);
    expect(mallorys.events).toEqual([]);
    expect(bobPath.events).toEqual([]);
  });
});

describe('sse - resume with Last-Event-ID', () => {
  it('has no gap and no duplicate across a dropped connection, while 1,000 writes go on', async () => {
    const first = await stream('/api/2/things?namespaces=sse.resume', alice);
    const writes = (async () => {
      for (let i = 0; i < 1000; i += 20) {
        const batch = [];
        for (let j = i; j < i + 20; j++)
          batch.push(
            ok('PUT', `/api/2/things/sse.resume:t${j % 10}`, alice, { attributes: { j } }),
          );
        await Promise.all(batch);
      }
    })();
    await first.waitFor(300, 20_000);
    await first.close();
    const seen = first.events.map((e) => ({
      id: Number(e.id),
      j: (JSON.parse(e.data) as { attributes: { j: number } }).attributes.j,
    }));
    const last = seen[seen.length - 1].id;
    const second = await stream('/api/2/things?namespaces=sse.resume', alice, {
      'last-event-id': String(last),
    });
    await writes;
    await second.waitFor(1000 - seen.length, 20_000);
    const rest = second.events.map((e) => ({
      id: Number(e.id),
      j: (JSON.parse(e.data) as { attributes: { j: number } }).attributes.j,
    }));
    const all = [...seen, ...rest];
    expect(all.length).toBe(1000);
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).toBe(1000);
    // The stream only holds these writes: positions are consecutive from the first one.
    expect(ids).toEqual(ids.map((_, i) => ids[0] + i));
    expect(all.map((e) => e.j).sort((a, b) => a - b)).toEqual([...Array(1000).keys()]);
  }, 60_000);

  it('refuses a Last-Event-ID that is no position with 400', async () => {
    const response = await fetch(`${base}/api/2/things`, {
      headers: { accept: 'text/event-stream', authorization: alice, 'last-event-id': 'abc' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'header.invalid' });
  });
});

describe('sse - history streams', () => {
  it('replays a revision range, a relative one and a time range, then ends', async () => {
    const id = 'sse.ns:hist';
    await ok('PUT', `/api/2/things/${id}`, alice, {
      policyId: 'sse.ns:shared',
      attributes: { v: 1 },
    });
    await ok('PUT', `/api/2/things/${id}/attributes/v`, alice, 2);
    // The range is inclusive: `middle` must lie strictly after revision 2's millisecond.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ok('PUT', `/api/2/things/${id}/attributes/v`, alice, 3);
    await ok('PUT', `/api/2/things/${id}/attributes/v`, alice, 4);
    const fields = 'fields=thingId,attributes,_revision';
    const range = await stream(
      `/api/2/things/${id}?from-historical-revision=2&to-historical-revision=3&${fields}`,
      alice,
    );
    await range.untilEnd();
    expect(range.json()).toEqual([
      { thingId: id, attributes: { v: 2 }, _revision: 2 },
      { thingId: id, attributes: { v: 3 }, _revision: 3 },
    ]);
    expect(range.comments).toContain('the history stream is complete');
    const relative = await stream(
      `/api/2/things/${id}?from-historical-revision=-1&${fields}`,
      alice,
    );
    await relative.untilEnd();
    expect(relative.json()).toEqual([
      { thingId: id, attributes: { v: 3 }, _revision: 3 },
      { thingId: id, attributes: { v: 4 }, _revision: 4 },
    ]);
    const since = await stream(
      `/api/2/things/${id}?from-historical-timestamp=${encodeURIComponent(middle)}&${fields}`,
      alice,
    );
    await since.untilEnd();
    expect(since.json().map((e) => (e as { _revision: number })._revision)).toEqual([3, 4]);
    const strangers = await stream(`/api/2/things/${id}?from-historical-revision=1`, mallory);
    await strangers.untilEnd();
    expect(strangers.events).toEqual([]);
  });
});

describe('sse - requests that cannot be served', () => {
  it('answers 406, never JSON, where no stream exists', async () => {
    for (const path of [
      '/api/2/policies/sse.ns:shared',
      '/api/2/search/things',
      '/api/2/things/sse.ns:lamp/history',
    ]) {
      const response = await fetch(`${base}${path}`, {
        headers: { accept: 'text/event-stream', authorization: alice },
      });
      expect(response.status, path).toBe(406);
      expect(response.headers.get('content-type'), path).toMatch(/^text\/plain/);
      expect(await response.text()).toContain('gateway:sse.notacceptable');
    }
  });

  it('refuses unknown and malformed parameters with 400 and changes nothing', async () => {
    for (const query of [
      'option=size(2)',
      'filter=eq(',
      'extraFields=a(',
      'from-historical-revision=1',
      'ids=',
    ]) {
      const response = await fetch(`${base}/api/2/things?${query}`, {
        headers: { accept: 'text/event-stream', authorization: alice },
      });
      expect(response.status, query).toBe(400);
    }
    const response = await fetch(`${base}/api/2/things/sse.ns:lamp?from-historical-revision=x`, {
      headers: { accept: 'text/event-stream', authorization: alice },
    });
    expect(response.status).toBe(400);
  });

  it('needs credentials like every request (401)', async () => {
    const response = await fetch(`${base}/api/2/things`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(401);
  });
});

describe('sse - a slow reader', () => {
  it('is closed with a comment saying why, while writes go on', async () => {
    for (const client of open.splice(0)) await client.close();
    const fast = await stream('/api/2/things?namespaces=sse.slow&fields=_revision', alice);
    const url = new URL(`${base}/api/2/things?namespaces=sse.slow`);
    const chunks: Buffer[] = [];
    let ended = false;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        url,
        { headers: { accept: 'text/event-stream', authorization: alice } },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    response.pause();
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => (ended = true));
    const subscribers = f.runtime.events.subscriberCount;
    const big = 'x'.repeat(8 * 1024);
    let writes = 0;
    while (f.runtime.events.subscriberCount === subscribers && writes < 4000) {
      const batch = [];
      for (let i = 0; i < 50; i++, writes++)
        batch.push(
          ok('PUT', `/api/2/things/sse.slow:t${writes % 100}`, alice, { attributes: { big } }),
        );
      await Promise.all(batch);
    }
    expect(f.runtime.events.subscriberCount).toBe(subscribers - 1);
    // The reader that keeps up gets every event.
    expect((await fast.waitFor(writes, 20_000)).length).toBe(writes);
    response.resume();
    const deadline = Date.now() + 20_000;
    while (!ended && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const text = Buffer.concat(chunks).toString('utf8');
    expect(ended).toBe(true);
    expect(text).toMatch(/\n: closed: event buffer overflow[^\n]*\n\n$/);
  }, 120_000);
});

describe('sse - shutdown', () => {
  it('ends open event streams and sockets so that the server stops at once', async () => {
    const own = await createSecureFixture();
    const url = await own.app.listen({ port: 0, host: '127.0.0.1' });
    const sse = await SseClient.open(`${url}/api/2/things`, { authorization: own.admin });
    const ws = await WsClient.open(`${url.replace('http', 'ws')}/ws/2`, {
      authorization: own.admin,
    });
    expect((await ws.control('START-SEND-EVENTS')).text).toBe('START-SEND-EVENTS:ACK');
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(5000);
    await sse.untilEnd(2000);
    expect(sse.ended).toBe(true);
    expect(sse.comments.some((c) => c.startsWith('the server is shutting down'))).toBe(true);
    await expect(ws.take(() => false, 2000)).rejects.toThrow(/socket closed \(1001/);
  }, 30_000);
});
