// The twins of a datacenter in shadow mode: their ids (datacenter, clusters, hosts, what-ifs), their
// bodies from the topology, and the per-window figures written on them (utilisation, power).
import { DatacenterInputError } from '../sims/datacenter/input-error.js';
import { intervalEnergy } from '../sims/datacenter/calibration.js';
import type { JsonObject } from '../core/json.js';
import { isValidNamespacedId } from '../core/ids.js';
import type { PowerModel, SimulationResult, Topology } from '../sims/datacenter/model.js';
import { powerAt } from '../sims/datacenter/power-models.js';

/** The namespace of every datacenter twin. */
export const DATACENTER_NAMESPACE = 'dc';

/** The `definition` of each kind of twin (no type governs them unless one is put under that id). */
export const DEFINITIONS = {
  datacenter: 'twinfold:datacenter:1.0.0',
  cluster: 'twinfold:datacenter-cluster:1.0.0',
  host: 'twinfold:datacenter-host:1.0.0',
  whatif: 'twinfold:datacenter-whatif:1.0.0',
} as const;

/** A datacenter id: what `{id}` of `/api/2/datacenters/{id}` may be. */
export const DATACENTER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A what-if name. */
export const WHATIF_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface ClusterTwin {
  readonly thingId: string;
  readonly name: string;
  /** Indexes into `topology.groups`. */
  readonly groups: readonly number[];
  /** Host numbers (as in `Topology`) of the cluster. */
  readonly hosts: readonly number[];
}

export interface HostTwin {
  readonly thingId: string;
  readonly cluster: number;
  readonly group: number;
}

/** Every twin of one datacenter's topology; `hosts[h]` is host `h` of the topology. */
export interface DatacenterLayout {
  readonly datacenter: string;
  readonly clusters: readonly ClusterTwin[];
  readonly hosts: readonly HostTwin[];
}

export function datacenterThingId(id: string): string {
  return `${DATACENTER_NAMESPACE}:${id}`;
}

export function whatIfThingId(id: string, name: string): string {
  return `${DATACENTER_NAMESPACE}:${id}.whatif.${name}`;
}

/**
 * The twins of `topology` for datacenter `id`: `dc:<id>`, `dc:<id>.<cluster>` and
 * `dc:<id>.<cluster>.<hostGroup>-<n>` (n from 1 within the group). Throws `DatacenterInputError`
 * (naming `file`) when two hosts would get one id or a name makes no valid thing id.
 */
export function layoutOf(id: string, topology: Topology, file: string): DatacenterLayout {
  const datacenter = datacenterThingId(id);
  const clusters: ClusterTwin[] = [];
  const hosts: HostTwin[] = [];
  const seen = new Set<string>([datacenter]);
  const clusterIndex = new Map<string, number>();
  const claim = (thingId: string, field: string) => {
    if (!isValidNamespacedId(thingId))
      throw new DatacenterInputError(
        file,
        field,
        `makes the thing id '${thingId}', which is not valid`,
      );
    if (seen.has(thingId))
      throw new DatacenterInputError(
        file,
        field,
        `two twins would be '${thingId}': names must be unique`,
      );
    seen.add(thingId);
  };
  topology.clusters.forEach((cluster, ci) => {
    const thingId = `${datacenter}.${cluster.name}`;
    claim(thingId, `clusters[${ci}].name`);
    clusterIndex.set(cluster.name, ci);
    clusters.push({ thingId, name: cluster.name, groups: [], hosts: [] });
  });
  topology.groups.forEach((group, g) => {
    const ci = clusterIndex.get(group.cluster)!;
    const cluster = clusters[ci]!;
    (cluster.groups as number[]).push(g);
    for (let n = 1; n <= group.count; n++) {
      const thingId = `${cluster.thingId}.${group.name}-${n}`;
      claim(thingId, `clusters[${ci}].hosts (${group.name})`);
      (cluster.hosts as number[]).push(group.firstHost + n - 1);
      hosts.push({ thingId, cluster: ci, group: g });
    }
  });
  return { datacenter, clusters, hosts };
}

/** A power model as twin JSON. */
export function modelJson(model: PowerModel): JsonObject {
  return { ...model } as unknown as JsonObject;
}

