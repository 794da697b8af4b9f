// OpenDC workload directories: both schemas (string ids with TIMESTAMP times, int32 ids with INT64
// epoch ms), fragments grouped by task in file order, and clear errors for what is missing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { DatacenterInputError } from './input-error.js';
import { readWorkload } from './workload.js';

function write(dir: string, name: string, columns: ColumnSource[]) {
  writeFileSync(join(dir, name), new Uint8Array(parquetWriteBuffer({ columnData: columns })));
}

const T0 = Date.UTC(2022, 9, 6, 22);

function stringSchema(dir: string, fragmentCpuCount: boolean) {
  write(dir, 'tasks.parquet', [
    { name: 'id', data: ['a', 'b', 'c'], type: 'STRING' },
    {
      name: 'submission_time',
      data: [new Date(T0), new Date(T0 + 1000), new Date(T0)],
      type: 'TIMESTAMP',
    },
    { name: 'duration', data: [1n, 2n, 3n], type: 'INT64' },
    { name: 'cpu_count', data: new Int32Array([16, 1, 2]), type: 'INT32' },
    { name: 'cpu_capacity', data: new Float64Array([33600, 2100, 4200]), type: 'DOUBLE' },
    { name: 'mem_capacity', data: [100000n, 2000n, 3000n], type: 'INT64' },
  ]);
  write(dir, 'fragments.parquet', [
    // Interleaved: b's fragments come between a's.
    { name: 'id', data: ['a', 'b', 'a', 'b', 'a'], type: 'STRING' },
    { name: 'duration', data: [30000n, 10n, 30000n, 20n, 5n], type: 'INT64' },
    ...(fragmentCpuCount
      ? [{ name: 'cpu_count', data: new Int32Array([16, 1, 16, 1, 16]), type: 'INT32' as const }]
      : []),
    { name: 'cpu_usage', data: new Float64Array([1, 2, 3, 4, 5]), type: 'DOUBLE' },
  ]);
}

function intSchema(dir: string) {
  write(dir, 'tasks.parquet', [
    { name: 'id', data: new Int32Array([7, 3]), type: 'INT32' },
    { name: 'submission_time', data: [BigInt(T0), BigInt(T0 + 60000)], type: 'INT64' },
    { name: 'duration', data: [1n, 2n], type: 'INT64' },
    { name: 'cpu_count', data: new Int32Array([1, 4]), type: 'INT32' },
    { name: 'cpu_capacity', data: new Float64Array([1000, 4000]), type: 'DOUBLE' },
    { name: 'mem_capacity', data: [10n, 20n], type: 'INT64' },
  ]);
  write(dir, 'fragments.parquet', [
    { name: 'id', data: new Int32Array([3, 7, 3]), type: 'INT32' },
    { name: 'duration', data: [100n, 200n, 300n], type: 'INT64' },
    { name: 'cpu_usage', data: new Float64Array([10, 20, 30]), type: 'DOUBLE' },
  ]);
}

const fresh = () => mkdtempSync(join(tmpdir(), 'twinfold-workload-'));

async function refusal(dir: string): Promise<string> {
  const error = await readWorkload(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatacenterInputError);
  return (error as Error).message;
}

