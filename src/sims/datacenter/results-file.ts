// A shadow run's results on disk (a contract): `<out>/results.parquet`, one row per export
// interval, and `<out>/summary.json`, the run in figures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { mape, mapeOverTime } from './accuracy.js';
import type { PowerSeries } from './accuracy.js';

/** The rows of `results.parquet`, column-wise; every column has one value per export. */
export interface ShadowResults {
  /** Epoch ms at the end of each export interval. */
  readonly timestamp: ArrayLike<number>;
  readonly windowId: ArrayLike<number>;
  /** W, with calibration (when the run calibrates). */
  readonly predictedPower: ArrayLike<number>;
  /** W, the measured value at that time; NaN or null where there is none. */
  readonly measuredPower: ArrayLike<number | null>;
  /** W, with the topology's power model as given. */
  readonly powerUncalibrated: ArrayLike<number>;
}

/** The Parquet schema of `results.parquet`: name, physical type, whether nulls may occur. */
export const RESULTS_COLUMNS = [
  { name: 'timestamp', type: 'INT64', nullable: false },
  { name: 'window_id', type: 'INT64', nullable: false },
  { name: 'predicted_power', type: 'DOUBLE', nullable: false },
  { name: 'measured_power', type: 'DOUBLE', nullable: true },
  { name: 'power_uncalibrated', type: 'DOUBLE', nullable: false },
] as const;

function rowCount(results: ShadowResults): number {
  const n = results.timestamp.length;
  const lengths: [string, number][] = [
    ['windowId', results.windowId.length],
    ['predictedPower', results.predictedPower.length],
    ['measuredPower', results.measuredPower.length],
    ['powerUncalibrated', results.powerUncalibrated.length],
  ];
  for (const [name, length] of lengths)
    if (length !== n) throw new RangeError(`results: ${n} timestamps but ${length} ${name} values`);
  return n;
}

function integers(name: string, values: ArrayLike<number>): bigint[] {
  return Array.from(values, (v, i) => {
    if (!Number.isSafeInteger(v))
      throw new RangeError(`results: ${name}[${i}] = ${v} is not an integer`);
    return BigInt(v);
  });
}

function doubles(name: string, values: ArrayLike<number>): number[] {
  return Array.from(values, (v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`results: ${name}[${i}] = ${v} is not a number`);
    return v;
  });
}

/** The bytes of `results.parquet` for these rows. */
export function resultsParquet(results: ShadowResults): Uint8Array {
  rowCount(results);
  const measured = Array.from(results.measuredPower, (v) =>
    v === null || !Number.isFinite(v) ? null : v,
  );
  const data = [
    integers('timestamp', results.timestamp),
    integers('windowId', results.windowId),
    doubles('predictedPower', results.predictedPower),
    measured,
    doubles('powerUncalibrated', results.powerUncalibrated),
  ];
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: RESULTS_COLUMNS.map((column, i) => ({ ...column, data: data[i] })),
      kvMetadata: [{ key: 'twinfold.results', value: 'datacenter shadow run, one row per export' }],
    }),
  );
}

/** `summary.json`: figures of a whole run. Energies are over the exports' span. */
export interface RunSummary {
  /** % on 5-minute means against the measured power; null without a measurement. */
  readonly mape: number | null;
  readonly mape_uncalibrated: number | null;
  /** How many 5-minute buckets the MAPEs compare. */
  readonly mape_buckets: number;
  readonly energy_kwh: {
    readonly predicted: number;
    readonly uncalibrated: number;
    readonly measured: number | null;
  };
  readonly peak_power_w: { readonly predicted: number; readonly measured: number | null };
  /** g CO2 of the predicted energy; null without a carbon trace. */
  readonly carbon_g: number | null;
  readonly wall_time_s: number;
  readonly windows: number;
  readonly exports: number;
  readonly export_interval_s: number;
  /** ISO times of the first export interval's start and the last one's end. */
  readonly start: string | null;
  readonly end: string | null;
  /** MAPE over time: per UTC day, each day's own and the cumulative figure (%). */
  readonly mape_daily: readonly {
    readonly day: string;
    readonly mape: number;
    readonly cumulative_mape: number;
    readonly buckets: number;
  }[];
  readonly [extra: string]: unknown;
}

