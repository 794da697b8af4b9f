// The embedded SeriesStore: raw points, the 1 min and 1 h tiers, the stream position and retention
// in `series.db` beside the journal.
import type Database from 'better-sqlite3';
import {
  aggregateBatch,
  bucketColumns,
  bucketColumnsFor,
  joinData,
  checkPointTime,
  checkStep,
  planQuery,
  transpose,
  valueOf,
  type BucketColumn,
  type BucketData,
  type BucketRow,
  type Horizons,
  type StoredPoint,
  type TierRow,
} from '../series-rows.js';
import {
  SeriesKindError,
  TIERS,
  kindOf,
  namespaceOf,
  type BucketQuery,
  type Buckets,
  type RawQuery,
  type Retention,
  type SeriesInfo,
  type SeriesKind,
  type SeriesPoint,
  type SeriesStore,
  type SeriesValue,
  type TierName,
} from '../series-store.js';
import { unavailableWhile } from '../storage-errors.js';
import { openStoreFile } from './sqlite-store-file.js';
import { restartLogIfDue, WalIndex, type LogRestart } from './wal-index.js';

const TIER_NAMES = Object.keys(TIERS) as TierName[];

const tierTable = (tier: TierName): string => `series_${tier}`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, thing_id TEXT NOT NULL,
  pointer TEXT NOT NULL, kind TEXT NOT NULL, points INTEGER NOT NULL, first_t INTEGER NOT NULL,
  last_t INTEGER NOT NULL, UNIQUE (thing_id, pointer));
CREATE TABLE IF NOT EXISTS series_raw (id INTEGER PRIMARY KEY AUTOINCREMENT,
  series_id INTEGER NOT NULL, t INTEGER NOT NULL, num REAL, txt TEXT);
CREATE INDEX IF NOT EXISTS series_raw_by_time ON series_raw (series_id, t);
${TIER_NAMES.map(
  (tier) => `CREATE TABLE IF NOT EXISTS ${tierTable(tier)} (series_id INTEGER NOT NULL,
  bucket INTEGER NOT NULL, n INTEGER NOT NULL, s REAL, lo REAL, hi REAL, first_t INTEGER NOT NULL,
  first_v, last_t INTEGER NOT NULL, last_v, PRIMARY KEY (series_id, bucket)) WITHOUT ROWID;`,
).join('\n')}
CREATE TABLE IF NOT EXISTS series_position (id INTEGER PRIMARY KEY CHECK (id = 1),
  position INTEGER NOT NULL);
