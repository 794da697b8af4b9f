// Benchmark `search`: RQL search and count latency over 100k and 1M twins, sequential over keep-alive.
import type { BenchContext } from './harness/context.js';
import { sequential, type SequentialResult } from './harness/load.js';
import { startBareFastify, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, printTable, ratio } from './harness/report.js';

const SIZES = [100_000, 1_000_000];
const REQUESTS = 200;

const EQ = 'eq(attributes/building,"b-42")';
const RANGE = 'gt(features/temperature/properties/value,25)';
const SORT = 'sort(-features/power/properties/watts)';

const QUERIES: { name: string; path: string }[] = [
  {
    name: 'equality, default sort, size(25)',
    path: `/api/2/search/things?filter=${encodeURIComponent(EQ)}&option=size(25)`,
  },
  {
    name: 'range + sort on another field, size(25)',
    path: `/api/2/search/things?filter=${encodeURIComponent(RANGE)}&option=${encodeURIComponent(`${SORT},size(25)`)}`,
  },
  { name: 'count equality', path: `/api/2/search/things/count?filter=${encodeURIComponent(EQ)}` },
  { name: 'count range', path: `/api/2/search/things/count?filter=${encodeURIComponent(RANGE)}` },
];

function describe(body: unknown): string {
  if (typeof body === 'number') return fmt(body);
  const items = (body as { items?: unknown[] }).items;
  return Array.isArray(items) ? `${items.length} items` : '?';
}

export async function searchBenchmark(context: BenchContext): Promise<void> {
  const bare = await startBareFastify();
  let reference: SequentialResult;
  try {
    reference = await sequential(`${bare.url}/api/2/things/bench:twin-1`, REQUESTS);
  } finally {
    await bare.child.stop();
  }
  const rows: string[][] = [
    [
      'bare Fastify GET ~300 B (reference)',
      '—',
      ms(reference.p50),
      ms(reference.p99),
      '1.0×',
      '1 thing',
    ],
  ];
  const at1M: Record<string, SequentialResult> = {};
  for (const size of SIZES) {
    const data = await context.sharedSeededDir(size);
    const server = await startTwinfold({ data });
    try {
      for (const query of QUERIES) {
        const result = await sequential(`${server.url}${query.path}`, REQUESTS, 5);
        if (size === 1_000_000) at1M[query.name] = result;
        rows.push([
          query.name,
          fmt(size),
          ms(result.p50),
          ms(result.p99),
          ratio(result.p50, reference.p50, 'times'),
          describe(result.last),
        ]);
      }
    } finally {
      await server.child.stop();
    }
  }
  printTable(
    `search: ${REQUESTS} sequential GETs per query over keep-alive; filters ${EQ} and ${RANGE}, ${SORT}`,
    ['query', 'twins', 'p50', 'p99', 'p50 vs bare', 'answer'],
    rows,
  );
  const eq = at1M[QUERIES[0].name];
  const range = at1M[QUERIES[1].name];
  if (eq && range) {
    note(`bar over 1M: equality p50 <= 20 ms -> ${meets(eq.p50 <= 20)}`);
    note(`bar over 1M: range + sort p50 <= 50 ms -> ${meets(range.p50 <= 50)}`);
  }
}
