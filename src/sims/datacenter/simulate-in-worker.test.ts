// The worker-thread runner gives what the in-process run gives, and input errors as such.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { DatacenterInputError } from './input-error.js';
import { runSimulation } from './run-simulation.js';
import { simulateInWorker } from './simulate-in-worker.js';

function inputs() {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-worker-'));
  const write = (
    name: string,
    columnData: Parameters<typeof parquetWriteBuffer>[0]['columnData'],
  ) => writeFileSync(join(dir, name), new Uint8Array(parquetWriteBuffer({ columnData })));
  write('tasks.parquet', [
    { name: 'id', data: new Int32Array([0, 1]), type: 'INT32' },
    { name: 'submission_time', data: [0n, 30_000n], type: 'INT64' },
    { name: 'cpu_count', data: new Int32Array([1, 1]), type: 'INT32' },
    { name: 'cpu_capacity', data: new Float64Array([2000, 2000]), type: 'DOUBLE' },
    { name: 'mem_capacity', data: [1n, 1n], type: 'INT64' },
  ]);
  write('fragments.parquet', [
    { name: 'id', data: new Int32Array([0, 1, 1]), type: 'INT32' },
    { name: 'duration', data: [600_000n, 60_000n, 120_000n], type: 'INT64' },
    { name: 'cpu_usage', data: new Float64Array([1000, 500, 2000]), type: 'DOUBLE' },
  ]);
  const topology = join(dir, 'topology.json');
  writeFileSync(
    topology,
    JSON.stringify({
      clusters: [
        {
          hosts: [
            {
              count: 2,
              cpu: { coreCount: 1, coreSpeed: 2000 },
              memory: { memorySize: 10 },
              cpuPowerModel: { modelType: 'linear', idlePower: 100, maxPower: 200 },
            },
          ],
        },
      ],
    }),
  );
  return { dir, topology };
}

describe('simulateInWorker', () => {
  it('returns the same result as the in-process run', async () => {
    const { dir, topology } = inputs();
    const request = { workloadDir: dir, topologyPath: topology, exportIntervalMs: 60_000 };
    const [inWorker, inProcess] = await Promise.all([
      simulateInWorker(request),
      runSimulation(request),
    ]);
    expect(inWorker).toEqual(inProcess);
    expect(inWorker.exports[0]).toEqual({
      timestamp: 60_000,
      powerDraw: 150 + 125,
      energyUsage: 150 * 60 + 100 * 30 + 125 * 30,
    });
  });

  it('a bad input comes back as a DatacenterInputError naming the file and field', async () => {
    const { dir } = inputs();
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ clusters: [{ hosts: [{ cpu: { coreCount: 1, coreSpeed: 1 } }] }] }),
    );
    const error = await simulateInWorker({ workloadDir: dir, topologyPath: bad }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatacenterInputError);
    expect((error as Error).message).toBe('bad.json: clusters[0].hosts[0].memory: is missing');
  });
});
