// An experiment's YAML config, in Twinfold's layout or in OpenDT's own (`global`, `services`,
// `kafka`), checked key by key into one typed config; and the run folder an experiment writes to.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { YAMLError, parse } from 'yaml';
import { DatacenterInputError } from './input-error.js';

/** `shadow`: replay against the measured power; `simulate`: predict only, no measurement. */
export type ExperimentMode = 'shadow' | 'simulate';

export const EXPERIMENT_MODES: readonly ExperimentMode[] = ['shadow', 'simulate'];

/** The power-model parameters a calibration may fit (`cpuPowerModel.<name>`). */
export const CALIBRATED_PROPERTIES = [
  'cpuPowerModel.idlePower',
  'cpuPowerModel.maxPower',
  'cpuPowerModel.calibrationFactor',
  'cpuPowerModel.asymUtil',
  'cpuPowerModel.power',
] as const;

export type CalibratedProperty = (typeof CALIBRATED_PROPERTIES)[number];

/** A grid search over one parameter, as OpenDT's calibrator does it. */
export interface GridCalibrationConfig {
  readonly property: CalibratedProperty;
  readonly minValue: number;
  readonly maxValue: number;
  readonly linspacePoints: number;
  /** The past the fit looks at, minutes. */
  readonly mapeWindowMinutes: number;
}

/**
 * Twinfold's own calibration (no `calibrated_property`): idle and maximum power scaled together,
 * with the model's shape parameter over a grid, fitted on the past `mapeWindowMinutes`.
 */
export interface ScaleCalibrationConfig {
  readonly property: null;
  readonly mapeWindowMinutes: number;
}

export type CalibrationConfig = GridCalibrationConfig | ScaleCalibrationConfig;

export interface ExperimentConfig {
  /** Folder name of the experiment's runs: letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  readonly description: string | null;
  /** Absolute paths (relative ones in the file count from the file's folder). */
  readonly workload: string;
  readonly topology: string;
  /** The measured power; null in `simulate` mode. */
  readonly power: string | null;
  readonly carbon: string | null;
  /** Folder holding `<name>/run_<n>/`. */
  readonly output: string;
  /** Simulated seconds per wall second, or `max` (OpenDT's -1). */
  readonly speedFactor: number | 'max';
  readonly windowMinutes: number;
  readonly exportIntervalSeconds: number;
  readonly mode: ExperimentMode;
  /** Null when `features.calibration_enabled` is false. */
  readonly calibration: CalibrationConfig | null;
  /** Which layout the file had. */
  readonly layout: 'twinfold' | 'opendt';
  /** Keys of an OpenDT file that Twinfold has no use for (its `kafka` topics, heartbeats). */
  readonly unused: readonly string[];
}

export interface ParseOptions {
  /** Folder that relative paths count from; default the config file's folder. */
  readonly baseDir?: string;
  /** Where `output` defaults to (`<cwd>/output`); default `process.cwd()`. */
  readonly cwd?: string;
  /** When set, an `output` key is refused with this reason (the server chooses the folder). */
  readonly refuseOutput?: string;
  /** The name of a config that gives none (OpenDT's never does); default the file's base name. */
  readonly defaultName?: string;
}

type Node = Record<string, unknown>;

const DEFAULTS = {
  speedFactor: 'max' as const,
  windowMinutes: 15,
  exportIntervalSeconds: 150,
  mode: 'shadow' as ExperimentMode,
  // OpenDT's calibrator defaults.
  calibration: {
    property: 'cpuPowerModel.asymUtil' as CalibratedProperty,
    minValue: 0.1,
    maxValue: 0.9,
    linspacePoints: 9,
    mapeWindowMinutes: 1440,
  },
};

/** Reads fields of one mapping, refusing unknown keys and wrong types with the key's path. */
class Section {
  constructor(
    private readonly file: string,
    private readonly path: string,
    private readonly node: Node,
    known: readonly string[],
  ) {
    for (const key of Object.keys(node))
      if (!known.includes(key))
        throw new DatacenterInputError(
          file,
          this.key(key),
          `unknown key (known here: ${known.join(', ')})`,
        );
  }

