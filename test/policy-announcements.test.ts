// Ditto's policy announcements over the WebSocket: START-SEND-POLICY-ANNOUNCEMENTS, subjectDeletion
// before a subject expires (beforeExpiry) and when it is deleted (whenDeleted), only to sessions
// authenticated with that subject; announcement settings validated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { expectError } from './support/ditto-error.js';
import { WsClient } from './support/ws-client.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const T0 = Date.parse('2032-02-02T10:00:00Z');
const MINUTE = 60_000;

let clock = T0;
let fx: SecureFixture;
let wsUrl: string;
let alice: string;
let bob: string;
let carol: string;
const sockets: WsClient[] = [];

beforeAll(async () => {
  fx = await createSecureFixture({
    now: () => clock,
    subjectExpiryGranularity: 1000,
    expirySweepMs: 10,
  });
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
  carol = await fx.addUser('carol');
  wsUrl = (await fx.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws') + '/ws/2';
});

afterAll(async () => {
  for (const socket of sockets) socket.socket.close();
  await fx.close();
});

async function subscribed(
  auth: string,
  control = 'START-SEND-POLICY-ANNOUNCEMENTS',
): Promise<WsClient> {
  const socket = await WsClient.open(wsUrl, { authorization: auth });
  sockets.push(socket);
  socket.send(control);
  expect((await socket.take()).text).toBe('START-SEND-POLICY-ANNOUNCEMENTS:ACK');
  return socket;
}

const isAnnouncement = (m: { json?: Record<string, unknown> }) =>
  typeof m.json?.topic === 'string' &&
  m.json.topic.endsWith('/policies/announcements/subjectDeletion');

const owner = { subjects: { 'user:alice': { type: 'user' } }, resources: { 'policy:/': RW } };

describe('policy announcements', () => {
  it('beforeExpiry announces a subject ahead of its expiry, to its own sessions only', async () => {
    clock = T0;
    const bobs = await subscribed(bob);
    const carols = await subscribed(carol);
    const expiry = new Date(T0 + 10 * MINUTE).toISOString().replace('.000Z', 'Z');
    const put = await fx.send('PUT', '/api/2/policies/ann:before', alice, {
      entries: {
        owner,
        guests: {
          subjects: {
            'user:bob': { type: 'user', expiry, announcement: { beforeExpiry: '5m' } },
            'user:carol': { type: 'user' },
          },
          resources: { 'thing:/': RW },
        },
      },
    });
    expect(put.statusCode, put.body).toBe(201);
    // Not yet due: nothing for a while.
    clock = T0 + 4 * MINUTE;
    await expect(bobs.take(isAnnouncement, 150)).rejects.toThrow(/timed out/);
    clock = T0 + 5 * MINUTE;
    const announcement = (await bobs.take(isAnnouncement)).json as Record<string, unknown>;
    expect(announcement).toMatchObject({
      topic: 'ann/before/policies/announcements/subjectDeletion',
      path: '/',
      value: { deleteAt: expiry, subjectIds: ['user:bob'] },
      headers: { 'content-type': 'application/json' },
    });
    expect((announcement.headers as Record<string, string>)['correlation-id']).toMatch(/\w/);
    // Once only, and never to a session of another subject.
    await expect(bobs.take(isAnnouncement, 150)).rejects.toThrow(/timed out/);
    await expect(carols.take(isAnnouncement, 50)).rejects.toThrow(/timed out/);
  });

  it('whenDeleted announces a subject deleted by a write, and STOP ends the subscription', async () => {
    clock = T0;
    const bobs = await subscribed(bob);
    const url = '/api/2/policies/ann:deleted';
    const guest = { type: 'user', announcement: { whenDeleted: true } };
    expect(
      (
        await fx.send('PUT', url, alice, {
          entries: {
            owner,
            guests: { subjects: { 'user:bob': guest }, resources: { 'thing:/': RW } },
          },
        })
      ).statusCode,
    ).toBe(201);
    clock = T0 + MINUTE;
    expect(
      (await fx.send('DELETE', `${url}/entries/guests/subjects/user:bob`, alice)).statusCode,
    ).toBe(204);
    const announcement = (await bobs.take(isAnnouncement)).json;
    expect(announcement).toMatchObject({
      topic: 'ann/deleted/policies/announcements/subjectDeletion',
      value: {
        deleteAt: new Date(T0 + MINUTE).toISOString().replace('.000Z', 'Z'),
        subjectIds: ['user:bob'],
      },
    });
    // Without whenDeleted, a deletion is not announced; after STOP, nothing more arrives.
    expect(
      (await fx.send('PUT', `${url}/entries/guests/subjects/user:bob`, alice, { type: 'user' }))
        .statusCode,
    ).toBe(201);
    expect(
      (await fx.send('DELETE', `${url}/entries/guests/subjects/user:bob`, alice)).statusCode,
    ).toBe(204);
    await expect(bobs.take(isAnnouncement, 150)).rejects.toThrow(/timed out/);
    bobs.send('STOP-SEND-POLICY-ANNOUNCEMENTS');
    expect((await bobs.take()).text).toBe('STOP-SEND-POLICY-ANNOUNCEMENTS:ACK');
    expect(
      (await fx.send('PUT', `${url}/entries/guests/subjects/user:bob`, alice, guest)).statusCode,
    ).toBe(201);
    expect((await fx.send('DELETE', url, alice)).statusCode).toBe(204);
    await expect(bobs.take(isAnnouncement, 150)).rejects.toThrow(/timed out/);
  });

  it('whenDeleted announces a subject removed at its expiry; namespaces limit a subscription', async () => {
    clock = T0;
    const all = await subscribed(bob);
    const other = await subscribed(bob, 'START-SEND-POLICY-ANNOUNCEMENTS?namespaces=ann.other');
    const expiry = new Date(T0 + 2 * MINUTE).toISOString().replace('.000Z', 'Z');
    await fx.send('PUT', '/api/2/policies/ann:expired', alice, {
      entries: {
        owner,
        guests: {
          subjects: { 'user:bob': { type: 'user', expiry, announcement: { whenDeleted: true } } },
          resources: { 'thing:/': RW },
        },
      },
    });
    clock = T0 + 3 * MINUTE;
    const announcement = (await all.take(isAnnouncement)).json;
    expect(announcement).toMatchObject({ value: { deleteAt: expiry, subjectIds: ['user:bob'] } });
    await expect(other.take(isAnnouncement, 100)).rejects.toThrow(/timed out/);
  });

  it('bad announcement settings and subscription parameters are refused', async () => {
    const socket = await WsClient.open(wsUrl, { authorization: bob });
    sockets.push(socket);
    socket.send('START-SEND-POLICY-ANNOUNCEMENTS?filter=eq(a,1)');
    const refused = await socket.json();
    expect(refused).toMatchObject({ value: { error: 'gateway:streaming.parameter.invalid' } });
    for (const announcement of [
      { beforeExpiry: '5 minutes' },
      { whenDeleted: 'yes' },
      { requestedAcks: { labels: 'x' } },
      { shout: true },
    ]) {
      const response = await fx.send('PUT', '/api/2/policies/ann:bad', alice, {
        entries: {
          owner,
          g: {
            subjects: { 'user:bob': { type: 'user', announcement } },
            resources: { 'thing:/': RW },
          },
        },
      });
      expectError(response, 400, 'policies:entry.invalid');
    }
    expect((await fx.send('GET', '/api/2/policies/ann:bad', alice)).statusCode).toBe(404);
    // beforeExpiry rounds up to Ditto's announcement granularity (a minute), in its own unit.
    const rounded = await fx.send('PUT', '/api/2/policies/ann:bad', alice, {
      entries: {
        owner,
        g: {
          subjects: {
            'user:bob': { type: 'user', announcement: { beforeExpiry: '90s', whenDeleted: false } },
          },
          resources: { 'thing:/': RW },
        },
      },
    });
    expect(rounded.json().entries.g.subjects['user:bob'].announcement).toEqual({
      beforeExpiry: '120s',
      whenDeleted: false,
    });
  });
});
