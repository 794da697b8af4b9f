// The datacenter twin's vocabulary: an OpenDC topology, an OpenDC workload, and what a simulation
// of one on the other yields. Pure data: readers fill these in, the simulator and the calibration
// read them, and nothing here knows of files, threads or HTTP.

/** A host's CPU power model, as OpenDC's topology JSON names them (`cpuPowerModel.modelType`). */
export type PowerModel =
  | { readonly kind: 'constant'; readonly power: number }
  | {
      readonly kind: 'linear' | 'square' | 'cubic' | 'sqrt';
      readonly idlePower: number;
      readonly maxPower: number;
    }
  | {
      readonly kind: 'mse';
      readonly idlePower: number;
      readonly maxPower: number;
      readonly calibrationFactor: number;
    }
  | {
      readonly kind: 'asymptotic';
      readonly idlePower: number;
      readonly maxPower: number;
      readonly asymUtil: number;
      readonly dvfs: boolean;
    };

/** One `hosts[]` entry of a cluster: `count` identical machines. */
export interface HostGroup {
  readonly cluster: string;
  readonly name: string;
  readonly count: number;
  readonly coreCount: number;
  /** MHz per core. */
  readonly coreSpeed: number;
  /** MiB, as OpenDC reads `memory.memorySize`; OpenDC compares it with a task's `mem_capacity`
   * / 1000 (its KB → MB), rounded. */
  readonly memorySize: number;
  readonly powerModel: PowerModel;
}

export interface Topology {
  readonly clusters: readonly { readonly name: string; readonly groups: readonly HostGroup[] }[];
  /** Every group of every cluster, in file order; host `i` of the datacenter is in the group whose
   * range of `firstHost … firstHost + count - 1` holds it. */
  readonly groups: readonly (HostGroup & { readonly firstHost: number })[];
  readonly hostCount: number;
}

/** An OpenDC workload, columnar: task `t` owns fragments `fragmentStart[t] … fragmentStart[t + 1] - 1`. */
export interface Workload {
  readonly taskIds: readonly string[];
  /** Epoch ms. */
  readonly submissionTime: Float64Array;
  readonly cpuCount: Int32Array;
  /** Total MHz the task asks for. */
  readonly cpuCapacity: Float64Array;
  readonly memCapacity: Float64Array;
  readonly fragmentStart: Int32Array;
  /** Per fragment, ms. */
  readonly fragmentDuration: Float64Array;
  /** Per fragment, total MHz. */
  readonly fragmentCpuUsage: Float64Array;
  /** Per task, the tasks (indices) that must end before it is queued: OpenDC's `parents`, when
   * the trace has them (a workflow). */
  readonly parents?: readonly (readonly number[])[];
}

/**
 * How busy the hosts of each group were in each export interval, exactly: for interval `k` of
 * group `g`, the pairs `(utilisation[i], hostSeconds[i])` for `i` in `offsets[k] … offsets[k+1]-1`
 * say that hosts of the group spent `hostSeconds[i]` seconds in all at utilisation
 * `utilisation[i]` (idle hosts included at 0). Any power model P gives the interval's energy as
 * Σ P(u)·s, without simulating again: this is what calibration and power-model what-ifs evaluate.
 */
export interface UtilisationMass {
  readonly group: number;
  readonly offsets: Int32Array;
  readonly utilisation: Float64Array;
  readonly hostSeconds: Float64Array;
}

/** One row of OpenDC's power export. */
export interface PowerExport {
  /** Epoch ms at the end of the interval (OpenDC stamps an export at the end of what it covers). */
  readonly timestamp: number;
  /** W, the instantaneous draw at `timestamp`, as OpenDC exports it: before that instant's changes
   * (a task ending at `timestamp` still counts, one starting at it not yet). */
  readonly powerDraw: number;
  /** J used in the interval. */
  readonly energyUsage: number;
  /** g CO2 emitted in the interval, when a carbon trace was given. */
  readonly carbonEmission?: number;
}

export interface SimulationResult {
  /** Epoch ms of the first export interval's start (the first task's submission). */
  readonly start: number;
  readonly exportIntervalMs: number;
  readonly exports: readonly PowerExport[];
  readonly masses: readonly UtilisationMass[];
  /**
   * Mean utilisation of host `h` (numbered as in `Topology`) over export interval `k`, at
   * `[k * hostCount + h]`: what a heat map of the hosts shows.
   */
  readonly hostUtilisation?: Float32Array;
  /** Tasks never run, with why (fits no host, has no fragments). */
  readonly skipped: readonly { readonly taskId: string; readonly reason: string }[];
}
