// Benchmark `series`: the SeriesStore with 10 million raw points in one series (30 days) and a year
// at one point a minute in another: batched append throughput beside raw inserts into a plain
// table, and 30 days at 1 min / a year at 1 h buckets beside the bare SQL GROUP BY over the raw
// table, on the same database in the same run. SQLite always; PostgreSQL when it can be reached,
// with fewer dense points (BENCH_SERIES_PG_POINTS, default 2 million, over the same 30 days).
import Database from 'better-sqlite3';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchContext } from './harness/context.js';
import {
  BENCH_POSTGRES_URL,
  benchSchemaName,
  dropSchema,
  postgresUnreachable,
} from './harness/postgres.js';
import { fmt, meets, ms, note, percentile, printTable, ratio } from './harness/report.js';
import { openPostgresStorage } from '../src/store/postgres/postgres-storage.js';
import { SqliteSeriesStore } from '../src/store/sqlite/sqlite-series-store.js';
import {
  AGGREGATIONS,
  type Aggregation,
  type BucketQuery,
  type SeriesPoint,
  type SeriesStore,
} from '../src/store/series-store.js';

const DAY = 86_400_000;
/** The dense series on SQLite: 10 million points over 30 days (one every 259.2 ms). */
const DENSE_POINTS = 10_000_000;
const PG_DENSE_POINTS = Number(process.env.BENCH_SERIES_PG_POINTS ?? 2_000_000);
/** The long series: one point a minute over 365 days. */
const YEAR_POINTS = 365 * 24 * 60;
const BATCH = 10_000;
/** Rows of the plain-table reference. */
const PLAIN_ROWS = 2_000_000;
/** Rounds of the queries a tier answers, and of those that scan every raw point (slow). */
const ROUNDS = 15;
const SCAN_ROUNDS = 3;
/** 2026-01-01T00:00:00Z: the series start on a UTC day. */
const START = Date.UTC(2026, 0, 1);
const THING = 'bench:meter';
const DENSE = 'features/power/properties/watts';
const YEARLY = 'features/temperature/properties/value';

/** The i-th of `count` points spread evenly over 30 days. */
const dense =
  (count: number) =>
  (i: number): SeriesPoint => ({
    thingId: THING,
    pointer: DENSE,
    t: START + Math.floor((i * 30 * DAY) / count),
    value: 1000 + ((i * 7919) % 2000) / 4,
  });
const yearly = (i: number): SeriesPoint => ({
  thingId: THING,
  pointer: YEARLY,
  t: START + i * 60_000,
  value: 20 + ((i * 31) % 400) / 8,
});

interface Load {
  rate: number;
  /** The rate over the first PLAIN_ROWS points (as many as the plain-table reference inserts). */
  firstRate: number;
}

/** Appends `count` points made by `make` in batches of BATCH; prints progress. */
async function load(
  store: SeriesStore,
  count: number,
  make: (i: number) => SeriesPoint,
  label: string,
): Promise<Load> {
  const t0 = performance.now();
  let firstRate = Number.NaN;
  let shown = t0;
  for (let i = 0; i < count; i += BATCH) {
    const batch = new Array<SeriesPoint>(Math.min(BATCH, count - i));
    for (let j = 0; j < batch.length; j++) batch[j] = make(i + j);
    await store.append(batch, i + batch.length);
    const done = i + batch.length;
    if (done === PLAIN_ROWS) firstRate = done / ((performance.now() - t0) / 1000);
    if (performance.now() - shown > 10_000 || done === count) {
      shown = performance.now();
      note(`${label}: ${fmt(done)} points appended in ${fmt((shown - t0) / 1000, 1)} s`);
    }
  }
  return { rate: count / ((performance.now() - t0) / 1000), firstRate };
}

/** Wall and CPU (this process) milliseconds of each of `rounds` runs of `run`. */
async function timed(
  rounds: number,
  run: () => Promise<unknown>,
): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall, cpu };
}

/** What one backend offers the benchmark besides its store. */
interface Backend {
  name: string;
  store: SeriesStore;
  densePoints: number;
  /** Rows/s of BATCH-row transactions into a plain (series_id, t, num) table, with or without an index. */
  plainInserts(indexed: boolean): Promise<number>;
  /** The bare `SELECT (t - t % step) AS b, avg(num), max(num) ... GROUP BY b`; resolves to its row count. */
  bareGroupBy(pointer: string, query: BucketQuery): Promise<number>;
  close(): Promise<void>;
}

