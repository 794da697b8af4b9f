import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { sharedDataPath } from '../../../scripts/workspace.js';
import { loadExperimentConfig, nextRunDir, parseExperimentConfig } from './experiment-config.js';
import { DatacenterInputError } from './input-error.js';

const dir = mkdtempSync(join(tmpdir(), 'experiment-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = '/experiments/surf.yaml';

function refused(text: string, file = FILE): DatacenterInputError {
  try {
    parseExperimentConfig(text, file, { cwd: '/work' });
  } catch (error) {
    expect(error).toBeInstanceOf(DatacenterInputError);
    return error as DatacenterInputError;
  }
  throw new Error('expected the config to be refused');
}

describe("Twinfold's layout", () => {
  test('every key is read, relative paths count from the file', () => {
    const config = parseExperimentConfig(
      [
        'name: surf-calibrated',
        'description: The SURF week with calibration',
        'workload: ../data/surf',
        'topology: ../data/surf/topology-asymptotic.json',
        'power: /abs/consumption.parquet',
        'carbon: ../data/surf/carbon.parquet',
        'output: ../runs',
        'simulation:',
        '  speed_factor: 300',
        '  window_size_minutes: 60',
        '  experiment_mode: shadow',
        '  export_interval_seconds: 150',
        'features:',
        '  calibration_enabled: true',
        'calibration:',
        '  calibrated_property: cpuPowerModel.calibrationFactor',
        '  min_value: 3',
        '  max_value: 9',
        '  linspace_points: 10',
        '  mape_window_minutes: 60',
      ].join('\n'),
      FILE,
      { cwd: '/work' },
    );
    expect(config).toEqual({
      name: 'surf-calibrated',
      description: 'The SURF week with calibration',
      workload: '/data/surf',
      topology: '/data/surf/topology-asymptotic.json',
      power: '/abs/consumption.parquet',
      carbon: '/data/surf/carbon.parquet',
      output: '/runs',
      speedFactor: 300,
      windowMinutes: 60,
      exportIntervalSeconds: 150,
      mode: 'shadow',
      calibration: {
        property: 'cpuPowerModel.calibrationFactor',
        minValue: 3,
        maxValue: 9,
        linspacePoints: 10,
        mapeWindowMinutes: 60,
      },
      layout: 'twinfold',
      unused: [],
    });
  });

  test('defaults: name from the file, max speed, 15-minute windows, shadow, no calibration', () => {
    const config = parseExperimentConfig('workload: surf\ntopology: t.json\n', FILE, {
      cwd: '/work',
    });
    expect(config).toMatchObject({
      name: 'surf',
      description: null,
      workload: '/experiments/surf',
      power: '/experiments/surf/consumption.parquet',
      carbon: null,
      output: '/work/output',
      speedFactor: 'max',
      windowMinutes: 15,
      exportIntervalSeconds: 150,
      mode: 'shadow',
      calibration: null,
    });
    const simulate = parseExperimentConfig(
      'workload: w\ntopology: t.json\nsimulation: {experiment_mode: simulate, speed_factor: -1}\n',
      FILE,
    );
    expect(simulate.power).toBeNull();
    expect(simulate.speedFactor).toBe('max');
    const calibrated = parseExperimentConfig(
      'workload: w\ntopology: t.json\nfeatures: {calibration_enabled: true}\n',
      FILE,
    );
    // Without a calibrated_property, Twinfold's own calibration over the past hour.
    expect(calibrated.calibration).toEqual({ property: null, mapeWindowMinutes: 60 });
    expect(() =>
      parseExperimentConfig(
        'workload: w\ntopology: t.json\nfeatures: {calibration_enabled: true}\ncalibration: {min_value: 0.2}\n',
        FILE,
      ),
    ).toThrow(`${FILE}: calibration.min_value: only a grid search has it`);
  });

  test('unknown keys are refused with their path and the known ones', () => {
    const top = refused('workload: w\ntopology: t\nspeed: 300\n');
    expect(top.message).toBe(
      `${FILE}: speed: unknown key (known here: name, description, workload, topology, power, carbon, output, simulation, features, calibration)`,
    );
    expect(refused('workload: w\ntopology: t\nsimulation:\n  speedfactor: 3\n').field).toBe(
      'simulation.speedfactor',
    );
    expect(refused('workload: w\ntopology: t\nfeatures: {calibrate: true}\n').field).toBe(
      'features.calibrate',
    );
  });

  test('wrong types and values are refused naming the key', () => {
    const cases: [string, string, RegExp][] = [
      [
        'simulation: {speed_factor: fast}',
        'simulation.speed_factor',
        /positive number, -1 or "max", not "fast"/,
      ],
      ['simulation: {speed_factor: 0}', 'simulation.speed_factor', /not 0/],
      ['simulation: {window_size_minutes: 7.5}', 'simulation.window_size_minutes', /whole number/],
      ['simulation: {experiment_mode: replay}', 'simulation.experiment_mode', /shadow, simulate/],
      ['simulation: {export_interval_seconds: -1}', 'simulation.export_interval_seconds', /> 0/],
      ['simulation: 5', 'simulation', /must be a mapping of keys, not 5/],
      ['features: {calibration_enabled: "yes"}', 'features.calibration_enabled', /true or false/],
      ['name: "my run/1"', 'name', /names a folder/],
      ['carbon: [a, b]', 'carbon', /non-empty string, not a list/],
      [
        'features: {calibration_enabled: true}\ncalibration: {calibrated_property: cpuPowerModel.voltage}',
        'calibration.calibrated_property',
        /one of cpuPowerModel/,
      ],
      [
        'features: {calibration_enabled: true}\ncalibration: {calibrated_property: cpuPowerModel.asymUtil, min_value: 5, max_value: 2}',
        'calibration.max_value',
        /above min_value \(5\)/,
      ],
      [
        'features: {calibration_enabled: true}\ncalibration: {calibrated_property: cpuPowerModel.asymUtil, linspace_points: 1}',
        'calibration.linspace_points',
        /> 1/,
      ],
      ['calibration: {min_value: 1}', 'calibration', /calibration is not enabled/],
      ['power: p.parquet\nsimulation: {experiment_mode: simulate}', 'power', /simulate/],
      [
        'features: {calibration_enabled: true}\nsimulation: {experiment_mode: simulate}',
        'features.calibration_enabled',
        /must be shadow/,
      ],
    ];
    for (const [extra, field, problem] of cases) {
      const error = refused(`workload: w\ntopology: t\n${extra}\n`);
      expect([error.field, error.problem]).toEqual([field, expect.stringMatching(problem)]);
    }
    expect(refused('topology: t\n').field).toBe('workload');
    expect(refused('workload: w\n').field).toBe('topology');
  });

  test('bad YAML, duplicate keys, an empty file and a list are refused', () => {
    const bad = refused('workload: w\ntopology: [t\n');
    expect(bad.message).toMatch(/^\/experiments\/surf\.yaml: line \d+, column \d+: not valid YAML/);
    expect(refused('workload: w\nworkload: v\ntopology: t\n').problem).toMatch(/not valid YAML/);
    expect(refused('').message).toBe(`${FILE}: (file): is empty`);
    expect(refused('- workload\n').problem).toMatch(/mapping of keys, not a list/);
  });
});

describe("OpenDT's layout", () => {
  // The keys of OpenDT's config/experiments/experiment_2.yaml.
  const OPENDT = [
    'global:',
    '  speed_factor: 300',
    '  calibration_enabled: true',
    'services:',
    '  dc-mock:',
    '    workload: "SURF"',
    '    heartbeat_frequency_minutes: 1',
    '  simulator:',
    '    simulation_frequency_minutes: 60',
    '    background_load_nodes: 0',
    '  calibrator:',
    '    calibrated_property: "cpuPowerModel.calibrationFactor"',
    '    min_value: 3',
    '    max_value: 9',
    '    linspace_points: 10',
    '    max_parallel_workers: 4',
    '    mape_window_minutes: 60',
    'kafka:',
    '  topics:',
    '    workload:',
    '      name: "dc.workload"',
    '      config:',
    '        retention.ms: "86400000"',
  ].join('\n');

  test("an OpenDT experiment file is read as it is, saying what Twinfold doesn't use", () => {
    const config = parseExperimentConfig(OPENDT, '/opendt/config/experiment_2.yaml', {
      baseDir: '/opendt/workload',
      cwd: '/work',
    });
    expect(config).toEqual({
      name: 'experiment_2',
      description: null,
      workload: '/opendt/workload/SURF',
      topology: '/opendt/workload/SURF/topology.json',
      power: '/opendt/workload/SURF/consumption.parquet',
      carbon: null,
      output: '/work/output',
      speedFactor: 300,
      windowMinutes: 60,
      exportIntervalSeconds: 150,
      mode: 'shadow',
      calibration: {
        property: 'cpuPowerModel.calibrationFactor',
        minValue: 3,
        maxValue: 9,
        linspacePoints: 10,
        mapeWindowMinutes: 60,
      },
      layout: 'opendt',
      unused: [
        'services.dc-mock.heartbeat_frequency_minutes',
        'kafka',
        'services.calibrator.max_parallel_workers',
      ],
    });
  });

  test('calibration off keeps no calibration; -1 is max speed', () => {
    const config = parseExperimentConfig(
      OPENDT.replace('calibration_enabled: true', 'calibration_enabled: false').replace(
        'speed_factor: 300',
        'speed_factor: -1',
      ),
      '/x/experiment_1.yaml',
    );
    expect(config.calibration).toBeNull();
    expect(config.speedFactor).toBe('max');
    expect(config.unused).toContain('services.calibrator');
  });

  test('OpenDT files are checked as strictly', () => {
    const error = refused(OPENDT.replace('min_value: 3', 'min_val: 3'));
    expect(error.field).toBe('services.calibrator.min_val');
    expect(
      refused(OPENDT.replace('background_load_nodes: 0', 'background_load_nodes: 4')).problem,
    ).toMatch(/not supported \(give 0, not 4\)/);
    expect(
      refused(OPENDT.replace('    linspace_points: 10\n', '    linspace_points: ten\n')).field,
    ).toBe('services.calibrator.linspace_points');
    expect(refused('global: {speed_factor: 3}\n').field).toBe('services');
    expect(refused('services: {simulator: {background_load_nodes: 0}}\n').field).toBe(
      'services.dc-mock',
    );
    const noCalibrator = OPENDT.split('\n').filter(
      (line, i, all) =>
        i < all.indexOf('  calibrator:') || i > all.indexOf('    mape_window_minutes: 60'),
    );
    expect(refused(noCalibrator.join('\n')).field).toBe('services.calibrator');
  });

  test('the two layouts cannot be mixed', () => {
    const error = refused(`${OPENDT}\ntopology: t.json\n`);
    expect(error.problem).toMatch(
      /mixes the two layouts: global, services, kafka \(OpenDT's\) with topology/,
    );
  });
});

describe('loadExperimentConfig', () => {
  test('checks the files the config names exist', () => {
    const workload = join(dir, 'wl');
    mkdirSync(workload);
    const file = join(dir, 'exp.yaml');
    const write = (text: string): void => writeFileSync(file, text);

    write('workload: nowhere\ntopology: t.json\n');
    expect(() => loadExperimentConfig(file)).toThrow(
      `${file}: workload: ${join(dir, 'nowhere')} is not a folder`,
    );

    write('workload: wl\ntopology: t.json\n');
    expect(() => loadExperimentConfig(file)).toThrow(`workload: ${workload} has no tasks.parquet`);

    writeFileSync(join(workload, 'tasks.parquet'), '');
    writeFileSync(join(workload, 'fragments.parquet'), '');
    expect(() => loadExperimentConfig(file)).toThrow(
      `topology: no such file: ${join(dir, 't.json')}`,
    );

    writeFileSync(join(dir, 't.json'), '{}');
    expect(() => loadExperimentConfig(file)).toThrow(
      `power: no such file: ${join(workload, 'consumption.parquet')}`,
    );

    writeFileSync(join(workload, 'consumption.parquet'), '');
    write('workload: wl\ntopology: t.json\ncarbon: c.parquet\n');
    expect(() => loadExperimentConfig(file)).toThrow(`carbon: no such file`);

    write('workload: wl\ntopology: t.json\n');
    expect(loadExperimentConfig(file).power).toBe(join(workload, 'consumption.parquet'));
    expect(() => loadExperimentConfig(join(dir, 'missing.yaml'))).toThrow(
      /missing\.yaml: \(file\): no such file/,
    );
  });

  const surf = sharedDataPath('surf', 'tasks.parquet');
  test.skipIf(surf === null && process.env.CI !== 'true')('a config of the SURF week loads', () => {
    if (surf === null) throw new Error('shared/data/surf/tasks.parquet is missing');
    const file = join(dir, 'surf.yaml');
    const surfDir = join(surf, '..');
    writeFileSync(
      file,
      `workload: ${surfDir}\ntopology: ${join(surfDir, 'topology-asymptotic.json')}\ncarbon: ${join(surfDir, 'carbon.parquet')}\nfeatures: {calibration_enabled: true}\n`,
    );
    const config = loadExperimentConfig(file);
    expect(config.power).toBe(join(surfDir, 'consumption.parquet'));
    expect(config.calibration).not.toBeNull();
  });
});

describe('nextRunDir', () => {
  test('run_1, then one above the highest run, other entries left alone', () => {
    const out = join(dir, 'output');
    expect(nextRunDir(out, 'surf')).toEqual({ dir: join(out, 'surf', 'run_1'), run: 1 });
    expect(existsSync(join(out, 'surf', 'run_1'))).toBe(true);
    expect(nextRunDir(out, 'surf').run).toBe(2);
    mkdirSync(join(out, 'surf', 'run_7'));
    mkdirSync(join(out, 'surf', 'run_x'));
    writeFileSync(join(out, 'surf', 'notes.txt'), '');
    expect(nextRunDir(out, 'surf')).toEqual({ dir: join(out, 'surf', 'run_8'), run: 8 });
    expect(nextRunDir(out, 'other').run).toBe(1);
    expect(() => nextRunDir(out, '../escape')).toThrow(/cannot name a folder/);
  });
});
