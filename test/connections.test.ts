// GET /api/2/clients with real clients: an mqtt.js device on the embedded broker and a `ws`
// socket on /ws/2 are listed with who they are and what they subscribe to, and gone once closed.
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  admin,
  ADMIN_TOKEN,
  startMqttPlatform,
  type MqttPlatform,
} from './support/mqtt-platform.js';

let fx: MqttPlatform;
let wsUrl: string;
let aliceToken: string;
const alice = `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}`;

/** The next text frame of `socket`. */
function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(String(data))));
}

async function connections() {
  const response = await fx.send('GET', '/api/2/clients', admin);
  expect(response.statusCode).toBe(200);
  return response.json();
}

/** Whether `body` is what the OpenAPI document says GET /api/2/clients answers (else why not). */
async function documentedError(body: unknown): Promise<string | null> {
  const doc = (await fx.send('GET', '/api/2/openapi.json', undefined)).json();
  const schema =
    doc.paths['/api/2/clients'].get.responses['200'].content['application/json'].schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  return validate(body) ? null : ajv.errorsText(validate.errors);
}

beforeAll(async () => {
  fx = await startMqttPlatform();
  const address = fx.platform.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  wsUrl = `ws://127.0.0.1:${port}/ws/2`;
  const created = await fx.send('POST', '/api/2/users', admin, {
    username: 'alice',
    password: 'alice-password-1',
  });
  expect(created.statusCode).toBe(201);
  const token = await fx.send('POST', '/api/2/tokens', alice, { name: 'socket' });
  expect(token.statusCode).toBe(201);
  aliceToken = token.json().token;
});

afterAll(async () => {
  await fx.close();
});

