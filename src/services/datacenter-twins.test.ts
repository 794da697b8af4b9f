import { describe, expect, it } from 'vitest';
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import type { SimulationResult, Topology, UtilisationMass } from '../sims/datacenter/model.js';
import { parseTopology } from '../sims/datacenter/topology.js';
import {
  HostUtilisation,
  clusterPower,
  idlePower,
  layoutOf,
  twinBodies,
} from './datacenter-twins.js';

const linear = { modelType: 'linear', idlePower: 100, maxPower: 200 };
const host = (name: string, count: number) => ({
  name,
  count,
  cpu: { coreCount: 4, coreSpeed: 2000 },
  memory: { memorySize: 1000 },
  cpuPowerModel: linear,
});

function topologyOf(clusters: unknown[]): Topology {
  return parseTopology({ clusters }, 'topology.json');
}

/** Two intervals of 100 s; group 0 (2 hosts) and group 1 (1 host). */
function simulation(withHosts: boolean): SimulationResult {
  const masses: UtilisationMass[] = [
    {
      group: 0,
      // interval 0: one host at 0.5 and one at 0 for 100 s each; interval 1: both at 1.
      offsets: Int32Array.from([0, 2, 3]),
      utilisation: Float64Array.from([0.5, 0, 1]),
      hostSeconds: Float64Array.from([100, 100, 200]),
    },
    {
      group: 1,
      offsets: Int32Array.from([0, 1, 2]),
      utilisation: Float64Array.from([0.25, 0]),
      hostSeconds: Float64Array.from([100, 100]),
    },
  ];
  return {
    start: 0,
    exportIntervalMs: 100_000,
    exports: [],
    masses,
    skipped: [],
    ...(withHosts ? { hostUtilisation: Float32Array.from([0.5, 0, 0.25, 1, 1, 0]) } : {}),
  };
}

describe('datacenter twins', () => {
  const topology = topologyOf([
    { name: 'C1', hosts: [host('H', 2)] },
    { name: 'C2', hosts: [host('G', 1)] },
  ]);

  it('names the datacenter, clusters and hosts (n from 1 within the group)', () => {
    const layout = layoutOf('lisa', topology, 'topology.json');
    expect(layout.datacenter).toBe('dc:lisa');
    expect(layout.clusters.map((c) => [c.thingId, c.hosts])).toEqual([
      ['dc:lisa.C1', [0, 1]],
      ['dc:lisa.C2', [2]],
    ]);
    expect(layout.hosts.map((h) => h.thingId)).toEqual([
      'dc:lisa.C1.H-1',
      'dc:lisa.C1.H-2',
      'dc:lisa.C2.G-1',
    ]);
    const bodies = twinBodies('lisa', topology, layout);
    expect(bodies.map((b) => [b.thingId, b.partOf])).toEqual([
      ['dc:lisa', null],
      ['dc:lisa.C1', 'dc:lisa'],
      ['dc:lisa.C2', 'dc:lisa'],
      ['dc:lisa.C1.H-1', 'dc:lisa.C1'],
      ['dc:lisa.C1.H-2', 'dc:lisa.C1'],
      ['dc:lisa.C2.G-1', 'dc:lisa.C2'],
    ]);
    expect(bodies[3]!.body.attributes).toMatchObject({
      cores: 4,
      coreSpeedMHz: 2000,
      powerModel: { kind: 'linear', idlePower: 100, maxPower: 200 },
    });
  });

  it('refuses two hosts of one id, naming the file and the field', () => {
    const twice = topologyOf([{ name: 'C', hosts: [host('H', 1), host('H', 1)] }]);
    expect(() => layoutOf('x', twice, 'topology.json')).toThrow(DatacenterInputError);
    expect(() => layoutOf('x', twice, 'topology.json')).toThrow(
      /topology\.json: clusters\[0\]\.hosts \(H\): two twins would be 'dc:x\.C\.H-1'/,
    );
  });

  it("takes each host's own utilisation when the simulation has it, else its group's mean", () => {
    const own = new HostUtilisation(simulation(true), topology);
    expect(Array.from(own.mean(0, 1))).toEqual([0.5, 0, 0.25]);
    expect(Array.from(own.mean(0, 2))).toEqual([0.75, 0.5, 0.125]);
    const fallback = new HostUtilisation(simulation(false), topology);
    expect(Array.from(fallback.mean(0, 1))).toEqual([0.25, 0.25, 0.25]);
    expect(Array.from(fallback.mean(1, 2))).toEqual([1, 1, 0]);
  });

  it("gives each cluster's mean power under the models in use", () => {
    const layout = layoutOf('lisa', topology, 'topology.json');
    const models = topology.groups.map((g) => g.powerModel);
    // C1, interval 0: (150 + 100) W × 100 s; interval 1: 200 W × 200 s → 65,000 J over 200 s.
    expect(clusterPower(simulation(false), layout, models, 0, 2)).toEqual([325, 112.5]);
    expect(idlePower(topology)).toBe(300);
  });
});
