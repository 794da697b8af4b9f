// Messages and live commands to devices over the embedded broker: the spec's command topic, the
// device's response completing the HTTP request, timeouts, and who may subscribe to command topics.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestServiceOf } from '../src/api/app.js';
import { DEMO_SPEC, DEMO_SPEC_ID, seedDemoSpec } from '../src/cli/demo-spec.js';
import {
  admin,
  ADMIN_TOKEN,
  startMqttPlatform,
  type MqttPlatform,
} from './support/mqtt-platform.js';

let fx: MqttPlatform;
let url: string;
const clients: MqttClient[] = [];
let scoped: string;

const ACME_SPEC = {
  source: { mqtt: { topic: 'acme/+name/telemetry', qos: 1 } },
  thingId: 'acme:{{topic.name}}',
  values: { 'features/t/properties/value': '$.t' },
  commands: { topic: 'acme/{{thingId}}/cmd', responseTopic: 'acme/{{thingId}}/cmd/reply' },
};

async function connect(password?: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    username: 'device',
    password,
    reconnectPeriod: 0,
    clean: true,
  });
  clients.push(client);
  return client;
}

/** Subscribes and resolves with the granted QoS of each filter (128: refused). */
async function subscribe(client: MqttClient, filters: string[]): Promise<number[]> {
  const granted: number[] = [];
  for (const filter of filters) {
    try {
      granted.push((await client.subscribeAsync(filter, { qos: 1 }))[0].qos);
    } catch (error) {
      // mqtt.js rejects a SUBACK with the failure code 0x80 ('Unspecified error').
      if (!String((error as Error).message).includes('Unspecified error')) throw error;
      granted.push(128);
    }
  }
  return granted;
}

interface Received {
  topic: string;
  message: {
    topic: string;
    headers: Record<string, string>;
    path: string;
    value?: unknown;
  };
}

/** Collects what a client receives as parsed JSON. */
function inbox(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic, payload) =>
    got.push({ topic, message: JSON.parse(payload.toString('utf8')) as Received['message'] }),
  );
  return got;
}

async function until<T>(probe: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  fx = await startMqttPlatform({ demo: true });
  url = `mqtt://127.0.0.1:${fx.mqttPort}`;
  expect((await fx.send('PUT', '/api/2/ingest/specs/acme', admin, ACME_SPEC)).statusCode).toBe(201);
  await seedDemoSpec(ingestServiceOf(fx.platform.app)!);
  for (const id of ['acme:dev1', 'acme:dev2', 'acme:quiet', 'fleet:car1', 'com.example:sensor-9'])
    expect((await fx.send('PUT', `/api/2/things/${id}`, admin, {})).statusCode).toBe(201);
  const created = await fx.send('POST', '/api/2/users', admin, {
    username: 'alice',
    password: 'alice-password-1',
  });
  expect(created.statusCode).toBe(201);
  const alice = `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}`;
  const token = await fx.send('POST', '/api/2/tokens', alice, {
    name: 'fleet',
    namespaces: ['fleet'],
  });
  expect(token.statusCode).toBe(201);
  scoped = token.json().token;
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await fx?.close();
});

function post(path: string, body: unknown, headers: Record<string, string>) {
  return fx.platform.app.inject({
    method: 'POST',
    url: path,
    payload: JSON.stringify(body),
    headers: { authorization: admin, 'content-type': 'application/json', ...headers },
  });
}

