// A server killed with -9 during JetStream and AMQP ingest loses no message the broker holds:
// what it had not acknowledged is redelivered to the next server. Each message makes its own twin
// (device and n in the thingId), so every message the broker confirmed must end up as a twin.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AMQP_URL,
  NATS_URL,
  amqpUnavailable,
  natsUnavailable,
  requireUnderCi,
  uniqueName,
} from './support/messaging-servers.js';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const whyNot = (await natsUnavailable()) ?? (await amqpUnavailable());
requireUnderCi('ingest-messaging-process test', whyNot);

const dir = mkdtempSync(join(tmpdir(), 'twinfold-messaging-crash-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const DEVICES = 40;

async function putSpec(url: string, id: string, spec: unknown): Promise<void> {
  const res = await adminFetch(`${url}/api/2/ingest/specs/${id}`, {
    method: 'PUT',
    body: JSON.stringify(spec),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status, await res.text()).toBe(201);
}

async function exists(url: string, thingId: string): Promise<boolean> {
  const res = await adminFetch(`${url}/api/2/things/${thingId}/attributes/n`);
  await res.arrayBuffer();
  return res.status === 200;
}

async function valueOf(url: string, thingId: string): Promise<unknown> {
  const res = await adminFetch(`${url}/api/2/things/${thingId}/attributes/n`);
  return res.status === 200 ? res.json() : undefined;
}

describe.skipIf(whyNot !== null)(`messaging ingest process${whyNot ? ` (${whyNot})` : ''}`, () => {
  it('loses no message across a kill -9 during JetStream and AMQP ingest', async () => {
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const stream = uniqueName('TFCRASH');
    const subject = uniqueName('tfcrash');
    const queue = uniqueName('tf.crash.');
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    try {
      await jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
      const args = [
        '--data',
        dir,
        '--mqtt-port',
        '0',
        '--nats-url',
        NATS_URL,
        '--amqp-url',
        AMQP_URL,
      ];
      let server = await startServerProcess(args);
      servers.push(server);
      await putSpec(server.url, 'crash-js', {
        source: { nats: { subject: `${subject}.*`, stream } },
        thingId: 'crash.js:{{subject.1}}-n{{$.n}}',
        values: { 'attributes/n': '$.n' },
        create: {},
      });
      await putSpec(server.url, 'crash-amqp', {
        source: { amqp: { queue } },
        thingId: 'crash.amqp:{{$.dev}}-n{{$.n}}',
        values: { 'attributes/n': '$.n' },
        create: {},
      });
      // A message sent to a queue that does not exist yet is dropped by the broker: wait for it.
      for (;;) {
        const ready = (await (await fetch(`${server.url}/ready`)).json()) as {
          amqp?: { consumers: number; inactive: unknown[] };
        };
        if (ready.amqp?.consumers === 1 && ready.amqp.inactive.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Publishers: device d gets n = 1, 2, 3, … ; each publish is confirmed by the broker.
      const last = {
        js: new Array<number>(DEVICES).fill(0),
        amqp: new Array<number>(DEVICES).fill(0),
      };
      let stop = false;
      const jsPublisher = async () => {
        for (let n = 1; !stop; n++)
          await Promise.all(
            Array.from({ length: DEVICES }, async (_, d) => {
              await js.publish(`${subject}.d${d}`, JSON.stringify({ n }));
              last.js[d] = n;
            }),
          );
      };
      const amqpPublisher = async () => {
        for (let n = 1; !stop; n++) {
          for (let d = 0; d < DEVICES; d++)
            channel.sendToQueue(queue, Buffer.from(JSON.stringify({ dev: `d${d}`, n })), {
              persistent: true,
            });
          await channel.waitForConfirms();
          for (let d = 0; d < DEVICES; d++) last.amqp[d] = n;
        }
      };
      const load = [jsPublisher(), amqpPublisher()];
      // Let the server ingest under load, then kill it while messages are in flight.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && (await valueOf(server.url, 'crash.js:d0-n20')) === undefined)
        await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.kill('SIGKILL');
      // The brokers keep taking messages while no server runs.
      await new Promise((resolve) => setTimeout(resolve, 300));
      stop = true;
      await Promise.all(load);
      expect(last.js[0]).toBeGreaterThan(20);
      expect(last.amqp[0]).toBeGreaterThan(1);

      server = await startServerProcess(args);
      servers.push(server);
      // JetStream redelivers what the killed server had not acknowledged after the ack wait (30 s).
      const settle = Date.now() + 90_000;
      const missing: string[] = [];
      for (const [kind, counts] of [
        ['js', last.js],
        ['amqp', last.amqp],
      ] as const)
        for (let d = 0; d < DEVICES; d++)
          for (let n = 1; n <= counts[d]; n++) missing.push(`crash.${kind}:d${d}-n${n}`);
      const total = missing.length;
      while (missing.length > 0 && Date.now() < settle) {
        const batch = missing.splice(0, 64);
        const found = await Promise.all(batch.map((id) => exists(server.url, id)));
        const notYet = batch.filter((_, i) => !found[i]);
        missing.push(...notYet);
        if (notYet.length === batch.length)
          await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(
        missing.slice(0, 10),
        `${missing.length} of ${total} confirmed messages missing`,
      ).toEqual([]);
      // Nothing is left unacknowledged once the twins have their last values.
      const info = await jsm.consumers.info(stream, 'twinfold-crash-js');
      expect(info.num_pending).toBe(0);
      await server.kill('SIGTERM');
    } finally {
      await jsm.streams.delete(stream).catch(() => {});
      await channel.deleteQueue(queue).catch(() => {});
      await connection.close().catch(() => {});
      await nc.close();
    }
  }, 180_000);
});
