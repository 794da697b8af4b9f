// Eclipse Ditto's JavaScript client, unchanged, over Twinfold's WebSocket /ws/2: twin commands
// answered by correlation-id, change notifications after requestEvents (START-SEND-EVENTS), and the
// search protocol carried by the client's own request handler.
import {
  DittoNodeClient,
  NodeWebSocket,
  NodeWebSocketBasicAuth,
  Thing,
  type DittoWebSocketTwinClient,
  type ProtocolResponseValue,
} from '@eclipse-ditto/ditto-javascript-client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

let f: SecureFixture;
let host: string;
let alice: string;
const clients: DittoWebSocketTwinClient[] = [];

function client(username: string): DittoWebSocketTwinClient {
  const built = DittoNodeClient.newWebSocketClient()
    .withoutTls()
    .withDomain(host)
    .withAuthProvider(NodeWebSocketBasicAuth.newInstance(username, `${username}-password`))
    .withBuffer(100)
    .twinChannel()
    .build() as DittoWebSocketTwinClient;
  clients.push(built);
  return built;
}

beforeAll(async () => {
  f = await createSecureFixture();
  host = new URL(await f.app.listen({ port: 0, host: '127.0.0.1' })).host;
  alice = await f.addUser('alice');
  await f.addUser('bob');
});

afterAll(async () => {
  // The client answers its own close by "reconnecting" with a promise it rejects and never
  // handles ('Reconnect disabled'); at teardown, reconnecting simply never completes.
  (NodeWebSocket.prototype as unknown as { reconnect(): Promise<unknown> }).reconnect = () =>
    new Promise(() => {});
  for (const c of clients) (c as unknown as { close(): void }).close();
  await f.close();
});

describe('Eclipse Ditto JavaScript client over the WebSocket', () => {
  it('creates, changes, reads and deletes a thing with twin commands', async () => {
    const things = client('alice').getThingsHandle();
    const created = await things.createThing(
      Thing.fromObject({ thingId: 'dws.ns:lamp', attributes: { room: 'hall' } }),
    );
    expect(created.status).toBe(201);
    await things.putAttribute('dws.ns:lamp', 'room', 'kitchen');
    const thing = await things.getThing('dws.ns:lamp');
    expect(thing.thingId).toBe('dws.ns:lamp');
    expect(thing.attributes).toEqual({ room: 'kitchen' });
    expect(await things.getAttribute('dws.ns:lamp', 'room')).toBe('kitchen');
    await expect(things.getThing('dws.ns:missing')).rejects.toMatchObject({ status: 404 });
    await things.deleteThing('dws.ns:lamp');
    await expect(things.getThing('dws.ns:lamp')).rejects.toMatchObject({ status: 404 });
  });

  it('receives change notifications of HTTP writes it may read, and none of others', async () => {
    const aliceClient = client('alice');
    const bobClient = client('bob');
    const received: ProtocolResponseValue[] = [];
    const bobs: ProtocolResponseValue[] = [];
    const events = aliceClient.getEventsHandle();
    await events.requestEvents();
    events.subscribeToThing('dws.ns:watched', (message) => received.push(message), undefined, true);
    const bobEvents = bobClient.getEventsHandle();
    await bobEvents.requestEvents();
    bobEvents.subscribeToAllEvents((message) => bobs.push(message));

    const put = await f.send('PUT', '/api/2/things/dws.ns:watched', alice, {
      attributes: { level: 1 },
    });
    expect(put.statusCode).toBe(201);
    await f.send('PUT', '/api/2/things/dws.ns:watched/attributes/level', alice, 2);
    const deadline = Date.now() + 5000;
    while (received.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received.map((m) => [m.topic, m.path, m.value])).toEqual([
      [
        'dws.ns/watched/things/twin/events/created',
        '/',
        expect.objectContaining({ attributes: { level: 1 } }),
      ],
      ['dws.ns/watched/things/twin/events/modified', '/attributes/level', 2],
    ]);
    expect(bobs).toEqual([]);
  });

  it("drives Ditto's search protocol through the client's own request handler", async () => {
    // The client (3.9) has no search handle on the WebSocket; its request handler (correlation-ids,
    // Ditto Protocol envelopes, subscriptions) carries the search protocol's messages unchanged.
    for (const n of [1, 2, 3])
      await f.send('PUT', `/api/2/things/dws.search:s-${n}`, alice, { attributes: { n } });
    const requester = (client('alice') as unknown as { responseHandler: ClientRequester })
      .responseHandler;
    const pushed: { topic: string; value: Record<string, unknown> }[] = [];
    requester.subscribe({
      matches: (m) => m.topic.startsWith('_/_/things/twin/search/'),
      callback: (m) => pushed.push(m),
    });
    const created = await requester.sendRequest(
      '_/_/things/twin/search/subscribe',
      '/',
      {
        filter: 'gt(attributes/n,1)',
        options: 'size(1),sort(-attributes/n)',
        namespaces: ['dws.search'],
      },
      {},
    );
    const subscriptionId = (created.body as { subscriptionId: string }).subscriptionId;
    expect(typeof subscriptionId).toBe('string');
    const first = await requester.sendRequest(
      '_/_/things/twin/search/request',
      '/',
      { subscriptionId, demand: 1 },
      {},
    );
    expect(first.body).toMatchObject({
      subscriptionId,
      items: [{ thingId: 'dws.search:s-3', attributes: { n: 3 } }],
    });
    await requester.sendMessage(
      '_/_/things/twin/search/request',
      '/',
      { subscriptionId, demand: 5 },
      {},
    );
    const deadline = Date.now() + 5000;
    while (pushed.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pushed.map((m) => [m.topic, m.value])).toEqual([
      [
        '_/_/things/twin/search/next',
        {
          subscriptionId,
          items: [{ thingId: 'dws.search:s-2', policyId: 'dws.search:s-2', attributes: { n: 2 } }],
        },
      ],
      ['_/_/things/twin/search/complete', { subscriptionId }],
    ]);
    // bob may read none of alice's things: his search completes empty.
    const bobs = (client('bob') as unknown as { responseHandler: ClientRequester }).responseHandler;
    const bobCreated = await bobs.sendRequest('_/_/things/twin/search/subscribe', '/', {}, {});
    const bobId = (bobCreated.body as { subscriptionId: string }).subscriptionId;
    const bobFirst = await bobs.sendRequest(
      '_/_/things/twin/search/request',
      '/',
      { subscriptionId: bobId, demand: 1 },
      {},
    );
    expect(bobFirst.body).toEqual({ subscriptionId: bobId });
  });
});

/** What the test uses of the client's WebSocket request handler. */
interface ClientRequester {
  sendRequest(
    topic: string,
    path: string,
    value: unknown,
    headers: object,
  ): Promise<{ status?: number; body: unknown }>;
  sendMessage(topic: string, path: string, value: unknown, headers: object): Promise<void>;
  subscribe(subscription: {
    matches(message: { topic: string }): boolean;
    callback(message: { topic: string; value: Record<string, unknown> }): void;
  }): string;
}
