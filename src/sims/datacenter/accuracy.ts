// How far predicted power is from measured power: MAPE on 5-minute means, overall and over time
// (per window, per day), as OpenDT and the SURF results report it.

/** A power series: `power[i]` W at `timestamp[i]` epoch ms. */
export interface PowerSeries {
  readonly timestamp: ArrayLike<number>;
  readonly power: ArrayLike<number>;
}

/** The bucket the MAPE compares means over: 5 minutes. */
export const MAPE_BUCKET_MS = 5 * 60_000;

export interface BucketOptions {
  /** Width of the buckets whose means are compared; default 5 minutes. */
  readonly bucketMs?: number;
}

function checkSeries(name: string, series: PowerSeries): void {
  if (series.timestamp.length !== series.power.length)
    throw new RangeError(
      `${name}: ${series.timestamp.length} timestamps but ${series.power.length} power values`,
    );
}

function checkWidth(name: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms > 0)) throw new RangeError(`${name} must be > 0 ms, not ${ms}`);
}

/**
 * The mean of each bucket `floor(t / bucketMs)` that holds a sample, keyed by that index.
 * Non-finite values are left out.
 */
export function bucketMeans(series: PowerSeries, bucketMs = MAPE_BUCKET_MS): Map<number, number> {
  checkSeries('series', series);
  checkWidth('bucketMs', bucketMs);
  const sums = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < series.timestamp.length; i++) {
    const t = series.timestamp[i];
    const p = series.power[i];
    if (!Number.isFinite(t) || !Number.isFinite(p)) continue;
    const k = Math.floor(t / bucketMs);
    const at = sums.get(k);
    if (at === undefined) sums.set(k, { sum: p, n: 1 });
    else {
      at.sum += p;
      at.n += 1;
    }
  }
  const means = new Map<number, number>();
  for (const [k, { sum, n }] of [...sums].sort((a, b) => a[0] - b[0])) means.set(k, sum / n);
  return means;
}

/** One compared bucket: its index, the measured and the predicted mean. */
interface Pair {
  readonly k: number;
  readonly measured: number;
  readonly predicted: number;
}

/** Buckets where both series have a mean and the measured mean is > 0, in time order. */
function pairs(measured: PowerSeries, predicted: PowerSeries, bucketMs: number): Pair[] {
  checkSeries('measured', measured);
  checkSeries('predicted', predicted);
  const m = bucketMeans(measured, bucketMs);
  const p = bucketMeans(predicted, bucketMs);
  const out: Pair[] = [];
  for (const [k, mean] of m) {
    const other = p.get(k);
    if (other !== undefined && mean > 0) out.push({ k, measured: mean, predicted: other });
  }
  return out;
}

function percentError(pair: Pair): number {
  return Math.abs(pair.predicted - pair.measured) / pair.measured;
}

export interface MapeResult {
  /** Mean absolute percentage error in %, or null when no bucket could be compared. */
  readonly mape: number | null;
  /** How many buckets were compared. */
  readonly buckets: number;
}

/**
 * MAPE (in %) of `predicted` against `measured` on bucket means: both series are bucketed by
 * `floor(t / bucketMs)`, each bucket averaged, and the buckets where both exist and the measured
 * mean is > 0 compared.
 *
 * @example
 * mape(measured, { timestamp, power: predicted }).mape // 4.2
 */
export function mape(
  measured: PowerSeries,
  predicted: PowerSeries,
  options: BucketOptions = {},
): MapeResult {
  const bucketMs = options.bucketMs ?? MAPE_BUCKET_MS;
  checkWidth('bucketMs', bucketMs);
  const compared = pairs(measured, predicted, bucketMs);
  if (compared.length === 0) return { mape: null, buckets: 0 };
  let sum = 0;
  for (const pair of compared) sum += percentError(pair);
  return { mape: (100 * sum) / compared.length, buckets: compared.length };
}

export interface MapeOverTimeOptions extends BucketOptions {
  /** Length of a period (a window, a day), ms. */
  readonly periodMs: number;
  /** Epoch ms where period 0 starts (the run's start for windows); default 0 (UTC days). */
  readonly origin?: number;
}

/** The MAPE of one period, and of everything up to its end. */
export interface MapeOverTimeRow {
  /** Period number, `floor((bucket start − origin) / periodMs)`. */
  readonly period: number;
  /** Epoch ms. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
  /** % over the period's buckets. */
  readonly mape: number;
  readonly buckets: number;
  /** % over every compared bucket from the first period to this one's end. */
  readonly cumulativeMape: number;
}

/**
 * MAPE over time: the compared buckets (as in {@link mape}) grouped into periods by the start of
 * each bucket; one row per period that has at least one, in time order.
 *
 * @example
 * mapeOverTime(measured, predicted, { periodMs: 86_400_000 }) // one row per UTC day
 */
export function mapeOverTime(
  measured: PowerSeries,
  predicted: PowerSeries,
  options: MapeOverTimeOptions,
): MapeOverTimeRow[] {
  const bucketMs = options.bucketMs ?? MAPE_BUCKET_MS;
  const origin = options.origin ?? 0;
  checkWidth('bucketMs', bucketMs);
  checkWidth('periodMs', options.periodMs);
  if (!Number.isFinite(origin)) throw new RangeError(`origin must be a time, not ${origin}`);
  const rows: MapeOverTimeRow[] = [];
  let total = 0;
  let totalBuckets = 0;
  let current: { period: number; sum: number; n: number } | null = null;
  const close = (): void => {
    if (current === null) return;
    const start = origin + current.period * options.periodMs;
    rows.push({
      period: current.period,
      start,
      end: start + options.periodMs,
      mape: (100 * current.sum) / current.n,
      buckets: current.n,
      cumulativeMape: (100 * total) / totalBuckets,
    });
  };
  for (const pair of pairs(measured, predicted, bucketMs)) {
    const period = Math.floor((pair.k * bucketMs - origin) / options.periodMs);
    if (current === null || current.period !== period) {
      close();
      current = { period, sum: 0, n: 0 };
    }
    const error = percentError(pair);
    current.sum += error;
    current.n += 1;
    total += error;
    totalBuckets += 1;
  }
  close();
  return rows;
}
