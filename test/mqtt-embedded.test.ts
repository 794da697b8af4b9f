// The embedded MQTT broker with real mqtt.js clients: tokens, topic authorisation, QoS 1 after durable.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  ADMIN_TOKEN,
  startMqttPlatform,
  type MqttPlatform,
} from './support/mqtt-platform.js';

let fx: MqttPlatform;
let url: string;
const clients: MqttClient[] = [];

const spec = (topic: string, thingId: string) => ({
  source: { mqtt: { topic, qos: 1 } },
  thingId,
  values: { 'features/t/properties/value': '$.t' },
  create: { definition: 'acme:sensor:1' },
});

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

async function thing(id: string) {
  return fx.send('GET', `/api/2/things/${id}`, admin);
}

/** Resolves when the client's connection closes (or after `ms`, to false). */
function closed(client: MqttClient, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

let scoped: string;
let readOnly: string;

beforeAll(async () => {
  fx = await startMqttPlatform();
  url = `mqtt://127.0.0.1:${fx.mqttPort}`;
  expect(
    (
      await fx.send(
        'PUT',
        '/api/2/ingest/specs/sensors',
        admin,
        spec('mq/+ns/+name/t', '{{topic.ns}}:{{topic.name}}'),
      )
    ).statusCode,
  ).toBe(201);
  const created = await fx.send('POST', '/api/2/users', admin, {
    username: 'alice',
    password: 'alice-password-1',
  });
  expect(created.statusCode).toBe(201);
  const alice = `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}`;
  const a = await fx.send('POST', '/api/2/tokens', alice, { name: 'fleet', namespaces: ['fleet'] });
  expect(a.statusCode).toBe(201);
  scoped = a.json().token;
  const b = await fx.send('POST', '/api/2/tokens', alice, { name: 'ro', readOnly: true });
  expect(b.statusCode).toBe(201);
  readOnly = b.json().token;
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await fx.close();
});

describe('embedded MQTT broker', () => {
  it('reports itself in /ready', async () => {
    const ready = await fx.send('GET', '/ready', undefined);
    expect(ready.json().mqtt).toEqual({ mode: 'embedded', state: 'listening', port: fx.mqttPort });
  });

  it('refuses a client without a token or with a wrong one', async () => {
    await expect(connect()).rejects.toThrow(/Not authorized/i);
    await expect(connect('tft_not-a-real-token-000000000')).rejects.toThrow(
      /Bad username or password/i,
    );
  });

  it('acknowledges a QoS 1 publish only once the twin holds its value', async () => {
    const client = await connect(ADMIN_TOKEN);
    await client.publishAsync('mq/acme/s1/t', JSON.stringify({ t: 21.5 }), { qos: 1 });
    // Read right after the PUBACK: the observation is already applied and committed.
    const response = await thing('acme:s1');
    expect(response.statusCode).toBe(200);
    expect(response.json().features.t.properties.value).toBe(21.5);
    expect(response.json().definition).toBe('acme:sensor:1');
    const journal = [];
    for await (const event of fx.platform.storage.journal.readAll({ fromSeq: 1 }))
      if (event.thingId === 'acme:s1') journal.push(event);
    expect(journal.length).toBeGreaterThan(0);
  });

  it('ingests many messages of many clients, batched, each acknowledged', async () => {
    const publishers = await Promise.all([1, 2, 3, 4].map(() => connect(ADMIN_TOKEN)));
    await Promise.all(
      publishers.flatMap((c, i) =>
        Array.from({ length: 50 }, (_, n) =>
          c.publishAsync(
            `mq/bulk/d${i}-${n % 10}`.replace('/d', '/d') + '/t',
            JSON.stringify({ t: n }),
            { qos: 1 },
          ),
        ),
      ),
    );
    for (let i = 0; i < 4; i++)
      for (let d = 0; d < 10; d++) {
        const response = await thing(`bulk:d${i}-${d}`);
        expect(response.statusCode).toBe(200);
        // The last message for d (n = 40 + d) came last from its client.
        expect(response.json().features.t.properties.value).toBe(40 + d);
      }
  });

  it('lets a namespace-scoped token write its namespaces only, closing the connection otherwise', async () => {
    const client = await connect(scoped);
    await client.publishAsync('mq/fleet/truck1/t', JSON.stringify({ t: 1 }), { qos: 1 });
    expect((await thing('fleet:truck1')).statusCode).toBe(200);
    const gone = closed(client);
    client.publish('mq/other/truck2/t', JSON.stringify({ t: 2 }), { qos: 1 });
    expect(await gone).toBe(true);
    expect((await thing('other:truck2')).statusCode).toBe(404);
  });

  it('refuses every ingest publish of a read-only token', async () => {
    const client = await connect(readOnly);
    const gone = closed(client);
    client.publish('mq/acme/ro1/t', JSON.stringify({ t: 2 }), { qos: 1 });
    expect(await gone).toBe(true);
    expect((await thing('acme:ro1')).statusCode).toBe(404);
  });

  it('acknowledges a malformed payload once its dead letter is stored', async () => {
    const client = await connect(ADMIN_TOKEN);
    await client.publishAsync('mq/acme/bad/t', '{"t": 1,,', { qos: 1 });
    await client.publishAsync('mq/acme/bad/t', Buffer.from([0xff, 0x00, 0xfe]), { qos: 1 });
    const letters = await fx.send('GET', '/api/2/ingest/deadletters?spec=sensors', admin);
    const mine = letters.json().items.filter((l: { topic: string }) => l.topic === 'mq/acme/bad/t');
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({
      reason: 'payload.invalid',
      transport: 'mqtt',
      payload: '{"t": 1,,',
    });
    expect((await thing('acme:bad')).statusCode).toBe(404);
    // The connection stays: malformed telemetry is the device's problem, not the broker's.
    expect(client.connected).toBe(true);
  });

  it('follows spec changes without a restart', async () => {
    const client = await connect(ADMIN_TOKEN);
    await client.publishAsync('plant/l1/m1/data', JSON.stringify({ t: 5 }), { qos: 1 });
    expect((await thing('plant:l1-m1')).statusCode).toBe(404);
    const put = await fx.send(
      'PUT',
      '/api/2/ingest/specs/plant',
      admin,
      spec('plant/+line/+machine/data', 'plant:{{topic.line}}-{{topic.machine}}'),
    );
    expect(put.statusCode).toBe(201);
    await client.publishAsync('plant/l1/m1/data', JSON.stringify({ t: 6 }), { qos: 1 });
    expect((await thing('plant:l1-m1')).json().features.t.properties.value).toBe(6);
    expect((await fx.send('DELETE', '/api/2/ingest/specs/plant', admin)).statusCode).toBe(204);
    await client.publishAsync('plant/l1/m1/data', JSON.stringify({ t: 7 }), { qos: 1 });
    expect((await thing('plant:l1-m1')).json().features.t.properties.value).toBe(6);
  });

  it('brokers other topics as a broker does, and QoS 0 is ingested too', async () => {
    const sub = await connect(ADMIN_TOKEN);
    await sub.subscribeAsync('chat/#');
    const got = new Promise<string>((resolve) =>
      sub.once('message', (_t, m) => resolve(String(m))),
    );
    const pub = await connect(ADMIN_TOKEN);
    await pub.publishAsync('chat/x', 'hello', { qos: 0 });
    expect(await got).toBe('hello');
    await pub.publishAsync('mq/acme/q0/t', JSON.stringify({ t: 0 }), { qos: 0 });
    await expect.poll(async () => (await thing('acme:q0')).statusCode).toBe(200);
    // 0 is a value like any other.
    expect((await thing('acme:q0')).json().features.t.properties.value).toBe(0);
  });

  it('publishes a desiredProperties change to devices/{thingId}/commands', async () => {
    const sub = await connect(ADMIN_TOKEN);
    await sub.subscribeAsync('devices/+/commands', { qos: 1 });
    const got = new Promise<[string, string]>((resolve) =>
      sub.on('message', (topic, m) => resolve([topic, String(m)])),
    );
    const put = await fx.send('PUT', '/api/2/things/acme:lamp', admin, {
      features: { light: { properties: { on: false } } },
    });
    expect(put.statusCode).toBe(201);
    const desired = await fx.send(
      'PUT',
      '/api/2/things/acme:lamp/features/light/desiredProperties/on',
      admin,
      true,
    );
    expect(desired.statusCode).toBe(201);
    const [topic, payload] = await got;
    expect(topic).toBe('devices/acme:lamp/commands');
    expect(JSON.parse(payload)).toMatchObject({
      topic: 'acme/lamp/things/twin/events/modified',
      path: '/features/light/desiredProperties/on',
      value: true,
    });
  });

  it('starts without the broker when its port is taken, and says so in /ready', async () => {
    const second = await startMqttPlatform({ mqttPort: fx.mqttPort });
    try {
      const ready = await second.send('GET', '/ready', undefined);
      expect(ready.statusCode).toBe(200);
      expect(ready.json().mqtt).toMatchObject({ mode: 'embedded', state: 'off' });
      expect(ready.json().mqtt.reason).toContain(`port ${fx.mqttPort}`);
      expect(ready.json().mqtt.hint).toContain('--mqtt-url');
    } finally {
      await second.close();
    }
  });
});
