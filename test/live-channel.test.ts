// Ditto's messages API, live channel and custom acknowledgements with real `ws` clients on a real
// port and HTTP through the app: round trips, timeouts, fire and forget, permissions, use-twin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { WsClient } from './support/ws-client.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const R = { grant: ['READ'], revoke: [] };

let f: SecureFixture;
let base: string;
let alice: string;
let carol: string;
let dave: string;
const open: WsClient[] = [];

async function connect(auth: string, query = ''): Promise<WsClient> {
  const client = await WsClient.open(`${base}/ws/2${query}`, { authorization: auth });
  open.push(client);
  return client;
}

async function start(client: WsClient, what: string): Promise<void> {
  const answer = await client.control(`START-SEND-${what}`);
  expect(answer.text).toBe(`START-SEND-${what.split('?')[0]}:ACK`);
}

/** The next live message of the given criterion (messages, commands, events). */
async function nextLive(client: WsClient, criterion: string, timeoutMs = 5000) {
  const got = await client.take(
    (m) => m.json !== undefined && String(m.json.topic).includes(`/things/live/${criterion}`),
    timeoutMs,
  );
  return got.json as {
    topic: string;
    path: string;
    headers: Record<string, string>;
    value?: unknown;
  };
}

function post(url: string, auth: string, body: string, contentType = 'text/plain', headers = {}) {
  return f.app.inject({
    method: 'POST',
    url,
    payload: body,
    headers: { authorization: auth, 'content-type': contentType, ...headers },
  });
}

beforeAll(async () => {
  f = await createSecureFixture();
  const url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  base = url.replace('http', 'ws');
  alice = await f.addUser('alice');
  carol = await f.addUser('carol');
  dave = await f.addUser('dave');
  const policy = await f.send('PUT', '/api/2/policies/live.ns:policy', alice, {
    entries: {
      owner: {
        subjects: { 'user:alice': { type: 'user' } },
        resources: { 'thing:/': RW, 'policy:/': RW, 'message:/': RW },
      },
      // carol reads the thing but may neither send nor receive messages
      reader: { subjects: { 'user:carol': { type: 'user' } }, resources: { 'thing:/': R } },
    },
  });
  expect(policy.statusCode, policy.body).toBe(201);
  const thing = await f.send('PUT', '/api/2/things/live.ns:coffee', alice, {
    policyId: 'live.ns:policy',
    attributes: { live: true, brewed: 1 },
    features: { tank: { properties: { level: 80 } } },
  });
  expect(thing.statusCode, thing.body).toBe(201);
});

afterAll(async () => {
  for (const client of open) await client.close();
  await f.close();
});

