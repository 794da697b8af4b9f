// OpenDC topology JSON: what is read (with OpenDC's defaults) and what is refused, naming the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatacenterInputError } from './input-error.js';
import { parseTopology, readTopology } from './topology.js';

const host = (extra: Record<string, unknown> = {}) => ({
  name: 'H',
  count: 2,
  cpu: { coreCount: 16, coreSpeed: 2100 },
  memory: { memorySize: 128000000 },
  cpuPowerModel: { modelType: 'linear', idlePower: 100, maxPower: 200 },
  ...extra,
});

const refusal = (json: unknown): string => {
  try {
    parseTopology(json, 'topology.json');
  } catch (error) {
    expect(error).toBeInstanceOf(DatacenterInputError);
    return (error as Error).message;
  }
  throw new Error('the topology was accepted');
};

describe('topology', () => {
  it('reads clusters, host counts, cores, speed, memory and the power model', () => {
    const t = parseTopology(
      {
        clusters: [
          {
            name: 'A',
            hosts: [
              host(),
              host({ name: 'G', count: 3, cpu: { count: 2, coreCount: 8, coreSpeed: 3000 } }),
            ],
          },
          { name: 'B', hosts: [host({ count: 1 })] },
        ],
      },
      'topology.json',
    );
    expect(t.hostCount).toBe(6);
    expect(
      t.groups.map((g) => [g.cluster, g.name, g.count, g.firstHost, g.coreCount, g.coreSpeed]),
    ).toEqual([
      ['A', 'H', 2, 0, 16, 2100],
      ['A', 'G', 3, 2, 16, 3000],
      ['B', 'H', 1, 5, 16, 2100],
    ]);
    expect(t.groups[0]!.memorySize).toBe(128000000);
    expect(t.groups[0]!.powerModel).toEqual({ kind: 'linear', idlePower: 100, maxPower: 200 });
    expect(t.clusters.map((c) => c.name)).toEqual(['A', 'B']);
  });

  it('reads every kind of power model, with OpenDC defaults for what is left out', () => {
    const model = (m: Record<string, unknown>) =>
      parseTopology({ clusters: [{ hosts: [host({ cpuPowerModel: m })] }] }, 't.json').groups[0]!
        .powerModel;
    expect(model({ modelType: 'constant', power: 300 })).toEqual({ kind: 'constant', power: 300 });
    for (const kind of ['linear', 'square', 'cubic', 'sqrt'])
      expect(model({ modelType: kind, idlePower: 50, maxPower: 90 })).toEqual({
        kind,
        idlePower: 50,
        maxPower: 90,
      });
    expect(model({ modelType: 'mse', idlePower: 25, maxPower: 174, calibrationFactor: 4 })).toEqual(
      {
        kind: 'mse',
        idlePower: 25,
        maxPower: 174,
        calibrationFactor: 4,
      },
    );
    expect(model({ modelType: 'mse', idlePower: 25, maxPower: 174 })).toMatchObject({
      calibrationFactor: 1,
    });
    expect(
      model({ modelType: 'asymptotic', idlePower: 32, maxPower: 180, asymUtil: 0.3, dvfs: false }),
    ).toEqual({
      kind: 'asymptotic',
      idlePower: 32,
      maxPower: 180,
      asymUtil: 0.3,
      dvfs: false,
    });
    expect(
      model({ modelType: 'asymptotic', idlePower: 32, maxPower: 180, asymUtil: 0.3 }),
    ).toMatchObject({ dvfs: true });
  });

  it('a cluster count repeats the cluster', () => {
    const t = parseTopology({ clusters: [{ name: 'R', count: 3, hosts: [host()] }] }, 't.json');
    expect(t.hostCount).toBe(6);
    expect(t.clusters.map((c) => c.name)).toEqual(['R-0', 'R-1', 'R-2']);
  });

  it('reads the SURF topology', () => {
    const t = parseTopology(
      {
        clusters: [
          {
            name: 'A01',
            hosts: [
              host({
                count: 277,
                cpuPowerModel: {
                  modelType: 'asymptotic',
                  power: 400,
                  idlePower: 32,
                  maxPower: 180,
                  asymUtil: 0.3,
                  dvfs: false,
                },
              }),
            ],
          },
        ],
      },
      'topology-asymptotic.json',
    );
    expect(t.hostCount).toBe(277);
  });

  it('reads OpenDC units: bare numbers are MHz, MiB and W; strings name theirs', () => {
    const g = parseTopology(
      {
        clusters: [
          {
            hosts: [
              host({
                cpu: { coreCount: 4, coreSpeed: '2.1 GHz' },
                memory: { memorySize: '128 GiB' },
                cpuPowerModel: { modelType: 'linear', idlePower: '100 W', maxPower: '0.25 kW' },
              }),
            ],
          },
        ],
      },
      't.json',
    ).groups[0]!;
    expect([g.coreSpeed, g.memorySize, g.powerModel]).toEqual([
      2100,
      131072,
      { kind: 'linear', idlePower: 100, maxPower: 250 },
    ]);
    expect(
      refusal({ clusters: [{ hosts: [host({ memory: { memorySize: '12 parsecs' } })] }] }),
    ).toBe(
      'topology.json: clusters[0].hosts[0].memory.memorySize: must be a number (MiB) or a number with a unit (b, bytes, kb, kib, mb, mib, gb, gib, tb, tib), not "12 parsecs"',
    );
  });

  it('an unknown power model names the field and the models there are', () => {
    expect(
      refusal({
        clusters: [
          { hosts: [host({ cpuPowerModel: { modelType: 'foo', idlePower: 1, maxPower: 2 } })] },
        ],
      }),
    ).toBe(
      'topology.json: clusters[0].hosts[0].cpuPowerModel.modelType: unknown power model "foo" (one of constant, linear, square, cubic, sqrt, mse, asymptotic)',
    );
  });

  it('missing, mistyped and out-of-range fields name their path', () => {
    expect(refusal({})).toBe('topology.json: clusters: is missing');
    expect(refusal({ clusters: [] })).toBe('topology.json: clusters: must not be empty');
    expect(refusal({ clusters: [{ hosts: [host({ cpu: { coreSpeed: 2100 } })] }] })).toBe(
      'topology.json: clusters[0].hosts[0].cpu.coreCount: is missing',
    );
    expect(refusal({ clusters: [{ hosts: [host(), host({ count: 'two' })] }] })).toBe(
      'topology.json: clusters[0].hosts[1].count: must be a number, not the string "two"',
    );
    expect(refusal({ clusters: [{ hosts: [host({ memory: undefined })] }] })).toBe(
      'topology.json: clusters[0].hosts[0].memory: is missing',
    );
    expect(
      refusal({ clusters: [{ hosts: [host({ cpu: { coreCount: 0, coreSpeed: 1 } })] }] }),
    ).toMatch(/clusters\[0\]\.hosts\[0\]\.cpu\.coreCount: must be ≥ 1/);
    expect(
      refusal({
        clusters: [
          {
            hosts: [
              host({ cpuPowerModel: { modelType: 'linear', idlePower: 300, maxPower: 200 } }),
            ],
          },
        ],
      }),
    ).toMatch(/cpuPowerModel\.maxPower: must be ≥ idlePower/);
    expect(
      refusal({
        clusters: [
          {
            hosts: [
              host({ cpuPowerModel: { modelType: 'asymptotic', idlePower: 1, maxPower: 2 } }),
            ],
          },
        ],
      }),
    ).toBe('topology.json: clusters[0].hosts[0].cpuPowerModel.asymUtil: is missing');
  });

  it('a file that is not JSON, or not there, is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-topology-'));
    writeFileSync(join(dir, 'bad.json'), '{"clusters": [');
    expect(() => readTopology(join(dir, 'bad.json'))).toThrow(
      /^bad\.json: \(root\): not valid JSON/,
    );
    expect(() => readTopology(join(dir, 'absent.json'))).toThrow(
      /^absent\.json: \(file\): no such file/,
    );
  });
});