  key(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  fail(name: string, problem: string): never {
    throw new DatacenterInputError(this.file, this.key(name), problem);
  }

  has(name: string): boolean {
    return this.node[name] !== undefined && this.node[name] !== null;
  }

  section(name: string, known: readonly string[]): Section | null {
    const value = this.node[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value))
      this.fail(name, `must be a mapping of keys, not ${describe(value)}`);
    return new Section(this.file, this.key(name), value as Node, known);
  }

  string(name: string): string | null {
    const value = this.node[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(name, `must be a non-empty string, not ${describe(value)}`);
    return value;
  }

  number(name: string, check: (v: number) => boolean, what: string): number | null {
    const value = this.node[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value))
      this.fail(name, `must be ${what}, not ${describe(value)}`);
    return value;
  }

  boolean(name: string): boolean | null {
    const value = this.node[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'boolean')
      this.fail(name, `must be true or false, not ${describe(value)}`);
    return value;
  }

  /** Any value, unchecked: for the parts of an OpenDT file that are not used. */
  raw(name: string): unknown {
    return this.node[name];
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return 'a mapping';
  return String(value);
}

const positiveInteger = (v: number): boolean => Number.isInteger(v) && v > 0;
const positive = (v: number): boolean => v > 0;

function speedOf(section: Section, name: string): number | 'max' | null {
  const value = section.raw(name);
  if (value === undefined || value === null) return null;
  if (value === 'max' || value === -1) return 'max';
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  return section.fail(name, `must be a positive number, -1 or "max", not ${describe(value)}`);
}

function modeOf(section: Section, name: string): ExperimentMode | null {
  const value = section.string(name);
  if (value === null) return null;
  if (!(EXPERIMENT_MODES as readonly string[]).includes(value))
    section.fail(
      name,
      `must be one of ${EXPERIMENT_MODES.join(', ')}, not ${JSON.stringify(value)}`,
    );
  return value as ExperimentMode;
}

const CALIBRATION_KEYS = [
  'calibrated_property',
  'min_value',
  'max_value',
  'linspace_points',
  'mape_window_minutes',
];

function calibrationOf(
  section: Section | null,
  enabled: boolean,
  at: Section,
  name: string,
  ownByDefault = false,
): CalibrationConfig | null {
  if (!enabled) {
    if (section !== null)
      at.fail(name, 'is given but calibration is not enabled (features.calibration_enabled)');
    return null;
  }
  const d = DEFAULTS.calibration;
  if (ownByDefault && (section === null || !section.has('calibrated_property'))) {
    for (const key of ['min_value', 'max_value', 'linspace_points'])
      if (section?.has(key))
        section.fail(key, 'only a grid search has it: name the calibrated_property too');
    const minutes =
      section?.number('mape_window_minutes', positiveInteger, 'a whole number of minutes > 0') ??
      60;
    return { property: null, mapeWindowMinutes: minutes };
  }
  if (section === null) return { ...d };
  const property = section.string('calibrated_property') ?? d.property;
  if (!(CALIBRATED_PROPERTIES as readonly string[]).includes(property))
    section.fail(
      'calibrated_property',
      `must be one of ${CALIBRATED_PROPERTIES.join(', ')}, not ${JSON.stringify(property)}`,
    );
  const minValue = section.number('min_value', () => true, 'a number') ?? d.minValue;
  const maxValue = section.number('max_value', () => true, 'a number') ?? d.maxValue;
  if (!(maxValue > minValue))
    section.fail('max_value', `must be above min_value (${minValue}), not ${maxValue}`);
  const linspacePoints =
    section.number('linspace_points', (v) => Number.isInteger(v) && v > 1, 'a whole number > 1') ??
    d.linspacePoints;
  const mapeWindowMinutes =
    section.number('mape_window_minutes', positiveInteger, 'a whole number of minutes > 0') ??
    d.mapeWindowMinutes;
  return {
    property: property as CalibratedProperty,
    minValue,
    maxValue,
    linspacePoints,
    mapeWindowMinutes,
  };
}

/** What an experiment's name may be: it names a folder. */
export const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const NAME = EXPERIMENT_NAME;

function nameOf(file: string, section: Section, name: string, fallback?: string): string {
  const value = section.string(name) ?? fallback ?? basename(file, extname(file));
  if (!NAME.test(value) || value.length > 100)
    section.fail(
      name,
      `must be letters, digits, ".", "_" or "-" (it names a folder), not ${JSON.stringify(value)}`,
    );
  return value;
}

/** Twinfold's layout: the keys the issue and OpenDT's concepts name, flat and explicit. */
function twinfoldLayout(
  file: string,
  root: Section,
  base: string,
  cwd: string,
  options: ParseOptions,
): ExperimentConfig {
  if (options.refuseOutput !== undefined && root.raw('output') !== undefined)
    root.fail('output', options.refuseOutput);
  const simulation = root.section('simulation', [
    'speed_factor',
    'window_size_minutes',
    'experiment_mode',
    'export_interval_seconds',
  ]);
  const features = root.section('features', ['calibration_enabled']);
  const mode = (simulation && modeOf(simulation, 'experiment_mode')) ?? DEFAULTS.mode;
  const workload = root.string('workload');
  if (workload === null)
    root.fail('workload', 'missing (the folder of tasks.parquet and fragments.parquet)');
  const topology = root.string('topology');
  if (topology === null) root.fail('topology', 'missing (an OpenDC topology JSON file)');
  const workloadDir = resolve(base, workload);
  const power = root.string('power');
  if (mode === 'simulate' && power !== null)
    root.fail(
      'power',
      'is given but simulation.experiment_mode is simulate (no measurement is compared)',
    );
  const carbon = root.string('carbon');
  const output = root.string('output');
  const enabled = (features && features.boolean('calibration_enabled')) ?? false;
  if (enabled && mode === 'simulate')
    features?.fail(
      'calibration_enabled',
      'needs the measured power: simulation.experiment_mode must be shadow',
    );
  return {
    name: nameOf(file, root, 'name', options.defaultName),
    description: root.string('description'),
    workload: workloadDir,
    topology: resolve(base, topology),
    power:
      mode === 'simulate' ? null : resolve(base, power ?? join(workloadDir, 'consumption.parquet')),
    carbon: carbon === null ? null : resolve(base, carbon),
    output: output === null ? resolve(cwd, 'output') : resolve(base, output),
    speedFactor: (simulation && speedOf(simulation, 'speed_factor')) ?? DEFAULTS.speedFactor,
    windowMinutes:
      (simulation &&
        simulation.number(
          'window_size_minutes',
          positiveInteger,
          'a whole number of minutes > 0',
        )) ??
      DEFAULTS.windowMinutes,
    exportIntervalSeconds:
      (simulation &&
        simulation.number('export_interval_seconds', positive, 'a number of seconds > 0')) ??
      DEFAULTS.exportIntervalSeconds,
    mode,
    calibration: calibrationOf(
      root.section('calibration', CALIBRATION_KEYS),
      enabled,
      root,
      'calibration',
      true,
    ),
    layout: 'twinfold',
    unused: [],
  };
}

/**
 * OpenDT's layout (`config/experiments/experiment_1.yaml`): `services.dc-mock.workload` is the
 * workload folder (relative to the file), holding `topology.json` and `consumption.parquet` as
 * OpenDT's workload folders do; `services.simulator.simulation_frequency_minutes` is the window.
 */
function opendtLayout(
  file: string,
  root: Section,
  base: string,
  cwd: string,
  defaultName: string | undefined,
): ExperimentConfig {
  const global = root.section('global', ['speed_factor', 'calibration_enabled']);
  const services: Section | null = root.section('services', ['dc-mock', 'simulator', 'calibrator']);
  if (services === null)
    root.fail('services', 'missing (OpenDT layout: services.dc-mock.workload)');
  const dcMock: Section | null = services.section('dc-mock', [
    'workload',
    'heartbeat_frequency_minutes',
  ]);
  if (dcMock === null)
    throw new DatacenterInputError(file, 'services.dc-mock', 'missing (it names the workload)');
  const workload = dcMock.string('workload');
  if (workload === null)
    throw new DatacenterInputError(
      file,
      'services.dc-mock.workload',
      'missing (the workload folder)',
    );
  const unused: string[] = [];
  const minutes = 'a whole number of minutes > 0';
  if (dcMock.number('heartbeat_frequency_minutes', positiveInteger, minutes) !== null)
    unused.push('services.dc-mock.heartbeat_frequency_minutes');
  const simulator: Section | null = services.section('simulator', [
    'simulation_frequency_minutes',
    'background_load_nodes',
  ]);
  const windowMinutes = simulator?.number('simulation_frequency_minutes', positiveInteger, minutes);
  const background = simulator?.number(
    'background_load_nodes',
    (v) => Number.isInteger(v) && v >= 0,
    'a whole number >= 0',
  );
  if (simulator && background !== null && background !== undefined && background > 0)
    simulator.fail(
      'background_load_nodes',
      `reserving nodes for background load is not supported (give 0, not ${background})`,
    );
  if (root.has('kafka')) {
    root.section('kafka', ['topics']);
    unused.push('kafka');
  }
  const enabled = global?.boolean('calibration_enabled') ?? false;
  const calibrator: Section | null = services.section('calibrator', [
    ...CALIBRATION_KEYS,
    'max_parallel_workers',
  ]);
  if (enabled && calibrator === null)
    services.fail('calibrator', 'missing, and global.calibration_enabled is true');
  // OpenDT keeps a calibrator section when calibration is off (where it has no effect either);
  // it is checked all the same.
  const calibration = calibrator && calibrationOf(calibrator, true, services, 'calibrator');
  if (calibrator?.number('max_parallel_workers', positiveInteger, 'a whole number > 0') != null)
    unused.push('services.calibrator.max_parallel_workers');
  if (calibrator !== null && !enabled) unused.push('services.calibrator');
  const workloadDir = resolve(base, workload);
  return {
    name:
      defaultName ??
      (basename(file, extname(file)).replace(/[^A-Za-z0-9._-]/g, '_') || 'experiment'),
    description: null,
    workload: workloadDir,
    topology: join(workloadDir, 'topology.json'),
    power: join(workloadDir, 'consumption.parquet'),
    carbon: null,
    output: resolve(cwd, 'output'),
    speedFactor: (global && speedOf(global, 'speed_factor')) ?? 1,
    windowMinutes: windowMinutes ?? 15,
    exportIntervalSeconds: DEFAULTS.exportIntervalSeconds,
    mode: 'shadow',
    calibration: enabled ? calibration : null,
    layout: 'opendt',
    unused,
  };
}

const TWINFOLD_KEYS = [
  'name',
  'description',
  'workload',
  'topology',
  'power',
  'carbon',
  'output',
  'simulation',
  'features',
  'calibration',
];
const OPENDT_KEYS = ['global', 'services', 'kafka'];

/**
 * Parses and checks a config's text (`file` names it in errors and anchors relative paths).
 * Throws `DatacenterInputError` naming the key for bad YAML, unknown keys, wrong types, missing
 * keys and a mix of the two layouts.
 *
 * @example
 * parseExperimentConfig('workload: surf\ntopology: surf/topology-asymptotic.json\n', 'exp.yaml')
 */
export function parseExperimentConfig(
  text: string,
  file: string,
  options: ParseOptions = {},
): ExperimentConfig {
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLError) {
      const line = error.linePos?.[0];
      const where = line ? `line ${line.line}, column ${line.col}` : '(yaml)';
      throw new DatacenterInputError(
        file,
        where,
        `not valid YAML: ${error.message.split('\n')[0]}`,
      );
    }
    throw error;
  }
  if (data === null || data === undefined)
    throw new DatacenterInputError(file, '(file)', 'is empty');
  if (typeof data !== 'object' || Array.isArray(data))
    throw new DatacenterInputError(
      file,
      '(file)',
      `must be a mapping of keys, not ${describe(data)}`,
    );
  const keys = Object.keys(data as Node);
  const base = options.baseDir ?? dirname(resolve(file));
  const cwd = options.cwd ?? process.cwd();
  const opendt = keys.filter((k) => OPENDT_KEYS.includes(k));
  const twinfold = keys.filter((k) => TWINFOLD_KEYS.includes(k));
  if (opendt.length > 0 && twinfold.length > 0)
    throw new DatacenterInputError(
      file,
      twinfold[0],
      `mixes the two layouts: ${opendt.join(', ')} (OpenDT's) with ${twinfold.join(', ')} (Twinfold's); use one`,
    );
  if (opendt.length > 0)
    return opendtLayout(
      file,
      new Section(file, '', data as Node, OPENDT_KEYS),
      base,
      cwd,
      options.defaultName,
    );
  return twinfoldLayout(
    file,
    new Section(file, '', data as Node, TWINFOLD_KEYS),
    base,
    cwd,
    options,
  );
}

