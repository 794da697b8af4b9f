// Experiments on a running server: `<data dir>/experiments/<name>/run_<n>/` as `twinfold experiment
// run` writes them (runs the CLI made into that folder count too), started from a config in the
// background (the simulation runs in a worker thread), listed, read and deleted. Administrators
// only: a config names files on the server.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { Identity } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import { isoTime } from '../core/thing.js';
import {
  EXPERIMENT_NAME,
  checkExperimentFiles,
  nextRunDir,
  parseExperimentConfig,
  type ExperimentConfig,
} from '../sims/datacenter/experiment-config.js';
import { configJson, runExperiment } from '../sims/datacenter/experiment-run.js';
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import type { RunSummary } from '../sims/datacenter/results-file.js';

export type ExperimentRunState = 'running' | 'succeeded' | 'failed' | 'stopped';

export interface ExperimentServiceOptions {
  /** `<data dir>/experiments`: one folder per experiment, one `run_<n>` folder per run. */
  readonly dir: string;
  /** Where relative paths in a config count from; default the server's working directory. */
  readonly baseDir?: string;
  readonly now?: () => number;
}

export interface ExperimentProgress {
  windowsDone: number;
  windows: number;
  fraction: number;
  achievedSpeed: number;
}

export interface ExperimentRunView {
  name: string;
  run: number;
  state: ExperimentRunState;
  startedAt: string | null;
  progress: ExperimentProgress;
  summary: RunSummary | null;
  error: { message: string } | null;
  config: Record<string, unknown> | null;
  /** Keys of an OpenDT config that Twinfold has no use for. */
  unused: readonly string[];
}

/** One row of results.parquet. */
export interface ExperimentResultRow {
  timestamp: number;
  windowId: number;
  predicted: number;
  measured: number | null;
  uncalibrated: number;
}

interface RunningRecord {
  readonly name: string;
  readonly run: number;
  readonly dir: string;
  readonly config: ExperimentConfig;
  readonly startedAt: number;
  readonly abort: AbortController;
  progress: { windowsDone: number; windows: number; achievedSpeed: number };
  done: Promise<void>;
}

const RUN_FOLDER = /^run_([1-9][0-9]{0,8})$/;
const RUN_NUMBER = /^[1-9][0-9]{0,8}$/;
/** A config names files on the server: refuse anything that is not plausibly a config. */
const MAX_CONFIG_CHARS = 64 * 1024;

const isDir = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

export class ExperimentService {
  private readonly running = new Map<string, RunningRecord>();
  private closing = false;

  constructor(private readonly options: ExperimentServiceOptions) {}

  /**
   * Checks the config (the text of a YAML or JSON document) and the files it names, makes the
   * next run folder and starts the run in the background; answers the run's view. `name` names a
   * config that gives none (OpenDT's layout never does; default `config`).
   */
  start(identity: Identity, text: string, name?: string): ExperimentRunView {
    assertAdmin(identity);
    if (this.closing) throw errors.experimentsClosing();
    if (name !== undefined && !EXPERIMENT_NAME.test(name))
      throw errors.experimentRequestInvalid(
        'name',
        `${JSON.stringify(name)} cannot name an experiment folder`,
      );
    if (text.length > MAX_CONFIG_CHARS)
      throw errors.experimentConfigInvalid(
        `the config is ${text.length} characters; at most ${MAX_CONFIG_CHARS} are read`,
      );
    const label = 'config';
    let config: ExperimentConfig;
    try {
      config = checkExperimentFiles(
        parseExperimentConfig(text, label, {
          baseDir: this.options.baseDir ?? process.cwd(),
          refuseOutput: "is not accepted here: runs go to the server's experiments folder",
          defaultName: name,
        }),
        label,
      );
    } catch (error) {
      if (error instanceof DatacenterInputError)
        throw errors.experimentConfigInvalid(error.message);
      throw error;
    }
    if (name !== undefined && config.name !== name)
      throw errors.experimentRequestInvalid(
        'name',
        `the config names itself ${JSON.stringify(config.name)}: give one name, not two`,
      );
    const { dir, run } = nextRunDir(this.options.dir, config.name);
    const record: RunningRecord = {
      name: config.name,
      run,
      dir,
      config,
      startedAt: this.now(),
      abort: new AbortController(),
      progress: { windowsDone: 0, windows: 0, achievedSpeed: 0 },
      done: Promise.resolve(),
    };
    this.running.set(keyOf(config.name, run), record);
    record.done = this.run(record);
    return this.runningView(record);
  }

