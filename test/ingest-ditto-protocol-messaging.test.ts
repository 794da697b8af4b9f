// dittoProtocol sources over core NATS and AMQP against the real servers of this machine: Ditto
// Protocol commands applied in order, acknowledged once durable, refusals dead-lettered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServeConfig } from '../src/cli/config.js';
import type { Platform } from '../src/platform.js';
import { openTestPlatform } from './support/app-fixture.js';
import {
  AMQP_URL,
  NATS_URL,
  amqpUnavailable,
  natsUnavailable,
  requireUnderCi,
  uniqueName,
} from './support/messaging-servers.js';

const natsWhyNot = await natsUnavailable();
const amqpWhyNot = await amqpUnavailable();
requireUnderCi('ingest-ditto-protocol-messaging test', natsWhyNot ?? amqpWhyNot);

const dirs: string[] = [];
const platforms: Platform[] = [];
afterAll(async () => {
  for (const p of platforms) await p.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(config: Partial<ServeConfig>): Promise<Platform> {
  const data = mkdtempSync(join(tmpdir(), 'twinfold-dp-messaging-'));
  dirs.push(data);
  const platform = await openTestPlatform(data, {}, {}, config);
  platforms.push(platform);
  return platform;
}

async function request(platform: Platform, method: 'GET' | 'PUT', url: string, body?: unknown) {
  const response = await platform.app.inject({
    method,
    url,
    payload: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  return {
    status: response.statusCode,
    json: (response.body === '' ? {} : JSON.parse(response.body)) as Record<string, unknown>,
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function deadLetters(platform: Platform, spec: string, count: number) {
  return waitFor(`${count} dead letters of ${spec}`, async () => {
    const { json } = await request(platform, 'GET', `/api/2/ingest/deadletters?spec=${spec}`);
    const items = json.items as { reason: string; transport: string; payload: string }[];
    return items.length >= count ? items : undefined;
  });
}

const command = (thing: string, action: string, path: string, value?: unknown) => {
  const [ns, name] = thing.split(':');
  return JSON.stringify({
    topic: `${ns}/${name}/things/twin/commands/${action}`,
    path,
    ...(value === undefined ? {} : { value }),
  });
};

// Skipped only outside CI when the machine's NATS is unreachable (the title says why); under CI=true
// requireUnderCi above fails instead.
describe.skipIf(natsWhyNot !== null)(
  `dittoProtocol over core NATS${natsWhyNot ? ` (${natsWhyNot})` : ''}`,
  () => {
    let nc: NatsConnection;
    afterAll(async () => nc?.close());

    it('applies the commands of a subject, the subject naming the thing; others are dead letters', async () => {
      nc = await connect({ servers: NATS_URL });
      const platform = await open({ natsUrl: NATS_URL });
      const root = uniqueName('tfdp');
      const put = await request(platform, 'PUT', '/api/2/ingest/specs/dpnats', {
        source: { dittoProtocol: { nats: { subject: `${root}.*` } } },
        thingId: 'dpn:{{subject.1}}',
      });
      expect(put.status).toBe(201);
      await waitFor('the subscription', async () =>
        (await request(platform, 'GET', '/ready')).json.nats ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const text = new TextEncoder();
      nc.publish(
        `${root}.a`,
        text.encode(command('dpn:a', 'create', '/', { attributes: { n: 0 } })),
      );
      for (let i = 1; i <= 50; i++)
        nc.publish(`${root}.a`, text.encode(command('dpn:a', 'modify', '/attributes/n', i)));
      nc.publish(`${root}.a`, text.encode(command('dpn:b', 'modify', '/', {})));
      nc.publish(`${root}.a`, text.encode('{"topic": 1'));
      await nc.flush();
      await waitFor('n = 50', async () => {
        const { json } = await request(platform, 'GET', '/api/2/things/dpn:a/attributes');
        return json.n === 50 ? true : undefined;
      });
      const letters = await deadLetters(platform, 'dpnats', 2);
      expect(letters.map((l) => l.reason)).toEqual(['thing.outside-spec', 'payload.invalid']);
      expect(letters.every((l) => l.transport === 'nats')).toBe(true);
      expect((await request(platform, 'GET', '/api/2/things/dpn:b')).status).toBe(404);
      const revision = await request(platform, 'GET', '/api/2/things/dpn:a?fields=_revision');
      expect(revision.json._revision).toBe(51);
    });
  },
);

// Skipped only outside CI when the machine's RabbitMQ is unreachable (the title says why); under
// CI=true requireUnderCi above fails instead.
describe.skipIf(amqpWhyNot !== null)(
  `dittoProtocol over AMQP${amqpWhyNot ? ` (${amqpWhyNot})` : ''}`,
  () => {
    let connection: amqp.ChannelModel;
    const queue = uniqueName('tf.dp.');
    afterAll(async () => {
      const channel = await connection?.createChannel();
      await channel?.deleteQueue(queue).catch(() => {});
      await connection?.close();
    });

    it('applies a queue of commands in order and acknowledges each once durable', async () => {
      const platform = await open({ amqpUrl: AMQP_URL });
      const put = await request(platform, 'PUT', '/api/2/ingest/specs/dpamqp', {
        source: { dittoProtocol: { amqp: { queue } } },
        thingId: 'dpa:{{$.any}}',
      });
      expect(put.status).toBe(201);
      await waitFor('the consumer', async () => {
        const ready = (await request(platform, 'GET', '/ready')).json.amqp as
          { consumers: number; inactive: unknown[] } | undefined;
        return ready?.consumers === 1 && ready.inactive.length === 0 ? true : undefined;
      });
      connection = await amqp.connect(AMQP_URL);
      const channel = await connection.createConfirmChannel();
      channel.sendToQueue(queue, Buffer.from(command('dpa:m', 'create', '/', {})));
      for (let i = 1; i <= 100; i++)
        channel.sendToQueue(
          queue,
          Buffer.from(command('dpa:m', 'merge', '/features/spindle/properties', { rpm: i })),
        );
      channel.sendToQueue(queue, Buffer.from(command('dpa:m', 'retrieve', '/')));
      await channel.waitForConfirms();
      await waitFor('rpm = 100', async () => {
        const { json } = await request(
          platform,
          'GET',
          '/api/2/things/dpa:m/features/spindle/properties',
        );
        return json.rpm === 100 ? true : undefined;
      });
      const [letter] = await deadLetters(platform, 'dpamqp', 1);
      expect(letter).toMatchObject({ transport: 'amqp', reason: 'command.unsupported' });
      await waitFor('the queue emptied and acknowledged', async () => {
        const q = await channel.checkQueue(queue);
        return q.messageCount === 0 ? true : undefined;
      });
      await channel.close();
    });
  },
);