/**
 * Reads, parses and checks a config file, and checks that the files it names exist: the workload
 * folder (with `tasks.parquet` and `fragments.parquet`), the topology, the measured power and the
 * carbon trace.
 */
export function loadExperimentConfig(file: string, options: ParseOptions = {}): ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatacenterInputError(
      file,
      '(file)',
      code === 'ENOENT' ? 'no such file' : (error as Error).message,
    );
  }
  return checkExperimentFiles(parseExperimentConfig(text, file, options), file);
}

/**
 * Checks that the files a parsed config names exist: the workload folder (with `tasks.parquet`
 * and `fragments.parquet`), the topology, the measured power and the carbon trace; returns the
 * config. `file` names the config in errors.
 */
export function checkExperimentFiles(config: ExperimentConfig, file: string): ExperimentConfig {
  const key = (twinfold: string, opendt: string): string =>
    config.layout === 'twinfold' ? twinfold : opendt;
  const isDir = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();
  if (!isDir(config.workload))
    throw new DatacenterInputError(
      file,
      key('workload', 'services.dc-mock.workload'),
      `${config.workload} is not a folder`,
    );
  for (const part of ['tasks.parquet', 'fragments.parquet'])
    if (!existsSync(join(config.workload, part)))
      throw new DatacenterInputError(
        file,
        key('workload', 'services.dc-mock.workload'),
        `${config.workload} has no ${part}`,
      );
  const files: [string, string | null][] = [
    [key('topology', 'services.dc-mock.workload (its topology.json)'), config.topology],
    [key('power', 'services.dc-mock.workload (its consumption.parquet)'), config.power],
    ['carbon', config.carbon],
  ];
  for (const [field, path] of files)
    if (path !== null && !(existsSync(path) && statSync(path).isFile()))
      throw new DatacenterInputError(file, field, `no such file: ${path}`);
  return config;
}

/**
 * Makes and returns the next run folder of an experiment, `<output>/<name>/run_<n>/`, with `n` one
 * more than the highest run there (from 1). Safe against a concurrent run taking the same number.
 */
export function nextRunDir(output: string, name: string): { dir: string; run: number } {
  if (!NAME.test(name))
    throw new RangeError(`experiment name ${JSON.stringify(name)} cannot name a folder`);
  const parent = join(output, name);
  mkdirSync(parent, { recursive: true });
  let run = 1;
  for (const entry of readdirSync(parent)) {
    const match = /^run_(\d+)$/.exec(entry);
    if (match) run = Math.max(run, Number(match[1]) + 1);
  }
  for (;;) {
    const dir = join(parent, `run_${run}`);
    try {
      mkdirSync(dir);
      return { dir, run };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      run += 1;
    }
  }
}