  private async run(record: RunningRecord): Promise<void> {
    try {
      await runExperiment(record.config, record.dir, record.run, {
        signal: record.abort.signal,
        onProgress: (progress) => {
          record.progress = { ...progress };
        },
      });
    } catch (error) {
      // The folder stays, with the reason, so the run shows as failed (and can be deleted).
      const message = error instanceof Error ? error.message : String(error);
      try {
        writeFileSync(join(record.dir, 'error.json'), `${JSON.stringify({ message })}\n`);
      } catch {
        // The folder went away (deleted from outside): nothing is left to show.
      }
    } finally {
      this.running.delete(keyOf(record.name, record.run));
    }
  }

  /** Every experiment in the folder with its runs (oldest first), running ones included. */
  list(identity: Identity): {
    items: {
      name: string;
      runs: { run: number; state: ExperimentRunState; summary: RunSummary | null }[];
    }[];
  } {
    assertAdmin(identity);
    const names = new Set<string>();
    if (isDir(this.options.dir))
      for (const entry of readdirSync(this.options.dir))
        if (EXPERIMENT_NAME.test(entry) && isDir(join(this.options.dir, entry))) names.add(entry);
    for (const record of this.running.values()) names.add(record.name);
    const items = [...names].sort().map((name) => ({
      name,
      runs: this.runNumbers(name).map((run) => {
        const view = this.view(name, run);
        return { run, state: view.state, summary: view.summary };
      }),
    }));
    return { items: items.filter((item) => item.runs.length > 0) };
  }

  get(identity: Identity, name: string, run: string): ExperimentRunView {
    assertAdmin(identity);
    return this.view(...this.checked(name, run));
  }

  /** The run's power_plot.png. */
  plot(identity: Identity, name: string, run: string): Buffer {
    assertAdmin(identity);
    const [n, r] = this.checked(name, run);
    return readFileSync(this.finishedFile(n, r, 'power_plot.png'));
  }

