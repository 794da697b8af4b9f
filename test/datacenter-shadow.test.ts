// Shadow mode on the SURF week as a user runs it: `twinfold dc shadow` and `twinfold experiment
// run` as processes, their files read back, calibration that never reads the future, pacing.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runShadowFromFiles } from '../src/sims/datacenter/shadow-run.js';
import { sharedDataPath } from '../scripts/workspace.js';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);
const failureOf = (...args: string[]) =>
  cli(...args).then(
    () => {
      throw new Error(`twinfold ${args.join(' ')} succeeded`);
    },
    (e: { code: number; stderr: string }) => e,
  );

const surf = sharedDataPath('surf');
if (surf === null && process.env.CI)
  throw new Error('shared/data/surf is missing (see its README)');
const DAY = 86_400_000;
const scratch = mkdtempSync(join(tmpdir(), 'twinfold-shadow-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Skipped only outside CI without shared/data/surf (under CI its absence fails above).
describe.skipIf(surf === null)('datacenter shadow mode (SURF week)', () => {
  const D = surf!;
  const files = {
    workload: D,
    topology: join(D, 'topology-asymptotic.json'),
    power: join(D, 'consumption.parquet'),
    carbon: join(D, 'carbon.parquet'),
  };

  it('dc shadow --calibrate writes results.parquet, summary.json and power_plot.png; MAPE ≤ 4 %', async () => {
    const out = join(scratch, 'shadow');
    const { stdout, stderr } = await cli(
      'dc', 'shadow', '--workload', files.workload, '--topology', files.topology,
      '--power', files.power, '--carbon', files.carbon, '--speed', 'max', '--window', '5m',
      '--calibrate', '--out', out,
    ); // prettier-ignore
    expect(stdout).toMatch(/MAPE \d+\.\d\d %, uncalibrated \d+\.\d\d %/);
    expect(stderr).toContain('2016/2016 windows');

    const file = await asyncBufferFromFile(join(out, 'results.parquet'));
    const metadata = await parquetMetadataAsync(file);
    expect(metadata.schema.slice(1).map((c) => [c.name, c.type])).toEqual([
      ['timestamp', 'INT64'],
      ['window_id', 'INT64'],
      ['predicted_power', 'DOUBLE'],
      ['measured_power', 'DOUBLE'],
      ['power_uncalibrated', 'DOUBLE'],
    ]);
    const rows = (await parquetReadObjects({ file })) as {
      timestamp: bigint;
      window_id: bigint;
      predicted_power: number;
      measured_power: number | null;
      power_uncalibrated: number;
    }[];
    expect(rows).toHaveLength(4032); // a week of 150 s exports
    const start = Date.UTC(2022, 9, 6, 22);
    expect(Number(rows[0]!.timestamp)).toBe(start + 150_000);
    expect(rows.map((r) => Number(r.window_id))).toEqual(rows.map((_, k) => Math.floor(k / 2)));
    // The first window has nothing to calibrate on: its prediction is the uncalibrated one.
    expect(rows[0]!.predicted_power).toBe(rows[0]!.power_uncalibrated);
    expect(rows.filter((r) => r.measured_power === null)).toHaveLength(0);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.mape).toBeLessThanOrEqual(4.0);
    expect(summary.mape_uncalibrated).toBeGreaterThan(5.0); // OpenDC alone: about 5.3 %
    expect(summary.mape_uncalibrated).toBeLessThan(5.6);
    expect(summary.windows).toBe(2016);
    expect(summary.energy_kwh.measured).toBeCloseTo(3644.5, 0);
    expect(summary.carbon_g).toBeGreaterThan(0);

    const png = PNG.sync.read(readFileSync(join(out, 'power_plot.png')));
    expect([png.width, png.height]).toEqual([1600, 600]);
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
    expect(colours.size).toBeGreaterThan(20);
  }, 60_000);

  it('calibration never reads the future: predictions up to day 3 are the same with only 3 days measured', async () => {
    const measured = (await parquetReadObjects({
      file: await asyncBufferFromFile(files.power),
      columns: ['timestamp', 'power_draw'],
    })) as { timestamp: bigint; power_draw: number }[];
    const firstDays = measured.filter((r) => Number(r.timestamp) <= 3 * DAY);
    const truncated = join(scratch, 'first-three-days.parquet');
    writeFileSync(
      truncated,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'timestamp', data: firstDays.map((r) => r.timestamp), type: 'INT64' },
            { name: 'power_draw', data: firstDays.map((r) => r.power_draw), type: 'DOUBLE' },
          ],
        }),
      ),
    );
    const shadow = (powerPath: string) =>
      runShadowFromFiles({
        workloadDir: files.workload,
        topologyPath: files.topology,
        powerPath,
        windowMs: 300_000,
        exportIntervalMs: 150_000,
        calibrate: true,
        speed: 'max',
      });
    const [whole, first] = await Promise.all([shadow(files.power), shadow(truncated)]);
    const dayThree = whole.simulation.start + 3 * DAY;
    const upTo = (rows: typeof whole.rows) => rows.filter((r) => r.timestamp <= dayThree);
    expect(upTo(first.rows).length).toBe(1728); // 3 days of 150 s exports
    expect(upTo(first.rows).map((r) => r.predictedPower)).toEqual(
      upTo(whole.rows).map((r) => r.predictedPower),
    );
    // After day 3 the truncated run has nothing new to learn from: the runs part.
    const later = (rows: typeof whole.rows) =>
      rows.filter((r) => r.timestamp > dayThree + DAY).map((r) => r.predictedPower);
    expect(later(first.rows)).not.toEqual(later(whole.rows));
  }, 60_000);

  it('--speed paces the windows and reports the speed it reached', async () => {
    const speed = 400_000; // the week in about 1.5 s
    const outcome = await runShadowFromFiles({
      workloadDir: files.workload,
      topologyPath: files.topology,
      powerPath: files.power,
      windowMs: 3_600_000,
      exportIntervalMs: 150_000,
      calibrate: false,
      speed,
    });
    const achieved = outcome.summary.achieved_speed as number;
    expect(achieved).toBeLessThanOrEqual(speed * 1.01);
    expect(achieved).toBeGreaterThan(speed * 0.85);
  }, 60_000);

  it('experiment run writes output/<name>/run_<n>/ with each window’s inputs', async () => {
    const config = join(scratch, 'surf.yaml');
    const output = join(scratch, 'output');
    writeFileSync(
      config,
      [
        'name: surf-week',
        `workload: ${files.workload}`,
        `topology: ${files.topology}`,
        `power: ${files.power}`,
        `output: ${output}`,
        'simulation: {speed_factor: max, window_size_minutes: 60, experiment_mode: shadow}',
        'features: {calibration_enabled: true}',
      ].join('\n'),
    );
    const first = await cli('experiment', 'run', config);
    expect(first.stdout).toContain(join(output, 'surf-week', 'run_1'));
    await cli('experiment', 'run', config);
    const runs = join(output, 'surf-week');
    expect(readdirSync(runs).sort()).toEqual(['run_1', 'run_2']);
    for (const f of ['results.parquet', 'summary.json', 'power_plot.png', 'windows.jsonl'])
      expect(existsSync(join(runs, 'run_2', f))).toBe(true);
    const windows = readFileSync(join(runs, 'run_2', 'windows.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(windows).toHaveLength(168);
    const later = JSON.parse(windows[100]!);
    expect(later).toMatchObject({ window_id: 100, measured_samples: 24 });
    // Its models are fitted ones (not the topology's), and they explained the past hour well.
    const fitted = later.power_models[0];
    expect([fitted.idlePower, fitted.maxPower, fitted.asymUtil]).not.toEqual([32, 180, 0.3]);
    expect(later.power_models[0].kind).toBe('asymptotic');
    expect(later.calibration_scale).not.toBe(1);
    expect(later.calibration_lookback_mape).toBeLessThan(3);
    const summary = JSON.parse(readFileSync(join(runs, 'run_2', 'summary.json'), 'utf8'));
    expect(summary.mape).toBeLessThan(summary.mape_uncalibrated);

    // OpenDT's grid over calibrationFactor on an asymptotic model: refused, no run folder left.
    writeFileSync(
      config,
      readFileSync(config, 'utf8') +
        '\ncalibration: {calibrated_property: cpuPowerModel.calibrationFactor, min_value: 3, max_value: 9}\n',
    );
    const failure = await failureOf('experiment', 'run', config);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('the asymptotic power model has no calibrationFactor');
    expect(readdirSync(runs).sort()).toEqual(['run_1', 'run_2']);
  }, 60_000);

  it('bad input gets a message naming the flag, file or field', async () => {
    const base = ['dc', 'shadow', '--workload', files.workload, '--topology', files.topology];
    const cases: [string[], RegExp][] = [
      [['--power', files.power, '--lookback', '2h', '--out', scratch], /--lookback: .*--calibrate/],
      [['--power', files.power, '--window', '7m', '--out', scratch], /--window: 420 s is not a whole number/],
      [['--power', files.power, '--speed', 'fast', '--out', scratch], /--speed: must be a number/],
      [['--power', join(D, 'tasks.parquet'), '--out', scratch], /tasks\.parquet: timestamp: missing column/],
      [['--power', join(scratch, 'none.parquet'), '--out', scratch], /none\.parquet/],
    ]; // prettier-ignore
    for (const [args, message] of cases) {
      const failure = await failureOf(...base, ...args);
      expect(failure.code).toBe(1);
      expect(failure.stderr).toMatch(message);
      expect(failure.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const missing = await failureOf(
      'dc', 'shadow', '--workload', join(scratch, 'nowhere'), '--topology', files.topology,
      '--power', files.power, '--out', scratch,
    ); // prettier-ignore
    expect(missing.stderr).toMatch(/nowhere: \(directory\): no such workload directory/);
  }, 60_000);
});
