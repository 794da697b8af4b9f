// Benchmark `messaging`: messages/s through NATS JetStream and AMQP (RabbitMQ) ingest into twins,
// each acknowledged once durable, beside a raw consumer of the same broker that only acknowledges
// the same messages, measured in the same run; and core NATS ingest beside a raw core subscriber.
import amqp from 'amqplib';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, startTwinfold, type Server } from './harness/processes.js';
import { fmt, note, printTable, ratio } from './harness/report.js';

const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const TWINS = Number(process.env.BENCH_MQ_TWINS ?? 1_000);
const MESSAGES = 50_000;
const CORE_MESSAGES = 20_000;

const unique = () => Math.random().toString(36).slice(2, 10);

/** The i-th message of `total`: three values; the last message of each twin says so. */
function payload(i: number, total: number): string {
  return JSON.stringify({
    id: `t${i % TWINS}`,
    t: (i % 400) / 10,
    w: i % 2000,
    last: i >= total - TWINS,
  });
}

const spec = (source: unknown) => ({
  source,
  thingId: 'bench.mq:{{$.id}}',
  values: {
    'features/temperature/properties/value': '$.t',
    'features/power/properties/watts': '$.w',
    'attributes/last': '$.last',
  },
  create: {},
});

async function api(server: Server, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${server.url}/api/2${path}`, {
    method,
    headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

/** Resets the marker, so that a run counts only its own last messages. */
async function resetTwins(server: Server): Promise<void> {
  for (let i = 0; i < TWINS; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, TWINS - i) }, (_, k) =>
        api(server, 'PUT', `/things/bench.mq:t${i + k}/attributes/last`, false).catch(() => null),
      ),
    );
}

/** Waits until every twin has taken its last message. */
async function allLast(server: Server, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await api(
      server,
      'GET',
      '/search/things/count?namespaces=bench.mq&filter=eq(attributes/last,true)',
    );
    if (count === TWINS) return;
    if (Date.now() > deadline) throw new Error(`only ${String(count)} of ${TWINS} twins finished`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function consumerDone(jsm: JetStreamManager, stream: string, name: string): Promise<void> {
  for (;;) {
    const info = await jsm.consumers.info(stream, name).catch(() => null);
    if (
      info &&
      info.num_pending === 0 &&
      info.num_ack_pending === 0 &&
      info.delivered.stream_seq > 0
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function jetStreamRun(nc: NatsConnection, server: Server) {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `BENCH_${unique()}`;
  const subject = `bench.${unique()}`;
  await jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
  try {
    for (let i = 0; i < MESSAGES; i += 1000)
      await Promise.all(
        Array.from({ length: 1000 }, (_, k) =>
          js.publish(`${subject}.m`, payload(i + k, MESSAGES)),
        ),
      );
    // The reference: a durable consumer like Twinfold's that acknowledges and does nothing else.
    await jsm.consumers.add(stream, {
      durable_name: 'raw',
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${subject}.>`,
      max_ack_pending: 2000,
    });
    const rawStart = performance.now();
    const raw = await (
      await js.consumers.get(stream, 'raw')
    ).consume({
      max_messages: 1000,
      callback: (m) => m.ack(),
    });
    await consumerDone(jsm, stream, 'raw');
    const rawRate = MESSAGES / ((performance.now() - rawStart) / 1000);
    await raw.close();

    await resetTwins(server);
    const started = performance.now();
    await api(
      server,
      'PUT',
      '/ingest/specs/bench-js',
      spec({ nats: { subject: `${subject}.*`, stream } }),
    );
    await consumerDone(jsm, stream, 'twinfold-bench-js');
    await allLast(server);
    const rate = MESSAGES / ((performance.now() - started) / 1000);
    await api(server, 'DELETE', '/ingest/specs/bench-js');
    return { rate, rawRate };
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
  }
}

