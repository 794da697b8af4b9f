// Benchmark `live`: (1) latency from an HTTP ingest to its event at WebSocket subscribers, paced at
// half the maximum ingest rate measured in the same run, with 100 subscribers; (2) the ingest rate
// with a slow WebSocket consumer and a dead webhook receiver beside the rate without them.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, percentile, printTable, ratio } from './harness/report.js';
import { twinId } from './harness/seed.js';
import { BODIES, SPEC, THINGS, body, drive, type IngestRun } from './ingest.js';

const SUBSCRIBERS = 100;
/** Messages per ingest request in the latency part (each request is one sample per message). */
const LATENCY_BATCH = 100;
const MAX_RATE_S = 5;
const LATENCY_S = 10;
const WARMUP_S = 2;
const ROUNDS = 3;
const ROUND_S = 5;

async function api(url: string, method: string, path: string, payload?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/**
 * The k-th request of the latency part: LATENCY_BATCH messages for distinct twins, each carrying
 * k as its `w` (power/watts), so that every event says which request it came from.
 */
function latencyBody(k: number): string {
  const lines: string[] = [];
  for (let i = 0; i < LATENCY_BATCH; i++) {
    const twin = (k * LATENCY_BATCH + i) % THINGS;
    const id = twinId(twin).slice('bench:'.length);
    lines.push(`{"id":"${id}","ts":${1_764_000_000_000 + k},"t":${i % 40},"w":${k},"on":true}`);
  }
  return lines.join('\n') + '\n';
}

/** Subscriber s sees the twins whose number is s modulo SUBSCRIBERS: each event reaches one. */
function subscriberFilter(s: number): string {
  const ids: string[] = [];
  for (let t = s; t < THINGS; t += SUBSCRIBERS) ids.push(`"${twinId(t)}"`);
  return `in(thingId,${ids.join(',')})`;
}

function openSocket(
  url: string,
  start: string,
  onMessage: (text: string) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/ws/2`, { headers: AUTH_HEADERS });
    socket.once('error', reject);
    socket.once('open', () => socket.send(start));
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.endsWith(':ACK')) return resolve(socket);
      if (text.includes('"topic":"_/_/things/twin/errors"')) return reject(new Error(text));
      onMessage(text);
    });
  });
}

/** Ingests LATENCY_BATCH-message requests, paced at `rate` messages/s, for `seconds`. */
async function paced(
  url: string,
  rate: number,
  seconds: number,
  sent: number[],
): Promise<{ requests: number; failed: number; acks: number[] }> {
  const headers = { ...AUTH_HEADERS, 'content-type': 'application/x-ndjson' };
  const perSecond = rate / LATENCY_BATCH;
  const total = Math.max(1, Math.round(perSecond * seconds));
  const acks: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const k = sent.length;
    const payload = latencyBody(k);
    sent.push(performance.now());
    pending.push(
      fetch(`${url}/api/2/ingest/bench`, { method: 'POST', headers, body: payload })
        .then(async (response) => {
          const answer = (await response.json()) as { accepted?: number };
          if (response.status !== 200 || answer.accepted !== LATENCY_BATCH) failed++;
          acks.push(performance.now() - sent[k]);
        })
        .catch(() => void failed++),
    );
  }
  await Promise.all(pending);
  return { requests: total, failed, acks };
}

/** Max messages/s of LATENCY_BATCH-message requests, 4 in flight, no pacing. */
async function maxRate(url: string, seconds: number, sent: number[]): Promise<number> {
  const headers = { ...AUTH_HEADERS, 'content-type': 'application/x-ndjson' };
  let accepted = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < end) {
        const k = sent.length;
        sent.push(performance.now());
        const response = await fetch(`${url}/api/2/ingest/bench`, {
          method: 'POST',
          headers,
          body: latencyBody(k),
        });
        accepted += ((await response.json()) as { accepted?: number }).accepted ?? 0;
      }
    }),
  );
  return accepted / ((performance.now() - started) / 1000);
}

async function latencyPart(context: BenchContext): Promise<void> {
  const server = await startTwinfold({ data: await context.freshSeededDir(THINGS, false) });
  const sockets: WebSocket[] = [];
  try {
    await api(server.url, 'PUT', '/api/2/ingest/specs/bench', SPEC);
    const sent: number[] = [];
    let measuring = false;
    const latency: number[] = [];
    const watts = /"watts":(\d+)/;
    /** The first request measured: events of earlier ones arriving late are not samples. */
    let from = Infinity;
    const onEvent = (text: string) => {
      if (!measuring) return;
      const m = watts.exec(text);
      const k = m ? Number(m[1]) : -1;
      if (k >= from) latency.push(performance.now() - sent[k]);
    };
    await maxRate(server.url, WARMUP_S, sent);
    const alone = await maxRate(server.url, MAX_RATE_S, sent);
    for (let s = 0; s < SUBSCRIBERS; s++)
      sockets.push(
        await openSocket(
          server.url,
          `START-SEND-EVENTS?filter=${encodeURIComponent(subscriberFilter(s))}`,
          onEvent,
        ),
      );
    const watched = await maxRate(server.url, MAX_RATE_S, sent);
    const rate = alone / 2;
    await paced(server.url, rate, WARMUP_S, sent);
    measuring = true;
    from = sent.length;
    const run = await paced(server.url, rate, LATENCY_S, sent);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    measuring = false;
    const expected = (run.requests - run.failed) * LATENCY_BATCH;
    printTable(
      `live (1): HTTP ingest (NDJSON, ${LATENCY_BATCH} messages a request, ${fmt(THINGS)} twins) -> Ditto Protocol event, ${SUBSCRIBERS} WebSocket subscribers each filtering its 1/${SUBSCRIBERS} of the twins (in(thingId,…)), paced at half the maximum rate`,
      ['measure', 'value', 'p50', 'p99', 'max'],
      [
        ['max ingest, no subscriber (reference)', `${fmt(alone)} msg/s`, '', '', ''],
        [`max ingest, ${SUBSCRIBERS} subscribers`, `${fmt(watched)} msg/s`, '', '', ''],
        [
          `paced at ${fmt(rate)} msg/s: request -> 200 (durable)`,
          `${fmt(run.acks.length)} requests`,
          ms(percentile(run.acks, 0.5)),
          ms(percentile(run.acks, 0.99)),
          ms(percentile(run.acks, 1)),
        ],
        [
          `paced at ${fmt(rate)} msg/s: request sent -> event at its subscriber`,
          `${fmt(latency.length)} of ${fmt(expected)} events`,
          ms(percentile(latency, 0.5)),
          ms(percentile(latency, 0.99)),
          ms(percentile(latency, 1)),
        ],
      ],
    );
    note(`failed requests: ${fmt(run.failed)}`);
    note(
      `bar: event p99 <= 50 ms at half the maximum ingest rate, ${SUBSCRIBERS} subscribers -> ${meets(percentile(latency, 0.99) <= 50 && latency.length === expected)}`,
    );
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.child.stop();
  }
}

/** A port nothing listens on: connections to it are refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A subscriber to every event that never reads: its socket is paused from the start. */
async function slowConsumer(url: string): Promise<{ socket: WebSocket; closed: Promise<string> }> {
  const socket = await openSocket(url, 'START-SEND-EVENTS', () => undefined);
  const closed = new Promise<string>((resolve) =>
    socket.once('close', (code, reason) => resolve(`${code} ${reason.toString()}`)),
  );
  socket.pause();
  return { socket, closed };
}

async function slowConsumersPart(context: BenchContext): Promise<void> {
  const bodies = Array.from({ length: BODIES }, (_, n) => body(n));
  const server = await startTwinfold({ data: await context.freshSeededDir(THINGS, false) });
  const runs: { slow: boolean; run: IngestRun; closedBy: string }[] = [];
  try {
    await api(server.url, 'PUT', '/api/2/ingest/specs/bench', SPEC);
    await drive(server.url, bodies, WARMUP_S);
    const refused = `http://127.0.0.1:${await refusedPort()}/hook`;
    for (let round = 0; round < ROUNDS; round++) {
      runs.push({ slow: false, run: await drive(server.url, bodies, ROUND_S), closedBy: '' });
      const { id } = (await api(server.url, 'POST', '/api/2/webhooks', { url: refused })) as {
        id: string;
      };
      const consumer = await slowConsumer(server.url);
      const run = await drive(server.url, bodies, ROUND_S);
      const closedBy = await Promise.race([
        consumer.closed,
        new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 100)),
      ]);
      consumer.socket.terminate();
      await api(server.url, 'DELETE', `/api/2/webhooks/${id}`);
      runs.push({ slow: true, run, closedBy });
    }
  } finally {
    await server.child.stop();
  }
  const summary = (slow: boolean) => {
    const mine = runs.filter((r) => r.slow === slow);
    return {
      rate: mine.reduce((a, r) => a + r.run.observationsPerSecond, 0) / mine.length,
      rounds: mine.map((r) => fmt(r.run.observationsPerSecond)).join(' / '),
      p99: Math.max(...mine.map((r) => r.run.p99)),
      failed: mine.reduce((a, r) => a + r.run.failed, 0),
      closedBy: mine.map((r) => r.closedBy).find((c) => c !== '') ?? '',
    };
  };
  const alone = summary(false);
  const slowed = summary(true);
  printTable(
    `live (2): HTTP ingest as in 'ingest' (${fmt(THINGS)} twins), ${ROUNDS} interleaved rounds of ${ROUND_S} s, one server, same run`,
    ['what', 'observations/s', 'vs alone', 'per round', 'worst p99', 'failed'],
    [
      ['nothing listening (reference)', alone],
      ['a paused WebSocket consumer of every event + a webhook to a dead receiver', slowed],
    ].map(([label, r]) => {
      const row = r as ReturnType<typeof summary>;
      return [
        label as string,
        fmt(row.rate),
        ratio(row.rate, alone.rate),
        row.rounds,
        ms(row.p99),
        fmt(row.failed),
      ];
    }),
  );
  note(`the paused consumer's socket at the end of its round: ${slowed.closedBy}`);
  note(
    `bar: a slow WebSocket consumer and a dead webhook receiver within 10 % of the rate without them -> ${meets(slowed.rate >= 0.9 * alone.rate)}`,
  );
}

export async function liveBenchmark(context: BenchContext): Promise<void> {
  const only = process.env.BENCH_LIVE_PART;
  if (only !== '2') await latencyPart(context);
  if (only !== '1') await slowConsumersPart(context);
}
