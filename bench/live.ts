// Benchmark `live`: (1) latency from an HTTP ingest to its event at WebSocket subscribers, paced at
// half the maximum ingest rate measured in the same run, with 100 subscribers; (2) the ingest rate
// with a slow WebSocket consumer and a dead webhook receiver beside the rate without them.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { BenchContext } from './harness/context.js';
import { cpuBetween, threadCpu, type CpuUse } from './harness/cpu.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, percentile, printTable, ratio } from './harness/report.js';
import { twinId } from './harness/seed.js';
import { BodySequence, PER_REQUEST, SPEC, THINGS, drive, type IngestRun } from './ingest.js';

const SUBSCRIBERS = 100;
/** Messages per ingest request in the latency part (each request is one sample per message). */
const LATENCY_BATCH = 100;
const MAX_RATE_S = 5;
const LATENCY_S = 10;
const WARMUP_S = 2;
/** Rounds of the two cases of part (2), each round both cases (ABBA order). */
const ROUNDS = 4;
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
    // Observed now: older than the seeded twins' values, they would be late and change no twin.
    lines.push(`{"id":"${id}","ts":${Date.now()},"t":${i % 40},"w":${k},"on":true}`);
  }
  return lines.join('\n') + '\n';
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

/**
 * The system's monotonic clock in ms (process.hrtime): the subscribers' process stamps arrivals
 * with it, this one the sending of requests.
 */
const clock = () => Number(process.hrtime.bigint()) / 1e6;

interface Subscribers {
  pid: number;
  /** Records the events of requests `from` and later. */
  measure(from: number): void;
  /** Each recorded event's request number and arrival time; stops recording. */
  report(): Promise<{ ks: number[]; at: number[] }>;
  stop(): void;
}

