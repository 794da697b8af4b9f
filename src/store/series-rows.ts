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
  let row: TierRow | undefined;
  for (const p of points) {
    const bucket = p.t - (((p.t % width) + width) % width);
    // Points mostly come in time order, one series after another: the bucket of the one before.
    if (row === undefined || row.seriesId !== p.seriesId || row.bucket !== bucket) {
      let buckets = bySeries.get(p.seriesId);
      if (buckets === undefined) {
        buckets = new Map();
        bySeries.set(p.seriesId, buckets);
      }
      row = buckets.get(bucket);
      if (row === undefined) {
        const v = p.num ?? (p.txt as string);
        row = {
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
        buckets.set(bucket, row);
        rows.push(row);
        continue;
      }
    }
    row.count++;
    const num = p.num;
    if (num !== null) {
      row.sum = (row.sum as number) + num;
      if (num < (row.min as number)) row.min = num;
      if (num > (row.max as number)) row.max = num;
    }
    if (p.t < row.firstT) {
      row.firstT = p.t;
      row.firstV = num ?? (p.txt as string);
    }
    if (p.t >= row.lastT) {
      row.lastT = p.t;
      row.lastV = num ?? (p.txt as string);
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

/** A column of the adapters' bucket SQL: count, sum, min, max, first and last value. */
export type BucketColumn = 'n' | 's' | 'lo' | 'hi' | 'fv' | 'lv';

const COLUMNS_OF: Record<Aggregation, readonly BucketColumn[]> = {
  count: ['n'],
  sum: ['s'],
  avg: ['s', 'n'],
  min: ['lo'],
  max: ['hi'],
  first: ['fv'],
  last: ['lv'],
};

const COLUMN_ORDER: readonly BucketColumn[] = ['n', 's', 'lo', 'hi', 'fv', 'lv'];

/** The columns the SQL must return for `aggregations`, after the bucket start, in this order. */
export function bucketColumnsFor(aggregations: readonly Aggregation[]): BucketColumn[] {
  const wanted = new Set(aggregations.flatMap((a) => COLUMNS_OF[a]));
  return COLUMN_ORDER.filter((c) => wanted.has(c));
}

/** One bucket as the adapters' SQL returns it: its start, then the columns asked, in order. */
export type BucketRow = readonly (number | string | null)[];

/** Buckets as columns: the starts, then one array per column asked, in order; all of one length. */
export type BucketData = (number | string | null)[][];

/** Rows (`[start, ...columns]`) as columns; `width` is how many each row holds. */
export function transpose(rows: readonly BucketRow[], width: number): BucketData {
  const data: BucketData = Array.from({ length: width }, () => new Array(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (let c = 0; c < width; c++) data[c][i] = row[c];
  }
  return data;
}

/** Column parts of consecutive ranges joined, in order; `width` columns each. */
export function joinData(parts: readonly BucketData[], width: number): BucketData {
  if (parts.length === 1) return parts[0];
  return Array.from({ length: width }, (_, c) => parts.flatMap((part) => part[c]));
}

/** Bucket data (ascending, disjoint buckets) as the port's columns for a series of `kind`. */
export function bucketColumns(
  data: BucketData,
  columns: readonly BucketColumn[],
  kind: SeriesKind,
  aggregations: readonly Aggregation[],
  source: Buckets['source'],
): Buckets {
  const values: Buckets['values'] = {};
  const t = (data[0] ?? []) as number[];
  const numeric = kind !== 'string';
  const of = (c: BucketColumn) => data[columns.indexOf(c) + 1];
  const value = (c: BucketColumn): (SeriesValue | null)[] => {
    const column = of(c);
    return kind === 'boolean' ? column.map((v) => (v === null ? null : v === 1)) : column.slice();
  };
  const nulls = () => t.map(() => null);
  for (const aggregation of new Set(aggregations)) {
    switch (aggregation) {
      case 'count':
        values.count = of('n').slice();
        break;
      case 'sum':
        values.sum = numeric ? of('s').slice() : nulls();
        break;
      case 'avg': {
        const s = of('s') as (number | null)[];
        const n = of('n') as number[];
        values.avg = numeric ? s.map((v, i) => (v === null ? null : v / n[i])) : nulls();
        break;
      }
      case 'min':
        values.min = numeric ? value('lo') : nulls();
        break;
      case 'max':
        values.max = numeric ? value('hi') : nulls();
        break;
      case 'first':
        values.first = value('fv');
        break;
      case 'last':
        values.last = value('lv');
        break;
    }
  }
  return { t, values, source };
}