  /** The rows of the run's results.parquet. */
  async results(
    identity: Identity,
    name: string,
    run: string,
  ): Promise<{ rows: ExperimentResultRow[] }> {
    assertAdmin(identity);
    const [n, r] = this.checked(name, run);
    const file = await asyncBufferFromFile(this.finishedFile(n, r, 'results.parquet'));
    const objects = (await parquetReadObjects({
      file,
      columns: [
        'timestamp',
        'window_id',
        'predicted_power',
        'measured_power',
        'power_uncalibrated',
      ],
    })) as Record<string, unknown>[];
    const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v));
    return {
      rows: objects.map((o) => ({
        timestamp: num(o.timestamp),
        windowId: num(o.window_id),
        predicted: num(o.predicted_power),
        measured:
          o.measured_power === null || o.measured_power === undefined
            ? null
            : num(o.measured_power),
        uncalibrated: num(o.power_uncalibrated),
      })),
    };
  }

  /** Removes a finished run's folder (and the experiment's, once it has no runs left). */
  remove(identity: Identity, name: string, run: string): void {
    assertAdmin(identity);
    const [n, r] = this.checked(name, run);
    if (this.running.has(keyOf(n, r))) throw errors.experimentRunRunning(n, r);
    rmSync(this.runDir(n, r), { recursive: true, force: true });
    const parent = join(this.options.dir, n);
    if (this.runNumbers(n).length === 0) rmSync(parent, { recursive: true, force: true });
  }

  /** Stops every running run after its window in progress (their files are written) and waits. */
  async close(): Promise<void> {
    this.closing = true;
    const runs = [...this.running.values()];
    for (const record of runs) record.abort.abort();
    await Promise.all(runs.map((r) => r.done));
  }

  /** Resolves once every run started so far has ended (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  // --- the folder ---

  private checked(name: string, run: string): [string, number] {
    if (!EXPERIMENT_NAME.test(name))
      throw errors.experimentRequestInvalid(
        'name',
        `${JSON.stringify(name)} cannot name an experiment folder`,
      );
    if (!RUN_NUMBER.test(run))
      throw errors.experimentRequestInvalid('run', `${JSON.stringify(run)} is not a run number`);
    const r = Number(run);
    if (!this.running.has(keyOf(name, r)) && !isDir(this.runDir(name, r)))
      throw errors.experimentRunNotFound(name, run);
    return [name, r];
  }

  private runDir(name: string, run: number): string {
    return join(this.options.dir, name, `run_${run}`);
  }

  private runNumbers(name: string): number[] {
    const runs = new Set<number>();
    const parent = join(this.options.dir, name);
    if (isDir(parent))
      for (const entry of readdirSync(parent)) {
        const match = RUN_FOLDER.exec(entry);
        if (match && isDir(join(parent, entry))) runs.add(Number(match[1]));
      }
    for (const record of this.running.values()) if (record.name === name) runs.add(record.run);
    return [...runs].sort((a, b) => a - b);
  }

  private finishedFile(name: string, run: number, file: string): string {
    const path = join(this.runDir(name, run), file);
    if (this.running.has(keyOf(name, run)) || !existsSync(path))
      throw errors.experimentFileNotFound(name, run, file);
    return path;
  }

  private runningView(record: RunningRecord): ExperimentRunView {
    const { windowsDone, windows, achievedSpeed } = record.progress;
    return {
      name: record.name,
      run: record.run,
      state: 'running',
      startedAt: isoTime(record.startedAt),
      progress: {
        windowsDone,
        windows,
        fraction: windows > 0 ? windowsDone / windows : 0,
        achievedSpeed,
      },
      summary: null,
      error: null,
      config: configJson(record.config),
      unused: record.config.unused,
    };
  }

  private view(name: string, run: number): ExperimentRunView {
    const record = this.running.get(keyOf(name, run));
    if (record !== undefined) return this.runningView(record);
    const dir = this.runDir(name, run);
    const summary = readJson(join(dir, 'summary.json')) as RunSummary | null;
    const failure = readJson(join(dir, 'error.json')) as { message?: unknown } | null;
    const config = readJson(join(dir, 'config.json')) as Record<string, unknown> | null;
    let startedAt: string | null = null;
    try {
      startedAt = isoTime(statSync(dir).birthtimeMs || statSync(dir).mtimeMs);
    } catch {
      startedAt = null;
    }
    const windows = summary === null ? 0 : Number(summary.windows) || 0;
    const speed = summary?.achieved_speed;
    const state: ExperimentRunState =
      summary !== null && failure === null
        ? summary.stopped === true
          ? 'stopped'
          : 'succeeded'
        : 'failed';
    return {
      name,
      run,
      state,
      startedAt,
      progress: {
        windowsDone: windows,
        windows,
        fraction: state === 'succeeded' ? 1 : 0,
        achievedSpeed: typeof speed === 'number' ? speed : 0,
      },
      summary,
      error:
        state !== 'failed'
          ? null
          : {
              message:
                typeof failure?.message === 'string'
                  ? failure.message
                  : 'the run did not finish (its folder has no summary.json)',
            },
      config,
      unused: [],
    };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function keyOf(name: string, run: number): string {
  return `${name}/${run}`;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

function assertAdmin(identity: Identity): void {
  if (!identity.admin)
    throw errors.forbidden(
      'Only administrators may run experiments: their configs name files on the server.',
    );
}
