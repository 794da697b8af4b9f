// A server process killed with -9 during MQTT QoS 1 ingest keeps every message it acknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/mqtt-platform.js';
import {
  ADMIN_TOKEN,
  adminFetch,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'twinfold-mqtt-crash-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const CLIENTS = 8;
const TWINS_PER_CLIENT = 5;

describe('MQTT ingest process', () => {
  it('loses no acknowledged QoS 1 message when killed with -9', async () => {
    const port = await freePort();
    const server = await startServerProcess(['--data', dir, '--mqtt-port', String(port)]);
    servers.push(server);
    const put = await adminFetch(`${server.url}/api/2/ingest/specs/crash`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { mqtt: { topic: 'crash/+id', qos: 1 } },
        thingId: 'crash.mqtt:{{topic.id}}',
        values: { 'features/n/properties/value': '$.n' },
        create: {},
      }),
    });
    expect(put.status).toBe(201);
    // acked[c][t]: the highest n acknowledged for twin c-t (each client sends n = 1, 2, 3, … in order).
    const acked = Array.from({ length: CLIENTS }, () =>
      new Array<number>(TWINS_PER_CLIENT).fill(0),
    );
    let stop = false;
    const senders = Array.from({ length: CLIENTS }, async (_, c) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        username: 'device',
        password: ADMIN_TOKEN,
        reconnectPeriod: 0,
      });
      client.on('error', () => {});
      // Messages in flight when the server dies are never answered: the close ends the sender.
      const closed = new Promise<false>((resolve) => client.once('close', () => resolve(false)));
      const up = new Promise<true>((resolve) => client.once('connect', () => resolve(true)));
      if (!(await Promise.race([up, closed]))) return;
      for (let n = 1; !stop; n++) {
        const round = Array.from({ length: TWINS_PER_CLIENT }, (_, t) =>
          client
            .publishAsync(`crash/c${c}-t${t}`, JSON.stringify({ n }), { qos: 1 })
            .then(() => (acked[c][t] = Math.max(acked[c][t], n))),
        );
        const sent = Promise.all(round).then(
          () => true,
          () => false,
        );
        if (!(await Promise.race([sent, closed]))) break;
      }
      client.end(true);
    });
    const count = () => acked.flat().reduce((a, b) => a + b, 0);
    // Killed in the middle of the load, once plenty is acknowledged.
    await expect.poll(count, { timeout: 20_000, interval: 50 }).toBeGreaterThan(2000);
    await server.kill('SIGKILL');
    stop = true;
    await Promise.all(senders);

    const again = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(again);
    for (let c = 0; c < CLIENTS; c++)
      for (let t = 0; t < TWINS_PER_CLIENT; t++) {
        const response = await adminFetch(
          `${again.url}/api/2/things/crash.mqtt:c${c}-t${t}/features/n/properties/value`,
        );
        expect(response.status).toBe(200);
        expect(await response.json()).toBeGreaterThanOrEqual(acked[c][t]);
      }
  }, 60_000);
});