/** The bodies of the twins of `layout` (attributes from the topology), parents before children. */
export function twinBodies(
  id: string,
  topology: Topology,
  layout: DatacenterLayout,
): { thingId: string; body: JsonObject; partOf: string | null }[] {
  const bodies: { thingId: string; body: JsonObject; partOf: string | null }[] = [
    {
      thingId: layout.datacenter,
      partOf: null,
      body: {
        definition: DEFINITIONS.datacenter,
        attributes: {
          datacenter: id,
          clusters: topology.clusters.length,
          hosts: topology.hostCount,
          cores: topology.groups.reduce((sum, g) => sum + g.count * g.coreCount, 0),
        },
      },
    },
  ];
  for (const cluster of layout.clusters) {
    bodies.push({
      thingId: cluster.thingId,
      partOf: layout.datacenter,
      body: {
        definition: DEFINITIONS.cluster,
        attributes: {
          datacenter: id,
          cluster: cluster.name,
          hosts: cluster.hosts.length,
          cores: cluster.groups.reduce((sum, g) => {
            const group = topology.groups[g]!;
            return sum + group.count * group.coreCount;
          }, 0),
        },
      },
    });
  }
  layout.hosts.forEach((host, h) => {
    const group = topology.groups[host.group]!;
    bodies.push({
      thingId: host.thingId,
      partOf: layout.clusters[host.cluster]!.thingId,
      body: {
        definition: DEFINITIONS.host,
        attributes: {
          datacenter: id,
          cluster: group.cluster,
          hostGroup: group.name,
          host: h,
          cores: group.coreCount,
          coreSpeedMHz: group.coreSpeed,
          memorySize: group.memorySize,
          powerModel: modelJson(group.powerModel),
        },
      },
    });
  });
  return bodies;
}

/**
 * Each host's mean utilisation over export intervals: from the simulation's `hostUtilisation` when
 * it has them, else each host at its group's mean (from the utilisation masses).
 */
export class HostUtilisation {
  private readonly hostCount: number;
  private readonly groupOf: Int32Array;
  /** Per group, per interval: the mean utilisation (fallback only). */
  private readonly groupMeans: Float64Array[] | null;
  readonly intervals: number;

  constructor(
    private readonly simulation: SimulationResult,
    topology: Topology,
  ) {
    this.hostCount = topology.hostCount;
    this.intervals = simulation.masses[0] ? simulation.masses[0].offsets.length - 1 : 0;
    this.groupOf = new Int32Array(topology.hostCount);
    topology.groups.forEach((g, gi) => this.groupOf.fill(gi, g.firstHost, g.firstHost + g.count));
    const own = simulation.hostUtilisation;
    if (own !== undefined && own.length === this.intervals * this.hostCount) {
      this.groupMeans = null;
      return;
    }
    this.groupMeans = topology.groups.map(() => new Float64Array(this.intervals));
    for (const mass of simulation.masses) {
      const means = this.groupMeans[mass.group]!;
      for (let k = 0; k < this.intervals; k++) {
        let busy = 0;
        let seconds = 0;
        for (let i = mass.offsets[k]!; i < mass.offsets[k + 1]!; i++) {
          busy += mass.utilisation[i]! * mass.hostSeconds[i]!;
          seconds += mass.hostSeconds[i]!;
        }
        means[k] = seconds > 0 ? busy / seconds : 0;
      }
    }
  }

  /** Host `h`'s mean utilisation in interval `k`. */
  at(k: number, h: number): number {
    if (this.groupMeans === null) return this.simulation.hostUtilisation![k * this.hostCount + h]!;
    return this.groupMeans[this.groupOf[h]!]![k]!;
  }

  /** Each host's mean over intervals `first … last - 1`. */
  mean(first: number, last: number): Float64Array {
    const out = new Float64Array(this.hostCount);
    const n = last - first;
    if (n <= 0) return out;
    for (let h = 0; h < this.hostCount; h++) {
      let sum = 0;
      for (let k = first; k < last; k++) sum += this.at(k, h);
      out[h] = sum / n;
    }
    return out;
  }
}

/** The mean power (W) of each cluster over intervals `first … last - 1` under `models` (per group). */
export function clusterPower(
  simulation: SimulationResult,
  layout: DatacenterLayout,
  models: readonly PowerModel[],
  first: number,
  last: number,
): number[] {
  const seconds = ((last - first) * simulation.exportIntervalMs) / 1000;
  const byGroup = new Map(simulation.masses.map((m) => [m.group, m]));
  return layout.clusters.map((cluster) => {
    if (seconds <= 0) return 0;
    let joules = 0;
    for (const g of cluster.groups) {
      const mass = byGroup.get(g);
      if (mass === undefined) continue;
      for (let k = first; k < last; k++) joules += intervalEnergy(mass, k, models[g]!);
    }
    return joules / seconds;
  });
}

/** W the whole topology draws with every host idle. */
export function idlePower(topology: Topology): number {
  return topology.groups.reduce((sum, g) => sum + g.count * powerAt(g.powerModel, 0), 0);
}
