// Ingest over NATS (core and JetStream) and AMQP against the real servers of this machine, and
// events out on NATS: acknowledged once durable, dead letters for bad payloads, specs that change
// without a restart, events in commit order that resume from where they stopped.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
requireUnderCi('ingest-messaging test', natsWhyNot ?? amqpWhyNot);

const dirs: string[] = [];
const platforms: Platform[] = [];
afterAll(async () => {
  for (const p of platforms) await p.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(config: Partial<ServeConfig>, dir?: string): Promise<Platform> {
  const data = dir ?? mkdtempSync(join(tmpdir(), 'twinfold-messaging-'));
  if (!dir) dirs.push(data);
  const platform = await openTestPlatform(data, {}, {}, config);
  platforms.push(platform);
  return platform;
}

async function close(platform: Platform): Promise<void> {
  platforms.splice(platforms.indexOf(platform), 1);
  await platform.close();
}

async function request(
  platform: Platform,
  method: 'GET' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await platform.app.inject({
    method,
    url,
    payload: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  return {
    status: response.statusCode,
    json: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
  };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value at `path` of a thing once it equals `expected`. */
function valueOf(platform: Platform, thingId: string, path: string, expected: unknown) {
  return waitFor(`${thingId}/${path} = ${JSON.stringify(expected)}`, async () => {
    const { status, json } = await request(platform, 'GET', `/api/2/things/${thingId}/${path}`);
    return status === 200 && JSON.stringify(json) === JSON.stringify(expected) ? json : undefined;
  });
}

async function deadLetters(platform: Platform, spec: string, count: number) {
  return waitFor(`${count} dead letters of ${spec}`, async () => {
    const { json } = await request(platform, 'GET', `/api/2/ingest/deadletters?spec=${spec}`);
    const items = json.items as Record<string, unknown>[];
    return items.length >= count ? items : undefined;
  });
}

const run = promisify(execFile);

/** Closes this process's Twinfold connections in RabbitMQ (named `twinfold pid <pid>`); how many. */
async function closeOurAmqpConnections(): Promise<number> {
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    'pid',
    'client_properties',
    '-q',
    '--no-table-headers',
  ]);
  const mine = stdout
    .split('\n')
    .filter((line) => line.includes(`"twinfold pid ${process.pid}"`))
    .map((line) => line.split('\t')[0]);
  for (const pid of mine)
    await run('rabbitmqctl', ['close_connection', pid, 'test: connection lost']);
  return mine.length;
}
const rabbitmqctl = await run('rabbitmqctl', [
  'list_connections',
  'name',
  '--formatter',
  'json',
]).then(
  () => null,
  (error: unknown) => `rabbitmqctl cannot be run: ${(error as Error).message.split('\n')[0]}`,
);
requireUnderCi('ingest-messaging test (AMQP reconnect)', amqpWhyNot ?? rabbitmqctl);

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('ingest specs and messaging configuration', () => {
  it('refuses a NATS or AMQP spec with a 400 naming the flag when the server has no URL for it', async () => {
    const platform = await open({});
    const nats = await request(platform, 'PUT', '/api/2/ingest/specs/n1', {
      source: { nats: { subject: 'a.b' } },
      thingId: 'ns:{{subject.1}}',
      values: { 'attributes/v': '$.v' },
    });
    expect(nats.status).toBe(400);
    expect(nats.json.error).toBe('ingest:source.unavailable');
    expect(nats.json.description).toContain('--nats-url');
    const amqpSpec = await request(platform, 'PUT', '/api/2/ingest/specs/a1', {
      source: { amqp: { queue: 'q' } },
      thingId: 'ns:{{$.id}}',
      values: { 'attributes/v': '$.v' },
    });
    expect(amqpSpec.status).toBe(400);
    expect(amqpSpec.json.description).toContain('--amqp-url');
    expect((await request(platform, 'GET', '/api/2/ingest/specs')).json).toEqual([]);
  });

  it('refuses an MQTT spec, or a spec with commands, with a 400 naming the flags while MQTT is off', async () => {
    const platform = await open({ mqttPort: 0 });
    const telemetry = {
      thingId: 'ns:{{$.id}}',
      values: { 'attributes/v': '$.v' },
    };
    const mqttSpec = await request(platform, 'PUT', '/api/2/ingest/specs/m1', {
      ...telemetry,
      source: { mqtt: { topic: 'devices/+thingId/telemetry' } },
    });
    expect(mqttSpec.status).toBe(400);
    expect(mqttSpec.json.error).toBe('ingest:source.unavailable');
    expect(mqttSpec.json.description).toContain('--mqtt-url');
    const withCommands = await request(platform, 'PUT', '/api/2/ingest/specs/c1', {
      ...telemetry,
      source: { http: {} },
      commands: {},
    });
    expect(withCommands.status).toBe(400);
    expect(withCommands.json.error).toBe('ingest:source.unavailable');
    expect(withCommands.json.message).toContain('commands');
    expect((await request(platform, 'GET', '/api/2/ingest/specs')).json).toEqual([]);
    const served = await open({ mqttPort: 18831 });
    for (const [id, body] of [
      ['m1', { ...telemetry, source: { mqtt: { topic: 'devices/+thingId/telemetry' } } }],
      ['c1', { ...telemetry, source: { http: {} }, commands: {} }],
    ] as const)
      expect((await request(served, 'PUT', `/api/2/ingest/specs/${id}`, body)).status).toBe(201);
  });

  it.skipIf(natsWhyNot !== null)(
    'refuses a subject or stream name NATS would not take',
    async () => {
      const platform = await open({ natsUrl: NATS_URL });
      for (const [source, where] of [
        [{ subject: 'a..b' }, '/source/nats/subject'],
        [{ subject: 'a.>.b' }, '/source/nats/subject'],
        [{ subject: 'a b' }, '/source/nats/subject'],
        [{ subject: 'a.b', stream: 'has.dot' }, '/source/nats/stream'],
      ] as const) {
        const res = await request(platform, 'PUT', '/api/2/ingest/specs/bad', {
          source: { nats: source },
          thingId: 'ns:{{subject.1}}',
          values: { 'attributes/v': '$.v' },
        });
        expect(res.status, JSON.stringify(source)).toBe(400);
        expect(res.json.error).toBe('ingest:spec.invalid');
        expect(res.json.message).toContain(where);
      }
    },
  );
});

describe.skipIf(natsWhyNot !== null)(
  `ingest over NATS${natsWhyNot ? ` (${natsWhyNot})` : ''}`,
  () => {
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    const streams: string[] = [];
    beforeAll(async () => {
      nc = await connect({ servers: NATS_URL });
      jsm = await jetstreamManager(nc);
    });
    afterAll(async () => {
      for (const s of streams) await jsm.streams.delete(s).catch(() => {});
      await nc?.close();
    });

    it('maps core NATS messages with subject tokens and headers, batching what arrives together', async () => {
      const platform = await open({ natsUrl: NATS_URL });
      const root = uniqueName('tfcore');
      const put = await request(platform, 'PUT', '/api/2/ingest/specs/core', {
        source: { nats: { subject: `${root}.*.telemetry` } },
        thingId: 'nats.test:{{subject.1}}',
        values: {
          'features/t/properties/value': '$.t',
          'features/t/properties/site': { jsonata: '$string(n)' },
        },
        create: { definition: 'acme:sensor:1' },
      });
      expect(put.status).toBe(201);
      await request(platform, 'PUT', '/api/2/ingest/specs/byheader', {
        source: { nats: { subject: `${root}.h` } },
        thingId: 'nats.test:{{header.device-id}}',
        values: { 'attributes/v': '$.v' },
        create: {},
      });
      await waitFor('subscriptions', async () =>
        (await request(platform, 'GET', '/ready')).json.nats ? true : undefined,
      );
      await nc.flush();
      // Core NATS delivers to subscribers there at the time: wait for the subscription to be active.
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let i = 0; i < 300; i++)
        nc.publish(`${root}.d${i % 30}.telemetry`, encode({ t: i, n: i }));
      const h = headers();
      h.set('Device-Id', 'by-header');
      nc.publish(`${root}.h`, encode({ v: 'from header' }), { headers: h });
      await nc.flush();
      for (let d = 0; d < 30; d++)
        await valueOf(platform, `nats.test:d${d}`, 'features/t/properties/value', 270 + d);
      await valueOf(platform, 'nats.test:by-header', 'attributes/v', 'from header');
      const thing = await request(platform, 'GET', '/api/2/things/nats.test:d3');
      expect(thing.json.definition).toBe('acme:sensor:1');
    });

    it('makes a dead letter of a malformed payload and of one that maps to nothing', async () => {
      const platform = await open({ natsUrl: NATS_URL });
      const subject = uniqueName('tfbad');
      await request(platform, 'PUT', '/api/2/ingest/specs/bad', {
        source: { nats: { subject } },
        thingId: 'nats.bad:{{$.id}}',
        values: { 'attributes/v': '$.v' },
        create: {},
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      nc.publish(subject, new TextEncoder().encode('{not json'));
      nc.publish(subject, encode({ v: 1 }));
      await nc.flush();
      const letters = await deadLetters(platform, 'bad', 2);
      const reasons = letters.map((l) => l.reason).sort();
      expect(reasons).toEqual(['payload.invalid', 'thingid.unresolved'].sort());
      for (const letter of letters) {
        expect(letter.transport).toBe('nats');
        expect(letter.topic).toBe(subject);
      }
      expect(letters.find((l) => l.reason === 'payload.invalid')?.payload).toBe('{not json');
    });

    it('follows spec changes without a restart: a new subject, then none after a delete', async () => {
      const platform = await open({ natsUrl: NATS_URL });
      const a = uniqueName('tfa');
      const b = uniqueName('tfb');
      const spec = (subject: string, attribute: string) => ({
        source: { nats: { subject } },
        thingId: 'nats.change:{{$.id}}',
        values: { [`attributes/${attribute}`]: '$.v' },
        create: {},
      });
      await request(platform, 'PUT', '/api/2/ingest/specs/moving', spec(a, 'first'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      nc.publish(a, encode({ id: 't', v: 1 }));
      await valueOf(platform, 'nats.change:t', 'attributes/first', 1);
      expect(
        (await request(platform, 'PUT', '/api/2/ingest/specs/moving', spec(b, 'second'))).status,
      ).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 200));
      nc.publish(a, encode({ id: 't', v: 2 }));
      nc.publish(b, encode({ id: 't', v: 3 }));
      await valueOf(platform, 'nats.change:t', 'attributes/second', 3);
      expect(
        (await request(platform, 'GET', '/api/2/things/nats.change:t/attributes')).json,
      ).toEqual({
        first: 1,
        second: 3,
      });
      expect((await request(platform, 'DELETE', '/api/2/ingest/specs/moving')).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 200));
      nc.publish(b, encode({ id: 't', v: 4 }));
      await nc.flush();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(
        (await request(platform, 'GET', '/api/2/things/nats.change:t/attributes/second')).json,
      ).toBe(3);
    });

    it('consumes a JetStream stream with a durable consumer, acknowledging each message once durable', async () => {
      const stream = uniqueName('TFJS');
      const subject = uniqueName('tfjs');
      streams.push(stream);
      await jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
      const js = jetstream(nc);
      // Published before Twinfold consumes: the durable consumer starts at the stream's beginning.
      for (let i = 0; i < 200; i++) await js.publish(`${subject}.d${i % 20}`, encode({ n: i }));
      await js.publish(`${subject}.bad`, new TextEncoder().encode('[1,'));
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-messaging-'));
      dirs.push(dir);
      let platform = await open({ natsUrl: NATS_URL }, dir);
      const put = await request(platform, 'PUT', '/api/2/ingest/specs/jet', {
        source: { nats: { subject: `${subject}.*`, stream } },
        thingId: 'nats.js:{{subject.1}}',
        values: { 'attributes/n': '$.n' },
        create: {},
      });
      expect(put.status).toBe(201);
      for (let d = 0; d < 20; d++)
        await valueOf(platform, `nats.js:d${d}`, 'attributes/n', 180 + d);
      await deadLetters(platform, 'jet', 1);
      const consumer = (await request(platform, 'GET', '/ready')).json.nats as Record<
        string,
        unknown
      >;
      expect(consumer.subscriptions).toBe(1);
      expect(consumer.inactive).toEqual([]);
      const info = await waitFor('every message acknowledged', async () => {
        const names = await jsm.consumers.list(stream).next();
        const i = names[0];
        return i && i.num_ack_pending === 0 && i.num_pending === 0 ? i : undefined;
      });
      expect(info.delivered.stream_seq).toBe(201);
      expect(info.config.durable_name).toBe('twinfold-jet');

      // Messages published while no Twinfold runs wait in the stream for the durable consumer.
      await close(platform);
      for (let d = 0; d < 20; d++) await js.publish(`${subject}.d${d}`, encode({ n: 1000 + d }));
      platform = await open({ natsUrl: NATS_URL }, dir);
      for (let d = 0; d < 20; d++)
        await valueOf(platform, `nats.js:d${d}`, 'attributes/n', 1000 + d);

      // Deleting the spec removes its durable consumer.
      await request(platform, 'DELETE', '/api/2/ingest/specs/jet');
      await waitFor('the consumer removed', async () =>
        (await jsm.consumers.list(stream).next()).length === 0 ? true : undefined,
      );
    });

    it('says in /ready that stored NATS specs receive nothing once the server runs without --nats-url', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-messaging-'));
      dirs.push(dir);
      let platform = await open({ natsUrl: NATS_URL }, dir);
      await request(platform, 'PUT', '/api/2/ingest/specs/orphan', {
        source: { nats: { subject: uniqueName('tforphan') } },
        thingId: 'nats.orphan:{{$.id}}',
        values: { 'attributes/v': '$.v' },
      });
      await close(platform);
      platform = await open({}, dir);
      const ready = await request(platform, 'GET', '/ready');
      expect(ready.status).toBe(200);
      expect(ready.json.nats).toMatchObject({ status: 'not configured', inactive: ['orphan'] });
      expect(String((ready.json.nats as { problem: string }).problem)).toContain('--nats-url');
    });

    it('says in /ready that a spec waits for a stream that does not exist, and consumes once it does', async () => {
      const platform = await open({ natsUrl: NATS_URL });
      const stream = uniqueName('TFLATE');
      const subject = uniqueName('tflate');
      streams.push(stream);
      await request(platform, 'PUT', '/api/2/ingest/specs/late', {
        source: { nats: { subject, stream } },
        thingId: 'nats.late:{{$.id}}',
        values: { 'attributes/v': '$.v' },
        create: {},
      });
      const waiting = await waitFor('the missing stream reported', async () => {
        const nats = (await request(platform, 'GET', '/ready')).json.nats as {
          inactive: { specId: string; problem: string }[];
        };
        return nats.inactive.find((s) => s.specId === 'late' && /does not exist/.test(s.problem));
      });
      expect(waiting.problem).toContain(stream);
      await jsm.streams.add({ name: stream, subjects: [subject] });
      await jetstream(nc).publish(subject, encode({ id: 'x', v: 'late' }));
      await valueOf(platform, 'nats.late:x', 'attributes/v', 'late');
      expect(
        ((await request(platform, 'GET', '/ready')).json.nats as { inactive: unknown[] }).inactive,
      ).toEqual([]);
    }, 20_000);

    it('publishes every committed event on NATS in commit order, and resumes after a pause', async () => {
      const prefix = uniqueName('tfev');
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-messaging-'));
      dirs.push(dir);
      const received: { subject: string; revision: number; topic: string; value: unknown }[] = [];
      const subscription = nc.subscribe(`${prefix}.>`, {
        callback: (_error, msg) => {
          const event = msg.json<{ revision: number; topic: string; value: unknown }>();
          received.push({
            subject: msg.subject,
            revision: event.revision,
            topic: event.topic,
            value: event.value,
          });
        },
      });
      await nc.flush();
      let platform = await open({ natsUrl: NATS_URL, eventsNats: prefix }, dir);
      await waitFor('the publisher', async () =>
        (
          (await request(platform, 'GET', '/ready')).json.nats as {
            events?: { position: number | null };
          }
        )?.events?.position != null
          ? true
          : undefined,
      );
      expect(
        (await request(platform, 'PUT', '/api/2/things/org.acme:pump.7', { attributes: { n: 0 } }))
          .status,
      ).toBe(201);
      for (let n = 1; n <= 20; n++)
        expect(
          (await request(platform, 'PUT', '/api/2/things/org.acme:pump.7/attributes/n', n)).status,
        ).toBe(204);
      await waitFor('21 events', async () => (received.length >= 21 ? true : undefined));
      expect(received.map((e) => e.revision)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect(received[0]).toMatchObject({
        subject: `${prefix}.org.acme.pump%2E7`,
        topic: 'org.acme/pump.7/things/twin/events/created',
      });
      expect(received[20]).toMatchObject({
        topic: 'org.acme/pump.7/things/twin/events/modified',
        value: 20,
      });
      await close(platform);

      // Committed while nothing publishes: sent on the next start from the saved position.
      platform = await open({ natsUrl: NATS_URL }, dir);
      for (let n = 21; n <= 25; n++)
        await request(platform, 'PUT', '/api/2/things/org.acme:pump.7/attributes/n', n);
      await close(platform);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(21);
      platform = await open({ natsUrl: NATS_URL, eventsNats: prefix }, dir);
      await waitFor('the 5 missed events', async () => (received.length >= 26 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received.map((e) => e.revision)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
      subscription.unsubscribe();
    });
  },
);

describe.skipIf(amqpWhyNot !== null)(
  `ingest over AMQP${amqpWhyNot ? ` (${amqpWhyNot})` : ''}`,
  () => {
    let connection: amqp.ChannelModel;
    let channel: amqp.ConfirmChannel;
    const queues: string[] = [];
    beforeAll(async () => {
      connection = await amqp.connect(AMQP_URL);
      channel = await connection.createConfirmChannel();
    });
    afterAll(async () => {
      for (const q of queues) await channel.deleteQueue(q).catch(() => {});
      await connection?.close();
    });
    /** A queue's counts, or null when it does not exist (on a throwaway channel: a miss closes it). */
    const queueInfo = async (queue: string) => {
      const probe = await connection.createChannel();
      probe.on('error', () => {});
      try {
        const info = await probe.checkQueue(queue);
        await probe.close();
        return info;
      } catch {
        return null;
      }
    };

    it('consumes a queue it declares durable, the routing key as topic context, acknowledging once durable', async () => {
      const platform = await open({ amqpUrl: AMQP_URL });
      const queue = uniqueName('tf.amqp.');
      queues.push(queue);
      const put = await request(platform, 'PUT', '/api/2/ingest/specs/rabbit', {
        source: { amqp: { queue } },
        thingId: 'amqp.test:{{topic.routingKey}}-{{$.id}}',
        values: { 'attributes/n': '$.n', 'attributes/key': { jsonata: '"k"' } },
        create: {},
      });
      expect(put.status).toBe(201);
      await waitFor('the consumer', async () => {
        const amqpReady = (await request(platform, 'GET', '/ready')).json.amqp as {
          consumers: number;
          inactive: unknown[];
        };
        return amqpReady?.consumers === 1 && amqpReady.inactive.length === 0 ? true : undefined;
      });
      expect((await queueInfo(queue))?.queue).toBe(queue);
      for (let i = 0; i < 500; i++)
        channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id: `d${i % 25}`, n: i })));
      channel.sendToQueue(queue, Buffer.from('not json at all'), {
        headers: { 'x-source': 'test' },
      });
      await channel.waitForConfirms();
      for (let d = 0; d < 25; d++)
        await valueOf(platform, `amqp.test:${queue}-d${d}`, 'attributes/n', 475 + d);
      const [letter] = await deadLetters(platform, 'rabbit', 1);
      expect(letter).toMatchObject({
        transport: 'amqp',
        topic: queue,
        reason: 'payload.invalid',
        payload: 'not json at all',
      });
      await waitFor('the queue emptied and acknowledged', async () => {
        const q = await queueInfo(queue);
        return q?.messageCount === 0 ? true : undefined;
      });
    });

    it('reads the words of the routing key of a message routed through an exchange as subject.<n>', async () => {
      const platform = await open({ amqpUrl: AMQP_URL });
      const queue = uniqueName('tf.routed.');
      const exchange = uniqueName('tfx');
      queues.push(queue);
      await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
      await channel.assertQueue(queue, { durable: true });
      await channel.bindQueue(queue, exchange, 'site.*.meter');
      await request(platform, 'PUT', '/api/2/ingest/specs/routed', {
        source: { amqp: { queue } },
        thingId: 'amqp.routed:{{subject.1}}',
        values: { 'attributes/key': { jsonata: '$$.kwh' }, 'attributes/v': '$.kwh' },
        create: {},
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      channel.publish(exchange, 'site.north.meter', Buffer.from(JSON.stringify({ kwh: 12.5 })));
      await channel.waitForConfirms();
      await valueOf(platform, 'amqp.routed:north', 'attributes/v', 12.5);
      await channel.deleteExchange(exchange).catch(() => {});
    });

    it.skipIf(rabbitmqctl !== null)(
      `reconnects when the broker closes the connection, and consumes again${rabbitmqctl ? ` (${rabbitmqctl})` : ''}`,
      async () => {
        const platform = await open({ amqpUrl: AMQP_URL });
        const queue = uniqueName('tf.reconnect.');
        queues.push(queue);
        await request(platform, 'PUT', '/api/2/ingest/specs/again', {
          source: { amqp: { queue } },
          thingId: 'amqp.again:{{$.id}}',
          values: { 'attributes/v': '$.v' },
          create: {},
        });
        await waitFor('the consumer', async () =>
          (await queueInfo(queue))?.consumerCount === 1 ? true : undefined,
        );
        channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id: 't', v: 1 })));
        await valueOf(platform, 'amqp.again:t', 'attributes/v', 1);
        expect(await closeOurAmqpConnections()).toBeGreaterThan(0);
        const lost = await waitFor('the loss reported', async () => {
          const amqpReady = (await request(platform, 'GET', '/ready')).json.amqp as {
            status: string;
            problem?: string;
          };
          return amqpReady.status === 'disconnected' ? amqpReady : undefined;
        });
        expect(lost.problem).toMatch(/cannot reach the AMQP broker/);
        // Sent while Twinfold is away: the queue keeps it for the consumer that comes back.
        channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id: 't', v: 2 })));
        await valueOf(platform, 'amqp.again:t', 'attributes/v', 2);
        const back = (await request(platform, 'GET', '/ready')).json.amqp as Record<
          string,
          unknown
        >;
        expect(back).toMatchObject({ status: 'connected', consumers: 1, inactive: [] });
      },
      30_000,
    );

    it('follows spec changes without a restart: another queue', async () => {
      const platform = await open({ amqpUrl: AMQP_URL });
      const first = uniqueName('tf.q1.');
      const second = uniqueName('tf.q2.');
      queues.push(first, second);
      const spec = (queue: string) => ({
        source: { amqp: { queue } },
        thingId: 'amqp.change:{{$.id}}',
        values: { 'attributes/v': '$.v' },
        create: {},
      });
      await request(platform, 'PUT', '/api/2/ingest/specs/q', spec(first));
      await waitFor('the first queue', async () =>
        (await queueInfo(first))?.consumerCount === 1 ? true : undefined,
      );
      channel.sendToQueue(first, Buffer.from(JSON.stringify({ id: 't', v: 1 })));
      await valueOf(platform, 'amqp.change:t', 'attributes/v', 1);
      await request(platform, 'PUT', '/api/2/ingest/specs/q', spec(second));
      await waitFor('the second queue', async () =>
        (await queueInfo(second))?.consumerCount === 1 ? true : undefined,
      );
      expect((await queueInfo(first))?.consumerCount).toBe(0);
      channel.sendToQueue(second, Buffer.from(JSON.stringify({ id: 't', v: 2 })));
      await valueOf(platform, 'amqp.change:t', 'attributes/v', 2);
    });
  },
);
