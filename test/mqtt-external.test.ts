// Twinfold as a client of the machine's Mosquitto (--mqtt-url): ingest, a persistent session, commands.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect as tcp } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startMqttPlatform, type MqttPlatform } from './support/mqtt-platform.js';

const run = promisify(execFile);
const BROKER = 'mqtt://127.0.0.1:1883';

async function mosquittoUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcp(1883, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
async function binaries(): Promise<boolean> {
  return run('which', ['mosquitto_pub', 'mosquitto_sub']).then(
    () => true,
    () => false,
  );
}

const available = (await mosquittoUp()) && (await binaries());
if (!available && process.env.CI === 'true')
  throw new Error(
    'Mosquitto on 127.0.0.1:1883 (and mosquitto_pub/mosquitto_sub) is needed under CI',
  );

const prefix = `tftest-${randomUUID().slice(0, 8)}`;
const clientId = `tf-${randomUUID().slice(0, 8)}`;
const spec = {
  source: { mqtt: { topic: `${prefix}/+name/telemetry`, qos: 1 } },
  thingId: 'ext:{{topic.name}}',
  values: { 'features/t/properties/value': '$.t' },
  create: {},
};

function pub(topic: string, message: string, qos = 1) {
  return run('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    '1883',
    '-q',
    String(qos),
    '-t',
    topic,
    '-m',
    message,
  ]);
}

let fx: MqttPlatform | null = null;
const dir = mkdtempSync(join(tmpdir(), 'twinfold-mqtt-ext-'));
const start = () =>
  startMqttPlatform({ mqttPort: 0, mqttUrl: BROKER, mqttClientId: clientId }, dir);
const thing = (id: string) => fx!.send('GET', `/api/2/things/${id}`, admin);

beforeAll(async () => {
  if (!available) return;
  fx = await start();
});
afterAll(async () => {
  await fx?.close();
  rmSync(dir, { recursive: true, force: true });
  // Leave no persistent session behind at the broker.
  if (available)
    if (available)
      await run('mosquitto_sub', ['-h', '127.0.0.1', '-i', clientId, '-t', 'x', '-E']).catch(
        () => {},
      );
});

describe.skipIf(!available)('external MQTT broker (Mosquitto)', () => {
  it('subscribes to the specs’ topics with a shared subscription and says so in /ready', async () => {
    await fx!.send('PUT', '/api/2/ingest/specs/ext', admin, spec);
    await expect
      .poll(async () => (await fx!.send('GET', '/ready', undefined)).json().mqtt)
      .toMatchObject({
        mode: 'external',
        state: 'connected',
        url: BROKER,
        subscriptions: expect.arrayContaining([`$share/twinfold/${prefix}/+/telemetry`]),
      });
  });

  it('ingests what mosquitto_pub sends, malformed payloads as dead letters', async () => {
    await pub(`${prefix}/s1/telemetry`, JSON.stringify({ t: 3.5 }));
    await expect.poll(async () => (await thing('ext:s1')).statusCode, { timeout: 5000 }).toBe(200);
    expect((await thing('ext:s1')).json().features.t.properties.value).toBe(3.5);
    await pub(`${prefix}/s2/telemetry`, 'not json');
    await expect
      .poll(async () =>
        (await fx!.send('GET', '/api/2/ingest/deadletters?spec=ext', admin))
          .json()
          .items.map((l: { topic: string; reason: string }) => [l.topic, l.reason]),
      )
      .toContainEqual([`${prefix}/s2/telemetry`, 'payload.invalid']);
  });

  it('publishes desiredProperties changes, received by mosquitto_sub -t "devices/+/commands" -v', async () => {
    const id = `ext:${prefix}-lamp`;
    const sub = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-t',
      `devices/${id}/commands`,
      '-v',
      '-C',
      '1',
    ]);
    let out = '';
    sub.stdout.on('data', (c) => (out += String(c)));
    await new Promise((r) => setTimeout(r, 300));
    await fx!.send('PUT', `/api/2/things/${id}`, admin, { features: { lamp: { properties: {} } } });
    await fx!.send('PUT', `/api/2/things/${id}/features/lamp/desiredProperties`, admin, {
      on: true,
    });
    await new Promise((resolve) => sub.once('exit', resolve));
    const space = out.indexOf(' ');
    expect(out.slice(0, space)).toBe(`devices/${id}/commands`);
    expect(JSON.parse(out.slice(space + 1))).toMatchObject({
      path: '/features/lamp/desiredProperties',
      value: { on: true },
    });
  });

  it('keeps its session: QoS 1 messages sent while Twinfold is down are ingested when it is back', async () => {
    await fx!.close();
    fx = null;
    for (let i = 0; i < 5; i++) await pub(`${prefix}/away${i}/telemetry`, JSON.stringify({ t: i }));
    fx = await start();
    for (let i = 0; i < 5; i++)
      await expect
        .poll(async () => (await thing(`ext:away${i}`)).statusCode, { timeout: 5000 })
        .toBe(200);
  });

  it('stops ingesting a topic once its spec is deleted, without a restart', async () => {
    expect((await fx!.send('DELETE', '/api/2/ingest/specs/ext', admin)).statusCode).toBe(204);
    await expect
      .poll(async () => (await fx!.send('GET', '/ready', undefined)).json().mqtt.subscriptions)
      .toEqual([]);
    await pub(`${prefix}/late/telemetry`, JSON.stringify({ t: 1 }));
    await new Promise((r) => setTimeout(r, 300));
    expect((await thing('ext:late')).statusCode).toBe(404);
  });
});
