// Carbon of a simulation: each export interval's energy times the grid's carbon intensity
// (gCO2/kWh) in effect, from a trace of `timestamp`, `carbon_intensity` steps.
import { basename } from 'node:path';
import { DatacenterInputError } from './input-error.js';
import type { SimulationResult } from './model.js';
import { numbers, openParquet } from './parquet-columns.js';

/** A carbon-intensity trace: `intensity[i]` (gCO2/kWh) holds from `timestamp[i]` (epoch ms) on. */
export interface CarbonTrace {
  readonly file: string;
  readonly timestamp: Float64Array;
  readonly intensity: Float64Array;
}

/** Reads a carbon trace (`timestamp` TIMESTAMP or INT64 epoch ms, `carbon_intensity`). */
export async function readCarbonTrace(path: string): Promise<CarbonTrace> {
  const f = await openParquet(path, ['timestamp', 'carbon_intensity']);
  const timestamp = await numbers(f, 'timestamp');
  const intensity = await numbers(f, 'carbon_intensity');
  return carbonTrace(basename(path), timestamp, intensity);
}

/** A trace from its columns, checked: times ascending, intensities ≥ 0, at least one row. */
export function carbonTrace(
  file: string,
  timestamp: Float64Array,
  intensity: Float64Array,
): CarbonTrace {
  if (timestamp.length === 0) throw new DatacenterInputError(file, '(rows)', 'the trace is empty');
  for (let i = 0; i < timestamp.length; i++) {
    if (i > 0 && timestamp[i]! <= timestamp[i - 1]!)
      throw new DatacenterInputError(file, `timestamp[${i}]`, 'times must ascend');
    if (!(intensity[i]! >= 0))
      throw new DatacenterInputError(
        file,
        `carbon_intensity[${i}]`,
        `must be ≥ 0, not ${intensity[i]}`,
      );
  }
  return { file, timestamp, intensity };
}

/**
 * The time-weighted mean intensity (gCO2/kWh) over `[from, to)`: the steps of the trace in effect
 * over it (the last step holds after the trace ends, the first before it starts).
 */
export function meanIntensity(trace: CarbonTrace, from: number, to: number): number {
  const { timestamp: times, intensity } = trace;
  let i = stepAt(times, from);
  if (!(to > from)) return intensity[i]!;
  let weighted = 0;
  for (let at = from; at < to; i++) {
    const until = i + 1 < times.length ? Math.min(times[i + 1]!, to) : to;
    weighted += intensity[i]! * (until - at);
    at = until;
  }
  return weighted / (to - from);
}

/** The index of the step in effect at `at` (the first one before the trace starts). */
function stepAt(times: Float64Array, at: number): number {
  let low = 0;
  let high = times.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (times[mid]! <= at) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * g CO2 of each export interval `[stamp - I, stamp)`: its energy (kWh) times the intensity in
 * effect over it, averaged over time when a step of the trace falls inside the interval. The
 * last step holds after the trace ends; a trace starting after the simulation is refused.
 */
export function carbonEmissions(result: SimulationResult, trace: CarbonTrace): Float64Array {
  const interval = result.exportIntervalMs;
  const out = new Float64Array(result.exports.length);
  if (result.exports.length === 0) return out;
  if (result.start < trace.timestamp[0]!)
    throw new DatacenterInputError(
      trace.file,
      'timestamp',
      `starts at ${new Date(trace.timestamp[0]!).toISOString()}, after the simulation (${new Date(result.start).toISOString()})`,
    );
  for (let k = 0; k < result.exports.length; k++) {
    const e = result.exports[k]!;
    out[k] = (e.energyUsage / 3.6e6) * meanIntensity(trace, e.timestamp - interval, e.timestamp);
  }
  return out;
}

/** `result` with each export's `carbonEmission` filled in from `trace`. */
export function withCarbon(result: SimulationResult, trace: CarbonTrace): SimulationResult {
  const grams = carbonEmissions(result, trace);
  return {
    ...result,
    exports: result.exports.map((e, k) => ({ ...e, carbonEmission: grams[k]! })),
  };
}
