// Benchmark `webhooks`: HTTP batch ingest (as in `ingest`) with no webhook, with a webhook whose
// receiver is dead (connections refused), and with one whose receiver accepts and never answers,
// all on one server in the same run: a dead receiver must leave the ingest rate within 10 %.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, printTable, ratio } from './harness/report.js';
import { BodySequence, SPEC, THINGS, drive, type IngestRun } from './ingest.js';

const WARMUP_S = 3;
/** Rounds of the three cases, interleaved so that drift of a shared machine hits each alike. */
const ROUNDS = 3;
const DURATION_S = 5;

/** A port nothing listens on: connections to it are refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A receiver that accepts every request and never answers it. */
async function hangingReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, server };
}

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

const CASES = [
  'no webhook (reference)',
  'a webhook, receiver refuses connections',
  'a webhook, receiver accepts and never answers',
];

export async function webhooksBenchmark(context: BenchContext): Promise<void> {
  const bodies = new BodySequence();
  const data = await context.freshSeededDir(THINGS, false);
  const server = await startTwinfold({ data });
  const hanging = await hangingReceiver();
  const runs: { label: string; run: IngestRun; backlog: number | null }[] = [];
  try {
    await api(server.url, 'PUT', '/api/2/ingest/specs/bench', SPEC);
    await drive(server.url, bodies, WARMUP_S);
    const measure = async (label: string, url: string | null) => {
      let id: string | null = null;
      if (url !== null)
        id = ((await api(server.url, 'POST', '/api/2/webhooks', { url })) as { id: string }).id;
      const run = await drive(server.url, bodies, DURATION_S);
      let backlog: number | null = null;
      if (id !== null) {
        backlog = ((await api(server.url, 'GET', `/api/2/webhooks/${id}`)) as { backlog: number })
          .backlog;
        await api(server.url, 'DELETE', `/api/2/webhooks/${id}`);
      }
      runs.push({ label, run, backlog });
    };
    const refused = `http://127.0.0.1:${await refusedPort()}/hook`;
    for (let round = 0; round < ROUNDS; round++) {
      await measure(CASES[0], null);
      await measure(CASES[1], refused);
      await measure(CASES[2], hanging.url);
    }
  } finally {
    await server.child.stop();
    hanging.server.closeAllConnections();
    hanging.server.close();
  }
  // Per case: every round's observations over every round's time (the mean rate), the worst p99.
  const rows = CASES.map((label) => {
    const mine = runs.filter((r) => r.label === label);
    const rate = mine.reduce((a, r) => a + r.run.observationsPerSecond, 0) / mine.length;
    return {
      label,
      rate,
      rounds: mine.map((r) => fmt(r.run.observationsPerSecond)).join(' / '),
      p50: Math.max(...mine.map((r) => r.run.p50)),
      p99: Math.max(...mine.map((r) => r.run.p99)),
      failed: mine.reduce((a, r) => a + r.run.failed, 0),
      backlog: mine[mine.length - 1].backlog,
    };
  });
  const reference = rows[0].rate;
  printTable(
    `webhooks: HTTP ingest as in 'ingest' (${fmt(THINGS)} twins), ${ROUNDS} interleaved rounds of ${DURATION_S} s per case, one server, same run`,
    [
      'what',
      'observations/s',
      'vs no webhook',
      'per round',
      'worst p50',
      'worst p99',
      'failed',
      'backlog after',
    ],
    rows.map((r) => [
      r.label,
      fmt(r.rate),
      ratio(r.rate, reference),
      r.rounds,
      ms(r.p50),
      ms(r.p99),
      fmt(r.failed),
      r.backlog === null ? '' : fmt(r.backlog),
    ]),
  );
  const worst = Math.min(rows[1].rate, rows[2].rate);
  note('each webhook is created at the start of its round and deleted at its end');
  note(
    `bar: a dead webhook receiver within 10 % of the rate without it -> ${meets(worst >= 0.9 * reference)}`,
  );
}