describe('GET /api/2/clients', () => {
  it('lists an MQTT device and a WebSocket session with their identities and subscriptions, and forgets them once they disconnect', async () => {
    const adminSubject = (await fx.send('GET', '/api/2/whoami', admin)).json().defaultSubject;
    const aliceSubject = (await fx.send('GET', '/api/2/whoami', `Bearer ${aliceToken}`)).json()
      .defaultSubject;
    expect(aliceSubject).toBe('user:alice');
    expect(await connections()).toEqual({
      items: [],
      mqtt: { mode: 'embedded', clientsVisible: true },
    });

    const before = Date.now();
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, {
      clientId: 'sensor-17',
      username: 'device',
      password: ADMIN_TOKEN,
      reconnectPeriod: 0,
    });
    await device.subscribeAsync(['lab/+/cmd', 'lab/sensor-17/config']);
    await device.unsubscribeAsync('lab/sensor-17/config');
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${aliceToken}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      socket.send('START-SEND-EVENTS?namespaces=org.acme&filter=exists(attributes/on)');
      expect(await nextMessage(socket)).toBe('START-SEND-EVENTS:ACK');
      socket.send('START-SEND-MESSAGES');
      expect(await nextMessage(socket)).toBe('START-SEND-MESSAGES:ACK');
      // A refused START is no subscription.
      socket.send('START-SEND-LIVE-EVENTS?bogus=1');
      expect(JSON.parse(await nextMessage(socket)).value.status).toBe(400);

      const listed = await connections();
      expect(await documentedError(listed)).toBeNull();
      const { items, mqtt: visibility } = listed;
      expect(visibility).toEqual({ mode: 'embedded', clientsVisible: true });
      expect(items).toHaveLength(2);
      const [mqttItem, wsItem] = items;
      expect(mqttItem).toEqual({
        transport: 'mqtt',
        clientId: 'sensor-17',
        identity: adminSubject,
        remoteAddress: expect.stringMatching(/127\.0\.0\.1$/),
        connectedSince: expect.any(String),
        subscriptions: ['lab/+/cmd'],
      });
      expect(wsItem).toEqual({
        transport: 'websocket',
        id: expect.stringMatching(/^\d+$/),
        identity: 'user:alice',
        remoteAddress: '127.0.0.1',
        connectedSince: expect.any(String),
        subscriptions: ['events?namespaces=org.acme&filter=exists(attributes/on)', 'messages'],
      });
      for (const item of items) {
        const since = Date.parse(item.connectedSince);
        expect(new Date(since).toISOString()).toBe(item.connectedSince);
        expect(since).toBeGreaterThanOrEqual(before - 1000);
        expect(since).toBeLessThanOrEqual(Date.now());
      }

      socket.send('STOP-SEND-EVENTS');
      expect(await nextMessage(socket)).toBe('STOP-SEND-EVENTS:ACK');
      expect((await connections()).items[1].subscriptions).toEqual(['messages']);
    } finally {
      await device.endAsync();
      socket.close();
    }
    await expect.poll(async () => (await connections()).items, { timeout: 5000 }).toEqual([]);
  });

  it("lists a persistent session's subscriptions when it comes back without subscribing again", async () => {
    const options = {
      clientId: 'meter-persistent',
      username: 'device',
      password: ADMIN_TOKEN,
      reconnectPeriod: 0,
      clean: false,
    };
    const first = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, options);
    await first.subscribeAsync('meters/persistent/cmd', { qos: 1 });
    await first.endAsync();
    await expect.poll(async () => (await connections()).items, { timeout: 5000 }).toEqual([]);
    const again = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.mqttPort}`, options);
    try {
      const { items } = await connections();
      expect(items.map((i: { clientId: string }) => i.clientId)).toEqual(['meter-persistent']);
      expect(items[0].subscriptions).toEqual(['meters/persistent/cmd']);
    } finally {
      await again.unsubscribeAsync('meters/persistent/cmd');
      await again.endAsync();
    }
    await expect.poll(async () => (await connections()).items, { timeout: 5000 }).toEqual([]);
  });

  it('lists an event stream while it is open', async () => {
    const controller = new AbortController();
    const address = fx.platform.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const response = await fetch(`http://127.0.0.1:${port}/api/2/things?namespaces=org.acme`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${aliceToken}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    try {
      const { items } = await connections();
      expect(items).toEqual([
        {
          transport: 'sse',
          id: expect.stringMatching(/^\d+$/),
          identity: 'user:alice',
          remoteAddress: '127.0.0.1',
          connectedSince: expect.any(String),
          subscriptions: ['/api/2/things?namespaces=org.acme'],
        },
      ]);
    } finally {
      controller.abort();
    }
    await expect.poll(async () => (await connections()).items, { timeout: 5000 }).toEqual([]);
  });

  it('is for administrators only', async () => {
    const response = await fx.send('GET', '/api/2/clients', `Bearer ${aliceToken}`);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ status: 403, error: 'gateway:forbidden' });
    expect(response.json().message).toMatch(/administrators/);
  });

  it('refuses query parameters', async () => {
    const response = await fx.send('GET', '/api/2/clients?transport=mqtt', admin);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400 });
    expect(typeof response.json().error).toBe('string');
    expect(typeof response.json().description).toBe('string');
  });
});

describe('GET /api/2/clients with an external MQTT broker', () => {
  it('says that the broker’s clients cannot be seen, and lists none', async () => {
    const external = await startMqttPlatform({
      mqttPort: 0,
      mqttUrl: 'mqtt://127.0.0.1:1883',
      mqttClientId: `twinfold-connections-${process.pid}`,
    });
    try {
      const response = await external.send('GET', '/api/2/clients', admin);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        items: [],
        mqtt: { mode: 'external', clientsVisible: false },
      });
    } finally {
      await external.close();
    }
  });
});

describe('GET /api/2/clients with the demo', () => {
  it('lists a device admitted without a token with a null identity', async () => {
    const demo = await startMqttPlatform({ demo: true });
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${demo.mqttPort}`, {
      clientId: 'demo-device',
      reconnectPeriod: 0,
    });
    try {
      const response = await demo.send('GET', '/api/2/clients', admin);
      expect(response.statusCode).toBe(200);
      expect(response.json().items).toEqual([
        {
          transport: 'mqtt',
          clientId: 'demo-device',
          identity: null,
          remoteAddress: expect.stringMatching(/127\.0\.0\.1$/),
          connectedSince: expect.any(String),
          subscriptions: [],
        },
      ]);
    } finally {
      await device.endAsync();
      await demo.close();
    }
  });
});