async function sqliteBackend(context: BenchContext): Promise<Backend> {
  const dir = await context.freshDir('series');
  const path = join(dir, 'series.db');
  const store = new SqliteSeriesStore(path);
  let reader: Database.Database | null = null;
  return {
    name: 'SQLite',
    store,
    densePoints: DENSE_POINTS,
    async plainInserts(indexed) {
      const db = new Database(join(dir, indexed ? 'plain-indexed.db' : 'plain.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec('CREATE TABLE plain (series_id INTEGER NOT NULL, t INTEGER NOT NULL, num REAL)');
      if (indexed) db.exec('CREATE INDEX plain_by_time ON plain (series_id, t)');
      const insert = db.prepare('INSERT INTO plain (series_id, t, num) VALUES (?, ?, ?)');
      const make = dense(DENSE_POINTS);
      const batch = db.transaction((from: number) => {
        for (let i = from; i < from + BATCH; i++) {
          const p = make(i);
          insert.run(1, p.t, p.value);
        }
      });
      const t0 = performance.now();
      for (let i = 0; i < PLAIN_ROWS; i += BATCH) batch(i);
      const rate = PLAIN_ROWS / ((performance.now() - t0) / 1000);
      db.close();
      return rate;
    },
    async bareGroupBy(pointer, query) {
      reader ??= new Database(path, { readonly: true });
      const id = reader
        .prepare('SELECT id FROM series WHERE thing_id = ? AND pointer = ?')
        .pluck()
        .get(THING, pointer) as number;
      return reader
        .prepare(
          `SELECT (t - t % @step) AS b, avg(num), max(num) FROM series_raw
           WHERE series_id = @id AND t >= @from AND t < @to GROUP BY b`,
        )
        .all({ id, step: query.step, from: query.from, to: query.to }).length;
    },
    async close() {
      reader?.close();
      await store.close();
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const schema = benchSchemaName();
  const storage = await openPostgresStorage({ url: BENCH_POSTGRES_URL, schema, exclusive: false });
  const admin = new pg.Pool({ connectionString: BENCH_POSTGRES_URL, max: 1 });
  admin.on('error', () => undefined);
  await admin.query(`SET search_path TO ${schema}`);
  const query = async <R extends object>(sql: string, values: unknown[] = []) =>
    (await admin.query<R>(sql, values)).rows;
  return {
    name: 'PostgreSQL',
    store: storage.series,
    densePoints: PG_DENSE_POINTS,
    async plainInserts(indexed) {
      const table = indexed ? 'plain_indexed' : 'plain';
      await query(
        `CREATE TABLE ${schema}.${table} (series_id int NOT NULL, t bigint NOT NULL, num double precision)`,
      );
      if (indexed) await query(`CREATE INDEX ON ${schema}.${table} (series_id, t)`);
      const make = dense(DENSE_POINTS);
      const t0 = performance.now();
      for (let i = 0; i < PLAIN_ROWS; i += BATCH) {
        const ts: number[] = [];
        const nums: number[] = [];
        for (let j = i; j < i + BATCH; j++) {
          const p = make(j);
          ts.push(p.t);
          nums.push(p.value as number);
        }
        await query(
          `INSERT INTO ${schema}.${table} (series_id, t, num)
           SELECT 1, * FROM unnest($1::bigint[], $2::float8[])`,
          [ts, nums],
        );
      }
      return PLAIN_ROWS / ((performance.now() - t0) / 1000);
    },
    async bareGroupBy(pointer, q) {
      const [{ id }] = await query<{ id: number }>(
        `SELECT id FROM ${schema}.series WHERE thing_id = $1 AND pointer = $2`,
        [THING, pointer],
      );
      return (
        await query(
          `SELECT (t - t % $2::bigint) AS b, avg(num), max(num) FROM ${schema}.series_raw
           WHERE series_id = $1 AND t >= $3 AND t < $4 GROUP BY b`,
          [id, q.step, q.from, q.to],
        )
      ).length;
    },
    async close() {
      await admin.end();
      await storage.close();
      await dropSchema(schema);
    },
  };
}

interface Case {
  label: string;
  wall: number[];
  cpu: number[];
  buckets: number;
}

/** Loads and measures one backend; prints its tables. */
async function measure(backend: Backend): Promise<void> {
  const { store, name } = backend;
  const densePoints = backend.densePoints;
  const cases: Case[] = [];
  const denseLoad = await load(store, densePoints, dense(densePoints), `${name}, dense series`);
  const yearLoad = await load(store, YEAR_POINTS, yearly, `${name}, year series`);
  const plain = await backend.plainInserts(false);
  const plainIndexed = await backend.plainInserts(true);
  const month = { thingId: THING, pointer: DENSE, from: START, to: START + 30 * DAY, step: 60_000 };
  const year = {
    thingId: THING,
    pointer: YEARLY,
    from: START,
    to: START + 365 * DAY,
    step: 3_600_000,
  };
  const ALL: Aggregation[] = [...AGGREGATIONS];
  const AVG_MAX: Aggregation[] = ['avg', 'max'];
  for (const [label, query, scans] of [
    ['30 days at 1 min', month, SCAN_ROUNDS],
    ['a year at 1 h', year, ROUNDS],
  ] as const) {
    const run =
      (aggregations: Aggregation[], tiers = true, rounds = ROUNDS) =>
      async (what: string) => {
        let buckets = 0;
        const times = await timed(rounds, async () => {
          buckets = (await store.buckets({ ...query, aggregations, tiers })).t.length;
        });
        cases.push({ label: `${label}: ${what}`, ...times, buckets });
      };
    await run(ALL)('store, all 7 aggregations');
    await run(AVG_MAX)('store, avg+max');
    await run(AVG_MAX, false, scans)('store from raw points (tiers: false), avg+max');
    let rows = 0;
    const times = await timed(scans, async () => {
      rows = await backend.bareGroupBy(query.pointer, { ...query, aggregations: AVG_MAX });
    });
    cases.push({
      label: `${label}: bare SQL GROUP BY over raw, avg+max (reference)`,
      ...times,
      buckets: rows,
    });
  }
  printTable(
    `series (${name}): ${fmt(densePoints)} raw points in one series over 30 days + ${fmt(YEAR_POINTS)} (1 a minute, 365 days), same database, same run`,
    ['query', 'buckets', 'rounds', 'p50', 'p95', 'node CPU p50'],
    cases.map((c) => [
      c.label,
      fmt(c.buckets),
      fmt(c.wall.length),
      ms(percentile(c.wall, 0.5)),
      ms(percentile(c.wall, 0.95)),
      ms(percentile(c.cpu, 0.5)),
    ]),
  );
  printTable(
    `series (${name}): append, batches of ${fmt(BATCH)} points, one transaction each (raw + 1 min + 1 h tiers + position)`,
    ['what', 'points/s', 'us/point', 'vs plain inserts'],
    [
      [`append, first ${fmt(PLAIN_ROWS)} of the dense series`, denseLoad.firstRate, ''],
      [`append, all ${fmt(densePoints)} of the dense series`, denseLoad.rate, ''],
      [`append, the year series (one 1 min bucket a point)`, yearLoad.rate, ''],
      [`plain table inserts, ${fmt(PLAIN_ROWS)} rows, no index (reference)`, plain, ''],
      [
        `plain table inserts, ${fmt(PLAIN_ROWS)} rows, (series_id, t) index (reference)`,
        plainIndexed,
        '',
      ],
    ].map(([what, rate]) => [
      what as string,
      fmt(rate as number),
      fmt(1e6 / (rate as number), 2),
      ratio(rate as number, plain),
    ]),
  );
  const p50 = (label: string) => percentile(cases.find((c) => c.label === label)?.wall ?? [], 0.5);
  note(
    `bar: 30 days at 1 min p50 <= 100 ms -> ${meets(p50('30 days at 1 min: store, all 7 aggregations') <= 100)}; ` +
      `a year at 1 h p50 <= 100 ms -> ${meets(p50('a year at 1 h: store, all 7 aggregations') <= 100)}`,
  );
}

export async function seriesBenchmark(context: BenchContext): Promise<void> {
  const loadAverage = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  note(
    `load average at start ${loadAverage()} (node CPU is this process alone: PostgreSQL's own work is not in it)`,
  );
  const sqlite = await sqliteBackend(context);
  try {
    await measure(sqlite);
  } finally {
    await sqlite.close();
  }
  const unreachable = await postgresUnreachable();
  if (unreachable !== null) note(`no PostgreSQL run: ${unreachable}`);
  else {
    const postgres = await postgresBackend();
    try {
      await measure(postgres);
    } finally {
      await postgres.close();
    }
  }
  note(`load average at end ${loadAverage()}`);
}
