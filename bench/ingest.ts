// Benchmark `ingest`: HTTP batch ingest (NDJSON, 1,000 messages a request, 10,000 twins, one spec with
// three mapped values), acknowledged once durable, beside two references measured in the same run:
// batched raw SQLite inserts of the same rows (one event row per message) and JSON.parse of the
// same payloads.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { BenchContext } from './harness/context.js';
import { cpuBetween, threadCpu, type CpuUse } from './harness/cpu.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, percentile, printTable, ratio } from './harness/report.js';
import { twinId } from './harness/seed.js';

export const THINGS = 10_000;
export const PER_REQUEST = 1_000;
const VALUES_PER_MESSAGE = 3;
/** Requests in flight at once (each holds 1,000 messages). */
const IN_FLIGHT = 4;
const DURATION_S = 15;
const WARMUP_S = 3;
/** Distinct bodies sent round-robin (so twins repeat across requests, not within one). */
export const BODIES = 20;

export const SPEC = {
  source: { http: {} },
  thingId: 'bench:{{$.id}}',
  timestamp: { path: '$.ts', format: 'epoch-ms' },
  values: {
    'features/temperature/properties/value': '$.t',
    'features/power/properties/watts': '$.w',
    'features/power/properties/on': '$.on',
  },
};

/** When the observations of bodies made without a start of their own begin (module load). */
const OBSERVED_FROM = Date.now();

/**
 * The n-th NDJSON body: 1,000 messages for 1,000 distinct twins, observed from `from` (epoch ms)
 * on, one millisecond apart.
 */
