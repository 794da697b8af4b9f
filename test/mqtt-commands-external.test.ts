// Messages and live commands to devices through the machine's Mosquitto (--mqtt-url): Twinfold
// publishes on the spec's command topic and subscribes to its response topic.
import { randomUUID } from 'node:crypto';
import { connect as tcp } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startMqttPlatform, type MqttPlatform } from './support/mqtt-platform.js';

const BROKER = 'mqtt://127.0.0.1:1883';

const up = await new Promise<boolean>((resolve) => {
  const socket = tcp(1883, '127.0.0.1');
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
});
if (!up && process.env.CI === 'true')
  throw new Error('Mosquitto on 127.0.0.1:1883 is needed under CI');

const prefix = `tfcmd-${randomUUID().slice(0, 8)}`;
const spec = {
  source: { mqtt: { topic: `${prefix}/+name/telemetry`, qos: 1 } },
  thingId: 'extcmd:{{topic.name}}',
  values: { 'features/t/properties/value': '$.t' },
  commands: {
    topic: `${prefix}/{{thingId}}/commands`,
    responseTopic: `${prefix}/{{thingId}}/commands/response`,
  },
};

let fx: MqttPlatform | null = null;
let device: MqttClient | null = null;

beforeAll(async () => {
  if (!up) return;
  fx = await startMqttPlatform({
    mqttPort: 0,
    mqttUrl: BROKER,
    mqttClientId: `tf-${randomUUID().slice(0, 8)}`,
  });
  expect((await fx.send('PUT', '/api/2/ingest/specs/extcmd', admin, spec)).statusCode).toBe(201);
  for (const id of ['extcmd:d1', 'other:thing'])
    expect((await fx.send('PUT', `/api/2/things/${id}`, admin, {})).statusCode).toBe(201);
  // Twinfold subscribes to the response topic (without sharing) once the spec exists.
  const wanted = `${prefix}/+/commands/response`;
  for (let i = 0; ; i++) {
    const ready = (await fx.send('GET', '/ready', undefined)).json();
    if ((ready.mqtt.subscriptions as string[]).includes(wanted)) break;
    if (i > 100)
      throw new Error(`Twinfold did not subscribe to ${wanted}: ${JSON.stringify(ready.mqtt)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  device = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0, clean: true });
  await device.subscribeAsync(`${prefix}/#`, { qos: 1 });
});

afterAll(async () => {
  await device?.endAsync(true);
  await fx?.close();
});

describe.skipIf(!up)('device commands through Mosquitto', () => {
  it("completes a message with the device's response from the response topic", async () => {
    const seen: string[] = [];
    const onMessage = (topic: string, payload: Buffer) => {
      seen.push(topic);
      if (topic !== `${prefix}/extcmd:d1/commands`) return;
      const request = JSON.parse(payload.toString('utf8')) as {
        topic: string;
        path: string;
        headers: Record<string, string>;
      };
      void device!
        .publishAsync(
          `${prefix}/extcmd:d1/commands/response`,
          JSON.stringify({
            topic: request.topic,
            headers: {
              'correlation-id': request.headers['correlation-id'],
              'content-type': 'text/plain',
            },
            path: request.path,
            value: 'pong',
            status: 200,
          }),
          { qos: 1 },
        )
        .catch(() => {}); // the test may end before the PUBACK
    };
    device!.on('message', onMessage);
    try {
      const response = await fx!.platform.app.inject({
        method: 'POST',
        url: '/api/2/things/extcmd:d1/inbox/messages/ping?timeout=5',
        payload: 'ping',
        headers: { authorization: admin, 'content-type': 'text/plain' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
      expect(response.body).toBe('pong');
      expect(seen).toContain(`${prefix}/extcmd:d1/commands`);
    } finally {
      device!.off('message', onMessage);
    }
  });

  it('answers 408 when nobody responds, and publishes nothing for a thing no spec with commands owns', async () => {
    const seen: string[] = [];
    // Commands only: the device also receives (late) echoes of its own responses.
    const onMessage = (topic: string) => void (topic.endsWith('/commands') && seen.push(topic));
    device!.on('message', onMessage);
    try {
      const response = await fx!.platform.app.inject({
        method: 'POST',
        url: '/api/2/things/extcmd:d1/inbox/messages/silence?timeout=1',
        payload: '{}',
        headers: { authorization: admin, 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(408);
      const other = await fx!.platform.app.inject({
        method: 'POST',
        url: '/api/2/things/other:thing/inbox/messages/x?timeout=0',
        payload: '{}',
        headers: { authorization: admin, 'content-type': 'application/json' },
      });
      expect(other.statusCode).toBe(202);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([`${prefix}/extcmd:d1/commands`]);
    } finally {
      device!.off('message', onMessage);
    }
  });

  it('round-trips a live retrieve without touching the twin', async () => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (topic !== `${prefix}/extcmd:d1/commands`) return;
      const request = JSON.parse(payload.toString('utf8')) as {
        topic: string;
        path: string;
        headers: Record<string, string>;
      };
      if (!request.topic.endsWith('/things/live/commands/retrieve')) return;
      void device!
        .publishAsync(
          `${prefix}/extcmd:d1/commands/response`,
          JSON.stringify({
            topic: request.topic,
            headers: { 'correlation-id': request.headers['correlation-id'] },
            path: request.path,
            value: { live: 21.5 },
            status: 200,
          }),
          { qos: 1 },
        )
        .catch(() => {}); // the test may end before the PUBACK
    };
    device!.on('message', onMessage);
    try {
      const response = await fx!.platform.app.inject({
        method: 'GET',
        url: '/api/2/things/extcmd:d1/features/t/properties?channel=live&timeout=5s',
        headers: { authorization: admin },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ live: 21.5 });
      expect(response.headers.channel).toBe('live');
    } finally {
      device!.off('message', onMessage);
    }
  });
});
