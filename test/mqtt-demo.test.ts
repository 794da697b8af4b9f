// The demo's MQTT spec: Eclipse Ditto's README commands (mosquitto_pub / mosquitto_sub) work unchanged.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/mqtt-platform.js';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const available = await run('which', ['mosquitto_pub', 'mosquitto_sub']).then(
  () => true,
  () => false,
);
if (!available && process.env.CI === 'true')
  throw new Error('mosquitto_pub and mosquitto_sub are needed under CI');

const dir = mkdtempSync(join(tmpdir(), 'twinfold-mqtt-demo-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('the demo over MQTT', () => {
  it("takes Ditto's README telemetry, sends desiredProperties and messages to mosquitto_sub, and takes mosquitto_pub's answer", async () => {
    const port = await freePort();
    const server = await startServerProcess(['--data', dir, '--demo', '--mqtt-port', String(port)]);
    servers.push(server);
    await run('mosquitto_pub', [
      '-p',
      String(port),
      '-q',
      '1',
      '-t',
      'devices/com.example:temperature-sensor-01/telemetry',
      '-m',
      '{"temperature": 25.5, "humidity": 60}',
    ]);
    const response = await adminFetch(
      `${server.url}/api/2/things/com.example:temperature-sensor-01`,
    );
    expect(response.status).toBe(200);
    const thing = (await response.json()) as {
      features: Record<string, { properties: { value: number } }>;
    };
    expect(thing.features.temperature.properties.value).toBe(25.5);
    expect(thing.features.humidity.properties.value).toBe(60);

    const sub = spawn('mosquitto_sub', [
      '-p',
      String(port),
      '-t',
      'devices/+/commands',
      '-v',
      '-C',
      '1',
    ]);
    let out = '';
    sub.stdout.on('data', (c) => (out += String(c)));
    await new Promise((r) => setTimeout(r, 500));
    const put = await adminFetch(
      `${server.url}/api/2/things/com.example:temperature-sensor-01/features/temperature/desiredProperties`,
      { method: 'PUT', body: '{"value": 22}', headers: { 'content-type': 'application/json' } },
    );
    expect(put.status).toBeLessThan(300);
    await new Promise((resolve) => sub.once('exit', resolve));
    expect(out.startsWith('devices/com.example:temperature-sensor-01/commands {')).toBe(true);
    expect(JSON.parse(out.slice(out.indexOf(' ') + 1))).toMatchObject({
      path: '/features/temperature/desiredProperties',
      value: { value: 22 },
    });

    // A message to the demo twin reaches the same mosquitto_sub; mosquitto_pub answers it.
    const sub2 = spawn('mosquitto_sub', [
      '-p',
      String(port),
      '-t',
      'devices/+/commands',
      '-v',
      '-C',
      '1',
    ]);
    let got = '';
    sub2.stdout.on('data', (c) => (got += String(c)));
    await new Promise((r) => setTimeout(r, 500));
    const asked = adminFetch(
      `${server.url}/api/2/things/com.example:temperature-sensor-01/inbox/messages/blink?timeout=10`,
      {
        method: 'POST',
        body: 'twice',
        headers: { 'content-type': 'text/plain', 'correlation-id': 'demo-blink-1' },
      },
    );
    await new Promise((resolve) => sub2.once('exit', resolve));
    expect(got.startsWith('devices/com.example:temperature-sensor-01/commands {')).toBe(true);
    expect(JSON.parse(got.slice(got.indexOf(' ') + 1))).toMatchObject({
      topic: 'com.example/temperature-sensor-01/things/live/messages/blink',
      path: '/inbox/messages/blink',
      value: 'twice',
      headers: { 'correlation-id': 'demo-blink-1', direction: 'TO' },
    });
    await run('mosquitto_pub', [
      '-p',
      String(port),
      '-q',
      '1',
      '-t',
      'devices/com.example:temperature-sensor-01/commands/response',
      '-m',
      JSON.stringify({
        topic: 'com.example/temperature-sensor-01/things/live/messages/blink',
        headers: { 'correlation-id': 'demo-blink-1', 'content-type': 'text/plain' },
        path: '/inbox/messages/blink',
        value: 'blinked',
        status: 200,
      }),
    ]);
    const answer = await asked;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('blinked');
  }, 60_000);
});