describe('messages API', () => {
  it('delivers a message to START-SEND-MESSAGES and completes the request with the reply', async () => {
    const device = await connect(alice);
    await start(device, 'MESSAGES');
    const request = post(
      '/api/2/things/live.ns:coffee/inbox/messages/ask',
      alice,
      'Hey, how are you?',
      'text/plain',
      {
        'correlation-id': 'msg-1',
      },
    );
    const message = await nextLive(device, 'messages');
    expect(message.topic).toBe('live.ns/coffee/things/live/messages/ask');
    expect(message.path).toBe('/inbox/messages/ask');
    expect(message.value).toBe('Hey, how are you?');
    expect(message.headers).toMatchObject({
      'correlation-id': 'msg-1',
      'content-type': 'text/plain',
      subject: 'ask',
      direction: 'TO',
      'thing-id': 'live.ns:coffee',
      'ditto-originator': 'user:alice',
    });
    device.send({
      topic: message.topic,
      path: message.path,
      headers: { 'correlation-id': 'msg-1', 'content-type': 'text/plain' },
      value: 'I do not know, since i am only a coffee machine.',
      status: 200,
    });
    const response = await request;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.headers['correlation-id']).toBe('msg-1');
    expect(response.body).toBe('I do not know, since i am only a coffee machine.');
  });

  it('sends feature outbox messages as JSON and passes the status the device chose', async () => {
    const device = await connect(alice);
    await start(device, 'MESSAGES');
    const request = post(
      '/api/2/things/live.ns:coffee/features/tank/outbox/messages/level/low',
      alice,
      JSON.stringify({ level: 5 }),
      'application/json',
    );
    const message = await nextLive(device, 'messages');
    expect(message.topic).toBe('live.ns/coffee/things/live/messages/level/low');
    expect(message.path).toBe('/features/tank/outbox/messages/level/low');
    expect(message.headers).toMatchObject({ direction: 'FROM', 'feature-id': 'tank' });
    expect(message.value).toEqual({ level: 5 });
    device.send({
      topic: message.topic,
      path: message.path,
      headers: {
        'correlation-id': message.headers['correlation-id'],
        'content-type': 'application/json',
      },
      value: { refill: 'ordered' },
      status: 201,
    });
    const response = await request;
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ refill: 'ordered' });
  });

  it('answers 408 messages:message.timeout when nobody replies in time', async () => {
    const started = Date.now();
    const response = await post(
      '/api/2/things/live.ns:coffee/inbox/messages/ask?timeout=1',
      alice,
      'hello?',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(response.statusCode).toBe(408);
    expect(response.json()).toEqual({
      status: 408,
      error: 'messages:message.timeout',
      message: 'The Message reached the specified timeout of 1 seconds.',
      description:
        'Try increasing the Message timeout or ensure that the recipient of the Message responds in time.',
    });
  });

  it('fires and forgets with timeout=0: 202 at once, the message still delivered', async () => {
    const device = await connect(alice);
    await start(device, 'MESSAGES');
    const response = await post(
      '/api/2/things/live.ns:coffee/inbox/messages/turnOff?timeout=0',
      alice,
      'now',
    );
    expect(response.statusCode).toBe(202);
    expect(response.body).toBe('');
    const message = await nextLive(device, 'messages');
    expect(message.topic).toBe('live.ns/coffee/things/live/messages/turnOff');
    expect(message.headers['response-required']).toBe('false');
  });

  it('needs WRITE on message:/ to send and READ on it to receive', async () => {
    const denied = await post('/api/2/things/live.ns:coffee/inbox/messages/ask', carol, 'hi');
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toBe('messages:send.notallowed');
    // dave may see nothing of the thing: it does not exist for him
    const hidden = await post('/api/2/things/live.ns:coffee/inbox/messages/ask', dave, 'hi');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error).toBe('things:thing.notfound');
    const missing = await post('/api/2/things/live.ns:nothing/inbox/messages/ask', alice, 'hi');
    expect(missing.statusCode).toBe(404);
    // carol subscribed but may not READ the message: she never receives it
    const eavesdropper = await connect(carol);
    await start(eavesdropper, 'MESSAGES');
    const sent = await post(
      '/api/2/things/live.ns:coffee/inbox/messages/secret?timeout=0',
      alice,
      'x',
    );
    expect(sent.statusCode).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(eavesdropper.received.filter((m) => m.text.includes('/messages/secret'))).toEqual([]);
  });

  it('honours the condition and refuses a bad one, and a STOP ends delivery', async () => {
    const unmet = await post(
      `/api/2/things/live.ns:coffee/inbox/messages/ask?timeout=0&condition=${encodeURIComponent('eq(attributes/live,false)')}`,
      alice,
      'x',
    );
    expect(unmet.statusCode).toBe(412);
    expect(unmet.json().error).toBe('things:condition.failed');
    const bad = await post(
      '/api/2/things/live.ns:coffee/inbox/messages/ask?condition=eq(',
      alice,
      'x',
    );
    expect(bad.statusCode).toBe(400);
    const device = await connect(alice);
    await start(device, 'MESSAGES');
    expect((await device.control('STOP-SEND-MESSAGES')).text).toBe('STOP-SEND-MESSAGES:ACK');
    await post('/api/2/things/live.ns:coffee/inbox/messages/stopped?timeout=0', alice, 'x');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(device.received.filter((m) => m.text.includes('/messages/stopped'))).toEqual([]);
  });

  it('filters deliveries by namespaces', async () => {
    const other = await connect(alice);
    await start(other, 'MESSAGES?namespaces=other.ns');
    await post('/api/2/things/live.ns:coffee/inbox/messages/ns?timeout=0', alice, 'x');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(other.received.filter((m) => m.text.includes('/messages/ns'))).toEqual([]);
  });
});

