// One shadow run from files: simulate the workload on the topology (in a worker thread), read the
// measured power, then go window by window (paced at the speed factor, or as fast as it goes),
// handing each window on, and write `results.parquet`, `summary.json` and `power_plot.png`.
import { join } from 'node:path';
import { readCarbonTrace, type CarbonTrace } from './carbon.js';
import type { CalibrationOptions } from './calibration.js';
import { readMeasuredPower, type MeasuredPower } from './measured-power.js';
import type { SimulationResult, Topology } from './model.js';
import { writePowerPlot } from './power-plot.js';
import { summarizeRun, writeResults, type RunSummary } from './results-file.js';
import { runShadow, type ShadowRow, type ShadowWindow } from './shadow.js';
import { simulateInWorker } from './simulate-in-worker.js';
import { readTopology } from './topology.js';

export interface ShadowRequest extends CalibrationOptions {
  readonly workloadDir: string;
  readonly topologyPath: string;
  /** Measured power Parquet (`timestamp` ms after the first submission, or absolute); without
   * one the run predicts only (and cannot calibrate). */
  readonly powerPath?: string;
  readonly carbonPath?: string;
  readonly windowMs: number;
  readonly exportIntervalMs: number;
  readonly calibrate: boolean;
  /** Simulated ms per wall ms, or as fast as it goes. */
  readonly speed: number | 'max';
  /** Where results.parquet, summary.json and power_plot.png go; none written without. */
  readonly outDir?: string;
  /** A title for the plot. */
  readonly title?: string;
}

export interface ShadowProgress {
  readonly windowsDone: number;
  readonly windows: number;
  /** Simulated time so far over wall time so far. */
  readonly achievedSpeed: number;
}

export interface ShadowHooks {
  /** Once the simulation is done, before the first window (awaited). */
  readonly onSimulation?: (
    simulation: SimulationResult,
    topology: Topology,
  ) => void | Promise<void>;
  /** After each window (awaited: the run waits for it). */
  readonly onWindow?: (window: ShadowWindow, progress: ShadowProgress) => void | Promise<void>;
  /** Stops the run after the window in progress. */
  readonly signal?: AbortSignal;
}

export interface ShadowOutcome {
  readonly summary: RunSummary;
  readonly rows: readonly ShadowRow[];
  readonly simulation: SimulationResult;
  /** Whether the run was stopped before its last window. */
  readonly stopped: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs shadow mode for `request`; throws `DatacenterInputError` for bad input. */
export async function runShadowFromFiles(
  request: ShadowRequest,
  hooks: ShadowHooks = {},
): Promise<ShadowOutcome> {
  const began = performance.now();
  const topology = readTopology(request.topologyPath);
  const [simulation, carbon] = await Promise.all([
    simulateInWorker({
      workloadDir: request.workloadDir,
      topologyPath: request.topologyPath,
      exportIntervalMs: request.exportIntervalMs,
    }),
    request.carbonPath === undefined ? undefined : readCarbonTrace(request.carbonPath),
  ]);
  if (request.calibrate && request.powerPath === undefined) {
    throw new RangeError('calibration needs the measured power');
  }
  const measured =
    request.powerPath === undefined
      ? null
      : await readMeasuredPower(request.powerPath, { start: simulation.start });
  await hooks.onSimulation?.(simulation, topology);
  return shadowOf(
    simulation,
    topology.groups.map((g) => g.powerModel),
    measured,
    carbon,
    request,
    hooks,
    began,
  );
}

async function shadowOf(
  simulation: SimulationResult,
  models: Parameters<typeof runShadow>[1],
  measured: MeasuredPower | null,
  carbon: CarbonTrace | undefined,
  request: ShadowRequest,
  hooks: ShadowHooks,
  began: number,
): Promise<ShadowOutcome> {
  const rows: ShadowRow[] = [];
  const intervals = simulation.masses[0] ? simulation.masses[0].offsets.length - 1 : 0;
  const windows = Math.ceil((intervals * simulation.exportIntervalMs) / request.windowMs);
  const paceFrom = performance.now();
  let windowsDone = 0;
  await runShadow(
    simulation,
    models,
    measured,
    { ...request, carbon, signal: hooks.signal },
    async (window) => {
      if (request.speed !== 'max') {
        const due = paceFrom + (window.end - simulation.start) / request.speed;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      rows.push(...window.rows);
      windowsDone++;
      const elapsed = Math.max(1e-3, performance.now() - paceFrom);
      await hooks.onWindow?.(window, {
        windowsDone,
        windows,
        achievedSpeed: (window.end - simulation.start) / elapsed,
      });
    },
  );
  const stopped = windowsDone < windows;
  const results = {
    timestamp: rows.map((r) => r.timestamp),
    windowId: rows.map((r) => r.windowId),
    predictedPower: rows.map((r) => r.predictedPower),
    measuredPower: rows.map((r) => r.measuredPower),
    powerUncalibrated: rows.map((r) => r.powerUncalibrated),
  };
  const carbonG = carbon ? rows.reduce((sum, r) => sum + (r.carbonEmission ?? 0), 0) : null;
  const wallTimeS = (performance.now() - began) / 1000;
  const summary = summarizeRun({
    results,
    exportIntervalMs: simulation.exportIntervalMs,
    carbonG,
    wallTimeS,
    extra: {
      calibration: request.calibrate,
      window_s: request.windowMs / 1000,
      speed: request.speed,
      achieved_speed:
        rows.length === 0
          ? null
          : (rows[rows.length - 1]!.timestamp - simulation.start) /
            Math.max(1e-3, performance.now() - paceFrom),
      tasks_skipped: simulation.skipped.length,
      stopped,
    },
  });
  if (request.outDir !== undefined) {
    writeResults(request.outDir, results, summary);
    const series = (power: readonly number[]) => ({ timestamp: results.timestamp, power });
    writePowerPlot(join(request.outDir, 'power_plot.png'), {
      title: request.title,
      subtitle:
        summary.mape === null
          ? undefined
          : `MAPE ${summary.mape.toFixed(2)} %` +
            (request.calibrate && summary.mape_uncalibrated !== null
              ? ` (uncalibrated ${summary.mape_uncalibrated.toFixed(2)} %)`
              : ''),
      measured: series(results.measuredPower.map((v) => v ?? Number.NaN)),
      predicted: series(results.predictedPower),
      uncalibrated: request.calibrate ? series(results.powerUncalibrated) : null,
    });
  }
  return { summary, rows, simulation, stopped };
}
