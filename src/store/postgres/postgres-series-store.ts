// The cluster SeriesStore: raw points, the 1 min and 1 h tiers, the stream position and retention in
// PostgreSQL, each append one transaction of column arrays.
import {
  aggregateBatch,
  bucketColumns,
  bucketColumnsFor,
  joinData,
  checkPointTime,
  checkStep,
  planQuery,
  storedValue,
  valueOf,
  type BucketColumn,
  type BucketData,
  type Horizons,
  type StoredPoint,
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
import { StorageError } from '../storage-errors.js';
import { toStorageError } from './postgres-errors.js';
import { PooledStore } from './pooled-store.js';
import type { PgPool, PgPoolClient } from './postgres-pool.js';

const TIER_NAMES = Object.keys(TIERS) as TierName[];

const tierTable = (tier: TierName): string => `series_${tier}`;

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

/** Series ids kept in memory; past this many the cache starts again. */
const CACHE_LIMIT = 100_000;

const keyOf = (thingId: string, pointer: string): string => `${thingId}\u0000${pointer}`;

/** The batch's points, tier rows, per-series counts and the position, in one statement. */
function writeSql(): string {
  const tiers = TIER_NAMES.map((tier, i) => {
    const p = (n: number) => `$${6 + i * 12 + n}`;
    const table = tierTable(tier);
    return `${table}_rows AS (
  INSERT INTO ${table} AS x (series_id, bucket, n, s, lo, hi, first_t, first_n, first_s, last_t,
    last_n, last_s)
  SELECT * FROM unnest(${p(0)}::int[], ${p(1)}::bigint[], ${p(2)}::bigint[], ${p(3)}::float8[],
    ${p(4)}::float8[], ${p(5)}::float8[], ${p(6)}::bigint[], ${p(7)}::float8[], ${p(8)}::text[],
    ${p(9)}::bigint[], ${p(10)}::float8[], ${p(11)}::text[])
  ON CONFLICT (series_id, bucket) DO UPDATE SET n = x.n + excluded.n, s = x.s + excluded.s,
    lo = LEAST(x.lo, excluded.lo), hi = GREATEST(x.hi, excluded.hi),
    first_n = CASE WHEN excluded.first_t < x.first_t THEN excluded.first_n ELSE x.first_n END,
    first_s = CASE WHEN excluded.first_t < x.first_t THEN excluded.first_s ELSE x.first_s END,
    first_t = LEAST(x.first_t, excluded.first_t),
    last_n = CASE WHEN excluded.last_t >= x.last_t THEN excluded.last_n ELSE x.last_n END,
    last_s = CASE WHEN excluded.last_t >= x.last_t THEN excluded.last_s ELSE x.last_s END,
    last_t = GREATEST(x.last_t, excluded.last_t))`;
  });
  const stats = 6 + TIER_NAMES.length * 12;
  const s = (n: number) => `$${stats + n}`;
  return `WITH raw_rows AS (
  INSERT INTO series_raw (series_id, t, num, txt)
  SELECT * FROM unnest($1::int[], $2::bigint[], $3::float8[], $4::text[])),
${tiers.join(',\n')},
stats AS (
  UPDATE series SET points = series.points + u.n, first_t = LEAST(series.first_t, u.f),
    last_t = GREATEST(series.last_t, u.l)
  FROM unnest(${s(0)}::int[], ${s(1)}::bigint[], ${s(2)}::bigint[], ${s(3)}::bigint[]) AS u(id, n, f, l)
  WHERE series.id = u.id),
moved AS (
  UPDATE series_position SET position = GREATEST(position, $5::bigint) WHERE id = 1 AND $5::bigint IS NOT NULL)
SELECT 1`;
}
const WRITE_SQL = writeSql();

/**
 * The rows of a bucket query as one JSON array of columns (`[starts, ...columns]`): one value to
 * parse instead of a row each (the driver turns each row's text into values far slower). The
 * columns follow the ordered subquery; PostgreSQL writes doubles in JSON in their shortest exact
 * form, so nothing is rounded.
 */
function asJson(select: string, columns: readonly BucketColumn[]): string {
  const all = ['b', ...columns];
  return `SELECT json_build_array(${all.map((c) => `coalesce(array_agg(${c}), '{}')`).join(', ')}) AS data
    FROM (${select} ORDER BY b) AS q`;
}

/**
 * The columns sorted by bucket start when they are not already: array_agg over an ordered
 * subquery keeps its order in practice, but PostgreSQL does not promise it.
 */
function inOrder(data: BucketData): BucketData {
  const starts = data[0] as number[];
  let sorted = true;
  for (let i = 1; i < starts.length && sorted; i++) sorted = starts[i - 1] < starts[i];
  if (sorted) return data;
  const order = starts.map((_, i) => i).sort((a, b) => starts[a] - starts[b]);
  return data.map((column) => order.map((i) => column[i]));
}

/** Raw points in buckets of `step` over `[from, to)` (first/last by time, ties by append order). */
function rawBucketsSql(column: 'num' | 'txt', columns: readonly BucketColumn[]): string {
  const end = (t: string, order: string) =>
    `(SELECT r.${column} FROM series_raw r WHERE r.series_id = $1 AND r.t = g.${t}
      ORDER BY r.seq ${order} LIMIT 1)`;
  const expression: Record<BucketColumn, string> = {
    n: 'n',
    s: 's',
    lo: 'lo',
    hi: 'hi',
    fv: `${end('ft', 'ASC')} AS fv`,
    lv: `${end('lt', 'DESC')} AS lv`,
  };
  return asJson(
    `SELECT b${columns.map((c) => `, ${expression[c]}`).join('')}
    FROM (SELECT t - ((t % $2::bigint) + $2::bigint) % $2::bigint AS b, count(*) AS n,
            sum(num) AS s, min(num) AS lo, max(num) AS hi, min(t) AS ft, max(t) AS lt
          FROM series_raw WHERE series_id = $1 AND t >= $3 AND t < $4 GROUP BY 1) AS g`,
    columns,
  );
}

/** A tier's rows in buckets of `step`, a multiple of its width, over `[from, to)` (tier-aligned). */
function tierBucketsSql(
  tier: TierName,
  kind: SeriesKind,
  regroup: boolean,
  columns: readonly BucketColumn[],
): string {
  const table = tierTable(tier);
  const w = TIERS[tier];
  const suffix = kind === 'string' ? 's' : 'n';
  if (!regroup) {
    const expression: Record<BucketColumn, string> = {
      n: 'n',
      s: 's',
      lo: 'lo',
      hi: 'hi',
      fv: `first_${suffix} AS fv`,
      lv: `last_${suffix} AS lv`,
    };
    return asJson(
      `SELECT bucket AS b${columns.map((c) => `, ${expression[c]}`).join('')} FROM ${table}
      WHERE series_id = $1 AND bucket >= $3 AND bucket < $4 AND $2::bigint = ${w}`,
      columns,
    );
  }
  // The first (last) value is that of the tier bucket holding the earliest (latest) time.
  const end = (t: string, v: string) =>
    `(SELECT x.${v}_${suffix} FROM ${table} x WHERE x.series_id = $1
      AND x.bucket = g.${t} - ((g.${t} % ${w}) + ${w}) % ${w})`;
  const expression: Record<BucketColumn, string> = {
    n: 'n',
    s: 's',
    lo: 'lo',
    hi: 'hi',
    fv: `${end('ft', 'first')} AS fv`,
    lv: `${end('lt', 'last')} AS lv`,
  };
  return asJson(
    `SELECT b${columns.map((c) => `, ${expression[c]}`).join('')}
    FROM (SELECT bucket - ((bucket % $2::bigint) + $2::bigint) % $2::bigint AS b,
            sum(n)::bigint AS n, sum(s) AS s, min(lo) AS lo, max(hi) AS hi, min(first_t) AS ft,
            max(last_t) AS lt
          FROM ${table} WHERE series_id = $1 AND bucket >= $3 AND bucket < $4 GROUP BY 1) AS g`,
    columns,
  );
}

/** The PostgreSQL {@link SeriesStore}, on the storage's pool (which it does not own). */
export class PostgresSeriesStore extends PooledStore implements SeriesStore {
  private readonly cache = new Map<string, { id: number; kind: SeriesKind }>();
  private shut = false;

  constructor(private readonly connections: PgPool) {
    super(connections, 'the series store');
  }

  async append(points: readonly SeriesPoint[], position?: number): Promise<void> {
    if (points.length === 0 && position === undefined) return;
    // Kinds within the batch and against the series known already, before anything is sent.
    const batchKinds = new Map<string, SeriesKind>();
    const unknown = new Map<
      string,
      { thingId: string; pointer: string; kind: SeriesKind; t: number }
    >();
    for (const p of points) {
      checkPointTime(p.t);
      const key = keyOf(p.thingId, p.pointer);
      const kind = kindOf(p.value);
      const known = this.cache.get(key)?.kind ?? batchKinds.get(key);
      if (known !== undefined && known !== kind)
        throw new SeriesKindError(p.thingId, p.pointer, known, kind);
      batchKinds.set(key, kind);
      if (!this.cache.has(key) && !unknown.has(key))
        unknown.set(key, { thingId: p.thingId, pointer: p.pointer, kind, t: p.t });
    }
    if (this.shut)
      throw new StorageError(
        'PostgreSQL storage: appending points failed: the series store is closed',
      );
    let client: PgPoolClient;
    try {
      client = await this.connections.connect();
    } catch (error) {
      throw toStorageError(error, 'appending points');
    }
    const fresh = new Map<string, { id: number; kind: SeriesKind }>();
    try {
      await client.query('BEGIN');
      if (unknown.size > 0) {
        const list = [...unknown.values()];
        await client.query(
          `INSERT INTO series (thing_id, pointer, kind, points, first_t, last_t)
           SELECT u.thing_id, u.pointer, u.kind, 0, u.t, u.t
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(thing_id, pointer, kind, t)
           ON CONFLICT (thing_id, pointer) DO NOTHING`,
          [
            list.map((s) => s.thingId),
            list.map((s) => s.pointer),
            list.map((s) => s.kind),
            list.map((s) => s.t),
          ],
        );
        const { rows } = await client.query<{
          id: number;
          thing_id: string;
          pointer: string;
          kind: SeriesKind;
        }>(
          `SELECT s.id, s.thing_id, s.pointer, s.kind FROM series s
           JOIN unnest($1::text[], $2::text[]) AS u(thing_id, pointer)
             ON s.thing_id = u.thing_id AND s.pointer = u.pointer`,
          [list.map((s) => s.thingId), list.map((s) => s.pointer)],
        );
        for (const r of rows) {
          const key = keyOf(r.thing_id, r.pointer);
          const asked = unknown.get(key);
          if (asked !== undefined && asked.kind !== r.kind)
            throw new SeriesKindError(r.thing_id, r.pointer, r.kind, asked.kind);
          fresh.set(key, { id: r.id, kind: r.kind });
        }
      }
      const stored: StoredPoint[] = new Array<StoredPoint>(points.length);
      const stats = new Map<number, { n: number; first: number; last: number }>();
      for (let i = 0; i < points.length; i++) {
        const p = points[i];
        const key = keyOf(p.thingId, p.pointer);
        const series = this.cache.get(key) ?? fresh.get(key);
        if (series === undefined)
          throw new StorageError(`the series ${p.thingId} /${p.pointer} was not created`);
        const { num, txt } = storedValue(p.value);
        stored[i] = { seriesId: series.id, t: p.t, num, txt };
        const s = stats.get(series.id);
        if (s === undefined) stats.set(series.id, { n: 1, first: p.t, last: p.t });
        else {
          s.n++;
          if (p.t < s.first) s.first = p.t;
          if (p.t > s.last) s.last = p.t;
        }
      }
      const values: unknown[] = [
        stored.map((p) => p.seriesId),
        stored.map((p) => p.t),
        stored.map((p) => p.num),
        stored.map((p) => p.txt),
        position ?? null,
      ];
      for (const tier of TIER_NAMES) {
        const rows = aggregateBatch(stored, TIERS[tier]);
        const text = (v: number | string) => (typeof v === 'string' ? v : null);
        const num = (v: number | string) => (typeof v === 'number' ? v : null);
        values.push(
          rows.map((r) => r.seriesId),
          rows.map((r) => r.bucket),
          rows.map((r) => r.count),
          rows.map((r) => r.sum),
          rows.map((r) => r.min),
          rows.map((r) => r.max),
          rows.map((r) => r.firstT),
          rows.map((r) => num(r.firstV)),
          rows.map((r) => text(r.firstV)),
          rows.map((r) => r.lastT),
          rows.map((r) => num(r.lastV)),
          rows.map((r) => text(r.lastV)),
        );
      }
      const ids = [...stats.keys()];
      values.push(
        ids,
        ids.map((id) => stats.get(id)?.n),
        ids.map((id) => stats.get(id)?.first),
        ids.map((id) => stats.get(id)?.last),
      );
      await client.query(WRITE_SQL, values);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      const kindError = error instanceof SeriesKindError;
      await client.query('ROLLBACK').then(
        () => client.release(),
        () => client.release(true),
      );
      if (kindError || error instanceof StorageError) throw error;
      throw toStorageError(error, 'appending points');
    }
    if (this.cache.size + fresh.size > CACHE_LIMIT) this.cache.clear();
    for (const [key, series] of fresh) this.cache.set(key, series);
  }

  async position(): Promise<number> {
    const { rows } = await this.run<{ position: number }>(
      'SELECT position FROM series_position WHERE id = 1',
      [],
      'reading the series position',
    );
    return rows[0].position;
  }

  private async seriesRow(thingId: string, pointer: string): Promise<SeriesRow | undefined> {
    const { rows } = await this.run<SeriesRow>(
      'SELECT * FROM series WHERE thing_id = $1 AND pointer = $2',
      [thingId, pointer],
      'reading a series',
    );
    return rows[0];
  }

  async describe(thingId: string, pointer: string): Promise<SeriesInfo | null> {
    const row = await this.seriesRow(thingId, pointer);
    return row === undefined ? null : infoOf(row);
  }

  async listSeries(thingId: string): Promise<SeriesInfo[]> {
    const { rows } = await this.run<SeriesRow>(
      'SELECT * FROM series WHERE thing_id = $1 ORDER BY pointer',
      [thingId],
      'listing series',
    );
    return rows.map(infoOf);
  }

  async latestTimes(thingIds: readonly string[]): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    if (thingIds.length === 0) return out;
    const { rows } = await this.run<{ thing_id: string; pointer: string; last_t: string | number }>(
      'SELECT thing_id, pointer, last_t FROM series WHERE thing_id = ANY($1)',
      [[...new Set(thingIds)]],
      'reading the latest series times',
    );
    for (const row of rows) {
      let times = out.get(row.thing_id);
      if (times === undefined) out.set(row.thing_id, (times = new Map()));
      times.set(row.pointer, Number(row.last_t));
    }
    return out;
  }

  async raw(query: RawQuery): Promise<{ t: number[]; v: SeriesValue[] }> {
    const series = await this.seriesRow(query.thingId, query.pointer);
    if (series === undefined || query.limit <= 0) return { t: [], v: [] };
    const { rows } = await this.run<{ t: number; num: number | null; txt: string | null }>(
      `SELECT t, num, txt FROM series_raw WHERE series_id = $1 AND t >= $2 AND t < $3
       ORDER BY t, seq LIMIT $4`,
      [series.id, query.from, query.to, query.limit],
      'reading raw points',
    );
    return { t: rows.map((r) => r.t), v: rows.map((r) => valueOf(series.kind, r.num, r.txt)) };
  }

  async countRaw(thingId: string, pointer: string, from: number, to: number): Promise<number> {
    const series = await this.seriesRow(thingId, pointer);
    if (series === undefined) return 0;
    const { rows } = await this.run<{ n: number }>(
      'SELECT count(*) AS n FROM series_raw WHERE series_id = $1 AND t >= $2 AND t < $3',
      [series.id, from, to],
      'counting raw points',
    );
    return rows[0].n;
  }

  async buckets(query: BucketQuery): Promise<Buckets> {
    checkStep(query.step);
    const columns = bucketColumnsFor(query.aggregations);
    const series = await this.seriesRow(query.thingId, query.pointer);
    if (series === undefined)
      return bucketColumns(
        joinData([], columns.length + 1),
        columns,
        'number',
        query.aggregations,
        'raw',
      );
    const { rows: cuts } = await this.run<{ level: keyof Horizons; horizon: number }>(
      'SELECT level, horizon FROM series_horizons WHERE namespace = $1',
      [namespaceOf(query.thingId)],
      'reading series horizons',
    );
    const plan = planQuery(query, Object.fromEntries(cuts.map((c) => [c.level, c.horizon])));
    const column = series.kind === 'string' ? 'txt' : 'num';
    const parts: Promise<BucketData>[] = [];
    const select = (sql: string, from: number, to: number) => {
      if (from >= to) return;
      parts.push(
        this.run<{ data: BucketData }>(
          sql,
          [series.id, query.step, from, to],
          'aggregating a series',
        ).then((r) => inOrder(r.rows[0].data)),
      );
    };
    select(rawBucketsSql(column, columns), query.from, plan.head);
    if (plan.tier !== null) {
      const regroup = query.step !== TIERS[plan.tier];
      select(tierBucketsSql(plan.tier, series.kind, regroup, columns), plan.head, plan.tail);
    }
    select(rawBucketsSql(column, columns), plan.tail, query.to);
    const data = joinData(await Promise.all(parts), columns.length + 1);
    return bucketColumns(data, columns, series.kind, query.aggregations, plan.tier ?? 'raw');
  }

  async getRetention(namespace: string): Promise<Retention | null> {
    const [record] = await this.records<Retention>(
      'SELECT record FROM series_retention WHERE namespace = $1',
      [namespace],
      'reading a retention',
    );
    return record ?? null;
  }

  async putRetention(namespace: string, retention: Retention): Promise<void> {
    await this.run(
      `INSERT INTO series_retention (namespace, record) VALUES ($1, $2)
       ON CONFLICT (namespace) DO UPDATE SET record = excluded.record`,
      [namespace, JSON.stringify(retention)],
      'writing a retention',
    );
  }

  async deleteRetention(namespace: string): Promise<boolean> {
    const result = await this.run(
      'DELETE FROM series_retention WHERE namespace = $1',
      [namespace],
      'deleting a retention',
    );
    return (result.rowCount ?? 0) > 0;
  }

  async prune(now: number): Promise<number> {
    const retentions = (
      await this.run<{ namespace: string; record: string }>(
        'SELECT namespace, record FROM series_retention',
        [],
        'reading retentions',
      )
    ).rows.map((r) => ({ namespace: r.namespace, retention: JSON.parse(r.record) as Retention }));
    if (this.shut)
      throw new StorageError(
        'PostgreSQL storage: pruning series failed: the series store is closed',
      );
    let client: PgPoolClient;
    try {
      client = await this.connections.connect();
    } catch (error) {
      throw toStorageError(error, 'pruning series');
    }
    let gone = 0;
    try {
      await client.query('BEGIN');
      for (const { namespace, retention } of retentions)
        gone += await this.pruneNamespace(client, namespace, retention, now);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      await client.query('ROLLBACK').then(
        () => client.release(),
        () => client.release(true),
      );
      throw toStorageError(error, 'pruning series');
    }
    this.cache.clear();
    return gone;
  }

  /** Prunes one namespace on `client`, in prune's transaction; returns how many rows went. */
  private async pruneNamespace(
    client: PgPoolClient,
    namespace: string,
    retention: Retention,
    now: number,
  ): Promise<number> {
    const { rows } = await client.query<{ id: number }>(
      'SELECT id FROM series WHERE (thing_id >= $1 AND thing_id < $2) OR thing_id = $3',
      [`${namespace}:`, `${namespace};`, namespace],
    );
    const ids = rows.map((r) => r.id);
    const cuts: [keyof Horizons, number, string][] = [];
    if (retention.raw !== null)
      cuts.push([
        'raw',
        now - retention.raw,
        'DELETE FROM series_raw WHERE series_id = ANY($1::int[]) AND t < $2',
      ]);
    for (const tier of TIER_NAMES) {
      const keep = retention.tiers[tier];
      if (keep === null) continue;
      cuts.push([
        tier,
        now - keep,
        `DELETE FROM ${tierTable(tier)} WHERE series_id = ANY($1::int[]) AND bucket <= $2::bigint - ${TIERS[tier]}`,
      ]);
    }
    let gone = 0;
    for (const [level, cut, sql] of cuts) {
      if (ids.length > 0) gone += (await client.query(sql, [ids, cut])).rowCount ?? 0;
      await client.query(
        `INSERT INTO series_horizons (namespace, level, horizon) VALUES ($1, $2, $3)
         ON CONFLICT (namespace, level) DO UPDATE
           SET horizon = GREATEST(series_horizons.horizon, excluded.horizon)`,
        [namespace, level, cut],
      );
    }
    if (gone === 0) return 0;
    // Recount what is left; a series of which nothing is left is forgotten.
    const tierBounds = TIER_NAMES.map(
      (tier) =>
        `SELECT series_id, 0::bigint AS n, min(first_t) AS f, max(last_t) AS l FROM ${tierTable(tier)}
         WHERE series_id = ANY($1::int[]) GROUP BY series_id`,
    ).join(' UNION ALL ');
    await client.query(
      `WITH left_over AS (
         SELECT series_id, sum(n)::bigint AS n, min(f) AS f, max(l) AS l FROM (
           SELECT series_id, count(*) AS n, min(t) AS f, max(t) AS l FROM series_raw
           WHERE series_id = ANY($1::int[]) GROUP BY series_id
           UNION ALL ${tierBounds}) AS b GROUP BY series_id),
       updated AS (
         UPDATE series SET points = o.n, first_t = o.f, last_t = o.l FROM left_over o
         WHERE series.id = o.series_id)
       DELETE FROM series WHERE id = ANY($1::int[])
         AND id NOT IN (SELECT series_id FROM left_over)`,
      [ids],
    );
    return gone;
  }

  override async close(): Promise<void> {
    this.shut = true;
    await super.close();
  }
}
