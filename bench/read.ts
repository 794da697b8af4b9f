// Benchmark `read`: GET latency of whole things while writes run at half the max write throughput.
import type { BenchContext } from './harness/context.js';
import { cannon, propertyPuts, thingGets, type LoadResult } from './harness/load.js';
import { startBareFastify, startTwinfold, type Server } from './harness/processes.js';
import { fmt, meets, ms, note, printTable, ratio } from './harness/report.js';
import { twinIds } from './harness/seed.js';
import { measureWrites } from './write.js';

const THINGS = 1_000;
const DURATION_S = 15;
const WARMUP_S = 2;
const READ_CONNECTIONS = 4;
const READ_RATE = 1_000;
const WRITE_CONNECTIONS = 32;

interface Row {
  name: string;
  reads: LoadResult;
  writes: LoadResult | null;
}

async function measure(server: Server, writeRate: number): Promise<Omit<Row, 'name'>> {
  const ids = twinIds(THINGS);
  const reader = { url: server.url, connections: READ_CONNECTIONS, overallRate: READ_RATE };
  const writer = { url: server.url, connections: WRITE_CONNECTIONS, overallRate: writeRate };
  const run = (duration: number) =>
    Promise.all([
      cannon({ ...reader, duration, requests: thingGets(ids) }),
      writeRate > 0
        ? cannon({ ...writer, duration, requests: propertyPuts(ids, 'f') })
        : Promise.resolve(null),
    ]);
  await run(WARMUP_S);
  const [reads, writes] = await run(DURATION_S);
  return { reads, writes };
}

export async function readBenchmark(context: BenchContext): Promise<void> {
  if (context.maxWriteRate === null) {
    const data = await context.freshSeededDir(THINGS, true);
    const server = await startTwinfold({ data });
    try {
      context.maxWriteRate = (await measureWrites(server, 5)).rps;
    } finally {
      await server.child.stop();
    }
    note(`max write throughput measured for this benchmark: ${fmt(context.maxWriteRate)} req/s`);
  }
  const writeRate = Math.round(context.maxWriteRate / 2);
  const rows: Row[] = [];
  const bare = await startBareFastify();
  try {
    rows.push({
      name: 'bare Fastify 5 + same PUT load (reference)',
      ...(await measure(bare, writeRate)),
    });
  } finally {
    await bare.child.stop();
  }
  const data = await context.freshSeededDir(THINGS, true);
  const server = await startTwinfold({ data });
  try {
    rows.push({ name: 'Twinfold, no writes', ...(await measure(server, 0)) });
    rows.push({ name: 'Twinfold + PUT load', ...(await measure(server, writeRate)) });
  } finally {
    await server.child.stop();
  }
  const reference = rows[0].reads;
  printTable(
    `read: GET /api/2/things/{id} at ${READ_RATE} req/s over ${READ_CONNECTIONS} connections, ` +
      `with PUTs at ${fmt(writeRate)} req/s (half the max) over ${WRITE_CONNECTIONS} connections, ${DURATION_S} s`,
    ['server', 'GET/s', 'GET p50', 'GET p99', 'p99 vs bare', 'PUT/s', 'PUT p99', 'non-2xx/err'],
    rows.map(({ name, reads, writes }) => [
      name,
      fmt(reads.rps),
      ms(reads.p50),
      ms(reads.p99),
      ratio(reads.p99, reference.p99, 'times'),
      writes ? fmt(writes.rps) : '—',
      writes ? ms(writes.p99) : '—',
      fmt(reads.failed + (writes?.failed ?? 0)),
    ]),
  );
  note(
    `bar: Twinfold GET p99 <= 5 ms under half-max write load -> ${meets(rows[2].reads.p99 <= 5)}`,
  );
}