describe('readWorkload', () => {
  it('string ids, TIMESTAMP times, fragments with cpu_count, grouped by task in file order', async () => {
    for (const withCount of [true, false]) {
      const dir = fresh();
      stringSchema(dir, withCount);
      const w = await readWorkload(dir);
      expect(w.taskIds).toEqual(['a', 'b', 'c']);
      expect(Array.from(w.submissionTime)).toEqual([T0, T0 + 1000, T0]);
      expect(Array.from(w.cpuCount)).toEqual([16, 1, 2]);
      expect(Array.from(w.cpuCapacity)).toEqual([33600, 2100, 4200]);
      expect(Array.from(w.memCapacity)).toEqual([100000, 2000, 3000]);
      expect(Array.from(w.fragmentStart)).toEqual([0, 3, 5, 5]);
      expect(Array.from(w.fragmentDuration)).toEqual([30000, 30000, 5, 10, 20]);
      expect(Array.from(w.fragmentCpuUsage)).toEqual([1, 3, 5, 2, 4]);
    }
  });

  it('int32 ids and INT64 epoch-ms submission times', async () => {
    const dir = fresh();
    intSchema(dir);
    const w = await readWorkload(dir);
    expect(w.taskIds).toEqual(['7', '3']);
    expect(Array.from(w.submissionTime)).toEqual([T0, T0 + 60000]);
    expect(Array.from(w.fragmentStart)).toEqual([0, 1, 3]);
    expect(Array.from(w.fragmentDuration)).toEqual([200, 100, 300]);
    expect(Array.from(w.fragmentCpuUsage)).toEqual([20, 10, 30]);
  });

  it('a missing directory, file or column is named', async () => {
    const dir = fresh();
    expect(await refusal(join(dir, 'nope'))).toBe(
      `${join(dir, 'nope')}: (directory): no such workload directory`,
    );
    expect(await refusal(dir)).toMatch(/^tasks\.parquet: \(file\): no such file/);
    intSchema(dir);
    write(dir, 'fragments.parquet', [
      { name: 'id', data: new Int32Array([3]), type: 'INT32' },
      { name: 'duration', data: [100n], type: 'INT64' },
    ]);
    expect(await refusal(dir)).toBe(
      'fragments.parquet: cpu_usage: missing column (the file has id, duration)',
    );
    const other = fresh();
    intSchema(other);
    writeFileSync(join(other, 'tasks.parquet'), 'not parquet at all');
    expect(await refusal(other)).toMatch(/^tasks\.parquet: \(file\): not a Parquet file/);
  });

  it('a duplicate task id is refused', async () => {
    const dir = fresh();
    intSchema(dir);
    write(dir, 'tasks.parquet', [
      { name: 'id', data: new Int32Array([3, 3]), type: 'INT32' },
      { name: 'submission_time', data: [0n, 1n], type: 'INT64' },
      { name: 'cpu_count', data: new Int32Array([1, 1]), type: 'INT32' },
      { name: 'cpu_capacity', data: new Float64Array([1, 1]), type: 'DOUBLE' },
      { name: 'mem_capacity', data: [1n, 1n], type: 'INT64' },
    ]);
    expect(await refusal(dir)).toBe('tasks.parquet: id[1]: duplicate task id 3');
  });

  it('an empty task file, or a negative or missing number, is refused with its row', async () => {
    const dir = fresh();
    intSchema(dir);
    write(dir, 'fragments.parquet', [
      { name: 'id', data: new Int32Array([3, 7]), type: 'INT32' },
      { name: 'duration', data: [100n, -5n], type: 'INT64' },
      { name: 'cpu_usage', data: new Float64Array([10, 20]), type: 'DOUBLE' },
    ]);
    expect(await refusal(dir)).toBe('fragments.parquet: duration[1]: must be a number ≥ 0, not -5');
    write(dir, 'fragments.parquet', [
      { name: 'id', data: new Int32Array([3, 7]), type: 'INT32' },
      { name: 'duration', data: [100n, 5n], type: 'INT64' },
      { name: 'cpu_usage', data: [10, null], type: 'DOUBLE', nullable: true },
    ]);
    expect(await refusal(dir)).toBe('fragments.parquet: cpu_usage[1]: must be a number, not null');
    write(dir, 'tasks.parquet', [
      { name: 'id', data: new Int32Array([]), type: 'INT32' },
      { name: 'submission_time', data: [], type: 'INT64' },
      { name: 'cpu_count', data: new Int32Array([]), type: 'INT32' },
      { name: 'cpu_capacity', data: new Float64Array([]), type: 'DOUBLE' },
      { name: 'mem_capacity', data: [], type: 'INT64' },
    ]);
    expect(await refusal(dir)).toBe('tasks.parquet: (rows): has no tasks');
  });

  it('a Parquet file whose data cannot be decoded names the file and the column', async () => {
    const dir = fresh();
    intSchema(dir);
    const n = 5000;
    write(dir, 'fragments.parquet', [
      { name: 'id', data: new Int32Array(n).fill(3), type: 'INT32' },
      { name: 'duration', data: new Array<bigint>(n).fill(100n), type: 'INT64' },
      { name: 'cpu_usage', data: Float64Array.from({ length: n }, (_, i) => i), type: 'DOUBLE' },
    ]);
    const path = join(dir, 'fragments.parquet');
    const bytes = readFileSync(path);
    bytes.fill(0xff, 4, 400);
    writeFileSync(path, bytes);
    // The bytes hit the chunks of two columns, read at once: either may be the one named.
    expect(await refusal(dir)).toMatch(/^fragments\.parquet: (id|duration): cannot be read \(/);
  });
});
