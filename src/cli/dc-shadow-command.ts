// `twinfold dc shadow`: the datacenter's measured power beside its simulated power, window by
// window at a speed factor, with online calibration; writes results.parquet, summary.json and
// power_plot.png, showing progress on stderr while it runs.
import type { Command } from 'commander';
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import { runShadowFromFiles, type ShadowProgress } from '../sims/datacenter/shadow-run.js';
import type { RunSummary } from '../sims/datacenter/results-file.js';
import { parseTypeDuration } from '../types/type-duration.js';

interface ShadowFlags {
  workload: string;
  topology: string;
  power: string;
  carbon?: string;
  speed: string;
  window: string;
  exportInterval: string;
  calibrate?: boolean;
  lookback?: string;
  out: string;
}

const BAR_WIDTH = 30;

function fail(message: string): never {
  process.stderr.write(`twinfold dc shadow: ${message}\n`);
  process.exit(1);
}

/** `300` (simulated seconds per wall second) or `max`. */
export function parseSpeed(text: string): number | 'max' | null {
  if (text === 'max') return 'max';
  const speed = Number(text);
  return text.trim() !== '' && Number.isFinite(speed) && speed > 0 ? speed : null;
}

/** `5m`, `900s`, `1h`, or a number of seconds, as ms > 0; null when it is none of these. */
export function parseSpan(text: string): number | null {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseTypeDuration(text);
  return ms !== null && ms > 0 ? ms : null;
}

export function shadowProgressLine(progress: ShadowProgress): string {
  const fraction = progress.windows ? progress.windowsDone / progress.windows : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const speed =
    progress.achievedSpeed >= 10_000
      ? progress.achievedSpeed.toExponential(1)
      : progress.achievedSpeed.toFixed(0);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${progress.windowsDone}/${progress.windows} windows, ${speed}× real time`;
}

/**
 * Shows a run's progress on stderr: redrawn in place a few times a second on a terminal, a line
 * every 5 s otherwise, and always the last window.
 */
export function progressReporter(): (progress: ShadowProgress) => void {
  const tty = process.stderr.isTTY;
  let lastShown = 0;
  return (progress) => {
    const now = performance.now();
    const last = progress.windowsDone === progress.windows;
    if (!last && now - lastShown < (tty ? 200 : 5000)) return;
    lastShown = now;
    const line = shadowProgressLine(progress);
    process.stderr.write(`${tty ? '\r' : ''}${line}${tty && !last ? '' : '\n'}`);
  };
}

export function shadowSummaryLine(summary: RunSummary): string {
  const percent = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} %`);
  const parts = [
    `MAPE ${percent(summary.mape)}`,
    ...(summary.calibration ? [`uncalibrated ${percent(summary.mape_uncalibrated)}`] : []),
    `energy ${summary.energy_kwh.predicted.toFixed(1)} kWh predicted` +
      (summary.energy_kwh.measured === null
        ? ''
        : `, ${summary.energy_kwh.measured.toFixed(1)} kWh measured`),
    ...(summary.carbon_g === null ? [] : [`carbon ${(summary.carbon_g / 1000).toFixed(1)} kg CO2`]),
    `${summary.windows} windows`,
    `wall time ${summary.wall_time_s.toFixed(2)} s`,
    ...(typeof summary.achieved_speed === 'number'
      ? [`${summary.achieved_speed.toExponential(2)}× real time`]
      : []),
  ];
  return parts.join(', ');
}

async function shadowAction(flags: ShadowFlags) {
  const speed = parseSpeed(flags.speed);
  if (speed === null) fail(`--speed: must be a number > 0 or "max", not "${flags.speed}"`);
  const windowMs = parseSpan(flags.window);
  if (windowMs === null)
    fail(`--window: must be a duration such as 5m or 900s, not "${flags.window}"`);
  const exportIntervalMs = parseSpan(flags.exportInterval);
  if (exportIntervalMs === null)
    fail(`--export-interval: must be a number of seconds > 0, not "${flags.exportInterval}"`);
  if (windowMs % exportIntervalMs !== 0)
    fail(
      `--window: ${windowMs / 1000} s is not a whole number of export intervals (${exportIntervalMs / 1000} s)`,
    );
  if (flags.lookback !== undefined && flags.calibrate !== true)
    fail('--lookback: only calibration looks back; add --calibrate or leave --lookback out');
  const lookbackMs = parseSpan(flags.lookback ?? '1h');
  if (lookbackMs === null)
    fail(`--lookback: must be a duration such as 1h, not "${flags.lookback}"`);
  const report = progressReporter();
  try {
    const outcome = await runShadowFromFiles(
      {
        workloadDir: flags.workload,
        topologyPath: flags.topology,
        powerPath: flags.power,
        carbonPath: flags.carbon,
        windowMs,
        exportIntervalMs,
        calibrate: flags.calibrate === true,
        lookbackMs,
        speed: speed === 'max' ? 'max' : speed,
        outDir: flags.out,
      },
      { onWindow: (_window, progress) => report(progress) },
    );
    process.stdout.write(`${flags.out}: ${shadowSummaryLine(outcome.summary)}\n`);
  } catch (error) {
    if (error instanceof DatacenterInputError || error instanceof RangeError) fail(error.message);
    throw error;
  }
}

/** Adds `shadow` to the `dc` command. */
export function addShadowCommand(dc: Command): void {
  dc.command('shadow')
    .description(
      'replay a workload and its measured power window by window: predicted beside measured power, with online calibration; writes results.parquet, summary.json and power_plot.png',
    )
    .requiredOption('--workload <dir>', 'folder with tasks.parquet and fragments.parquet')
    .requiredOption('--topology <file>', 'OpenDC topology JSON')
    .requiredOption(
      '--power <file>',
      'measured power Parquet (timestamp: ms after the first submission, or absolute; power_draw W)',
    )
    .option('--carbon <file>', 'carbon-intensity trace (timestamp, carbon_intensity gCO2/kWh)')
    .option('--speed <factor>', 'simulated seconds per wall second, or max', '300')
    .option('--window <duration>', 'window the simulation advances by (5m, 900s, 1h)', '5m')
    .option('--export-interval <seconds>', 'seconds between power exports', '150')
    .option(
      '--calibrate',
      "fit the power model on the measured power before each window (OpenDT's self-calibration)",
    )
    .option('--lookback <duration>', 'how far back calibration looks (default 1h)')
    .requiredOption('--out <dir>', 'folder for results.parquet, summary.json and power_plot.png')
    .action(shadowAction);
}
