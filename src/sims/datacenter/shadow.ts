// Shadow mode: the datacenter's predicted power beside its measured power, window by window.
//
// The simulation of the workload yields each export interval's utilisation mass; this turns the
// masses into power, window by window in time order: the uncalibrated prediction with the
// topology's models, and, with calibration, the prediction with the models fitted on the
// measurements taken before the window (never those of the window or later). A window is handed
// to `onWindow` as soon as it is computed, so a caller can pace it (`--speed`), stream it to twins,
// or write it to files.
import { meanIntensity, type CarbonTrace } from './carbon.js';
import {
  Calibrator,
  intervalPower,
  type Calibrated,
  type CalibrationOptions,
} from './calibration.js';
import type { MeasuredPower } from './measured-power.js';
import type { PowerModel, SimulationResult } from './model.js';

export interface ShadowOptions extends CalibrationOptions {
  readonly windowMs: number;
  readonly calibrate: boolean;
  /** The grid's carbon intensity, for the carbon of the predicted energy. */
  readonly carbon?: CarbonTrace;
  /** Stops after the window in progress. */
  readonly signal?: AbortSignal;
}

/** One export interval of shadow mode (the row of `results.parquet`). */
export interface ShadowRow {
  /** Epoch ms at the interval's end. */
  readonly timestamp: number;
  readonly windowId: number;
  /** W, the interval's mean power with the models in use (calibrated when calibration is on). */
  readonly predictedPower: number;
  /** W, the mean of the measurements in the interval, null without any. */
  readonly measuredPower: number | null;
  /** W, the interval's mean power with the topology's own models. */
  readonly powerUncalibrated: number;
  /** g CO2 of the predicted energy, null without a carbon trace. */
  readonly carbonEmission: number | null;
}

export interface ShadowWindow {
  readonly windowId: number;
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly rows: readonly ShadowRow[];
  /** The models used for the window, and how well they explained the look-back. */
  readonly calibration: Calibrated | null;
}

/**
 * The mean measured power per export interval `k` (covering `start + k·I … start + (k+1)·I`):
 * the samples stamped in `(start + k·I, start + (k+1)·I]`, NaN where there are none.
 */
export function measuredMeans(
  measured: MeasuredPower | null,
  start: number,
  intervalMs: number,
  intervals: number,
): Float64Array {
  const sums = new Float64Array(intervals);
  const counts = new Uint32Array(intervals);
  if (measured) {
    for (let i = 0; i < measured.timestamp.length; i++) {
      const k = Math.ceil((measured.timestamp[i]! - start) / intervalMs) - 1;
      if (k < 0 || k >= intervals) continue;
      sums[k]! += measured.power[i]!;
      counts[k]!++;
    }
  }
  const means = new Float64Array(intervals);
  for (let k = 0; k < intervals; k++) means[k] = counts[k] ? sums[k]! / counts[k]! : Number.NaN;
  return means;
}

/** Window by window, in time order; `onWindow` may wait (to pace) before the next is computed. */
export async function runShadow(
  simulation: SimulationResult,
  models: readonly PowerModel[],
  measured: MeasuredPower | null,
  options: ShadowOptions,
  onWindow: (window: ShadowWindow) => void | Promise<void>,
): Promise<void> {
  const intervalMs = simulation.exportIntervalMs;
  if (options.windowMs <= 0 || options.windowMs % intervalMs !== 0) {
    throw new RangeError(
      `the window (${options.windowMs / 1000} s) must be a whole number of export intervals (${intervalMs / 1000} s)`,
    );
  }
  const intervals = simulation.masses[0] ? simulation.masses[0].offsets.length - 1 : 0;
  const perWindow = options.windowMs / intervalMs;
  const means = measuredMeans(measured, simulation.start, intervalMs, intervals);
  const calibrator = options.calibrate
    ? new Calibrator(simulation.masses, models, means, intervalMs, options)
    : null;
  const seconds = intervalMs / 1000;

  for (let first = 0, windowId = 0; first < intervals; first += perWindow, windowId++) {
    if (options.signal?.aborted) return;
    const calibration = calibrator ? calibrator.before(first) : null;
    const inUse = calibration?.models ?? models;
    const rows: ShadowRow[] = [];
    for (let k = first; k < Math.min(intervals, first + perWindow); k++) {
      const end = simulation.start + (k + 1) * intervalMs;
      const predictedPower = intervalPower(simulation.masses, inUse, k, seconds);
      const kwh = (predictedPower * seconds) / 3.6e6;
      rows.push({
        timestamp: end,
        windowId,
        predictedPower,
        measuredPower: Number.isNaN(means[k]) ? null : means[k]!,
        powerUncalibrated: calibration
          ? intervalPower(simulation.masses, models, k, seconds)
          : predictedPower,
        carbonEmission: options.carbon
          ? kwh * meanIntensity(options.carbon, end - intervalMs, end)
          : null,
      });
    }
    await onWindow({
      windowId,
      start: simulation.start + first * intervalMs,
      end: simulation.start + (first + perWindow) * intervalMs,
      rows,
      calibration,
    });
  }
}
