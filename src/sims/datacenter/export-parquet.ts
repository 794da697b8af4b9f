// The power exports of a simulation as a Parquet file: one row per export interval.
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { PowerExport } from './model.js';

/**
 * Columns `timestamp` (INT64 epoch ms, the end of the interval), `power_draw` (DOUBLE W),
 * `energy_usage` (DOUBLE J in the interval) and, when `withCarbon`, `carbon_emission` (DOUBLE g).
 */
export function exportsToParquet(exports: readonly PowerExport[], withCarbon: boolean): Uint8Array {
  const n = exports.length;
  const timestamp = new BigInt64Array(n);
  const power = new Float64Array(n);
  const energy = new Float64Array(n);
  const carbon = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = exports[i]!;
    timestamp[i] = BigInt(e.timestamp);
    power[i] = e.powerDraw;
    energy[i] = e.energyUsage;
    carbon[i] = e.carbonEmission ?? NaN;
  }
  const columnData = [
    { name: 'timestamp', data: timestamp, type: 'INT64' as const, nullable: false },
    { name: 'power_draw', data: power, type: 'DOUBLE' as const, nullable: false },
    { name: 'energy_usage', data: energy, type: 'DOUBLE' as const, nullable: false },
  ];
  if (withCarbon)
    columnData.push({ name: 'carbon_emission', data: carbon, type: 'DOUBLE', nullable: false });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}
