import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, test } from 'vitest';
import { sharedDataPath } from '../../../scripts/workspace.js';
import { measuredAt, readMeasuredPower } from './measured-power.js';
import { resultsParquet, summarizeRun, writeResults } from './results-file.js';
import type { ShadowResults } from './results-file.js';

const dir = mkdtempSync(join(tmpdir(), 'results-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const START = Date.UTC(2022, 9, 6, 22);
const STEP = 150_000;

/** Four exports of 150 s in two 5-minute windows; no measurement at the third. */
const results: ShadowResults = {
  timestamp: [START + STEP, START + 2 * STEP, START + 3 * STEP, START + 4 * STEP],
  windowId: Int32Array.from([0, 0, 1, 1]),
  predictedPower: Float64Array.from([1000, 1200, 900, 1100]),
  measuredPower: [1000, 1000, null, Number.NaN],
  powerUncalibrated: Float64Array.from([1100, 1300, 1000, 1200]),
};

describe('results.parquet', () => {
  test('has the contract columns with their types, values and nulls', async () => {
    const paths = writeResults(
      join(dir, 'run'),
      results,
      summarizeRun({ results, exportIntervalMs: STEP, wallTimeS: 1.5 }),
    );
    expect(paths.results).toBe(join(dir, 'run', 'results.parquet'));
    const file = await asyncBufferFromFile(paths.results);
    const { schema, num_rows } = await parquetMetadataAsync(file);
    expect(num_rows).toBe(4n);
    expect(schema.slice(1).map((c) => [c.name, c.type, c.repetition_type])).toEqual([
      ['timestamp', 'INT64', 'REQUIRED'],
      ['window_id', 'INT64', 'REQUIRED'],
      ['predicted_power', 'DOUBLE', 'REQUIRED'],
      ['measured_power', 'DOUBLE', 'OPTIONAL'],
      ['power_uncalibrated', 'DOUBLE', 'REQUIRED'],
    ]);
    // Plain epoch ms, not a TIMESTAMP logical type: the contract says INT64.
    expect(schema[1].logical_type).toBeUndefined();
    const rows = await parquetReadObjects({ file });
    expect(rows).toEqual([
      {
        timestamp: BigInt(START + STEP),
        window_id: 0n,
        predicted_power: 1000,
        measured_power: 1000,
        power_uncalibrated: 1100,
      },
      {
        timestamp: BigInt(START + 2 * STEP),
        window_id: 0n,
        predicted_power: 1200,
        measured_power: 1000,
        power_uncalibrated: 1300,
      },
      {
        timestamp: BigInt(START + 3 * STEP),
        window_id: 1n,
        predicted_power: 900,
        measured_power: null,
        power_uncalibrated: 1000,
      },
      {
        timestamp: BigInt(START + 4 * STEP),
        window_id: 1n,
        predicted_power: 1100,
        measured_power: null,
        power_uncalibrated: 1200,
      },
    ]);
  });

  test('columns of unequal length, fractional ids and NaN predictions are refused', () => {
    expect(() => resultsParquet({ ...results, windowId: [0, 0, 1] })).toThrow(
      /4 timestamps but 3 windowId values/,
    );
    expect(() => resultsParquet({ ...results, windowId: [0, 0.5, 1, 1] })).toThrow(
      /windowId\[1\] = 0.5 is not an integer/,
    );
    expect(() => resultsParquet({ ...results, predictedPower: [1, Number.NaN, 1, 1] })).toThrow(
      /predictedPower\[1\] = NaN/,
    );
  });

  test('an empty run is a valid file with no rows', async () => {
    const empty = {
      timestamp: [],
      windowId: [],
      predictedPower: [],
      measuredPower: [],
      powerUncalibrated: [],
    };
    const paths = writeResults(
      join(dir, 'empty'),
      empty,
      summarizeRun({ results: empty, exportIntervalMs: STEP, wallTimeS: 0 }),
    );
    const file = await asyncBufferFromFile(paths.results);
    expect((await parquetMetadataAsync(file)).num_rows).toBe(0n);
    const summary = JSON.parse(readFileSync(paths.summary, 'utf8'));
    expect(summary).toMatchObject({ mape: null, windows: 0, exports: 0, start: null });
  });
});

describe('summary.json', () => {
  test('MAPE, energies, peaks, windows and span of the rows', () => {
    const summary = summarizeRun({
      results,
      exportIntervalMs: STEP,
      wallTimeS: 1.5,
      carbonG: 12.5,
    });
    // Exports are stamped at their end, so 5-minute buckets: 0 holds the first, 1 the second and
    // third, 2 the fourth. Measured (1000 W) is in buckets 0 and 1: predicted 1000 (0 %) and
    // mean(1200, 900) = 1050 (5 %); uncalibrated 1100 (10 %) and 1150 (15 %).
    expect(summary.mape).toBeCloseTo(2.5, 12);
    expect(summary.mape_uncalibrated).toBeCloseTo(12.5, 12);
    expect(summary.mape_buckets).toBe(2);
    // Σ W × 150 s / 3.6e6.
    expect(summary.energy_kwh.predicted).toBeCloseTo((4200 * 150) / 3.6e6, 12);
    expect(summary.energy_kwh.uncalibrated).toBeCloseTo((4600 * 150) / 3.6e6, 12);
    expect(summary.energy_kwh.measured).toBeCloseTo((2000 * 150) / 3.6e6, 12);
    expect(summary.peak_power_w).toEqual({ predicted: 1200, measured: 1000 });
    expect(summary.carbon_g).toBe(12.5);
    expect(summary.windows).toBe(2);
    expect(summary.exports).toBe(4);
    expect(summary.export_interval_s).toBe(150);
    expect(summary.start).toBe('2022-10-06T22:00:00.000Z');
    expect(summary.end).toBe('2022-10-06T22:10:00.000Z');
    expect(summary.wall_time_s).toBe(1.5);
    expect(summary.mape_daily).toEqual([
      {
        day: '2022-10-06',
        mape: expect.closeTo(2.5, 12),
        cumulative_mape: expect.closeTo(2.5, 12),
        buckets: 2,
      },
    ]);
  });

  test('the whole measured series, the simulator energies and extra fields are honoured', () => {
    // Measured every 30 s at 1000 W over the 10 minutes (and after, which the energy leaves out).
    const t: number[] = [];
    for (let at = START + 30_000; at <= START + 15 * 60_000; at += 30_000) t.push(at);
    const measured = { timestamp: t, power: t.map(() => 1000) };
    const summary = summarizeRun({
      results,
      exportIntervalMs: STEP,
      wallTimeS: 2,
      measured,
      predictedEnergyJ: 3.6e6,
      uncalibratedEnergyJ: 7.2e6,
      extra: { calibration: { parameter: 'asymUtil' } },
    });
    // Buckets 0, 1, 2: predicted 1000, 1050, 1100 against 1000 measured.
    expect(summary.mape).toBeCloseTo(5, 12);
    expect(summary.mape_buckets).toBe(3);
    expect(summary.energy_kwh).toEqual({
      predicted: 1,
      uncalibrated: 2,
      measured: expect.closeTo((1000 * 600) / 3.6e6, 12),
    });
    expect(summary.calibration).toEqual({ parameter: 'asymUtil' });
    expect(summary.carbon_g).toBeNull();
    expect(() =>
      summarizeRun({ results, exportIntervalMs: STEP, wallTimeS: 0, extra: { mape: 0 } }),
    ).toThrow(/extra field mape/);
  });
});

const consumption = sharedDataPath('surf', 'consumption.parquet');
test.skipIf(consumption === null && process.env.CI !== 'true')(
  "the SURF week: measured energy agrees with the file's own energy_usage; predicted = measured is 0 %",
  async () => {
    if (consumption === null) throw new Error('shared/data/surf/consumption.parquet is missing');
    const measured = await readMeasuredPower(consumption, { start: START });
    const rows = await parquetReadObjects({
      file: await asyncBufferFromFile(consumption),
      columns: ['energy_usage'],
    });
    let fileJ = 0;
    for (const row of rows) fileJ += row.energy_usage as number;
    const timestamp: number[] = [];
    for (let t = START + STEP; t <= START + 7 * 86_400_000; t += STEP) timestamp.push(t);
    const atExports = measuredAt(measured, timestamp);
    const week = {
      timestamp,
      windowId: timestamp.map((t) => Math.floor((t - START - 1) / 900_000)),
      predictedPower: Array.from(atExports, (v) => (Number.isNaN(v) ? 0 : v)),
      measuredPower: atExports,
      powerUncalibrated: Array.from(atExports, (v) => (Number.isNaN(v) ? 0 : 1.1 * v)),
    };
    const summary = summarizeRun({ results: week, exportIntervalMs: STEP, measured, wallTimeS: 0 });
    expect(summary.energy_kwh.measured).toBeCloseTo(fileJ / 3.6e6, 6);
    expect(summary.windows).toBe(672);
    expect(summary.exports).toBe(4032);
    expect(summary.mape_daily).toHaveLength(8);
    // Predicted is the measured value every 150 s: the 5-minute means differ a little from the
    // 30 s samples' means, but not by much.
    expect(summary.mape).toBeGreaterThan(0);
    expect(summary.mape).toBeLessThan(2);
    expect(summary.mape_uncalibrated).toBeGreaterThan(summary.mape as number);
    expect(summary.mape_buckets).toBe(2016);
  },
);
