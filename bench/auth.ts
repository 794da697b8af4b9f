// Benchmark `auth`: the write benchmark with authentication and policy enforcement on (a non-admin
// user's API token, a real policy) against the same server with access control off, in one run.
import type { BenchContext } from './harness/context.js';
import type { LoadResult } from './harness/load.js';
import {
  AUTH_HEADERS,
  freePort,
  startServer,
  startTwinfold,
  type Server,
} from './harness/processes.js';
import { fmt, meets, ms, note, printTable, ratio } from './harness/report.js';
import { measureWrites } from './write.js';

const THINGS = 1_000;
const CONNECTIONS = 64;
const DURATION_S = 15;

async function startOpen(data: string): Promise<Server> {
  const port = await freePort();
  return startServer(port, 'bench/children/twinfold-open.ts', [String(port), data]);
}

async function call(
  server: Server,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
}

/** Creates user `bench`, the seeded twins' policy `bench:policy` for it, and its API token. */
async function grantBenchUser(server: Server): Promise<string> {
  await call(
    server,
    'POST',
    '/api/2/users',
    { username: 'bench', password: 'bench-password' },
    AUTH_HEADERS,
  );
  const all = { grant: ['READ', 'WRITE'], revoke: [] };
  await call(
    server,
    'PUT',
    '/api/2/policies/bench:policy',
    {
      entries: {
        BENCH: {
          subjects: { 'user:bench': { type: 'user' } },
          resources: { 'thing:/': all, 'policy:/': all },
        },
      },
    },
    AUTH_HEADERS,
  );
  const basic = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
  const token = await call(
    server,
    'POST',
    '/api/2/tokens',
    { name: 'bench' },
    { authorization: basic },
  );
  return `Bearer ${token.token as string}`;
}

export async function authBenchmark(context: BenchContext): Promise<void> {
  const rows: [string, LoadResult][] = [];
  for (const round of [1, 2]) {
    const open = await startOpen(await context.freshSeededDir(THINGS, true));
    try {
      rows.push([`access control off (round ${round})`, await measureWrites(open, DURATION_S, {})]);
    } finally {
      await open.child.stop();
    }
    const secured = await startTwinfold({ data: await context.freshSeededDir(THINGS, true) });
    try {
      rows.push([
        `user token + policy (round ${round})`,
        await measureWrites(secured, DURATION_S, {
          authorization: await grantBenchUser(secured),
        }),
      ]);
    } finally {
      await secured.child.stop();
    }
  }
  const off = (rows[0][1].rps + rows[2][1].rps) / 2;
  const on = (rows[1][1].rps + rows[3][1].rps) / 2;
  printTable(
    `auth: the write benchmark with and without access control, ${CONNECTIONS} connections, ${DURATION_S} s each, two rounds`,
    ['server', 'req/s', 'vs off (mean)', 'p50', 'p99', 'non-2xx/err'],
    rows.map(([name, r]) => [
      name,
      fmt(r.rps),
      ratio(r.rps, off),
      ms(r.p50),
      ms(r.p99),
      fmt(r.failed),
    ]),
  );
  note(`mean: off ${fmt(off)} req/s, on ${fmt(on)} req/s -> ${((100 * on) / off).toFixed(0)} %`);
  note(`bar: with access control >= 90 % of the throughput without -> ${meets(on >= 0.9 * off)}`);
}
