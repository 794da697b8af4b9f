// `twinfold dc simulate` as a user runs it: fidelity to OpenDC's own output on the SURF week, the
// OpenDC sample workloads, the Parquet it writes, and clear one-line errors for bad input.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../scripts/workspace.js';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'dc', 'simulate', ...args]);
const failure = (...args: string[]) =>
  cli(...args).then(
    () => {
      throw new Error('the command succeeded');
    },
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

const CI = process.env.CI === 'true';
/** A shared data file, or null (and the test skips) when absent; under CI absence fails the test. */
function shared(...parts: string[]): string | null {
  const path = sharedDataPath(...parts);
  if (path === null && CI)
    throw new Error(`shared data ${parts.join('/')} is missing (see shared/data/README.md)`);
  return path;
}
const haveSurf = CI || sharedDataPath('surf', 'tasks.parquet') !== null;
const haveSamples = CI || sharedDataPath('opendc-samples', 'single_task', 'tasks.parquet') !== null;

async function readOut(path: string) {
  const buffer = readFileSync(path);
  const file = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const schema = parquetMetadata(file)
    .schema.slice(1)
    .map((s) => [s.name, s.type]);
  const rows = await parquetReadObjects({ file });
  return { schema, rows: rows as Record<string, number | bigint>[] };
}

const out = () => join(mkdtempSync(join(tmpdir(), 'twinfold-dc-')), 'power.parquet');

function topologyFile(hosts: number, cores: number, speed: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'twinfold-dc-topology-')), 'topology.json');
  writeFileSync(
    path,
    JSON.stringify({
      clusters: [
        {
          name: 'C',
          hosts: [
            {
              name: 'H',
              count: hosts,
              cpu: { coreCount: cores, coreSpeed: speed },
              memory: { memorySize: 1e12 },
              cpuPowerModel: { modelType: 'linear', idlePower: 100, maxPower: 200 },
            },
          ],
        },
      ],
    }),
  );
  return path;
}