export interface SummaryInput {
  readonly results: ShadowResults;
  readonly exportIntervalMs: number;
  /** The whole measured series for the MAPE; default the rows' `measuredPower`. */
  readonly measured?: PowerSeries | null;
  /** J of the predicted run, from the simulator's exports; default Σ predicted W × interval. */
  readonly predictedEnergyJ?: number;
  readonly uncalibratedEnergyJ?: number;
  readonly carbonG?: number | null;
  readonly wallTimeS: number;
  /** More fields for `summary.json` (they must not replace the ones above). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

const J_PER_KWH = 3_600_000;

/**
 * Measured energy over `(from, to]`: each sample holds for the step before it (as OpenDT's
 * consumption rows, whose `energy_usage` is power × 30 s); the first sample's step is the next one's.
 */
function measuredEnergyJ(series: PowerSeries, from: number, to: number): number | null {
  const { timestamp: t, power: p } = series;
  let sum = 0;
  let any = false;
  for (let i = 0; i < t.length; i++) {
    if (t[i] <= from || t[i] > to || !Number.isFinite(p[i])) continue;
    const step = i > 0 ? t[i] - t[i - 1] : t.length > 1 ? t[1] - t[0] : 0;
    sum += p[i] * (Math.min(step, t[i] - from) / 1000);
    any = true;
  }
  return any ? sum : null;
}

/** The figures of `summary.json` for a run's rows. */
export function summarizeRun(input: SummaryInput): RunSummary {
  const { results, exportIntervalMs } = input;
  if (!(exportIntervalMs > 0))
    throw new RangeError(`exportIntervalMs must be > 0, not ${exportIntervalMs}`);
  const n = rowCount(results);
  const rowMeasured: PowerSeries = {
    timestamp: results.timestamp,
    power: Array.from(results.measuredPower, (v) => (v === null ? Number.NaN : v)),
  };
  const measured = input.measured ?? rowMeasured;
  const calibrated = mape(measured, {
    timestamp: results.timestamp,
    power: results.predictedPower,
  });
  const uncalibrated = mape(measured, {
    timestamp: results.timestamp,
    power: results.powerUncalibrated,
  });
  let predictedJ = 0;
  let uncalibratedJ = 0;
  let peakPredicted = n > 0 ? -Infinity : 0;
  let peakMeasured: number | null = null;
  for (let i = 0; i < n; i++) {
    predictedJ += results.predictedPower[i] * (exportIntervalMs / 1000);
    uncalibratedJ += results.powerUncalibrated[i] * (exportIntervalMs / 1000);
    peakPredicted = Math.max(peakPredicted, results.predictedPower[i]);
  }
  const from = n > 0 ? results.timestamp[0] - exportIntervalMs : 0;
  const to = n > 0 ? results.timestamp[n - 1] : 0;
  for (let i = 0; i < measured.timestamp.length; i++) {
    const v = measured.power[i];
    const t = measured.timestamp[i];
    if (t > from && t <= to && Number.isFinite(v)) peakMeasured = Math.max(peakMeasured ?? v, v);
  }
  const measuredJ = n > 0 ? measuredEnergyJ(measured, from, to) : null;
  const windows = new Set(Array.from(results.windowId)).size;
  const summary: RunSummary = {
    mape: calibrated.mape,
    mape_uncalibrated: uncalibrated.mape,
    mape_buckets: calibrated.buckets,
    energy_kwh: {
      predicted: (input.predictedEnergyJ ?? predictedJ) / J_PER_KWH,
      uncalibrated: (input.uncalibratedEnergyJ ?? uncalibratedJ) / J_PER_KWH,
      measured: measuredJ === null ? null : measuredJ / J_PER_KWH,
    },
    peak_power_w: { predicted: peakPredicted, measured: peakMeasured },
    carbon_g: input.carbonG ?? null,
    wall_time_s: input.wallTimeS,
    windows,
    exports: n,
    export_interval_s: exportIntervalMs / 1000,
    start: n > 0 ? new Date(from).toISOString() : null,
    end: n > 0 ? new Date(to).toISOString() : null,
    mape_daily: mapeOverTime(
      measured,
      { timestamp: results.timestamp, power: results.predictedPower },
      { periodMs: 86_400_000 },
    ).map((row) => ({
      day: new Date(row.start).toISOString().slice(0, 10),
      mape: row.mape,
      cumulative_mape: row.cumulativeMape,
      buckets: row.buckets,
    })),
  };
  for (const key of Object.keys(input.extra ?? {}))
    if (key in summary) throw new RangeError(`summary: extra field ${key} would replace a figure`);
  return { ...summary, ...input.extra };
}

/**
 * Writes `<outDir>/results.parquet` and `<outDir>/summary.json` (creating `outDir`), and returns
 * their paths.
 */
export function writeResults(
  outDir: string,
  results: ShadowResults,
  summary: RunSummary,
): { results: string; summary: string } {
  mkdirSync(outDir, { recursive: true });
  const paths = { results: join(outDir, 'results.parquet'), summary: join(outDir, 'summary.json') };
  writeFileSync(paths.results, resultsParquet(results));
  writeFileSync(paths.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return paths;
}