async function coreRun(nc: NatsConnection, server: Server) {
  const subject = `bench.core.${unique()}`;
  // The reference: a core subscriber that counts the same messages.
  let seen = 0;
  const rawStart = performance.now();
  let rawEnd = 0;
  const sub = nc.subscribe(subject, {
    callback: () => {
      if (++seen === CORE_MESSAGES) rawEnd = performance.now();
    },
  });
  await nc.flush();
  for (let i = 0; i < CORE_MESSAGES; i++) {
    nc.publish(subject, payload(i, CORE_MESSAGES));
    if (i % 1000 === 999) await nc.flush();
  }
  await nc.flush();
  while (rawEnd === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  sub.unsubscribe();
  const rawRate = CORE_MESSAGES / ((rawEnd - rawStart) / 1000);

  await resetTwins(server);
  await api(server, 'PUT', '/ingest/specs/bench-core', spec({ nats: { subject } }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  for (let i = 0; i < CORE_MESSAGES; i++) {
    nc.publish(subject, payload(i, CORE_MESSAGES));
    if (i % 1000 === 999) await nc.flush();
  }
  await allLast(server, 60_000);
  const rate = CORE_MESSAGES / ((performance.now() - started) / 1000);
  await api(server, 'DELETE', '/ingest/specs/bench-core');
  return { rate, rawRate };
}

async function amqpRun(server: Server) {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createConfirmChannel();
  const fill = async (queue: string) => {
    await channel.assertQueue(queue, { durable: true });
    for (let i = 0; i < MESSAGES; i += 1000) {
      for (let k = 0; k < 1000; k++)
        channel.sendToQueue(queue, Buffer.from(payload(i + k, MESSAGES)), { persistent: true });
      await channel.waitForConfirms();
    }
  };
  const rawQueue = `bench.raw.${unique()}`;
  const queue = `bench.tf.${unique()}`;
  try {
    await fill(rawQueue);
    await fill(queue);
    // The reference: a consumer with Twinfold's prefetch that acknowledges and does nothing else.
    const consumer = await connection.createChannel();
    await consumer.prefetch(1000);
    let seen = 0;
    const rawStart = performance.now();
    await new Promise<void>((resolve) => {
      void consumer.consume(rawQueue, (m) => {
        if (m === null) return;
        consumer.ack(m);
        if (++seen === MESSAGES) resolve();
      });
    });
    const rawRate = MESSAGES / ((performance.now() - rawStart) / 1000);
    await consumer.close();

    await resetTwins(server);
    const started = performance.now();
    await api(server, 'PUT', '/ingest/specs/bench-amqp', spec({ amqp: { queue } }));
    await allLast(server);
    const rate = MESSAGES / ((performance.now() - started) / 1000);
    await api(server, 'DELETE', '/ingest/specs/bench-amqp');
    return { rate, rawRate };
  } finally {
    await channel.deleteQueue(rawQueue).catch(() => {});
    await channel.deleteQueue(queue).catch(() => {});
    await connection.close();
  }
}

/** The same messages over HTTP (NDJSON, 1,000 a request, 4 in flight): what the transports add. */
async function httpRun(server: Server) {
  await resetTwins(server);
  await api(server, 'PUT', '/ingest/specs/bench-http', spec({ http: {} }));
  const bodies: string[] = [];
  for (let i = 0; i < MESSAGES; i += 1000)
    bodies.push(Array.from({ length: 1000 }, (_, k) => payload(i + k, MESSAGES)).join('\n') + '\n');
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const response = await fetch(`${server.url}/api/2/ingest/bench-http`, {
          method: 'POST',
          headers: { ...AUTH_HEADERS, 'content-type': 'application/x-ndjson' },
          body,
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`HTTP ingest: ${response.status}`);
      }
    }),
  );
  await allLast(server);
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  await api(server, 'DELETE', '/ingest/specs/bench-http');
  return rate;
}

export async function messagingBenchmark(context: BenchContext): Promise<void> {
  const server = await startTwinfold({
    data: await context.freshDir('messaging'),
    extraArgs: ['--nats-url', NATS_URL, '--amqp-url', AMQP_URL],
  });
  const nc = await connect({ servers: NATS_URL });
  try {
    // The twins exist before the runs: what is measured is ingest, not creation.
    for (let i = 0; i < TWINS; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, TWINS - i) }, (_, k) =>
          api(server, 'PUT', `/things/bench.mq:t${i + k}`, { attributes: { last: false } }).catch(
            () => null,
          ),
        ),
      );
    const js = await jetStreamRun(nc, server);
    const mq = await amqpRun(server);
    const core = await coreRun(nc, server);
    const http = await httpRun(server);
    printTable(
      `Ingest through brokers (${fmt(MESSAGES)} messages, ${fmt(TWINS)} twins, 3 values each; acknowledged once durable)`,
      ['path', 'Twinfold msg/s', 'raw consumer msg/s', 'Twinfold / raw'],
      [
        [
          'NATS JetStream (durable consumer)',
          fmt(js.rate),
          fmt(js.rawRate),
          ratio(js.rate, js.rawRate),
        ],
        [
          'AMQP (RabbitMQ, prefetch 1000)',
          fmt(mq.rate),
          fmt(mq.rawRate),
          ratio(mq.rate, mq.rawRate),
        ],
        [
          `core NATS (${fmt(CORE_MESSAGES)} messages)`,
          fmt(core.rate),
          fmt(core.rawRate),
          ratio(core.rate, core.rawRate),
        ],
        ['HTTP NDJSON (1,000 a request, reference)', fmt(http), '—', '—'],
      ],
    );
    note(
      'raw consumer: the same broker, subscription and messages, acknowledging and nothing else.',
    );
    note(
      'Twinfold: from the spec PUT (JetStream, AMQP: messages already queued) until every twin has its last value.',
    );
  } finally {
    await nc.close();
    await server.child.stop();
  }
}
