// Benchmark `series`: the SeriesStore on SQLite with 10 million raw points in one series (30 days)
// and a year at one point a minute in another: batched append throughput beside raw SQLite inserts
// into a plain table, and 30 days at 1 min / a year at 1 h buckets beside the bare SQL GROUP BY over
// the raw table, on the same database in the same run.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { BenchContext } from './harness/context.js';
import { fmt, meets, ms, note, percentile, printTable, ratio } from './harness/report.js';
import { SqliteSeriesStore } from '../src/store/sqlite/sqlite-series-store.js';
import {
  AGGREGATIONS,
  type Aggregation,
  type BucketQuery,
  type SeriesPoint,
  type SeriesStore,
} from '../src/store/series-store.js';

const DAY = 86_400_000;
/** The dense series: 10 million points, one every 259 ms (29.98 days). */
const DENSE_POINTS = 10_000_000;
const DENSE_EVERY_MS = 259;
/** The long series: one point a minute over 365 days. */
const YEAR_POINTS = 365 * 24 * 60;
const BATCH = 10_000;
/** Rows of the plain-table reference. */
const PLAIN_ROWS = 2_000_000;
/** Rounds of the tier-answered queries, and of the bare SQL scans (slow: every raw point). */
const ROUNDS = 15;
const SCAN_ROUNDS = 3;
/** 2026-01-01T00:00:00Z: the series start on a UTC day. */
const START = Date.UTC(2026, 0, 1);

const dense = (i: number): SeriesPoint => ({
  thingId: 'bench:meter',
  pointer: 'features/power/properties/watts',
  t: START + i * DENSE_EVERY_MS,
  value: 1000 + ((i * 7919) % 2000) / 4,
});
const yearly = (i: number): SeriesPoint => ({
  thingId: 'bench:meter',
  pointer: 'features/temperature/properties/value',
  t: START + i * 60_000,
  value: 20 + ((i * 31) % 400) / 8,
});

/** Appends `count` points made by `make` in batches; returns points/s (and prints progress). */
async function load(
  store: SeriesStore,
  count: number,
  make: (i: number) => SeriesPoint,
  label: string,
): Promise<{ rate: number; firstRate: number }> {
  const t0 = performance.now();
  let firstRate = Number.NaN;
  let position = 0;
  let shown = t0;
  for (let i = 0; i < count; i += BATCH) {
    const batch = new Array<SeriesPoint>(Math.min(BATCH, count - i));
    for (let j = 0; j < batch.length; j++) batch[j] = make(i + j);
    await store.append(batch, ++position);
    const done = i + batch.length;
    if (done === PLAIN_ROWS) firstRate = done / ((performance.now() - t0) / 1000);
    if (performance.now() - shown > 10_000 || done === count) {
      shown = performance.now();
      note(`${label}: ${fmt(done)} points appended in ${fmt((shown - t0) / 1000, 1)} s`);
    }
  }
  return { rate: count / ((performance.now() - t0) / 1000), firstRate };
}

