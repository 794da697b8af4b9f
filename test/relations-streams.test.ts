// Relation events streamed live: WebSocket subscribers get relationModified / relationDeleted at
// /relations/<name>/<target>; SSE (which streams thing JSON) leaves them out; neither shows
// `_relations` in a replaced thing's event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { SseClient } from './support/sse-client.js';
import { WsClient } from './support/ws-client.js';

let f: SecureFixture;
let http: string;

beforeAll(async () => {
  f = await createSecureFixture();
  http = await f.app.listen({ port: 0, host: '127.0.0.1' });
  for (const id of ['rs:rack', 'rs:hall'])
    expect(
      (await f.send('PUT', `/api/2/things/${id}`, f.admin, { attributes: { w: 1 } })).statusCode,
    ).toBe(201);
});

afterAll(async () => {
  await f.close();
});

describe('relations - live streams', () => {
  it('WebSocket gets relation events; SSE only the thing changes, never _relations', async () => {
    const ws = await WsClient.open(`${http.replace('http', 'ws')}/ws/2`, {
      authorization: f.admin,
    });
    expect((await ws.control('START-SEND-EVENTS')).text).toBe('START-SEND-EVENTS:ACK');
    const sse = await SseClient.open(`${http}/api/2/things?ids=rs:rack`, {
      authorization: f.admin,
    });
    expect(sse.response.status).toBe(200);
    const url = '/api/2/things/rs:rack/relations/partOf/rs:hall';
    expect((await f.send('PUT', url, f.admin, { slot: 1 })).statusCode).toBe(201);
    expect((await f.send('DELETE', url, f.admin)).statusCode).toBe(204);
    expect((await f.send('PUT', url, f.admin, { slot: 2 })).statusCode).toBe(201);
    expect(
      (await f.send('PUT', '/api/2/things/rs:rack', f.admin, { attributes: { w: 2 } })).statusCode,
    ).toBe(204);
    const events = [await ws.event(), await ws.event(), await ws.event(), await ws.event()];
    expect(events.map((e) => [(e.headers as Record<string, string>).type, e.path])).toEqual([
      ['things.events:relationModified', '/relations/partOf/rs:hall'],
      ['things.events:relationDeleted', '/relations/partOf/rs:hall'],
      ['things.events:relationModified', '/relations/partOf/rs:hall'],
      ['things.events:thingModified', '/'],
    ]);
    expect(events[0].value).toEqual({ slot: 1 });
    expect(events[3].value).toEqual({
      thingId: 'rs:rack',
      policyId: 'rs:rack',
      attributes: { w: 2 },
    });
    // SSE: only the thing's own change arrives, without the relations it kept.
    const [only] = await sse.waitFor(1);
    expect(JSON.parse(only.data)).toEqual({
      thingId: 'rs:rack',
      policyId: 'rs:rack',
      attributes: { w: 2 },
    });
    expect(sse.events.map((e) => e.data).join('\n')).not.toContain('relations');
    await sse.close();
    await ws.close();
  });
});