INSERT OR IGNORE INTO series_position (id, position) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS series_retention (namespace TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series_tiers_mark (id INTEGER PRIMARY KEY CHECK (id = 1),
  through_rowid INTEGER NOT NULL);
INSERT OR IGNORE INTO series_tiers_mark (id, through_rowid) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS series_horizons (namespace TEXT NOT NULL, level TEXT NOT NULL,
  horizon INTEGER NOT NULL, PRIMARY KEY (namespace, level)) WITHOUT ROWID;
`;

/** Runs a write; a failure of the database becomes a typed error, a refused point stays itself. */
function storing<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof SeriesKindError || error instanceof RangeError) throw error;
    throw unavailableWhile('series store write failed', error);
  }
}

interface SeriesRow {
  id: number;
  thing_id: string;
  pointer: string;
  kind: SeriesKind;
  points: number;
  first_t: number;
  last_t: number;
}

const infoOf = (r: SeriesRow): SeriesInfo => ({
  thingId: r.thing_id,
  pointer: r.pointer,
  kind: r.kind,
  points: r.points,
  first: r.first_t,
  last: r.last_t,
});

/** Raw points inserted by one statement. */
const RAW_ROWS = 100;

/** Series looked up or created by one append, by key. */
type FreshSeries = Map<string, { id: number; kind: SeriesKind }>;

/** Tier buckets gathered in memory at most before they are written (see SqliteSeriesStore). */
const MAX_PENDING_BUCKETS = 200_000;
/** The longest pending tier buckets wait before they are written, in ms. */
const PENDING_MS = 30_000;

/** The statistics of a series gathered since the last flush. */
interface PendingStat {
  n: number;
  first: number;
  last: number;
}

/** Merges a batch's aggregate of one tier bucket into the one gathered before it (same bucket). */
function mergeRow(into: TierRow, row: TierRow): void {
  into.count += row.count;
  if (row.sum !== null) {
    into.sum = (into.sum as number) + row.sum;
    if ((row.min as number) < (into.min as number)) into.min = row.min;
    if ((row.max as number) > (into.max as number)) into.max = row.max;
  }
  // Earlier batches were appended first: a tie keeps their first and takes this batch's last.
  if (row.firstT < into.firstT) {
    into.firstT = row.firstT;
    into.firstV = row.firstV;
  }
  if (row.lastT >= into.lastT) {
    into.lastT = row.lastT;
    into.lastV = row.lastV;
  }
}

/** Series ids kept in memory; past this many the cache starts again. */
const CACHE_LIMIT = 100_000;

const keyOf = (thingId: string, pointer: string): string => `${thingId}\u0000${pointer}`;

/** Raw points in buckets of `step` over `[from, to)` (first/last by time, ties by append order). */
function rawBucketsSql(column: 'num' | 'txt', columns: readonly BucketColumn[]): string {
  const end = (t: string, order: string) =>
    `(SELECT r.${column} FROM series_raw r WHERE r.series_id = @id AND r.t = g.${t}
      ORDER BY r.rowid ${order} LIMIT 1)`;
  const expression: Record<BucketColumn, string> = {
    n: 'n',
    s: 's',
    lo: 'lo',
    hi: 'hi',
    fv: end('ft', 'ASC'),
    lv: end('lt', 'DESC'),
  };
  return `SELECT b${columns.map((c) => `, ${expression[c]}`).join('')}
    FROM (SELECT t - ((t % @step) + @step) % @step AS b, count(*) AS n, sum(num) AS s,
            min(num) AS lo, max(num) AS hi, min(t) AS ft, max(t) AS lt
          FROM series_raw WHERE series_id = @id AND t >= @from AND t < @to GROUP BY b) AS g
    ORDER BY b`;
}

/** A tier's rows in buckets of `step`, a multiple of its width, over `[from, to)` (tier-aligned). */
function tierBucketsSql(
  tier: TierName,
  regroup: boolean,
  columns: readonly BucketColumn[],
): string {
  const table = tierTable(tier);
  if (!regroup) {
    const expression: Record<BucketColumn, string> = {
      n: 'n',
      s: 's',
      lo: 'lo',
      hi: 'hi',
      fv: 'first_v',
      lv: 'last_v',
    };
    return `SELECT bucket${columns.map((c) => `, ${expression[c]}`).join('')} FROM ${table}
      WHERE series_id = @id AND bucket >= @from AND bucket < @to ORDER BY bucket`;
  }
  // The first (last) value is that of the tier bucket holding the earliest (latest) time.
  const w = TIERS[tier];
  const end = (t: string, v: string) =>
    `(SELECT x.${v} FROM ${table} x WHERE x.series_id = @id
      AND x.bucket = g.${t} - ((g.${t} % ${w}) + ${w}) % ${w})`;
  const expression: Record<BucketColumn, string> = {
    n: 'n',
    s: 's',
    lo: 'lo',
    hi: 'hi',
    fv: end('ft', 'first_v'),
    lv: end('lt', 'last_v'),
  };
  return `SELECT b${columns.map((c) => `, ${expression[c]}`).join('')}
    FROM (SELECT bucket - ((bucket % @step) + @step) % @step AS b, sum(n) AS n, sum(s) AS s,
            min(lo) AS lo, max(hi) AS hi, min(first_t) AS ft, max(last_t) AS lt
          FROM ${table} WHERE series_id = @id AND bucket >= @from AND bucket < @to GROUP BY b) AS g
    ORDER BY b`;
}

/**
 * The SQLite {@link SeriesStore}, owning its database file.
 *
 * Raw points are written at once; the tier buckets and series statistics they change are gathered
 * in memory and written together later (at most {@link PENDING_MS} on, or once
 * {@link MAX_PENDING_BUCKETS} are pending, and before anything reads them), with a mark saying
 * which raw rows they hold. Telemetry touches each bucket many times: this writes it once. A
 * crash loses only the gathered aggregates, which opening rebuilds from the raw rows past the mark.
 */
export class SqliteSeriesStore implements SeriesStore {
  private readonly db: Database.Database;
  private readonly pendingTiers = Object.fromEntries(
    TIER_NAMES.map((tier) => [tier, new Map<number, Map<number, TierRow>>()]),
  ) as Record<TierName, Map<number, Map<number, TierRow>>>;
  private pendingBuckets = 0;
  private readonly pendingStats = new Map<number, PendingStat>();
  /** The rowid of the last raw row the pending aggregates hold (0: none pending). */
  private pendingThrough = 0;
  private pendingSince = 0;
  /** True after a failed write: the pending aggregates may hold what was rolled back. */
  private pendingSuspect = false;
  private readonly flushAll: () => void;
  private readonly cache = new Map<string, { id: number; kind: SeriesKind }>();
  private readonly findSeries: Database.Statement;
  private readonly createSeries: Database.Statement;
  private readonly insertRaw: Database.Statement;
  private readonly insertRawMany: Database.Statement;
  private readonly rawArgs = new Array<number | string | null>(4 * RAW_ROWS);
  private readonly upsertTier: Record<TierName, Database.Statement>;
  private readonly updateStats: Database.Statement;
  private readonly advance: Database.Statement;
  private readonly appendAll: (points: readonly SeriesPoint[], position?: number) => FreshSeries;
  private readonly statements = new Map<string, Database.Statement>();

  /** Starts the log anew once it is long and nearly copied (see restartLogIfDue), if set. */
  private readonly logRestart: { index: WalIndex; restart: LogRestart } | null = null;

  /**
   * Opens the store at `path`. With `logRestart` the connection never checkpoints its log by
   * itself (a WalCheckpointer does, on another thread), so no append waits behind a checkpoint;
   * between appends it only lets the log start anew.
   */
  constructor(path: string, options: { logRestart?: LogRestart } = {}) {
    this.db = openStoreFile(path, SCHEMA);
    if (options.logRestart !== undefined) {
      this.db.pragma('wal_autocheckpoint = 0');
      this.logRestart = { index: new WalIndex(path), restart: options.logRestart };
    }
    this.findSeries = this.db.prepare(
      'SELECT id, kind FROM series WHERE thing_id = ? AND pointer = ?',
    );
    this.createSeries = this.db
      .prepare(
        `INSERT INTO series (thing_id, pointer, kind, points, first_t, last_t)
         VALUES (?, ?, ?, 0, ?, ?) RETURNING id`,
      )
      .pluck();
    this.insertRaw = this.db.prepare(
      'INSERT INTO series_raw (series_id, t, num, txt) VALUES (?, ?, ?, ?)',
    );
    this.insertRawMany = this.db.prepare(
      `INSERT INTO series_raw (series_id, t, num, txt) VALUES ${Array(RAW_ROWS).fill('(?, ?, ?, ?)').join(', ')}`,
    );
    this.upsertTier = Object.fromEntries(
      TIER_NAMES.map((tier) => [
        tier,
        this.db.prepare(
          `INSERT INTO ${tierTable(tier)} (series_id, bucket, n, s, lo, hi, first_t, first_v,
             last_t, last_v) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (series_id, bucket) DO UPDATE SET n = n + excluded.n,
             s = s + excluded.s, lo = min(lo, excluded.lo), hi = max(hi, excluded.hi),
             first_v = CASE WHEN excluded.first_t < first_t THEN excluded.first_v ELSE first_v END,
             first_t = min(first_t, excluded.first_t),
             last_v = CASE WHEN excluded.last_t >= last_t THEN excluded.last_v ELSE last_v END,
             last_t = max(last_t, excluded.last_t)`,
        ),
      ]),
    ) as Record<TierName, Database.Statement>;
    this.updateStats = this.db.prepare(
      `UPDATE series SET points = points + ?, first_t = min(first_t, ?), last_t = max(last_t, ?)
       WHERE id = ?`,
    );
    this.advance = this.db.prepare(
      'UPDATE series_position SET position = max(position, ?) WHERE id = 1',
    );
    // IMMEDIATE: a transaction that read first and then found the write lock taken (by a
    // checkpoint that holds off writes, see wal-checkpointer.ts) would fail at once.
    const appendAll = this.db.transaction((points: readonly SeriesPoint[], position?: number) =>
      this.write(points, position),
    );
    this.appendAll = (points, position) => appendAll.immediate(points, position);
    const flushAll = this.db.transaction(() => this.flushPending());
    this.flushAll = () => flushAll.immediate();
    // What a crash left unaggregated: the raw rows past the mark.
    this.db.transaction(() => this.gatherUnflushed())();
    this.flush();
  }

  /** Gathers the aggregates of the raw rows past the mark (after a crash or a failed write). */
  private gatherUnflushed(): void {
    const mark = this.db
      .prepare('SELECT through_rowid FROM series_tiers_mark WHERE id = 1')
      .pluck()
      .get() as number;
    const rows = this.db
      .prepare(
        'SELECT rowid, series_id, t, num, txt FROM series_raw WHERE rowid > ? ORDER BY rowid',
      )
      .raw()
      .iterate(mark) as IterableIterator<[number, number, number, number | null, string | null]>;
    let batch: StoredPoint[] = [];
    let through = 0;
    for (const [rowid, seriesId, t, num, txt] of rows) {
      batch.push({ seriesId, t, num, txt });
      through = rowid;
      if (batch.length === 10_000) {
        this.gather(batch, through);
        batch = [];
      }
    }
    if (batch.length > 0) this.gather(batch, through);
  }

  /** Adds a batch of stored points (the last at rowid `through`) to the pending aggregates. */
  private gather(stored: readonly StoredPoint[], through: number): void {
    if (this.pendingThrough === 0) this.pendingSince = performance.now();
    for (const tier of TIER_NAMES) {
      const pending = this.pendingTiers[tier];
      for (const row of aggregateBatch(stored, TIERS[tier])) {
        let buckets = pending.get(row.seriesId);
        if (buckets === undefined) {
          buckets = new Map();
          pending.set(row.seriesId, buckets);
        }
        const known = buckets.get(row.bucket);
        if (known === undefined) {
          buckets.set(row.bucket, row);
          this.pendingBuckets++;
        } else mergeRow(known, row);
      }
    }
    let stat: PendingStat | undefined;
    let statId = -1;
    for (const p of stored) {
      if (p.seriesId !== statId) {
        statId = p.seriesId;
        stat = this.pendingStats.get(statId);
        if (stat === undefined) {
          stat = { n: 0, first: p.t, last: p.t };
          this.pendingStats.set(statId, stat);
        }
      }
      const s = stat as PendingStat;
      s.n++;
      if (p.t < s.first) s.first = p.t;
      if (p.t > s.last) s.last = p.t;
    }
    this.pendingThrough = through;
  }

  /** Writes the pending aggregates and moves the mark (in the caller's transaction). */
  private flushPending(): void {
    if (this.pendingThrough === 0) return;
    for (const tier of TIER_NAMES) {
      const upsert = this.upsertTier[tier];
      for (const buckets of this.pendingTiers[tier].values())
        for (const r of buckets.values())
          upsert.run(
            r.seriesId,
            r.bucket,
            r.count,
            r.sum,
            r.min,
            r.max,
            r.firstT,
            r.firstV,
            r.lastT,
            r.lastV,
          );
    }
    for (const [id, s] of this.pendingStats) this.updateStats.run(s.n, s.first, s.last, id);
    this.prepared('UPDATE series_tiers_mark SET through_rowid = ? WHERE id = 1').run(
      this.pendingThrough,
    );
    this.forgetPending();
  }

  private forgetPending(): void {
    for (const tier of TIER_NAMES) this.pendingTiers[tier].clear();
    this.pendingStats.clear();
    this.pendingBuckets = 0;
    this.pendingThrough = 0;
  }

  /**
   * Writes what is pending (before a read of tiers or statistics, and before pruning). After a
   * failed write, the pending aggregates are gathered again from the rows that did commit.
   */
  private flush(): void {
    storing(() => {
      if (this.pendingSuspect) {
        this.forgetPending();
        this.db.transaction(() => this.gatherUnflushed())();
        this.pendingSuspect = false;
      }
      this.flushAll();
    });
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** The body of `append`, in its transaction; returns the series it looked up or created. */
  private write(points: readonly SeriesPoint[], position?: number): FreshSeries {
    // After a failed write the gathered aggregates may hold what was rolled back: gather them again
    // from the rows that did commit before this write adds to them (or flushes them).
    if (this.pendingSuspect) {
      this.forgetPending();
      this.gatherUnflushed();
      this.pendingSuspect = false;
    }
    const fresh: FreshSeries = new Map();
    const stored: StoredPoint[] = new Array<StoredPoint>(points.length);
    let lastThing: string | undefined;
    let lastPointer: string | undefined;
    let series: { id: number; kind: SeriesKind } | undefined;
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      checkPointTime(p.t);
      const kind = kindOf(p.value);
      if (series === undefined || p.thingId !== lastThing || p.pointer !== lastPointer) {
        const key = keyOf(p.thingId, p.pointer);
        series = this.cache.get(key) ?? fresh.get(key);
        if (series === undefined) {
          const row = this.findSeries.get(p.thingId, p.pointer) as
            { id: number; kind: SeriesKind } | undefined;
          series = row ?? {
            id: this.createSeries.get(p.thingId, p.pointer, kind, p.t, p.t) as number,
            kind,
          };
          fresh.set(key, series);
        }
        lastThing = p.thingId;
        lastPointer = p.pointer;
      }
      if (series.kind !== kind) throw new SeriesKindError(p.thingId, p.pointer, series.kind, kind);
      const v = p.value;
      stored[i] =
        typeof v === 'string'
          ? { seriesId: series.id, t: p.t, num: null, txt: v }
          : { seriesId: series.id, t: p.t, num: v === true ? 1 : v === false ? 0 : v, txt: null };
    }
    // Many rows a statement: far fewer calls into SQLite than one a point.
    const whole = stored.length - (stored.length % RAW_ROWS);
    const args = this.rawArgs;
    let through = 0;
    for (let i = 0; i < whole; i += RAW_ROWS) {
      for (let j = 0; j < RAW_ROWS; j++) {
        const p = stored[i + j];
        args[4 * j] = p.seriesId;
        args[4 * j + 1] = p.t;
        args[4 * j + 2] = p.num;
        args[4 * j + 3] = p.txt;
      }
      through = Number(this.insertRawMany.run(args).lastInsertRowid);
    }
    for (let i = whole; i < stored.length; i++) {
      const p = stored[i];
      through = Number(this.insertRaw.run(p.seriesId, p.t, p.num, p.txt).lastInsertRowid);
    }
    if (stored.length > 0) this.gather(stored, through);
    if (
      this.pendingBuckets > MAX_PENDING_BUCKETS ||
      (this.pendingThrough !== 0 && performance.now() - this.pendingSince > PENDING_MS)
    )
      this.flushPending();
    if (position !== undefined) this.advance.run(position);
    return fresh;
  }

  async append(points: readonly SeriesPoint[], position?: number): Promise<void> {
    if (points.length === 0 && position === undefined) return;
    let fresh: FreshSeries;
    try {
      fresh = storing(() => this.appendAll(points, position));
    } catch (error) {
      // What this append gathered was rolled back with it (a refused point gathers nothing).
      if (!(error instanceof SeriesKindError) && !(error instanceof RangeError))
        this.pendingSuspect = true;
      throw error;
    }
    // Remembered once the transaction committed: a rolled-back series must not stay known.
    if (this.cache.size + fresh.size > CACHE_LIMIT) this.cache.clear();
    for (const [key, series] of fresh) this.cache.set(key, series);
    if (this.logRestart !== null) {
      try {
        restartLogIfDue(this.db, this.logRestart.index, this.logRestart.restart);
      } catch {
        // Tried again after the next append; the checkpoint thread copies the log meanwhile.
      }
    }
  }

  async position(): Promise<number> {
    return this.db
      .prepare('SELECT position FROM series_position WHERE id = 1')
      .pluck()
      .get() as number;
  }

  private seriesRow(thingId: string, pointer: string): SeriesRow | undefined {
    return this.prepared('SELECT * FROM series WHERE thing_id = ? AND pointer = ?').get(
      thingId,
      pointer,
    ) as SeriesRow | undefined;
  }

  async describe(thingId: string, pointer: string): Promise<SeriesInfo | null> {
    this.flush();
    const row = this.seriesRow(thingId, pointer);
    return row === undefined ? null : infoOf(row);
  }

  async listSeries(thingId: string): Promise<SeriesInfo[]> {
    this.flush();
    const rows = this.prepared('SELECT * FROM series WHERE thing_id = ? ORDER BY pointer').all(
      thingId,
    ) as SeriesRow[];
    return rows.map(infoOf);
  }

  async latestTimes(thingIds: readonly string[]): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    const select = this.prepared(
      'SELECT id, pointer, last_t FROM series WHERE thing_id = ? ORDER BY pointer',
    ).raw();
    for (const thingId of new Set(thingIds)) {
      const rows = select.all(thingId) as [number, string, number][];
      if (rows.length === 0) continue;
      const times = new Map<string, number>();
      // What the written statistics do not hold yet is gathered in memory.
      for (const [id, pointer, last] of rows)
        times.set(pointer, Math.max(last, this.pendingStats.get(id)?.last ?? last));
      out.set(thingId, times);
    }
    return out;
  }

  async raw(query: RawQuery): Promise<{ t: number[]; v: SeriesValue[] }> {
    const series = this.seriesRow(query.thingId, query.pointer);
    if (series === undefined || query.limit <= 0) return { t: [], v: [] };
    const rows = this.prepared(
      `SELECT t, num, txt FROM series_raw WHERE series_id = ? AND t >= ? AND t < ?
       ORDER BY t, rowid LIMIT ?`,
    )
      .raw()
      .all(series.id, query.from, query.to, query.limit) as [
      number,
      number | null,
      string | null,
    ][];
    return {
      t: rows.map((r) => r[0]),
      v: rows.map((r) => valueOf(series.kind, r[1], r[2])),
    };
  }

  async countRaw(thingId: string, pointer: string, from: number, to: number): Promise<number> {
    const series = this.seriesRow(thingId, pointer);
    if (series === undefined) return 0;
    return this.prepared('SELECT count(*) FROM series_raw WHERE series_id = ? AND t >= ? AND t < ?')
      .pluck()
      .get(series.id, from, to) as number;
  }

  private horizons(namespace: string): Horizons {
    const rows = this.prepared('SELECT level, horizon FROM series_horizons WHERE namespace = ?')
      .raw()
      .all(namespace) as [keyof Horizons, number][];
    return Object.fromEntries(rows) as Horizons;
  }

  async buckets(query: BucketQuery): Promise<Buckets> {
    this.flush();
    checkStep(query.step);
    const columns = bucketColumnsFor(query.aggregations);
    const series = this.seriesRow(query.thingId, query.pointer);
    if (series === undefined)
      return bucketColumns(
        joinData([], columns.length + 1),
        columns,
        'number',
        query.aggregations,
        'raw',
      );
    const plan = planQuery(query, this.horizons(namespaceOf(query.thingId)));
    const column = series.kind === 'string' ? 'txt' : 'num';
    const parts: BucketData[] = [];
    const select = (sql: string, from: number, to: number, step: boolean) => {
      if (from >= to) return;
      const rows = this.prepared(sql)
        .raw()
        .all({ id: series.id, from, to, ...(step ? { step: query.step } : {}) }) as BucketRow[];
      parts.push(transpose(rows, columns.length + 1));
    };
    select(rawBucketsSql(column, columns), query.from, plan.head, true);
    if (plan.tier !== null) {
      const regroup = query.step !== TIERS[plan.tier];
      select(tierBucketsSql(plan.tier, regroup, columns), plan.head, plan.tail, regroup);
    }
    select(rawBucketsSql(column, columns), plan.tail, query.to, true);
    const data = joinData(parts, columns.length + 1);
    return bucketColumns(data, columns, series.kind, query.aggregations, plan.tier ?? 'raw');
  }

  async getRetention(namespace: string): Promise<Retention | null> {
    const record = this.prepared('SELECT record FROM series_retention WHERE namespace = ?')
      .pluck()
      .get(namespace) as string | undefined;
    return record === undefined ? null : (JSON.parse(record) as Retention);
  }

  async putRetention(namespace: string, retention: Retention): Promise<void> {
    storing(() =>
      this.prepared(
        'INSERT OR REPLACE INTO series_retention (namespace, record) VALUES (?, ?)',
      ).run(namespace, JSON.stringify(retention)),
    );
  }

  async deleteRetention(namespace: string): Promise<boolean> {
    return storing(
      () =>
        this.prepared('DELETE FROM series_retention WHERE namespace = ?').run(namespace).changes >
        0,
    );
  }

  async prune(now: number): Promise<number> {
    this.flush();
    const retentions = (
      this.db.prepare('SELECT namespace, record FROM series_retention').all() as {
        namespace: string;
        record: string;
      }[]
    ).map((r) => ({ namespace: r.namespace, retention: JSON.parse(r.record) as Retention }));
    const removed = storing(() =>
      this.db
        .transaction(() => {
          let gone = 0;
          for (const { namespace, retention } of retentions)
            gone += this.pruneNamespace(namespace, retention, now);
          return gone;
        })
        .immediate(),
    );
    this.cache.clear();
    return removed;
  }

  /** Prunes one namespace (in prune's transaction); returns how many rows went. */
  private pruneNamespace(namespace: string, retention: Retention, now: number): number {
    const ids = this.prepared(
      'SELECT id FROM series WHERE (thing_id >= ? AND thing_id < ?) OR thing_id = ?',
    )
      .pluck()
      .all(`${namespace}:`, `${namespace};`, namespace) as number[];
    const cuts: [keyof Horizons, number, string][] = [];
    if (retention.raw !== null)
      cuts.push([
        'raw',
        now - retention.raw,
        'DELETE FROM series_raw WHERE series_id = ? AND t < ?',
      ]);
    for (const tier of TIER_NAMES) {
      const keep = retention.tiers[tier];
      if (keep === null) continue;
      // A bucket that ended before the cut: bucket + width <= cut.
      cuts.push([
        tier,
        now - keep,
        `DELETE FROM ${tierTable(tier)} WHERE series_id = ? AND bucket <= ? - ${TIERS[tier]}`,
      ]);
    }
    let gone = 0;
    for (const [level, cut, sql] of cuts) {
      const remove = this.prepared(sql);
      for (const id of ids) {
        const n = remove.run(id, cut).changes;
        gone += n;
      }
      this.prepared(
        `INSERT INTO series_horizons (namespace, level, horizon) VALUES (?, ?, ?)
         ON CONFLICT (namespace, level) DO UPDATE SET horizon = max(horizon, excluded.horizon)`,
      ).run(namespace, level, cut);
    }
    if (gone > 0) for (const id of ids) this.restate(id);
    return gone;
  }

  /** Recounts a series after pruning; forgets it when nothing of it is left. */
  private restate(id: number): void {
    const raw = this.prepared(
      'SELECT count(*) AS n, min(t) AS first, max(t) AS last FROM series_raw WHERE series_id = ?',
    ).get(id) as { n: number; first: number | null; last: number | null };
    let first = raw.first;
    let last = raw.last;
    for (const tier of TIER_NAMES) {
      const t = this.prepared(
        `SELECT min(first_t) AS first, max(last_t) AS last FROM ${tierTable(tier)} WHERE series_id = ?`,
      ).get(id) as { first: number | null; last: number | null };
      if (t.first !== null && (first === null || t.first < first)) first = t.first;
      if (t.last !== null && (last === null || t.last > last)) last = t.last;
    }
    if (first === null || last === null) {
      this.prepared('DELETE FROM series WHERE id = ?').run(id);
      return;
    }
    this.prepared('UPDATE series SET points = ?, first_t = ?, last_t = ? WHERE id = ?').run(
      raw.n,
      first,
      last,
      id,
    );
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      this.flush();
    } finally {
      this.logRestart?.index.close();
      this.db.close();
    }
  }
}
