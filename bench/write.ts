// Benchmark `write`: feature-property PUT throughput, acknowledged once durable, against bare Fastify,
// on SQLite (both durabilities) and on PostgreSQL (a schema of its own, dropped after).
import type { BenchContext } from './harness/context.js';
import { cannon, propertyPuts, type LoadResult } from './harness/load.js';
import {
  BENCH_POSTGRES_URL,
  benchSchemaName,
  dropSchema,
  postgresUnreachable,
} from './harness/postgres.js';
import { startBareFastify, startTwinfold, type Server } from './harness/processes.js';
import { fmt, meets, ms, note, printTable, ratio } from './harness/report.js';
import { seedPostgresSchema, twinIds } from './harness/seed.js';

const THINGS = 1_000;
const CONNECTIONS = 64;
const DURATION_S = 15;
const WARMUP_S = 3;

/**
 * Warms the server up, then measures PUT throughput and latency with 64 connections, sending
 * `headers` (the bootstrap admin's by default).
 */
export async function measureWrites(
  server: Server,
  duration = DURATION_S,
  headers?: Record<string, string>,
): Promise<LoadResult> {
  const requests = propertyPuts(twinIds(THINGS), 'f', headers);
  const options = { url: server.url, connections: CONNECTIONS, requests };
  await cannon({ ...options, duration: WARMUP_S });
  return cannon({ ...options, duration });
}

export async function writeBenchmark(context: BenchContext): Promise<void> {
  const results: [string, LoadResult][] = [];
  const bare = await startBareFastify();
  try {
    results.push(['bare Fastify 5 (reference)', await measureWrites(bare)]);
  } finally {
    await bare.child.stop();
  }
  for (const durability of ['process', 'power'] as const) {
    const data = await context.freshSeededDir(THINGS, true);
    const server = await startTwinfold({ data, durability });
    try {
      results.push([`Twinfold --durability ${durability}`, await measureWrites(server)]);
    } finally {
      await server.child.stop();
    }
  }
  const unreachable = await postgresUnreachable();
  if (unreachable !== null) note(`no PostgreSQL run: ${unreachable}`);
  else results.push(['Twinfold --store postgres://…', await measurePostgresWrites(context)]);
  const reference = results[0][1];
  context.maxWriteRate = results[1][1].rps;
  printTable(
    `write: PUT /api/2/things/{id}/features/f/properties/value over ${THINGS} things, ${CONNECTIONS} connections, ${DURATION_S} s`,
    ['server', 'req/s', 'vs bare', 'p50', 'p99', 'non-2xx/err'],
    results.map(([name, r]) => [
      name,
      fmt(r.rps),
      ratio(r.rps, reference.rps),
      ms(r.p50),
      ms(r.p99),
      fmt(r.failed),
    ]),
  );
  const ok = results[1][1].rps >= 0.5 * reference.rps;
  note(`bar: Twinfold (process) >= 50 % of bare Fastify req/s -> ${meets(ok)}`);
}

/** The same load on a server storing in a fresh schema of the benchmark PostgreSQL. */
async function measurePostgresWrites(context: BenchContext): Promise<LoadResult> {
  const schema = benchSchemaName();
  try {
    const seconds = await seedPostgresSchema(BENCH_POSTGRES_URL, schema, THINGS, true);
    note(`seeded ${fmt(THINGS)} twins in ${seconds.toFixed(1)} s (PostgreSQL schema ${schema})`);
    const server = await startTwinfold({
      data: await context.freshDir('postgres'),
      store: BENCH_POSTGRES_URL,
      storeSchema: schema,
    });
    try {
      return await measureWrites(server);
    } finally {
      await server.child.stop();
    }
  } finally {
    await dropSchema(schema);
  }
}
