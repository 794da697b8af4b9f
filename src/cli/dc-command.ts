// `twinfold dc …`: the datacenter twin's commands. `dc simulate` runs one OpenDC-compatible
// simulation of a workload on a topology and writes its power exports as Parquet.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { exportsToParquet } from '../sims/datacenter/export-parquet.js';
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import { runSimulation } from '../sims/datacenter/run-simulation.js';
import { addShadowCommand } from './dc-shadow-command.js';

interface SimulateFlags {
  workload: string;
  topology: string;
  exportInterval: string;
  carbon?: string;
  out: string;
}

function fail(message: string): never {
  process.stderr.write(`twinfold dc simulate: ${message}\n`);
  process.exit(1);
}

/** Seconds as given on the command line, as whole ms > 0. */
function intervalMs(text: string): number {
  const seconds = Number(text);
  const ms = Math.round(seconds * 1000);
  if (
    text.trim() === '' ||
    !Number.isFinite(seconds) ||
    ms <= 0 ||
    Math.abs(ms - seconds * 1000) > 1e-6
  )
    fail(`--export-interval: must be a positive number of seconds (whole ms), not "${text}"`);
  return ms;
}

const number = (n: number, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function simulateAction(flags: SimulateFlags) {
  const began = performance.now();
  const exportIntervalMs = intervalMs(flags.exportInterval);
  if (!flags.out.endsWith('.parquet')) fail(`--out: must name a .parquet file, not "${flags.out}"`);
  let result;
  try {
    result = await runSimulation({
      workloadDir: flags.workload,
      topologyPath: flags.topology,
      exportIntervalMs,
      carbonPath: flags.carbon,
    });
  } catch (error) {
    if (error instanceof DatacenterInputError) fail(error.message);
    fail(`the simulation failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    writeFileSync(flags.out, exportsToParquet(result.exports, flags.carbon !== undefined));
  } catch (error) {
    fail(`${flags.out}: cannot write (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let joules = 0;
  let peak = 0;
  let grams = 0;
  for (const e of result.exports) {
    joules += e.energyUsage;
    peak = Math.max(peak, e.powerDraw);
    grams += e.carbonEmission ?? 0;
  }
  const parts = [
    `${number(result.exports.length)} exports`,
    `energy ${number(joules / 3.6e6, 1)} kWh`,
    `peak ${number(peak)} W`,
    ...(flags.carbon === undefined ? [] : [`carbon ${number(grams / 1000, 1)} kg CO2`]),
    `${number(result.skipped.length)} tasks skipped`,
    `wall time ${((performance.now() - began) / 1000).toFixed(2)} s`,
  ];
  process.stdout.write(`${flags.out}: ${parts.join(', ')}\n`);
}

export function dcCommand(): Command {
  const dc = new Command('dc').description(
    'The datacenter twin: OpenDC-compatible simulation of a workload on a topology',
  );
  dc.command('simulate')
    .description(
      'simulate an OpenDC workload on an OpenDC topology and write the power exports (timestamp, power_draw, energy_usage[, carbon_emission]) as Parquet',
    )
    .requiredOption('--workload <dir>', 'folder with tasks.parquet and fragments.parquet')
    .requiredOption('--topology <file>', 'OpenDC topology JSON')
    .option('--export-interval <seconds>', 'seconds between power exports', '150')
    .option('--carbon <file>', 'carbon-intensity trace (timestamp, carbon_intensity gCO2/kWh)')
    .requiredOption('--out <file.parquet>', 'Parquet file to write, one row per export')
    .action(simulateAction);
  addShadowCommand(dc);
  return dc;
}