/** Starts bench/children/ws-subscribers.ts; resolves once all its sockets are subscribed. */
function startSubscribers(url: string): Promise<Subscribers> {
  const child = fork(
    fileURLToPath(new URL('./children/ws-subscribers.ts', import.meta.url)),
    [url, String(SUBSCRIBERS), String(THINGS)],
    { execArgv: ['--import', 'tsx'] },
  );
  const subscribers: Subscribers = {
    pid: child.pid as number,
    measure: (from) => child.send({ measure: from }),
    report: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { ks: number[]; at: number[] }));
        child.send({ report: true });
      }),
    stop: () => {
      if (child.connected) child.disconnect();
      child.kill();
    },
  };
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the subscribers exited (${code})`)));
    child.once('message', (m: { ready?: boolean; failed?: string }) => {
      if (m.ready) resolve(subscribers);
      else reject(new Error(`the subscribers failed: ${m.failed}`));
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
    sent.push(clock());
    pending.push(
      fetch(`${url}/api/2/ingest/bench`, { method: 'POST', headers, body: payload })
        .then(async (response) => {
          const answer = (await response.json()) as { accepted?: number };
          if (response.status !== 200 || answer.accepted !== LATENCY_BATCH) failed++;
          acks.push(clock() - sent[k]);
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
        sent.push(clock());
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
  let subscribers: Subscribers | null = null;
  try {
    await api(server.url, 'PUT', '/api/2/ingest/specs/bench', SPEC);
    const sent: number[] = [];
    /**
     * CPU µs per message of the server, of this process (the sender) and of the subscribers'
     * process over `run`.
     */
    const cpuPerMessage = async <T>(run: () => Promise<T>) => {
      const pids = [server.child.pid, subscribers?.pid ?? -1];
      const before = await Promise.all(pids.map(threadCpu));
      const client = process.cpuUsage();
      const from = sent.length;
      const result = await run();
      const after = await Promise.all(pids.map(threadCpu));
      const [used, subscribing] = pids.map((pid, i) => cpuBetween(pid, before[i], after[i]));
      const clientUsed = process.cpuUsage(client);
      const count = (sent.length - from) * LATENCY_BATCH;
      return {
        result,
        server: (used.total * 1e6) / count,
        main: (used.main * 1e6) / count,
        sender: (clientUsed.user + clientUsed.system) / count,
        subscribers: (subscribing.total * 1e6) / count,
      };
    };
    await maxRate(server.url, WARMUP_S, sent);
    const aloneRun = await cpuPerMessage(() => maxRate(server.url, MAX_RATE_S, sent));
    const alone = aloneRun.result;
    subscribers = await startSubscribers(server.url);
    const watchedRun = await cpuPerMessage(() => maxRate(server.url, MAX_RATE_S, sent));
    const watched = watchedRun.result;
    // BENCH_LIVE_RATE fixes the paced rate (messages/s), so that runs of two builds on a noisy
    // machine compare at the same load; by default it is half the maximum of this run.
    const rate = Number(process.env.BENCH_LIVE_RATE) || alone / 2;
    await paced(server.url, rate, WARMUP_S, sent);
    // Events of earlier requests arriving late are not samples.
    subscribers.measure(sent.length);
    const run = await paced(server.url, rate, LATENCY_S, sent);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const arrivals = await subscribers.report();
    const latency = arrivals.ks.map((k, i) => arrivals.at[i] - sent[k]);
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
    const cpu = (r: typeof aloneRun) =>
      `server ${r.server.toFixed(1)} µs (event loop ${r.main.toFixed(1)} µs); bench: sender ${r.sender.toFixed(1)} µs, subscribers ${r.subscribers.toFixed(1)} µs`;
    note(`CPU per message at the maximum rate, no subscriber: ${cpu(aloneRun)}`);
    note(`CPU per message at the maximum rate, ${SUBSCRIBERS} subscribers: ${cpu(watchedRun)}`);
    note(
      `bar: event p99 <= 50 ms at half the maximum ingest rate, ${SUBSCRIBERS} subscribers -> ${meets(percentile(latency, 0.99) <= 50 && latency.length === expected)}`,
    );
  } finally {
    subscribers?.stop();
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
async function slowConsumer(url: string): Promise<WebSocket> {
  const socket = await openSocket(url, 'START-SEND-EVENTS', () => undefined);
  socket.pause();
  return socket;
}

/**
 * The /ws/2 sessions the server holds open (its `twinfold_connections` gauge). A paused client
 * never reads the close frame of a server that closed it, so only the server can tell.
 */
async function openSockets(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`, { headers: AUTH_HEADERS });
  const text = await response.text();
  return Number(/^twinfold_connections\{kind="websocket"\} (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function slowConsumersPart(context: BenchContext): Promise<void> {
  const bodies = new BodySequence();
  const server = await startTwinfold({ data: await context.freshSeededDir(THINGS, false) });
  const runs: { slow: boolean; run: IngestRun; closedBy: string; cpu: CpuUse }[] = [];
  /** A round of `drive` with the server's CPU over it. */
  const measured = async (): Promise<{ run: IngestRun; cpu: CpuUse }> => {
    const before = await threadCpu(server.child.pid);
    const run = await drive(server.url, bodies, ROUND_S);
    return { run, cpu: cpuBetween(server.child.pid, before, await threadCpu(server.child.pid)) };
  };
  try {
    await api(server.url, 'PUT', '/api/2/ingest/specs/bench', SPEC);
    await drive(server.url, bodies, WARMUP_S);
    const refused = `http://127.0.0.1:${await refusedPort()}/hook`;
    const alone = async () => void runs.push({ slow: false, ...(await measured()), closedBy: '' });
    const slowed = async () => {
      const { id } = (await api(server.url, 'POST', '/api/2/webhooks', { url: refused })) as {
        id: string;
      };
      const consumer = await slowConsumer(server.url);
      const { run, cpu } = await measured();
      const closedBy =
        (await openSockets(server.url)) === 0 ? 'closed by the server' : 'still open';
      consumer.terminate();
      await api(server.url, 'DELETE', `/api/2/webhooks/${id}`);
      runs.push({ slow: true, run, closedBy, cpu });
    };
    // Rounds in the order ABBA ABBA…: a drift of the shared machine or of the server over the
    // run (its journal grows) weighs on both cases alike, not on whichever always came second.
    for (let round = 0; round < ROUNDS; round++)
      if (round % 2 === 0) {
        await alone();
        await slowed();
      } else {
        await slowed();
        await alone();
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
      closedBy: mine.map((r) => r.closedBy).join(', '),
      /** Server CPU µs per ingested message, over every round of the case. */
      cpu: (key: keyof CpuUse) =>
        (1e6 * mine.reduce((a, r) => a + r.cpu[key], 0)) /
        mine.reduce((a, r) => a + r.run.requests * PER_REQUEST, 0),
    };
  };
  const alone = summary(false);
  const slowed = summary(true);
  /** Per round, the slowed rate over the rate of the same round without them. */
  const perRound = Array.from({ length: ROUNDS }, (_, round) => {
    const [a, b] = runs.slice(2 * round, 2 * round + 2);
    const [without, withThem] = a.slow ? [b, a] : [a, b];
    return withThem.run.observationsPerSecond / without.run.observationsPerSecond;
  });
  printTable(
    `live (2): HTTP ingest as in 'ingest' (${fmt(THINGS)} twins), ${ROUNDS} rounds of ${ROUND_S} s per case in the order ABBA…, one server, same run`,
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
  note(
    `per round, with them vs without: ${perRound.map((r) => `${fmt(100 * r)} %`).join(' / ')}; median ${fmt(100 * percentile(perRound, 0.5))} %`,
  );
  note(`the paused consumer at the end of each of its rounds: ${slowed.closedBy}`);
  const cpu = (r: typeof alone) =>
    `${r.cpu('total').toFixed(1)} µs (event loop ${r.cpu('main').toFixed(1)} µs, journal writer ${r.cpu('busiestOther').toFixed(1)} µs)`;
  note(`server CPU per message, nothing listening: ${cpu(alone)}`);
  note(`server CPU per message, paused consumer + dead webhook: ${cpu(slowed)}`);
  note(
    `bar: a slow WebSocket consumer and a dead webhook receiver within 10 % of the rate without them -> ${meets(slowed.rate >= 0.9 * alone.rate)}`,
  );
}

export async function liveBenchmark(context: BenchContext): Promise<void> {
  const only = process.env.BENCH_LIVE_PART;
  if (only !== '2') await latencyPart(context);
  if (only !== '1') await slowConsumersPart(context);
}