describe('live channel', () => {
  it('routes channel=live commands to the device and answers with its response, never the twin', async () => {
    const device = await connect(alice);
    await start(device, 'LIVE-COMMANDS');
    const read = f.app.inject({
      method: 'GET',
      url: '/api/2/things/live.ns:coffee/attributes/brewed?channel=live',
      headers: { authorization: alice },
    });
    const command = await nextLive(device, 'commands');
    expect(command.topic).toBe('live.ns/coffee/things/live/commands/retrieve');
    expect(command.path).toBe('/attributes/brewed');
    device.send({
      topic: command.topic,
      path: command.path,
      headers: { 'correlation-id': command.headers['correlation-id'] },
      value: 42,
      status: 200,
    });
    const answer = await read;
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toBe(42);
    expect(answer.headers.channel).toBe('live');

    const write = f.app.inject({
      method: 'PUT',
      url: '/api/2/things/live.ns:coffee/attributes/brewed',
      payload: '7',
      headers: { authorization: alice, 'content-type': 'application/json', channel: 'live' },
    });
    const modify = await nextLive(device, 'commands');
    expect(modify.topic).toBe('live.ns/coffee/things/live/commands/modify');
    expect(modify.value).toBe(7);
    device.send({
      topic: modify.topic,
      path: modify.path,
      headers: { 'correlation-id': modify.headers['correlation-id'] },
      status: 204,
    });
    expect((await write).statusCode).toBe(204);
    const twin = await f.send('GET', '/api/2/things/live.ns:coffee/attributes/brewed', alice);
    expect(twin.json()).toBe(1);
  });

  it('times out with 408 (fail) or falls back to the twin (use-twin) for a read', async () => {
    const failed = await f.send(
      'GET',
      '/api/2/things/live.ns:coffee/attributes/brewed?channel=live&timeout=300ms',
      alice,
    );
    expect(failed.statusCode).toBe(408);
    expect(failed.json().error).toBe('command.timeout');
    expect(failed.headers.channel).toBe('live');
    const fallback = await f.send(
      'GET',
      '/api/2/things/live.ns:coffee/attributes/brewed?channel=live&timeout=300ms&live-channel-timeout-strategy=use-twin',
      alice,
    );
    expect(fallback.statusCode).toBe(200);
    expect(fallback.json()).toBe(1);
    expect(fallback.headers.channel).toBe('twin');
    expect(fallback.headers['live-channel-condition-matched']).toBe('true');
  });

  it('asks the device only when live-channel-condition matches the twin', async () => {
    const unmatched = await f.send(
      'GET',
      `/api/2/things/live.ns:coffee?live-channel-condition=${encodeURIComponent('eq(attributes/live,false)')}`,
      alice,
    );
    expect(unmatched.statusCode).toBe(200);
    expect(unmatched.headers['live-channel-condition-matched']).toBe('false');
    expect(unmatched.json().thingId).toBe('live.ns:coffee');
    const device = await connect(alice);
    await start(device, 'LIVE-COMMANDS');
    const matched = f.app.inject({
      method: 'GET',
      url: `/api/2/things/live.ns:coffee/attributes?live-channel-condition=${encodeURIComponent('eq(attributes/live,true)')}`,
      headers: { authorization: alice },
    });
    const command = await nextLive(device, 'commands');
    device.send({
      topic: command.topic,
      path: command.path,
      headers: { 'correlation-id': command.headers['correlation-id'] },
      value: { fromDevice: true },
      status: 200,
    });
    const answer = await matched;
    expect(answer.json()).toEqual({ fromDevice: true });
    expect(answer.headers['live-channel-condition-matched']).toBe('true');
  });

  it('refuses live headers where they have no effect', async () => {
    const strategyAlone = await f.send(
      'GET',
      '/api/2/things/live.ns:coffee?live-channel-timeout-strategy=use-twin',
      alice,
    );
    expect(strategyAlone.statusCode).toBe(400);
    const badStrategy = await f.send(
      'GET',
      '/api/2/things/live.ns:coffee?channel=live&live-channel-timeout-strategy=later',
      alice,
    );
    expect(badStrategy.statusCode).toBe(400);
    const onPolicy = await f.send('GET', '/api/2/policies/live.ns:policy?channel=live', alice);
    expect(onPolicy.statusCode).toBe(400);
  });

  it('delivers live events a client emits to START-SEND-LIVE-EVENTS subscribers who may read them', async () => {
    const listener = await connect(alice);
    await start(listener, 'LIVE-EVENTS');
    const eavesdropper = await connect(dave);
    await start(eavesdropper, 'LIVE-EVENTS');
    const device = await connect(alice);
    device.send({
      topic: 'live.ns/coffee/things/live/events/modified',
      path: '/features/tank/properties/level',
      headers: { 'correlation-id': 'ev-1' },
      value: 12,
    });
    const event = await nextLive(listener, 'events');
    expect(event).toMatchObject({ path: '/features/tank/properties/level', value: 12 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(eavesdropper.received.filter((m) => m.text.includes('/live/events/'))).toEqual([]);
    // an emitter without WRITE is refused
    const carolSocket = await connect(carol);
    carolSocket.send({
      topic: 'live.ns/coffee/things/live/events/modified',
      path: '/attributes/brewed',
      headers: { 'correlation-id': 'ev-2' },
      value: 3,
    });
    const refusal = await carolSocket.json();
    expect(refusal.topic).toBe('live.ns/coffee/things/twin/errors');
    expect(refusal.status).toBe(404);
  });
});

describe('custom acknowledgements', () => {
  async function acker(label: string) {
    const client = await connect(alice, `?declared-acks=${label}`);
    await start(client, 'EVENTS');
    return client;
  }

  function write(value: number, acks: string, timeout = '') {
    return f.app.inject({
      method: 'PUT',
      url: `/api/2/things/live.ns:coffee/attributes/brewed?requested-acks=${acks}${timeout}`,
      payload: String(value),
      headers: { authorization: alice, 'content-type': 'application/json' },
    });
  }

  it('aggregates twin-persisted with a subscriber acknowledgement: 200, or 424 when one fails', async () => {
    const client = await acker('my-ack');
    const pending = write(10, 'twin-persisted,my-ack');
    const event = await client.event();
    expect(event.headers).toMatchObject({ 'requested-acks': '["my-ack"]' });
    const id = (event.headers as Record<string, string>)['correlation-id'];
    client.send({
      topic: 'live.ns/coffee/things/twin/acks/my-ack',
      headers: { 'correlation-id': id },
      path: '/',
      status: 200,
      value: { processed: true },
    });
    const ok = await pending;
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      'twin-persisted': { status: 204 },
      'my-ack': { status: 200, payload: { processed: true } },
    });

    const failing = write(11, 'twin-persisted,my-ack');
    const second = await client.event();
    client.send({
      topic: 'live.ns/coffee/things/twin/acks/my-ack',
      headers: { 'correlation-id': (second.headers as Record<string, string>)['correlation-id'] },
      path: '/',
      status: 500,
    });
    const failed = await failing;
    expect(failed.statusCode).toBe(424);
    expect(failed.json()).toMatchObject({
      'twin-persisted': { status: 204 },
      'my-ack': { status: 500 },
    });
  });

  it('answers 408 for a lone label never acknowledged, and 424 with its 408 beside twin-persisted', async () => {
    await acker('slow-ack');
    const lone = await write(12, 'slow-ack', '&timeout=300ms');
    expect(lone.statusCode).toBe(408);
    expect(lone.json()).toMatchObject({ status: 408, error: 'acknowledgement:request.timeout' });
    const both = await write(13, 'twin-persisted,slow-ack', '&timeout=300ms');
    expect(both.statusCode).toBe(424);
    expect(both.json()).toMatchObject({
      'twin-persisted': { status: 204 },
      'slow-ack': { status: 408, payload: { error: 'acknowledgement:request.timeout' } },
    });
    // the write itself was committed
    expect(
      (await f.send('GET', '/api/2/things/live.ns:coffee/attributes/brewed', alice)).json(),
    ).toBe(13);
  });

  it('gives a weak acknowledgement for a subscriber whose filter drops the event', async () => {
    const client = await connect(alice, '?declared-acks=filtered-ack');
    await start(client, `EVENTS?filter=${encodeURIComponent('eq(attributes/brewed,-1)')}`);
    const response = await write(14, 'filtered-ack', '&timeout=5s');
    expect(response.statusCode).toBe(200);
  });

  it('gives a weak acknowledgement for a subscriber whose filter names only other things', async () => {
    const client = await connect(alice, '?declared-acks=elsewhere-ack');
    await start(client, `EVENTS?filter=${encodeURIComponent('eq(thingId,"live.ns:elsewhere")')}`);
    const response = await write(15, 'elsewhere-ack', '&timeout=5s');
    expect(response.statusCode).toBe(200);
  });

  it('refuses an acknowledgement for an undeclared label and a reserved declaration', async () => {
    const client = await connect(alice);
    client.send({
      topic: 'live.ns/coffee/things/live/events/modified',
      path: '/',
      headers: { a: {} },
    });
    const malformed = await client.json();
    expect((malformed.value as { error: string }).error).toBe('protocoladapter:illegal.adaptable');
    client.send({
      topic: 'live.ns/coffee/things/twin/acks/not-mine',
      headers: { 'correlation-id': 'x' },
      path: '/',
      status: 200,
    });
    const refusal = await client.json();
    expect((refusal.value as { error: string }).error).toBe('acknowledgement:label.not.declared');
    await expect(
      WsClient.open(`${base}/ws/2?declared-acks=twin-persisted`, { authorization: alice }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

describe('CloudEvents', () => {
  const command = (value: number) => ({
    topic: 'live.ns/coffee/things/twin/commands/modify',
    path: '/attributes/cloud',
    value,
  });

  it('applies the Ditto Protocol command of a binary-mode CloudEvent', async () => {
    const response = await f.app.inject({
      method: 'POST',
      url: '/api/2/cloudevents',
      payload: JSON.stringify(command(1)),
      headers: {
        authorization: alice,
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'e-1',
        'ce-source': '/sensors',
        'ce-type': 'org.example.update',
        'ce-dataschema': 'ditto:modify',
      },
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(
      (await f.send('GET', '/api/2/things/live.ns:coffee/attributes/cloud', alice)).json(),
    ).toBe(1);
  });

  it('applies the command of a structured-mode CloudEvent', async () => {
    const response = await f.app.inject({
      method: 'POST',
      url: '/api/2/cloudevents',
      payload: JSON.stringify({
        specversion: '1.0',
        id: 'e-2',
        source: '/sensors',
        type: 'org.example.update',
        datacontenttype: 'application/vnd.eclipse.ditto+json',
        data: command(2),
      }),
      headers: { authorization: alice, 'content-type': 'application/cloudevents+json' },
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(
      (await f.send('GET', '/api/2/things/live.ns:coffee/attributes/cloud', alice)).json(),
    ).toBe(2);
  });

  it('refuses malformed CloudEvents with 400 (415 for the data type) and the caller’s missing rights', async () => {
    const binary = (headers: Record<string, string>, payload = JSON.stringify(command(9))) =>
      f.app.inject({
        method: 'POST',
        url: '/api/2/cloudevents',
        payload,
        headers: {
          authorization: alice,
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': 'e-3',
          'ce-source': '/s',
          'ce-type': 't',
          ...headers,
        },
      });
    const noId = await binary({ 'ce-id': '' });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().error).toBe('cloudevent.unparsable');
    const version = await binary({ 'ce-specversion': '0.3' });
    expect(version.json().error).toBe('cloudevent.unparsable');
    const schema = await binary({ 'ce-dataschema': 'https://example.com/schema' });
    expect(schema.statusCode).toBe(400);
    expect(schema.json().error).toBe('cloudevent.dataschema.unsupported');
    const text = await binary({ 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    const empty = await binary({}, '');
    expect(empty.statusCode).toBe(400);
    const notProtocol = await binary({}, JSON.stringify({ hello: 'world' }));
    expect(notProtocol.statusCode).toBe(400);
    const structured = await f.app.inject({
      method: 'POST',
      url: '/api/2/cloudevents',
      payload: '{not json',
      headers: { authorization: alice, 'content-type': 'application/cloudevents+json' },
    });
    expect(structured.statusCode).toBe(400);
    const forbidden = await binary({ authorization: carol });
    expect(forbidden.statusCode).toBe(403);
    expect(
      (await f.send('GET', '/api/2/things/live.ns:coffee/attributes/cloud', alice)).json(),
    ).toBe(2);
  });
});
