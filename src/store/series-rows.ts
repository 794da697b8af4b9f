// What the SeriesStore adapters share: bucket arithmetic, a batch pre-aggregated per tier bucket,
// the choice of the tier that answers a query, and bucket rows turned into the port's columns.
import {
  TIERS,
  type Aggregation,
  type BucketQuery,
  type Buckets,
  type SeriesKind,
  type SeriesValue,
  type TierName,
} from './series-store.js';

/** The start of the `step`-wide bucket holding `t`: a UTC multiple of `step` (negative t too). */
export function bucketStart(t: number, step: number): number {
  return t - (((t % step) + step) % step);
}

/** Refuses a bucket step that is not a positive whole number of ms (RangeError). */
export function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step <= 0)
    throw new RangeError(`a bucket step must be a positive whole number of ms, not ${step}`);
}

/** Refuses a point time that is not whole epoch ms (RangeError). */
export function checkPointTime(t: number): void {
  if (!Number.isSafeInteger(t))
    throw new RangeError(`a point's time must be whole epoch ms, not ${t}`);
}

/** The value of a point as stored: numbers and booleans (0/1) in `num`, strings in `txt`. */
export function storedValue(value: SeriesValue): { num: number | null; txt: string | null } {
  if (typeof value === 'number') return { num: value, txt: null };
  if (typeof value === 'boolean') return { num: value ? 1 : 0, txt: null };
  return { num: null, txt: value };
}

/** A stored value back in its series' kind. */
export function valueOf(kind: SeriesKind, num: number | null, txt: string | null): SeriesValue {
  if (kind === 'string') return txt ?? '';
  return kind === 'boolean' ? num === 1 : (num ?? 0);
}

/** The aggregates of one tier bucket, built from a batch and merged into the stored row. */
export interface TierRow {
  seriesId: number;
  bucket: number;
  count: number;
  /** Null for string series, as are min and max. */
  sum: number | null;
  min: number | null;
  max: number | null;
  firstT: number;
  /** A number (0/1 for booleans) or a string. */
  firstV: number | string;
  lastT: number;
  lastV: number | string;
}

/** A point of a batch with its series resolved. */
export interface StoredPoint {
  seriesId: number;
  t: number;
  num: number | null;
  txt: string | null;
}

/**
 * The batch's points aggregated per (series, bucket of `width`), in the order the points came:
 * `first` is the earliest point (the first appended among equals), `last` the latest (the last
 * appended among equals), as a stored row merged with these keeps them.
 */
export function aggregateBatch(points: readonly StoredPoint[], width: number): TierRow[] {
  const bySeries = new Map<number, Map<number, TierRow>>();
  const rows: TierRow[] = [];
  for (const p of points) {
    let buckets = bySeries.get(p.seriesId);
    if (buckets === undefined) {
      buckets = new Map();
      bySeries.set(p.seriesId, buckets);
    }
    const bucket = p.t - (((p.t % width) + width) % width);
    const v = p.num ?? (p.txt as string);
    const row = buckets.get(bucket);
    if (row === undefined) {
      const fresh: TierRow = {
        seriesId: p.seriesId,
        bucket,
        count: 1,
        sum: p.num,
        min: p.num,
        max: p.num,
        firstT: p.t,
        firstV: v,
        lastT: p.t,
        lastV: v,
      };
      buckets.set(bucket, fresh);
      rows.push(fresh);
      continue;
    }
    row.count++;
    if (p.num !== null) {
      row.sum = (row.sum as number) + p.num;
      if (p.num < (row.min as number)) row.min = p.num;
      if (p.num > (row.max as number)) row.max = p.num;
    }
    if (p.t < row.firstT) {
      row.firstT = p.t;
      row.firstV = v;
    }
    if (p.t >= row.lastT) {
      row.lastT = p.t;
      row.lastV = v;
    }
  }
  return rows;
}

/** Tiers from the widest down. */
const WIDEST_FIRST = (Object.keys(TIERS) as TierName[]).sort((a, b) => TIERS[b] - TIERS[a]);

/**
 * Where data may be missing because retention pruned it: per level (`raw` or a tier), the time
 * before which it was cut (absent: never cut).
 */
export type Horizons = Partial<Record<'raw' | TierName, number>>;

/**
 * The tier that answers buckets of `step` over whole buckets starting at `from`, or null for raw
 * points: the widest whose width divides `step`, unless retention cut it later than raw points
 * (a tier cut at H misses raw points in `[rawCut, H)`) and `from` lies before its cut.
 */
export function chooseTier(step: number, from: number, horizons: Horizons): TierName | null {
  const rawCut = horizons.raw ?? -Infinity;
  for (const tier of WIDEST_FIRST) {
    if (step % TIERS[tier] !== 0) continue;
    const cut = horizons[tier] ?? -Infinity;
    if (cut <= rawCut || cut <= from) return tier;
  }
  return null;
}

/**
 * How a bucket query splits: raw points for a partial first bucket `[from, head)` and a partial
 * last one `[tail, to)`, `tier` rows for the whole buckets of `[head, tail)` between them (nothing
 * from a tier when `tier` is null).
 */
export interface QueryPlan {
  tier: TierName | null;
  head: number;
  tail: number;
}

/** The plan of a query (see {@link QueryPlan}). */
export function planQuery(query: BucketQuery, horizons: Horizons): QueryPlan {
  const { from, to, step } = query;
  const head = Math.min(
    to,
    from === bucketStart(from, step) ? from : bucketStart(from, step) + step,
  );
  const tail = Math.max(head, bucketStart(to, step));
  if (query.tiers === false || head >= tail) return { tier: null, head: to, tail: to };
  const tier = chooseTier(step, head, horizons);
  return tier === null ? { tier: null, head: to, tail: to } : { tier, head, tail };
}

/** One bucket as the adapters' SQL returns it: start, count, sum, min, max, first and last value. */
export interface BucketRow {
  b: number;
  n: number;
  s: number | null;
  lo: number | null;
  hi: number | null;
  fv: number | string | null;
  lv: number | string | null;
}

/** Bucket rows (ascending, disjoint) as the port's columns for a series of `kind`. */
export function bucketColumns(
  rows: readonly BucketRow[],
  kind: SeriesKind,
  aggregations: readonly Aggregation[],
  source: Buckets['source'],
): Buckets {
  const values: Buckets['values'] = {};
  const numeric = kind !== 'string';
  const asValue = (v: number | string | null): SeriesValue | null =>
    v === null ? null : kind === 'boolean' ? v === 1 : v;
  for (const aggregation of new Set(aggregations)) {
    let pick: (r: BucketRow) => SeriesValue | null;
    switch (aggregation) {
      case 'count':
        pick = (r) => r.n;
        break;
      case 'sum':
        pick = numeric ? (r) => r.s : () => null;
        break;
      case 'avg':
        pick = numeric ? (r) => (r.s === null ? null : r.s / r.n) : () => null;
        break;
      case 'min':
        pick = numeric ? (r) => asValue(r.lo) : () => null;
        break;
      case 'max':
        pick = numeric ? (r) => asValue(r.hi) : () => null;
        break;
      case 'first':
        pick = (r) => asValue(r.fv);
        break;
      case 'last':
        pick = (r) => asValue(r.lv);
        break;
    }
    values[aggregation] = rows.map(pick);
  }
  return { t: rows.map((r) => r.b), values, source };
}