export function body(n: number, from: number = OBSERVED_FROM): string {
  const lines: string[] = [];
  for (let i = 0; i < PER_REQUEST; i++) {
    const twin = (n * PER_REQUEST + i * 7) % THINGS;
    const id = twinId(twin).slice('bench:'.length);
    lines.push(
      JSON.stringify({
        id,
        ts: from + n * PER_REQUEST + i,
        t: Math.round(((n * 31 + i) % 4000) / 10) / 10,
        w: (n * 17 + i) % 2000,
        on: (n + i) % 2 === 0,
      }),
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Bodies in sending order, made as they are sent: each holds observations newer than every earlier
 * one's (a body sent again would be late, and late observations change no twin). They start now,
 * when the sequence is made: after the twins were seeded, so that none is older than the value a
 * twin holds (a late observation joins the series only: a run made of them measures another path).
 */
export class BodySequence {
  private n = 0;
  private readonly from = Date.now();
  next(): string {
    return body(this.n++, this.from);
  }
}

export interface IngestRun {
  observationsPerSecond: number;
  requests: number;
  failed: number;
  p50: number;
  p99: number;
}

/**
 * Sends the bodies for `seconds`, IN_FLIGHT requests at a time; with `minRequests`, until that
 * many were sent too (a warm-up that must reach every twin, whatever the machine's speed).
 */
export async function drive(
  url: string,
  bodies: BodySequence,
  seconds: number,
  minRequests = 0,
): Promise<IngestRun> {
  const headers = { ...AUTH_HEADERS, 'content-type': 'application/x-ndjson' };
  const latencies: number[] = [];
  let accepted = 0;
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let sent = 0;
  const worker = async () => {
    while (performance.now() < end || sent < minRequests) {
      sent++;
      const payload = bodies.next();
      const t0 = performance.now();
      const response = await fetch(`${url}/api/2/ingest/bench`, {
        method: 'POST',
        headers,
        body: payload,
      });
      const answer = (await response.json()) as { accepted?: number; rejected?: number };
      latencies.push(performance.now() - t0);
      if (response.status !== 200 || answer.rejected !== 0) failed++;
      accepted += answer.accepted ?? 0;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    observationsPerSecond: (accepted * VALUES_PER_MESSAGE) / elapsed,
    requests: latencies.length,
    failed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

/**
 * The rows the journal would hold for the same messages (one merged event per message), inserted
 * raw in transactions of 1,000 into a table shaped like the journal's, WAL and synchronous=NORMAL.
 */
function rawSqliteObservationsPerSecond(dir: string, bodies: string[], seconds: number): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, thing_id TEXT NOT NULL, revision INTEGER NOT NULL,
    ts INTEGER NOT NULL, action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, UNIQUE (thing_id, revision))`);
  const insert = db.prepare(
    'INSERT INTO events (thing_id, revision, ts, action, path, value) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const rows = bodies.map((b) =>
    b
      .trimEnd()
      .split('\n')
      .map((line) => {
        const m = JSON.parse(line) as { id: string; t: number; w: number; on: boolean };
        const value = JSON.stringify({
          features: {
            temperature: { properties: { value: m.t } },
            power: { properties: { watts: m.w, on: m.on } },
          },
        });
        return [`bench:${m.id}`, value] as const;
      }),
  );
  const revisions = new Map<string, number>();
  const batch = db.transaction((batchRows: readonly (readonly [string, string])[]) => {
    const now = Date.now();
    for (const [thingId, value] of batchRows) {
      const revision = (revisions.get(thingId) ?? 1) + 1;
      revisions.set(thingId, revision);
      insert.run(thingId, revision, now, 'merged', '', value);
    }
  });
  let messages = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  for (let n = 0; performance.now() < end; n++) {
    batch(rows[n % rows.length]);
    messages += PER_REQUEST;
  }
  const elapsed = (performance.now() - started) / 1000;
  db.close();
  return (messages * VALUES_PER_MESSAGE) / elapsed;
}

/** JSON.parse of the same NDJSON bodies, line by line, as observations/s. */
function jsonParseObservationsPerSecond(bodies: string[], seconds: number): number {
  let messages = 0;
  let sink = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  for (let n = 0; performance.now() < end; n++) {
    for (const line of bodies[n % bodies.length].split('\n')) {
      if (line === '') continue;
      sink += (JSON.parse(line) as { w: number }).w;
      messages++;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  if (sink === -1) console.log(sink);
  return (messages * VALUES_PER_MESSAGE) / elapsed;
}

/** One server's HTTP ingest run: the spec put, a warm-up, then the measured run with its CPU. */
async function measure(
  context: BenchContext,
  series: 'on' | 'off',
): Promise<{ run: IngestRun; cpu: CpuUse }> {
  const data = await context.freshSeededDir(THINGS, false);
  const server = await startTwinfold({ data, extraArgs: ['--series', series] });
  try {
    const put = await fetch(`${server.url}/api/2/ingest/specs/bench`, {
      method: 'PUT',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(SPEC),
    });
    if (put.status !== 201) throw new Error(`PUT spec: ${put.status} ${await put.text()}`);
    const bodies = new BodySequence();
    await drive(server.url, bodies, WARMUP_S);
    const before = await threadCpu(server.child.pid);
    const run = await drive(server.url, bodies, DURATION_S);
    const cpu = cpuBetween(server.child.pid, before, await threadCpu(server.child.pid));
    return { run, cpu };
  } finally {
    await server.child.stop();
  }
}

export async function ingestBenchmark(context: BenchContext): Promise<void> {
  const bodies = Array.from({ length: BODIES }, (_, n) => body(n));
  const { run: bare } = await measure(context, 'off');
  const { run, cpu } = await measure(context, 'on');
  const raw = rawSqliteObservationsPerSecond(await context.freshDir('raw-sqlite'), bodies, 5);
  const parse = jsonParseObservationsPerSecond(bodies, 3);
  printTable(
    `ingest: POST /api/2/ingest/{spec}, NDJSON ${fmt(PER_REQUEST)} messages/request x ${VALUES_PER_MESSAGE} values, ${fmt(THINGS)} twins, ${IN_FLIGHT} requests in flight, ${DURATION_S} s`,
    ['what', 'observations/s', 'vs raw SQLite', 'p50 request', 'p99 request', 'failed'],
    [
      [
        'Twinfold HTTP ingest, series kept (acknowledged once durable)',
        fmt(run.observationsPerSecond),
        ratio(run.observationsPerSecond, raw),
        ms(run.p50),
        ms(run.p99),
        fmt(run.failed),
      ],
      [
        'Twinfold HTTP ingest, --series off',
        fmt(bare.observationsPerSecond),
        ratio(bare.observationsPerSecond, raw),
        ms(bare.p50),
        ms(bare.p99),
        fmt(bare.failed),
      ],
      [
        'raw SQLite inserts, 1,000 rows/transaction (reference)',
        fmt(raw),
        ratio(raw, raw),
        '',
        '',
        '',
      ],
      ['JSON.parse of the same payload (reference)', fmt(parse), ratio(parse, raw), '', '', ''],
    ],
  );
  note(`${fmt(run.requests)} requests of ${fmt(PER_REQUEST)} messages`);
  // CPU per message is what a busy shared machine disturbs least: compare it before and after.
  const perMessage = (seconds: number) =>
    `${((seconds * 1e6) / (run.requests * PER_REQUEST)).toFixed(1)} µs`;
  note(
    `server CPU per message (series kept): ${perMessage(cpu.total)} in all, ${perMessage(cpu.main)} on the event loop, ${perMessage(cpu.busiestOther)} on the busiest other thread (the journal writer, or the series thread)`,
  );
  const kept = run.observationsPerSecond / bare.observationsPerSecond;
  note(
    `bar: >= 200,000 observations/s -> ${meets(run.observationsPerSecond >= 200_000 && run.failed === 0)}`,
  );
  note(
    `bar: series keep >= 70 % of ingest throughput: ${(kept * 100).toFixed(0)} % -> ${meets(kept >= 0.7 && run.failed === 0)}`,
  );
}
