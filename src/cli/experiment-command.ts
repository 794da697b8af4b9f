// `twinfold experiment run <config.yaml>`: an OpenDT-style experiment (Twinfold's layout or
// OpenDT's own file), run in shadow or simulate mode into `output/<name>/run_<n>/`: results.parquet,
// summary.json, power_plot.png, and each window's inputs (windows.jsonl).
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CalibrationOptions, CalibratedParameter } from '../sims/datacenter/calibration.js';
import {
  loadExperimentConfig,
  nextRunDir,
  type ExperimentConfig,
} from '../sims/datacenter/experiment-config.js';
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import { runShadowFromFiles } from '../sims/datacenter/shadow-run.js';
import type { ShadowWindow } from '../sims/datacenter/shadow.js';
import { progressReporter, shadowSummaryLine } from './dc-shadow-command.js';

function fail(message: string): never {
  process.stderr.write(`twinfold experiment run: ${message}\n`);
  process.exit(1);
}

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
function windowInputs(window: ShadowWindow) {
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

async function runAction(file: string) {
  let config: ExperimentConfig;
  try {
    config = loadExperimentConfig(file);
  } catch (error) {
    if (error instanceof DatacenterInputError) fail(error.message);
    throw error;
  }
  for (const key of config.unused) {
    process.stderr.write(`twinfold experiment run: ${file}: ${key}: not used by Twinfold\n`);
  }
  const { dir, run } = nextRunDir(config.output, config.name);
  process.stderr.write(`${config.name} run ${run}: ${dir}\n`);
  const inputs = createWriteStream(join(dir, 'windows.jsonl'));
  const report = progressReporter();
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
        onWindow: (window, progress) => {
          inputs.write(`${JSON.stringify(windowInputs(window))}\n`);
          report(progress);
        },
      },
    );
    await new Promise<void>((resolve, reject) =>
      inputs.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    process.stdout.write(`${dir}: ${shadowSummaryLine(outcome.summary)}\n`);
  } catch (error) {
    inputs.destroy();
    // A run that could not be made leaves no folder behind to be mistaken for one.
    rmSync(dir, { recursive: true, force: true });
    if (error instanceof DatacenterInputError || error instanceof RangeError) fail(error.message);
    throw error;
  }
}

export function experimentCommand(): Command {
  const experiment = new Command('experiment').description(
    'OpenDT-style experiments on the datacenter twin',
  );
  experiment
    .command('run')
    .description(
      "run an experiment config (Twinfold's keys or OpenDT's own YAML) into output/<name>/run_<n>/: results.parquet, summary.json, power_plot.png, windows.jsonl",
    )
    .argument('<config.yaml>', 'the experiment config')
    .action(runAction);
  return experiment;
}
