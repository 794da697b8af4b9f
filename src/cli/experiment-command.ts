// `twinfold experiment run <config.yaml>`: an OpenDT-style experiment (Twinfold's layout or
// OpenDT's own file), run in shadow or simulate mode into `output/<name>/run_<n>/`: results.parquet,
// summary.json, power_plot.png, each window's inputs (windows.jsonl) and config.json.
import { rmSync } from 'node:fs';
import { Command } from 'commander';
import {
  loadExperimentConfig,
  nextRunDir,
  type ExperimentConfig,
} from '../sims/datacenter/experiment-config.js';
import { runExperiment } from '../sims/datacenter/experiment-run.js';
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import { progressReporter, shadowSummaryLine } from './dc-shadow-command.js';

function fail(message: string): never {
  process.stderr.write(`twinfold experiment run: ${message}\n`);
  process.exit(1);
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
  try {
    const outcome = await runExperiment(config, dir, run, { onProgress: progressReporter() });
    process.stdout.write(`${dir}: ${shadowSummaryLine(outcome.summary)}\n`);
  } catch (error) {
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
      "run an experiment config (Twinfold's keys or OpenDT's own YAML) into output/<name>/run_<n>/: results.parquet, summary.json, power_plot.png, windows.jsonl, config.json",
    )
    .argument('<config.yaml>', 'the experiment config')
    .action(runAction);
  return experiment;
}
