// A small datacenter written to a directory for tests: an OpenDC workload of a few dozen tasks over
// half a day, a 16-host topology (and one of half the hosts), and a measured power trace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';

/** The first task's submission: inside the SURF carbon trace (2022). */
export const SMALL_START = Date.UTC(2022, 9, 7, 0, 0, 0);
const FRAGMENT_MS = 30_000;
const HOURS = 12;
const CORES = 16;
const CORE_MHZ = 2100;

export interface SmallDatacenter {
  workload: string;
  topology: string;
  /** The same hosts, half as many. */
  halfTopology: string;
  power: string;
}

function parquet(path: string, columns: ColumnSource[]): void {
  writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: columns })));
}

function topology(hosts: number) {
  return {
    clusters: [
      {
        name: 'C01',
        hosts: [
          {
            name: 'H',
            count: hosts,
            cpu: { coreCount: CORES, coreSpeed: CORE_MHZ },
            memory: { memorySize: 128_000_000 },
            cpuPowerModel: {
              modelType: 'asymptotic',
              power: 400,
              idlePower: 32,
              maxPower: 180,
              asymUtil: 0.3,
              dvfs: false,
            },
          },
        ],
      },
    ],
  };
}

/** Writes the small datacenter into `dir` (deterministic: the same files every time). */
export function writeSmallDatacenter(dir: string, hosts = 16): SmallDatacenter {
  const workload = join(dir, 'workload');
  mkdirSync(workload, { recursive: true });
  const tasks = { id: [] as string[], submission: [] as bigint[], duration: [] as bigint[] };
  const cpuCount: number[] = [];
  const capacity: number[] = [];
  const memory: bigint[] = [];
  const fragments = {
    id: [] as string[],
    duration: [] as bigint[],
    count: [] as number[],
    usage: [] as number[],
  };
  // One task every 10 minutes for 10 hours, each running 1 to 3 hours with a demand that swings.
  for (let k = 0; k < 60; k++) {
    const id = `task-${k}`;
    const cores = 4 + (k % 4) * 4;
    const samples = 120 + ((k * 37) % 241);
    tasks.id.push(id);
    tasks.submission.push(BigInt(SMALL_START + k * 600_000));
    tasks.duration.push(BigInt(samples * FRAGMENT_MS));
    cpuCount.push(cores);
    capacity.push(cores * CORE_MHZ);
    memory.push(1_000_000n);
    for (let s = 0; s < samples; s++) {
      const level =
        0.35 + 0.3 * Math.sin((s + k * 11) / 20) + 0.25 * ((k * 7 + s) % 3 === 0 ? 1 : 0);
      fragments.id.push(id);
      fragments.duration.push(BigInt(FRAGMENT_MS));
      fragments.count.push(cores);
      fragments.usage.push(Math.round(cores * CORE_MHZ * Math.min(1, Math.max(0.05, level))));
    }
  }
  parquet(join(workload, 'tasks.parquet'), [
    { name: 'id', data: tasks.id, type: 'STRING' },
    { name: 'submission_time', data: tasks.submission, type: 'INT64' },
    { name: 'duration', data: tasks.duration, type: 'INT64' },
    { name: 'cpu_count', data: cpuCount, type: 'INT32' },
    { name: 'cpu_capacity', data: capacity, type: 'DOUBLE' },
    { name: 'mem_capacity', data: memory, type: 'INT64' },
  ]);
  parquet(join(workload, 'fragments.parquet'), [
    { name: 'id', data: fragments.id, type: 'STRING' },
    { name: 'duration', data: fragments.duration, type: 'INT64' },
    { name: 'cpu_count', data: fragments.count, type: 'INT32' },
    { name: 'cpu_usage', data: fragments.usage, type: 'DOUBLE' },
  ]);
  // Measured power: every 30 s after the first submission, 0.85 to 1.35 kW.
  const t: bigint[] = [];
  const w: number[] = [];
  for (let ms = FRAGMENT_MS; ms <= HOURS * 3_600_000; ms += FRAGMENT_MS) {
    t.push(BigInt(ms));
    w.push(1100 + 250 * Math.sin(ms / 3_600_000));
  }
  const power = join(dir, 'consumption.parquet');
  parquet(power, [
    { name: 'timestamp', data: t, type: 'INT64' },
    { name: 'power_draw', data: w, type: 'DOUBLE' },
  ]);
  const full = join(dir, 'topology.json');
  const half = join(dir, 'topology-half.json');
  writeFileSync(full, JSON.stringify(topology(hosts), null, 2));
  writeFileSync(half, JSON.stringify(topology(Math.max(1, Math.floor(hosts / 2))), null, 2));
  return { workload, topology: full, halfTopology: half, power };
}
