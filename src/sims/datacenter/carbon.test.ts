// Carbon per export interval: energy (kWh) × the intensity in effect, time-weighted across steps.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { carbonEmissions, carbonTrace, readCarbonTrace, withCarbon } from './carbon.js';
import type { SimulationResult } from './model.js';

const HOUR = 3_600_000;

function resultOf(start: number, interval: number, joules: number[]): SimulationResult {
  return {
    start,
    exportIntervalMs: interval,
    exports: joules.map((j, k) => ({
      timestamp: start + (k + 1) * interval,
      powerDraw: 0,
      energyUsage: j,
    })),
    masses: [],
    skipped: [],
  };
}

describe('carbon', () => {
  it('energy × the intensity in effect: 3.6 MJ (1 kWh) at 200 g/kWh is 200 g', () => {
    const trace = carbonTrace(
      'c.parquet',
      Float64Array.from([0, HOUR]),
      Float64Array.from([200, 100]),
    );
    const grams = carbonEmissions(resultOf(0, HOUR, [3.6e6, 7.2e6]), trace);
    expect(Array.from(grams)).toEqual([200, 200]);
  });

  it('an interval across a step takes the time-weighted intensity; the last step holds on', () => {
    const trace = carbonTrace(
      'c.parquet',
      Float64Array.from([0, 900_000]),
      Float64Array.from([100, 300]),
    );
    // [600 s, 1200 s): half at 100, half at 300 → 200; then 300 after the trace ends.
    const grams = carbonEmissions(resultOf(600_000, 600_000, [3.6e6, 3.6e6, 3.6e6]), trace);
    expect(Array.from(grams)).toEqual([200, 300, 300]);
    expect(withCarbon(resultOf(600_000, 600_000, [3.6e6]), trace).exports[0]!.carbonEmission).toBe(
      200,
    );
  });

  it('a trace that starts after the simulation is refused, naming the file', () => {
    const trace = carbonTrace('late.parquet', Float64Array.from([HOUR]), Float64Array.from([1]));
    expect(() => carbonEmissions(resultOf(0, HOUR, [1]), trace)).toThrow(
      /^late\.parquet: timestamp: starts at 1970-01-01T01:00:00\.000Z, after the simulation/,
    );
    expect(() =>
      carbonTrace('d.parquet', Float64Array.from([2, 1]), Float64Array.from([1, 1])),
    ).toThrow('d.parquet: timestamp[1]: times must ascend');
  });

  it('reads timestamp (TIMESTAMP) and carbon_intensity; a missing column is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-carbon-'));
    const good = join(dir, 'carbon.parquet');
    writeFileSync(
      good,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'timestamp', data: [new Date(0), new Date(900_000)], type: 'TIMESTAMP' },
            { name: 'carbon_intensity', data: new Float64Array([150, 160]), type: 'DOUBLE' },
          ],
        }),
      ),
    );
    const trace = await readCarbonTrace(good);
    expect(Array.from(trace.timestamp)).toEqual([0, 900_000]);
    expect(Array.from(trace.intensity)).toEqual([150, 160]);
    const bad = join(dir, 'bad.parquet');
    writeFileSync(
      bad,
      new Uint8Array(
        parquetWriteBuffer({ columnData: [{ name: 'timestamp', data: [0n], type: 'INT64' }] }),
      ),
    );
    await expect(readCarbonTrace(bad)).rejects.toThrow(
      'bad.parquet: carbon_intensity: missing column (the file has timestamp)',
    );
  });
});