/** Rows/s of batched inserts (BATCH per transaction) into a plain table, with or without an index. */
function plainInserts(path: string, indexed: boolean): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE plain (series_id INTEGER NOT NULL, t INTEGER NOT NULL, num REAL)');
  if (indexed) db.exec('CREATE INDEX plain_by_time ON plain (series_id, t)');
  const insert = db.prepare('INSERT INTO plain (series_id, t, num) VALUES (?, ?, ?)');
  const batch = db.transaction((from: number) => {
    for (let i = from; i < from + BATCH; i++) {
      const p = dense(i);
      insert.run(1, p.t, p.value);
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < PLAIN_ROWS; i += BATCH) batch(i);
  const rate = PLAIN_ROWS / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

/** Milliseconds of each of `rounds` runs of `run`. */
async function timed(rounds: number, run: () => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  return samples;
}

interface Case {
  label: string;
  samples: number[];
  buckets: number;
}

export async function seriesBenchmark(context: BenchContext): Promise<void> {
  const dir = await context.freshDir('series');
  const path = join(dir, 'series.db');
  const store = new SqliteSeriesStore(path);
  const cases: Case[] = [];
  let appendRate: { rate: number; firstRate: number };
  let yearRate: { rate: number; firstRate: number };
  let plain: number;
  let plainIndexed: number;
  try {
    appendRate = await load(store, DENSE_POINTS, dense, 'dense series (30 days)');
    yearRate = await load(store, YEAR_POINTS, yearly, 'year series');
    plain = plainInserts(join(dir, 'plain.db'), false);
    plainIndexed = plainInserts(join(dir, 'plain-indexed.db'), true);

    const db = new Database(path, { readonly: true });
    const idOf = (pointer: string) =>
      db
        .prepare("SELECT id FROM series WHERE thing_id = 'bench:meter' AND pointer = ?")
        .pluck()
        .get(pointer) as number;
    const bare = db.prepare(
      `SELECT (t - t % @step) AS b, avg(num), max(num) FROM series_raw
       WHERE series_id = @id AND t >= @from AND t < @to GROUP BY b`,
    );
    const month: Omit<BucketQuery, 'aggregations'> = {
      thingId: 'bench:meter',
      pointer: dense(0).pointer,
      from: START,
      to: START + 30 * DAY,
      step: 60_000,
    };
    const year: Omit<BucketQuery, 'aggregations'> = {
      thingId: 'bench:meter',
      pointer: yearly(0).pointer,
      from: START,
      to: START + 365 * DAY,
      step: 3_600_000,
    };
    const ALL: Aggregation[] = [...AGGREGATIONS];
    const AVG_MAX: Aggregation[] = ['avg', 'max'];
    for (const [name, query, pointer, scans] of [
      ['30 days at 1 min', month, dense(0).pointer, SCAN_ROUNDS],
      ['a year at 1 h', year, yearly(0).pointer, ROUNDS],
    ] as const) {
      const id = idOf(pointer);
      let buckets = 0;
      const storeRun =
        (aggregations: Aggregation[], tiers = true) =>
        async () => {
          const b = await store.buckets({ ...query, aggregations, tiers });
          buckets = b.t.length;
        };
      cases.push({
        label: `${name}: store, all 7 aggregations`,
        samples: await timed(ROUNDS, storeRun(ALL)),
        buckets,
      });
      cases.push({
        label: `${name}: store, avg+max`,
        samples: await timed(ROUNDS, storeRun(AVG_MAX)),
        buckets,
      });
      cases.push({
        label: `${name}: store from raw points (tiers: false), avg+max`,
        samples: await timed(scans, storeRun(AVG_MAX, false)),
        buckets,
      });
      let rows = 0;
      cases.push({
        label: `${name}: bare SQL GROUP BY over raw, avg+max (reference)`,
        samples: await timed(scans, () => {
          rows = bare.all({ id, step: query.step, from: query.from, to: query.to }).length;
        }),
        buckets: 0,
      });
      cases[cases.length - 1].buckets = rows;
    }
    db.close();
  } finally {
    await store.close();
  }
  printTable(
    `series: SQLite SeriesStore, ${fmt(DENSE_POINTS)} raw points in one series (1 per ${DENSE_EVERY_MS} ms, 30 days) + ${fmt(YEAR_POINTS)} (1 per min, 365 days), same database, same run`,
    ['query', 'buckets', 'rounds', 'p50', 'p95'],
    cases.map((c) => [
      c.label,
      fmt(c.buckets),
      fmt(c.samples.length),
      ms(percentile(c.samples, 0.5)),
      ms(percentile(c.samples, 0.95)),
    ]),
  );
  printTable(
    `series: append throughput, batches of ${fmt(BATCH)} points, one transaction each (raw + 1 min + 1 h tiers + position)`,
    ['what', 'points/s', 'us/point', 'vs plain inserts'],
    [
      [
        `append, first ${fmt(PLAIN_ROWS)} of the dense series`,
        fmt(appendRate.firstRate),
        fmt(1e6 / appendRate.firstRate, 2),
        ratio(appendRate.firstRate, plain),
      ],
      [
        `append, all ${fmt(DENSE_POINTS)} of the dense series`,
        fmt(appendRate.rate),
        fmt(1e6 / appendRate.rate, 2),
        ratio(appendRate.rate, plain),
      ],
      [
        `append, the year series (${fmt(YEAR_POINTS)})`,
        fmt(yearRate.rate),
        fmt(1e6 / yearRate.rate, 2),
        ratio(yearRate.rate, plain),
      ],
      [
        `plain table inserts, ${fmt(PLAIN_ROWS)} rows, no index (reference)`,
        fmt(plain),
        fmt(1e6 / plain, 2),
        '100 %',
      ],
      [
        `plain table inserts, ${fmt(PLAIN_ROWS)} rows, (series_id, t) index (reference)`,
        fmt(plainIndexed),
        fmt(1e6 / plainIndexed, 2),
        ratio(plainIndexed, plain),
      ],
    ],
  );
  const p50 = (label: string) =>
    percentile(cases.find((c) => c.label === label)?.samples ?? [], 0.5);
  note(
    `bar: 30 days at 1 min p50 <= 100 ms -> ${meets(p50('30 days at 1 min: store, all 7 aggregations') <= 100)}; ` +
      `a year at 1 h p50 <= 100 ms -> ${meets(p50('a year at 1 h: store, all 7 aggregations') <= 100)}`,
  );
}