describe('messages to devices over MQTT', () => {
  it("publishes an inbox message on the owning spec's command topic and answers with the device's reply", async () => {
    const device = await connect(ADMIN_TOKEN);
    const got = inbox(device);
    expect(await subscribe(device, ['acme/acme:dev1/cmd'])).toEqual([1]);
    device.on('message', (_topic, payload) => {
      const request = JSON.parse(payload.toString('utf8')) as Received['message'];
      void device
        .publishAsync(
          'acme/acme:dev1/cmd/reply',
          JSON.stringify({
            topic: request.topic,
            headers: {
              'correlation-id': request.headers['correlation-id'],
              'content-type': 'application/json',
            },
            path: request.path.replace('/inbox/', '/outbox/'),
            value: { answer: 42, asked: request.value },
            status: 201,
          }),
          { qos: 1 },
        )
        .catch(() => {}); // the test may end before the PUBACK
    });
    const response = await post(
      '/api/2/things/acme:dev1/inbox/messages/ask',
      { question: 'life' },
      { timeout: '5', 'correlation-id': 'mqtt-ask-1' },
    );
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ answer: 42, asked: { question: 'life' } });
    expect(got).toHaveLength(1);
    expect(got[0].topic).toBe('acme/acme:dev1/cmd');
    expect(got[0].message.topic).toBe('acme/dev1/things/live/messages/ask');
    expect(got[0].message.path).toBe('/inbox/messages/ask');
    expect(got[0].message.headers['correlation-id']).toBe('mqtt-ask-1');
    expect(got[0].message.headers.direction).toBe('TO');
    expect(got[0].message.value).toEqual({ question: 'life' });
  });

  it('answers 408 when the device does not reply within timeout, and ignores a late or foreign reply', async () => {
    const device = await connect(ADMIN_TOKEN);
    const got = inbox(device);
    await subscribe(device, ['acme/acme:quiet/cmd']);
    const started = Date.now();
    const response = await post(
      '/api/2/things/acme:quiet/inbox/messages/ping',
      {},
      { timeout: '1', 'correlation-id': 'mqtt-quiet-1' },
    );
    expect(response.statusCode).toBe(408);
    expect(response.json().error).toBe('messages:message.timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(got.map((g) => g.topic)).toEqual(['acme/acme:quiet/cmd']);
  });

  it("refuses a reply about another thing than the response topic's", async () => {
    const device = await connect(ADMIN_TOKEN);
    await subscribe(device, ['acme/acme:dev2/cmd']);
    device.on('message', (_topic, payload) => {
      const request = JSON.parse(payload.toString('utf8')) as Received['message'];
      // Published on dev1's response topic: not an answer for dev2's request.
      void device
        .publishAsync(
          'acme/acme:dev1/cmd/reply',
          JSON.stringify({
            topic: request.topic,
            headers: { 'correlation-id': request.headers['correlation-id'] },
            path: request.path,
            value: 'forged',
            status: 200,
          }),
          { qos: 1 },
        )
        .catch(() => {}); // the test may end before the PUBACK
    });
    const response = await post(
      '/api/2/things/acme:dev2/inbox/messages/ask',
      {},
      { timeout: '1', 'correlation-id': 'mqtt-forged-1' },
    );
    expect(response.statusCode).toBe(408);
  });

  it('sends a live command to the device and answers with its response, leaving the twin unwritten', async () => {
    const device = await connect(ADMIN_TOKEN);
    const got = inbox(device);
    await subscribe(device, ['acme/acme:dev2/cmd']);
    device.on('message', (_topic, payload) => {
      const request = JSON.parse(payload.toString('utf8')) as Received['message'];
      if (request.headers['correlation-id'] !== 'mqtt-live-1') return;
      void device
        .publishAsync(
          'acme/acme:dev2/cmd/reply',
          JSON.stringify({
            topic: 'acme/dev2/things/live/commands/modify',
            headers: { 'correlation-id': 'mqtt-live-1' },
            path: request.path,
            value: { applied: request.value },
            status: 200,
          }),
          { qos: 1 },
        )
        .catch(() => {}); // the test may end before the PUBACK
    });
    const response = await fx.platform.app.inject({
      method: 'PUT',
      url: '/api/2/things/acme:dev2/attributes/mode?channel=live&timeout=5s',
      payload: JSON.stringify('eco'),
      headers: {
        authorization: admin,
        'content-type': 'application/json',
        'correlation-id': 'mqtt-live-1',
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers.channel).toBe('live');
    expect(response.json()).toEqual({ applied: 'eco' });
    const command = got.find((g) => g.message.headers['correlation-id'] === 'mqtt-live-1');
    expect(command?.message.topic).toBe('acme/dev2/things/live/commands/modify');
    expect(command?.message.path).toBe('/attributes/mode');
    const twin = await fx.send('GET', '/api/2/things/acme:dev2', admin);
    expect(twin.json().attributes).toBeUndefined();
  });

  it('publishes to the most specific spec that can produce the thing, only there', async () => {
    const device = await connect(ADMIN_TOKEN);
    const got = inbox(device);
    await subscribe(device, ['#']);
    // fleet:car1: only the demo's '{{topic.thingId}}' can produce it; acme:dev1: acme's spec wins.
    for (const id of ['fleet:car1', 'acme:dev1'])
      expect(
        (await post(`/api/2/things/${id}/inbox/messages/honk`, {}, { timeout: '0' })).statusCode,
      ).toBe(202);
    const honks = () => got.filter((g) => g.message.path === '/inbox/messages/honk');
    await until(() => (honks().length >= 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(
      honks()
        .map((g) => g.topic)
        .sort(),
    ).toEqual(['acme/acme:dev1/cmd', 'devices/fleet:car1/commands']);
  });
});

describe('the commands section of a spec', () => {
  it('is validated with where each problem is', async () => {
    const bad = await fx.send('PUT', '/api/2/ingest/specs/bad-cmd', admin, {
      ...ACME_SPEC,
      commands: {
        topic: 'acme/+/cmd',
        responseTopic: 'acme/{{thingId}}/{{thingId}}',
        qos: 2,
        x: 1,
      },
    });
    expect(bad.statusCode).toBe(400);
    const description = bad.json().message as string;
    expect(description).toContain('at /commands/topic:');
    expect(description).toContain('at /commands/responseTopic:');
    expect(description).toContain('at /commands/qos: qos is 0 or 1');
    expect(description).toContain("at /commands/x: 'x' is not a field of commands");
    const loop = await fx.send('PUT', '/api/2/ingest/specs/bad-cmd', admin, {
      ...ACME_SPEC,
      source: { mqtt: { topic: 'acme/#rest' } },
      commands: { topic: 'acme/{{thingId}}/cmd' },
    });
    expect(loop.statusCode).toBe(400);
    expect(loop.json().message).toContain('at /commands/topic:');
    expect((await fx.send('GET', '/api/2/ingest/specs/bad-cmd', admin)).statusCode).toBe(404);
  });

  it('takes the defaults from {}', async () => {
    const put = await fx.send('PUT', '/api/2/ingest/specs/defaults-cmd', admin, {
      source: { http: {} },
      thingId: 'dflt:{{$.id}}',
      values: { 'attributes/a': '$.a' },
      commands: {},
    });
    expect(put.statusCode).toBe(201);
    expect((await fx.send('PUT', '/api/2/things/dflt:one', admin, {})).statusCode).toBe(201);
    const device = await connect(ADMIN_TOKEN);
    const got = inbox(device);
    await subscribe(device, ['devices/dflt:one/commands']);
    const response = await post('/api/2/things/dflt:one/inbox/messages/hi', 'x', {
      timeout: '0',
    });
    expect(response.statusCode).toBe(202);
    const first = await until(() => got[0]);
    expect(first.topic).toBe('devices/dflt:one/commands');
    expect(first.message.headers['response-required']).toBe('false');
  });
});

describe('subscriptions to command topics on the embedded broker', () => {
  it("grants a token only its namespaces' command and response topics", async () => {
    const client = await connect(scoped);
    expect(
      await subscribe(client, [
        'acme/fleet:car1/cmd',
        'acme/acme:dev1/cmd',
        'acme/+/cmd',
        'acme/acme:dev1/cmd/reply',
        '#',
        'devices/+/commands',
        'somewhere/else',
      ]),
    ).toEqual([1, 128, 128, 128, 128, 128, 1]);
  });

  it('grants an unrestricted token every thing', async () => {
    const client = await connect(ADMIN_TOKEN);
    expect(await subscribe(client, ['acme/+/cmd', 'acme/+/cmd/reply'])).toEqual([1, 1]);
  });

  it("grants a client without a token only the demo spec's topics, and forwards only the demo's things", async () => {
    const anonymous = await connect();
    expect(
      await subscribe(anonymous, [
        'devices/+/commands',
        'devices/+/telemetry',
        'acme/+/cmd',
        'acme/acme:dev1/cmd',
        '#',
        'devices/acme:dev1/commands',
      ]),
    ).toEqual([1, 1, 128, 128, 128, 128]);
    const got = inbox(anonymous);
    // The same subscriptions with an unrestricted token: it does get acme:dev1's desiredProperties.
    const full = await connect(ADMIN_TOKEN);
    const fullGot = inbox(full);
    expect(await subscribe(full, ['devices/+/commands', 'acme/+/cmd'])).toEqual([1, 1]);
    // acme:dev1 belongs to the acme spec (more specific than the demo's '{{topic.thingId}}'): its
    // desiredProperties go to that spec's command topic, which the anonymous client may not read.
    expect(
      (
        await fx.send('PUT', '/api/2/things/acme:dev1/features/lamp', admin, {
          desiredProperties: { on: true },
        })
      ).statusCode,
    ).toBe(201);
    const demo = await post(
      '/api/2/things/com.example:sensor-9/inbox/messages/blink',
      {},
      {
        timeout: '0',
      },
    );
    expect(demo.statusCode).toBe(202);
    const first = await until(() => got[0]);
    expect(first.topic).toBe('devices/com.example:sensor-9/commands');
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map((g) => g.topic)).toEqual(['devices/com.example:sensor-9/commands']);
    expect(fullGot.map((g) => g.topic).sort()).toEqual([
      'acme/acme:dev1/cmd',
      'devices/com.example:sensor-9/commands',
    ]);
    expect(ingestServiceOf(fx.platform.app)!.specFor(DEMO_SPEC_ID).commands).not.toBeNull();
  });

  it("closes a client without a token that publishes on a non-demo thing's command topic", async () => {
    const client = await connect();
    const closed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    client.publish('acme/acme:dev1/cmd', '{}', { qos: 1 });
    expect(await closed).toBe(true);
  });

  it("closes a client that publishes on another namespace's response topic", async () => {
    const client = await connect(scoped);
    const closed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    client.publish('acme/acme:dev1/cmd/reply', '{}', { qos: 1 });
    expect(await closed).toBe(true);
  });
});

describe('the demo spec of an earlier version', () => {
  it('gets its commands section at start, unless a user changed it', async () => {
    const ingest = ingestServiceOf(fx.platform.app)!;
    const demoOwner = {
      id: 'twinfold:demo',
      subjects: ['twinfold:demo'],
      admin: true,
      namespaces: null,
      readOnly: false,
      via: 'token' as const,
    };
    const { commands: _dropped, ...previous } = DEMO_SPEC;
    await ingest.put(demoOwner, DEMO_SPEC_ID, previous);
    expect(ingest.specFor(DEMO_SPEC_ID).commands).toBeNull();
    expect(await seedDemoSpec(ingest)).toBe(false);
    expect(ingest.specFor(DEMO_SPEC_ID).commands).not.toBeNull();
    // Changed by a user (another owner): left as it is.
    expect(
      (await fx.send('PUT', `/api/2/ingest/specs/${DEMO_SPEC_ID}`, admin, previous)).statusCode,
    ).toBe(204);
    await seedDemoSpec(ingest);
    expect(ingest.specFor(DEMO_SPEC_ID).commands).toBeNull();
    await ingest.put(demoOwner, DEMO_SPEC_ID, DEMO_SPEC);
  });
});
