import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { afterAll, describe, expect, test } from 'vitest';
import { sharedDataPath } from '../../../scripts/workspace.js';
import { DatacenterInputError } from './input-error.js';
import { measuredAt, readMeasuredPower } from './measured-power.js';

const dir = mkdtempSync(join(tmpdir(), 'measured-power-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parquet(name: string, columns: ColumnSource[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: columns })));
  return path;
}

async function inputError(promise: Promise<unknown>): Promise<DatacenterInputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DatacenterInputError);
    return error as DatacenterInputError;
  }
  throw new Error('expected a DatacenterInputError');
}

const START = Date.UTC(2022, 9, 6, 22);

describe('readMeasuredPower', () => {
  test('relative INT64 times become absolute from the start, sorted', async () => {
    const file = parquet('relative.parquet', [
      { name: 'timestamp', data: [60_000n, 30_000n, 90_000n], type: 'INT64' },
      { name: 'power_draw', data: [21_260, 22_008, 20_000], type: 'DOUBLE' },
    ]);
    const measured = await readMeasuredPower(file, { start: START });
    expect(Array.from(measured.timestamp)).toEqual([
      START + 30_000,
      START + 60_000,
      START + 90_000,
    ]);
    expect(Array.from(measured.power)).toEqual([22_008, 21_260, 20_000]);
    expect(measured.timestamp).toBeInstanceOf(Float64Array);
    expect(measured.power).toBeInstanceOf(Float64Array);
  });

  test('an absolute TIMESTAMP column is read as epoch ms', async () => {
    const file = parquet('absolute.parquet', [
      {
        name: 'timestamp',
        data: [new Date(START + 300_000), new Date(START)],
        type: 'TIMESTAMP',
      },
      { name: 'power_draw', data: [2, 1], type: 'DOUBLE' },
    ]);
    const measured = await readMeasuredPower(file);
    expect(Array.from(measured.timestamp)).toEqual([START, START + 300_000]);
    expect(Array.from(measured.power)).toEqual([1, 2]);
  });

  test('rows sharing a time (one per host) are summed', async () => {
    const file = parquet('per-host.parquet', [
      { name: 'timestamp', data: [0n, 0n, 30_000n, 30_000n], type: 'INT64' },
      { name: 'power_draw', data: [100, 150, 110, 160], type: 'DOUBLE' },
      { name: 'host', data: ['a', 'b', 'a', 'b'], type: 'STRING' },
    ]);
    const measured = await readMeasuredPower(file, { start: 1000 });
    expect(Array.from(measured.timestamp)).toEqual([1000, 31_000]);
    expect(Array.from(measured.power)).toEqual([250, 270]);
  });

  test('other column names can be asked for', async () => {
    const file = parquet('named.parquet', [
      { name: 't', data: [5n], type: 'INT64' },
      { name: 'watts', data: [7.5], type: 'DOUBLE' },
    ]);
    const measured = await readMeasuredPower(file, {
      start: 10,
      timeColumn: 't',
      powerColumn: 'watts',
    });
    expect(Array.from(measured.timestamp)).toEqual([15]);
    expect(Array.from(measured.power)).toEqual([7.5]);
  });

  test('a missing file, a non-Parquet file and a missing column name the file and field', async () => {
    const missing = await inputError(readMeasuredPower(join(dir, 'nope.parquet'), { start: 0 }));
    expect(missing.message).toBe(`${join(dir, 'nope.parquet')}: (file): no such file`);

    const text = join(dir, 'text.parquet');
    writeFileSync(text, 'timestamp,power_draw\n0,1\n');
    expect((await inputError(readMeasuredPower(text, { start: 0 }))).message).toMatch(
      /text\.parquet: \(file\): is not a Parquet file/,
    );

    const noPower = parquet('no-power.parquet', [
      { name: 'timestamp', data: [0n], type: 'INT64' },
      { name: 'energy_usage', data: [1], type: 'DOUBLE' },
    ]);
    const error = await inputError(readMeasuredPower(noPower, { start: 0 }));
    expect(error.file).toBe(noPower);
    expect(error.field).toBe('power_draw');
    expect(error.message).toMatch(/missing column \(the file has timestamp, energy_usage\)/);
  });

  test('wrong column types, nulls and a misused start are refused', async () => {
    const stringTime = parquet('string-time.parquet', [
      { name: 'timestamp', data: ['0'], type: 'STRING' },
      { name: 'power_draw', data: [1], type: 'DOUBLE' },
    ]);
    expect((await inputError(readMeasuredPower(stringTime, { start: 0 }))).field).toBe('timestamp');

    const stringPower = parquet('string-power.parquet', [
      { name: 'timestamp', data: [0n], type: 'INT64' },
      { name: 'power_draw', data: ['lots'], type: 'STRING' },
    ]);
    expect((await inputError(readMeasuredPower(stringPower, { start: 0 }))).field).toBe(
      'power_draw',
    );

    const nullPower = parquet('null-power.parquet', [
      { name: 'timestamp', data: [0n, 30_000n], type: 'INT64' },
      { name: 'power_draw', data: [1, null], type: 'DOUBLE' },
    ]);
    const nullError = await inputError(readMeasuredPower(nullPower, { start: 0 }));
    expect(nullError.field).toBe('power_draw (row 1)');

    const relative = parquet('needs-start.parquet', [
      { name: 'timestamp', data: [0n], type: 'INT64' },
      { name: 'power_draw', data: [1], type: 'DOUBLE' },
    ]);
    expect((await inputError(readMeasuredPower(relative))).message).toMatch(/give the start/);

    const absolute = parquet('absolute-start.parquet', [
      { name: 'timestamp', data: [new Date(START)], type: 'TIMESTAMP' },
      { name: 'power_draw', data: [1], type: 'DOUBLE' },
    ]);
    expect((await inputError(readMeasuredPower(absolute, { start: 0 }))).message).toMatch(
      /absolute TIMESTAMPs/,
    );
  });

  test('measuredAt picks the exact sample, or the nearest within a tolerance', () => {
    const measured = {
      timestamp: Float64Array.from([0, 30_000, 60_000]),
      power: Float64Array.from([1, 2, 3]),
    };
    expect(Array.from(measuredAt(measured, [30_000, 45_000, -1, 90_000]))).toEqual([
      2,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
    expect(Array.from(measuredAt(measured, [44_000, 46_000, -1, 70_000, 76_000], 15_000))).toEqual([
      2,
      3,
      1,
      3,
      Number.NaN,
    ]);
    expect(
      Array.from(measuredAt({ timestamp: new Float64Array(), power: new Float64Array() }, [0])),
    ).toEqual([Number.NaN]);
  });

  const consumption = sharedDataPath('surf', 'consumption.parquet');
  test.skipIf(consumption === null && process.env.CI !== 'true')(
    "the SURF week's consumption.parquet: 20,159 samples every 30 s from the first submission",
    async () => {
      if (consumption === null) throw new Error('shared/data/surf/consumption.parquet is missing');
      const measured = await readMeasuredPower(consumption, { start: START });
      expect(measured.timestamp.length).toBe(20_159);
      expect(measured.timestamp[0]).toBe(START + 30_000);
      expect(measured.timestamp[measured.timestamp.length - 1]).toBe(START + 604_770_000);
      expect(measured.power[0]).toBe(22_008);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (let i = 0; i < measured.power.length; i++) {
        if (i > 0) expect(measured.timestamp[i] - measured.timestamp[i - 1]).toBe(30_000);
        min = Math.min(min, measured.power[i]);
        max = Math.max(max, measured.power[i]);
        sum += measured.power[i];
      }
      expect(min).toBeGreaterThan(14_000);
      expect(max).toBeLessThan(28_500);
      expect(sum / measured.power.length).toBeCloseTo(21_700, -2);
    },
  );
});
