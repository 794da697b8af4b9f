// One run of an experiment into its run folder: the shadow run (simulation in a worker thread) with
// results.parquet, summary.json and power_plot.png, plus windows.jsonl (each window's inputs) and
// config.json (the checked config it ran with). Shared by the CLI and the server.
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CalibratedParameter, CalibrationOptions } from './calibration.js';
import type { ExperimentConfig } from './experiment-config.js';
import { runShadowFromFiles, type ShadowOutcome, type ShadowProgress } from './shadow-run.js';
import type { ShadowWindow } from './shadow.js';

/** The calibration an experiment asks for, as the calibrator's options. */
export function calibrationOptionsOf(config: ExperimentConfig): CalibrationOptions {
  const calibration = config.calibration;
  if (calibration === null) return {};
  const lookbackMs = calibration.mapeWindowMinutes * 60_000;
  if (calibration.property === null) return { lookbackMs };
  return {
    lookbackMs,
    grid: {
      parameter: calibration.property.replace('cpuPowerModel.', '') as CalibratedParameter,
      min: calibration.minValue,
      max: calibration.maxValue,
      points: calibration.linspacePoints,
    },
  };
}

/** One line of windows.jsonl: what the window was computed from. */
export function windowInputs(window: ShadowWindow) {
  const measured = window.rows.filter((r) => r.measuredPower !== null);
  return {
    window_id: window.windowId,
    start: new Date(window.start).toISOString(),
    end: new Date(window.end).toISOString(),
    power_models: window.calibration?.models ?? null,
    calibration_scale: window.calibration?.scale ?? null,
    calibration_lookback_mape: window.calibration?.lookbackMape ?? null,
    measured_samples: measured.length,
    predicted_power_w: window.rows.map((r) => r.predictedPower),
  };
}

/** The config as config.json keeps it (without `output`: the run folder says where it went). */
export function configJson(config: ExperimentConfig): Record<string, unknown> {
  const { output: _output, unused: _unused, ...kept } = config;
  return kept;
}

export interface ExperimentRunHooks {
  /** After each window (not awaited). */
  readonly onProgress?: (progress: ShadowProgress) => void;
  /** Stops the run after the window in progress (its files are still written). */
  readonly signal?: AbortSignal;
}

/**
 * Runs `config` as run `run` into `dir` (which exists). Throws `DatacenterInputError` or
 * `RangeError` for input that turns out unusable; the caller decides what happens to `dir`.
 */
export async function runExperiment(
  config: ExperimentConfig,
  dir: string,
  run: number,
  hooks: ExperimentRunHooks = {},
): Promise<ShadowOutcome> {
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(configJson(config), null, 2)}\n`);
  const inputs = createWriteStream(join(dir, 'windows.jsonl'));
  try {
    const outcome = await runShadowFromFiles(
      {
        workloadDir: config.workload,
        topologyPath: config.topology,
        powerPath: config.power ?? undefined,
        carbonPath: config.carbon ?? undefined,
        windowMs: config.windowMinutes * 60_000,
        exportIntervalMs: Math.round(config.exportIntervalSeconds * 1000),
        calibrate: config.calibration !== null,
        ...calibrationOptionsOf(config),
        speed: config.speedFactor,
        outDir: dir,
        title: `${config.name} run ${run}: measured vs predicted power`,
      },
      {
        signal: hooks.signal,
        onWindow: (window, progress) => {
          inputs.write(`${JSON.stringify(windowInputs(window))}\n`);
          hooks.onProgress?.(progress);
        },
      },
    );
    await new Promise<void>((resolve, reject) =>
      inputs.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return outcome;
  } catch (error) {
    inputs.destroy();
    throw error;
  }
}
