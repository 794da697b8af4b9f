// Port: series, the values of twin properties over time (raw points and pre-aggregated tiers), the
// position of the committed-event stream they have been kept up to, and retention per namespace.

/** The value of one point: numbers and booleans are aggregated; strings are kept as events. */
export type SeriesValue = number | boolean | string;

/** One observation of one twin property. */
export interface SeriesPoint {
  thingId: string;
  /** A JSON pointer without its leading slash, e.g. `features/power/properties/watts`. */
  pointer: string;
  /** Epoch ms: the observation's own time, or the commit time when it has none. */
  t: number;
  value: SeriesValue;
}

/** What a series holds: fixed by its first point; a point of another kind is refused by the store. */
export type SeriesKind = 'number' | 'boolean' | 'string';

export interface SeriesInfo {
  thingId: string;
  pointer: string;
  kind: SeriesKind;
  /** Raw points kept now. */
  points: number;
  /** Epoch ms of the oldest and the newest raw point kept. */
  first: number;
  last: number;
}

/** The aggregations of a bucket. `first`/`last` go by time; `count` counts points. */
export const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** The pre-aggregated tiers every store keeps as points arrive (late points included). */
export const TIERS = { '1m': 60_000, '1h': 3_600_000 } as const;
export type TierName = keyof typeof TIERS;

/** How long a namespace's points are kept, in ms per tier; null keeps them for ever. */
export interface Retention {
  raw: number | null;
  tiers: Record<TierName, number | null>;
}

/** Raw points in `[from, to)`, oldest first (ties in the order they were appended). */
export interface RawQuery {
  thingId: string;
  pointer: string;
  from: number;
  to: number;
  /** At most this many points (the first ones). */
  limit: number;
}

/**
 * Buckets of `step` ms aligned to UTC multiples of `step` (bucket start = t - t mod step), over
 * `[from, to)`; only buckets holding points come back (fill is the caller's). A step that is a
 * multiple of a tier's width may be answered from that tier, with the same results as from raw
 * points.
 */
export interface BucketQuery {
  thingId: string;
  pointer: string;
  from: number;
  to: number;
  step: number;
  aggregations: readonly Aggregation[];
  /**
   * False answers from raw points only (a reference, and what a caller wanting no tier uses);
   * default true: from the widest tier that can answer (see SeriesStore.buckets).
   */
  tiers?: boolean;
}

/** Columns of equal length: `t` (bucket starts, ascending) and one per aggregation asked. */
export interface Buckets {
  t: number[];
  values: Partial<Record<Aggregation, (SeriesValue | null)[]>>;
  /**
   * What answered: `raw`, or the tier whose rows gave the buckets (a first or last bucket that only
   * partly covers `[from, to)` is then still aggregated from raw points).
   */
  source: 'raw' | TierName;
}

export interface SeriesStore {
  /**
   * Keeps points (raw and every tier), all or none; with `position`, also records that the
   * committed-event stream has been kept up to it (never moved back), in the same transaction, so
   * a restart resumes without losing or doubling points. Rejects with a SeriesKindError naming the
   * series when a point's kind differs from its series' kind (the kind of its first point ever, or
   * within the batch), and with a RangeError when a point's `t` is not whole epoch ms; nothing of
   * the append is kept then.
   */
  append(points: readonly SeriesPoint[], position?: number): Promise<void>;
  /** The last committed-event position recorded by `append` (0 when none). */
  position(): Promise<number>;
  /**
   * A series' description; null when no point of it was ever kept (or all were pruned, from raw
   * and from every tier). `first`/`last` include what only a tier still holds once raw points are
   * pruned.
   */
  describe(thingId: string, pointer: string): Promise<SeriesInfo | null>;
  /** The series of a twin, by pointer. */
  listSeries(thingId: string): Promise<SeriesInfo[]>;
  /**
   * The time of the newest point of every series of these twins: thingId -> pointer -> epoch ms
   * (twins without series are absent). Cheap enough for the ingest path: it writes nothing.
   */
  latestTimes(thingIds: readonly string[]): Promise<Map<string, Map<string, number>>>;
  /** Raw points. */
  raw(query: RawQuery): Promise<{ t: number[]; v: SeriesValue[] }>;
  /** How many raw points lie in `[from, to)` (for refusing answers that would be too large). */
  countRaw(thingId: string, pointer: string, from: number, to: number): Promise<number>;
  /**
   * Aggregated buckets. `first`/`last`/`count` also work for string series; the others give null.
   * Boolean series are kept as 0/1: `avg` is the fraction true and `sum` the count of true (numbers),
   * `min`/`max`/`first`/`last` come back as booleans (`min` is true only when every point is).
   *
   * Which data answers: the widest tier whose width divides `step` (its rows aggregated again for a
   * wider step: sums of sums, min of mins, first by time...), with the same results as raw points
   * give; raw points when no tier divides `step` or `tiers` is false. A tier that retention pruned
   * further back than raw points (so raw points it no longer holds are still kept) does not answer
   * a range reaching before its cut: the next narrower tier or raw points do. Sums from a tier are
   * added in another order than from raw points: equal for sums that are exact in doubles, within
   * rounding otherwise. Rejects with a RangeError when `step` is not a positive whole number of ms.
   */
  buckets(query: BucketQuery): Promise<Buckets>;
  /** The retention of a namespace; null when none is set (then everything is kept). */
  getRetention(namespace: string): Promise<Retention | null>;
  putRetention(namespace: string, retention: Retention): Promise<void>;
  deleteRetention(namespace: string): Promise<boolean>;
  /**
   * Deletes what retention no longer keeps, as of `now`: raw points older than `now - raw`, and
   * tier buckets that ended before `now - tier`. A namespace is a thingId's part before its first
   * `:` (the whole id when it has none); series of namespaces without retention are untouched.
   * Returns how many rows went.
   */
  prune(now: number): Promise<number>;
  close(): Promise<void>;
}

/** The namespace of a thing id, as retention knows it: the part before the first `:`. */
export function namespaceOf(thingId: string): string {
  const colon = thingId.indexOf(':');
  return colon < 0 ? thingId : thingId.slice(0, colon);
}

/** A point whose kind differs from the kind of its series (kept from its first point). */
export class SeriesKindError extends Error {
  override readonly name = 'SeriesKindError';
  constructor(
    readonly thingId: string,
    readonly pointer: string,
    readonly expected: SeriesKind,
    readonly actual: SeriesKind,
  ) {
    super(
      `the series ${thingId} /${pointer} holds ${expected} values; a ${actual} value cannot join it`,
    );
  }
}

/** The kind of a value. */
export function kindOf(value: SeriesValue): SeriesKind {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
}