describe('dc simulate', () => {
  it.runIf(haveSurf)(
    "matches OpenDC's own power output on the SURF week (asymptotic topology, 150 s exports)",
    async () => {
      const surf = dirname(shared('surf', 'tasks.parquet')!);
      const target = out();
      const { stdout } = await cli(
        '--workload',
        surf,
        '--topology',
        join(surf, 'topology-asymptotic.json'),
        '--export-interval',
        '150',
        '--out',
        target,
      );
      expect(stdout).toMatch(/energy [\d,.]+ kWh, peak [\d,]+ W, .*wall time [\d.]+ s\n$/);
      const { schema, rows } = await readOut(target);
      expect(schema).toEqual([
        ['timestamp', 'INT64'],
        ['power_draw', 'DOUBLE'],
        ['energy_usage', 'DOUBLE'],
      ]);
      // One row per 150 s from the first submission (2022-10-06 22:00 UTC), stamped at the end.
      expect(rows).toHaveLength(4032);
      expect(Number(rows[0]!.timestamp)).toBe(Date.UTC(2022, 9, 6, 22, 2, 30));
      const ours = new Map(rows.map((r) => [Number(r.timestamp), r.power_draw as number]));

      // OpenDC's rows (TIMESTAMP nanos) aligned on the same absolute instants: every one has ours.
      const refBuffer = readFileSync(shared('surf', 'opendc-reference-power.parquet')!);
      const reference = await parquetReadObjects({
        file: refBuffer.buffer.slice(
          refBuffer.byteOffset,
          refBuffer.byteOffset + refBuffer.byteLength,
        ),
        columns: ['timestamp', 'power_draw'],
      });
      expect(reference).toHaveLength(4025);
      let sum = 0;
      let worst = 0;
      for (const r of reference) {
        const at = (r.timestamp as Date).getTime();
        const mine = ours.get(at);
        expect(mine, `an export at ${new Date(at).toISOString()}`).toBeDefined();
        const error = Math.abs(mine! - (r.power_draw as number)) / (r.power_draw as number);
        sum += error;
        worst = Math.max(worst, error);
      }
      const mape = (100 * sum) / reference.length;
      console.log(
        `SURF vs OpenDC: MAPE ${mape.toExponential(2)} %, worst ${(100 * worst).toExponential(2)} % over ${reference.length} exports`,
      );
      expect(mape).toBeLessThan(0.1);
      // OpenDC stores power as float32: we agree with every row to its precision.
      expect(worst).toBeLessThan(1e-6);
    },
    30_000,
  );

  it.runIf(haveSurf)(
    'with --carbon adds carbon_emission: each interval’s kWh × the intensity in effect',
    async () => {
      const surf = dirname(shared('surf', 'tasks.parquet')!);
      const target = out();
      await cli(
        '--workload',
        surf,
        '--topology',
        join(surf, 'topology-mse.json'),
        '--export-interval',
        '900',
        '--carbon',
        join(surf, 'carbon.parquet'),
        '--out',
        target,
      );
      const { schema, rows } = await readOut(target);
      expect(schema.map((c) => c[0])).toEqual([
        'timestamp',
        'power_draw',
        'energy_usage',
        'carbon_emission',
      ]);
      const buffer = readFileSync(join(surf, 'carbon.parquet'));
      const trace = await parquetReadObjects({
        file: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength),
      });
      const intensity = new Map(
        trace.map((r) => [(r.timestamp as Date).getTime(), r.carbon_intensity as number]),
      );
      // 15-minute exports from 22:00 line up with the trace's 15-minute steps.
      for (const r of rows.slice(0, 50)) {
        const from = Number(r.timestamp) - 900_000;
        expect(r.carbon_emission).toBeCloseTo(
          ((r.energy_usage as number) / 3.6e6) * intensity.get(from)!,
          9,
        );
      }
    },
    30_000,
  );

  it.runIf(haveSamples)(
    'runs every OpenDC sample workload; single_task gives its known answer',
    async () => {
      const samples = dirname(dirname(shared('opendc-samples', 'single_task', 'tasks.parquet')!));
      // single_task: 3,000 s at 39,600 MHz on 16 × 2,500 MHz: u = 0.99 → 199 W.
      const single = out();
      await cli(
        '--workload',
        join(samples, 'single_task'),
        '--topology',
        topologyFile(1, 16, 2500),
        '--out',
        single,
      );
      const s = await readOut(single);
      expect(s.rows).toHaveLength(20);
      for (const r of s.rows) {
        expect(r.power_draw).toBeCloseTo(199, 9);
        expect(r.energy_usage).toBeCloseTo(199 * 150, 6);
      }
      // workflow_example: 0, then 1 and 2 side by side, then 3 — three hours.
      const flow = out();
      await cli(
        '--workload',
        join(samples, 'workflow_example'),
        '--topology',
        topologyFile(4, 1, 2500),
        '--out',
        flow,
      );
      const f = await readOut(flow);
      expect(f.rows).toHaveLength(72);
      const busyHosts = (r: Record<string, number | bigint>) =>
        Math.round(((r.power_draw as number) - 400) / 100);
      expect([f.rows[10], f.rows[30], f.rows[60]].map((r) => busyHosts(r!))).toEqual([1, 2, 1]);
      // bitbrains-small: 50 VMs, 276,979 fragments.
      const bb = out();
      const { stdout } = await cli(
        '--workload',
        join(samples, 'bitbrains-small'),
        '--topology',
        topologyFile(8, 32, 3000),
        '--export-interval',
        '300',
        '--out',
        bb,
      );
      expect(stdout).toMatch(/, 0 tasks skipped,/);
      const b = await readOut(bb);
      expect(b.rows.length).toBeGreaterThan(1000);
      expect(
        b.rows.every((r) => (r.power_draw as number) >= 800 && (r.power_draw as number) <= 1600),
      ).toBe(true);
    },
    30_000,
  );

  it('bad input: one line naming the file and the field, exit 1, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-dc-bad-'));
    const good = topologyFile(1, 1, 1000);
    const write = (
      name: string,
      columnData: Parameters<typeof parquetWriteBuffer>[0]['columnData'],
    ) => writeFileSync(join(dir, name), new Uint8Array(parquetWriteBuffer({ columnData })));
    write('tasks.parquet', [
      { name: 'id', data: new Int32Array([0]), type: 'INT32' },
      { name: 'submission_time', data: [0n], type: 'INT64' },
      { name: 'cpu_count', data: new Int32Array([1]), type: 'INT32' },
      { name: 'cpu_capacity', data: new Float64Array([1]), type: 'DOUBLE' },
      { name: 'mem_capacity', data: [1n], type: 'INT64' },
    ]);
    write('fragments.parquet', [
      { name: 'id', data: new Int32Array([0]), type: 'INT32' },
      { name: 'duration', data: [1000n], type: 'INT64' },
    ]);
    const malformed = join(dir, 'malformed.json');
    writeFileSync(malformed, '{"clusters": [{"hosts": [}');
    const unknown = join(dir, 'unknown.json');
    writeFileSync(
      unknown,
      readFileSync(good, 'utf8').replace('"modelType":"linear"', '"modelType":"foo"'),
    );
    const missingField = join(dir, 'nocores.json');
    writeFileSync(missingField, readFileSync(good, 'utf8').replace('"coreCount":1,', ''));

    const cases: [string[], RegExp][] = [
      [
        ['--workload', join(dir, 'absent'), '--topology', good],
        /: \(directory\): no such workload directory$/,
      ],
      [['--workload', dir, '--topology', malformed], /^malformed\.json: \(root\): not valid JSON/],
      [
        ['--workload', dir, '--topology', unknown],
        /^unknown\.json: clusters\[0\]\.hosts\[0\]\.cpuPowerModel\.modelType: unknown power model "foo" \(one of constant, linear, square, cubic, sqrt, mse, asymptotic\)$/,
      ],
      [
        ['--workload', dir, '--topology', missingField],
        /^nocores\.json: clusters\[0\]\.hosts\[0\]\.cpu\.coreCount: is missing$/,
      ],
      [
        ['--workload', dir, '--topology', good],
        /^fragments\.parquet: cpu_usage: missing column \(the file has id, duration\)$/,
      ],
      [
        ['--workload', dir, '--topology', good, '--export-interval', '-5'],
        /^--export-interval: must be a positive number/,
      ],
    ];
    for (const [args, message] of cases) {
      const e = await failure(...args, '--out', join(dir, 'out.parquet'));
      expect(e.code, args.join(' ')).toBe(1);
      const lines = e.stderr.trimEnd().split('\n');
      expect(lines, e.stderr).toHaveLength(1);
      expect(lines[0]!.replace(/^twinfold dc simulate: /, '')).toMatch(message);
      expect(e.stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);

  it('--help lists the contract flags', async () => {
    const { stdout } = await cli('--help');
    for (const flag of [
      '--workload <dir>',
      '--topology <file>',
      '--export-interval',
      '--carbon <file>',
      '--out <file.parquet>',
    ])
      expect(stdout).toContain(flag);
  });
});
