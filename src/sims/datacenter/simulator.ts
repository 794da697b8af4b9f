// The datacenter simulation: a workload scheduled on a topology as OpenDC does, each host's CPU
// utilisation as a step function of its tasks' fragments, and OpenDC's power exports from it.
import { DatacenterInputError } from './input-error.js';
import type {
  PowerExport,
  SimulationResult,
  Topology,
  UtilisationMass,
  Workload,
} from './model.js';
import { powerAt } from './power-models.js';
import { schedule } from './schedule.js';

/** OpenDC's usual export interval (OpenDT's too): 150 s. */
export const DEFAULT_EXPORT_INTERVAL_MS = 150_000;

export interface SimulateOptions {
  /** ms between exports; default 150 s. */
  readonly exportIntervalMs?: number;
}

/** `hostUtilisation` is left out above this many host × interval cells (64 MB of Float32). */
export const MAX_HOST_UTILISATION_CELLS = 16 * 1024 * 1024;

/** Growable columns of (group, interval, utilisation, host seconds). */
class MassRows {
  group = new Int32Array(1 << 16);
  interval = new Int32Array(1 << 16);
  u = new Float64Array(1 << 16);
  s = new Float64Array(1 << 16);
  length = 0;

  push(group: number, interval: number, u: number, s: number) {
    if (this.length === this.u.length) this.grow();
    const i = this.length++;
    this.group[i] = group;
    this.interval[i] = interval;
    this.u[i] = u;
    this.s[i] = s;
  }

  private grow() {
    const n = this.u.length * 2;
    const g = new Int32Array(n);
    g.set(this.group);
    this.group = g;
    const k = new Int32Array(n);
    k.set(this.interval);
    this.interval = k;
    const u = new Float64Array(n);
    u.set(this.u);
    this.u = u;
    const s = new Float64Array(n);
    s.set(this.s);
    this.s = s;
  }
}

/**
 * Simulates `workload` on `topology`. Time starts at the first task's submission; export `k`
 * (k = 0, 1, …) covers `[start + k·I, start + (k+1)·I)` and is stamped at its end, as OpenDC's
 * power-source export is. Its `powerDraw` is the draw just before the changes of that instant
 * (a task ending at the stamp still counts, one starting at it not yet), as OpenDC exports before
 * it applies them; its `energyUsage` is the exact integral of the piecewise-constant draw over
 * the interval. Exports run until the last task has ended. Idle hosts draw their model's P(0).
 * With the exports come each group's utilisation mass and (up to `MAX_HOST_UTILISATION_CELLS`)
 * each host's mean utilisation per interval.
 */
export function simulate(
  topology: Topology,
  workload: Workload,
  options: SimulateOptions = {},
): SimulationResult {
  const interval = options.exportIntervalMs ?? DEFAULT_EXPORT_INTERVAL_MS;
  if (!Number.isFinite(interval) || interval <= 0 || !Number.isInteger(interval))
    throw new DatacenterInputError(
      '(options)',
      'exportIntervalMs',
      `must be a positive whole number of ms, not ${interval}`,
    );
  const placed = schedule(topology, workload);
  const { started } = placed;

  let start = Infinity;
  for (let t = 0; t < workload.submissionTime.length; t++)
    start = Math.min(start, workload.submissionTime[t]!);
  let last = start;
  for (let i = 0; i < started.length; i++) last = Math.max(last, placed.end[started[i]!]!);
  if (!Number.isFinite(start)) start = last = 0;
  const intervals = Math.max(1, Math.ceil((last - start) / interval));

  const groups = topology.groups;
  const groupOf = new Int32Array(topology.hostCount);
  const idlePower = groups.map((g) => powerAt(g.powerModel, 0));
  const capacity = groups.map((g) => g.coreCount * g.coreSpeed);
  const power = new Float64Array(intervals);
  const energy = new Float64Array(intervals);
  const busySeconds = groups.map(() => new Float64Array(intervals));
  let basePower = 0;
  groups.forEach((g, gi) => {
    groupOf.fill(gi, g.firstHost, g.firstHost + g.count);
    basePower += g.count * idlePower[gi]!;
  });
  power.fill(basePower);
  energy.fill((basePower * interval) / 1000);
  const rows = new MassRows();
  const hostCount = topology.hostCount;
  const hostUtilisation =
    intervals * hostCount <= MAX_HOST_UTILISATION_CELLS
      ? new Float32Array(intervals * hostCount)
      : undefined;
  const intervalSeconds = interval / 1000;

  // A busy stretch [a, b) of host h at `usage` MHz: its energy, mass and export instants.
  const emit = (h: number, a: number, b: number, usage: number) => {
    const gi = groupOf[h]!;
    const cap = capacity[gi]!;
    const u = usage >= cap ? 1 : usage / cap;
    const extra = powerAt(groups[gi]!.powerModel, u) - idlePower[gi]!;
    const busy = busySeconds[gi]!;
    let k = Math.floor((a - start) / interval);
    for (; k < intervals; k++) {
      const from = start + k * interval;
      const to = from + interval;
      if (from >= b) break;
      const s = (Math.min(b, to) - Math.max(a, from)) / 1000;
      energy[k]! += extra * s;
      busy[k]! += s;
      rows.push(gi, k, u, s);
      if (hostUtilisation !== undefined)
        hostUtilisation[k * hostCount + h]! += (u * s) / intervalSeconds;
    }
    // The exports stamped in (a, b]: OpenDC exports before it applies the changes of the
    // instant, so an export shows the draw of the stretch that ends at it.
    for (let j = Math.max(0, Math.floor((a - start) / interval) - 1); j < intervals; j++) {
      const at = start + (j + 1) * interval;
      if (at > b) break;
      if (at > a) power[j]! += extra;
    }
  };

  sweepHosts(workload, placed, topology.hostCount, emit);

  const exports: PowerExport[] = new Array<PowerExport>(intervals);
  for (let k = 0; k < intervals; k++)
    exports[k] = {
      timestamp: start + (k + 1) * interval,
      powerDraw: power[k]!,
      energyUsage: energy[k]!,
    };
  return {
    start,
    exportIntervalMs: interval,
    exports,
    masses: massesOf(rows, groups, intervals, interval, busySeconds),
    ...(hostUtilisation === undefined ? {} : { hostUtilisation }),
    skipped: placed.skipped,
  };
}

/**
 * The masses of all groups in one pass over the rows: per group and interval, its idle host
 * seconds at 0 first (when there are any), then its busy rows in the order they were emitted.
 */
function massesOf(
  rows: MassRows,
  groups: readonly { readonly count: number }[],
  intervals: number,
  intervalMs: number,
  busySeconds: readonly Float64Array[],
): UtilisationMass[] {
  const slots = groups.length * intervals;
  // Rows per (group, interval) slot, the idle pair included, then where each slot starts.
  const start = new Int32Array(slots + 1);
  const idle = new Float64Array(slots);
  groups.forEach((g, gi) => {
    const hostSeconds = (g.count * intervalMs) / 1000;
    for (let k = 0; k < intervals; k++) {
      const rest = hostSeconds - busySeconds[gi]![k]!;
      if (rest > 1e-9) {
        idle[gi * intervals + k] = rest;
        start[gi * intervals + k + 1]!++;
      }
    }
  });
  for (let i = 0; i < rows.length; i++)
    start[rows.group[i]! * intervals + rows.interval[i]! + 1]!++;
  for (let slot = 0; slot < slots; slot++) start[slot + 1]! += start[slot]!;
  const utilisation = new Float64Array(start[slots]!);
  const seconds = new Float64Array(start[slots]!);
  const next = start.slice(0, slots);
  for (let slot = 0; slot < slots; slot++)
    if (idle[slot]! > 0) seconds[next[slot]!++] = idle[slot]!;
  for (let i = 0; i < rows.length; i++) {
    const at = next[rows.group[i]! * intervals + rows.interval[i]!]!++;
    utilisation[at] = rows.u[i]!;
    seconds[at] = rows.s[i]!;
  }
  return groups.map((_, gi) => {
    const from = start[gi * intervals]!;
    const to = start[(gi + 1) * intervals]!;
    const offsets = new Int32Array(intervals + 1);
    for (let k = 0; k <= intervals; k++) offsets[k] = start[gi * intervals + k]! - from;
    return {
      group: gi,
      offsets,
      utilisation: utilisation.slice(from, to),
      hostSeconds: seconds.slice(from, to),
    };
  });
}

/**
 * Walks each host's timeline and calls `emit(host, a, b, usage)` for every maximal stretch in
 * which the host's summed fragment demand is a constant `usage` > 0 MHz.
 */
function sweepHosts(
  workload: Workload,
  placed: ReturnType<typeof schedule>,
  hostCount: number,
  emit: (h: number, a: number, b: number, usage: number) => void,
) {
  const { fragmentStart, fragmentDuration, fragmentCpuUsage } = workload;
  // Tasks of each host, in start order (a counting sort of `started` by host).
  const perHost = new Int32Array(hostCount + 1);
  for (let i = 0; i < placed.started.length; i++) perHost[placed.host[placed.started[i]!]! + 1]!++;
  for (let h = 0; h < hostCount; h++) perHost[h + 1]! += perHost[h]!;
  const byHost = new Int32Array(placed.started.length);
  const fill = perHost.slice(0, hostCount);
  for (let i = 0; i < placed.started.length; i++) {
    const task = placed.started[i]!;
    byHost[fill[placed.host[task]!]!++] = task;
  }

  // Active tasks of the host being walked: current fragment and when it ends.
  const actTask: number[] = [];
  const actFrag: number[] = [];
  const actEnd: number[] = [];
  const enter = (task: number, at: number) => {
    let f = fragmentStart[task]!;
    const stop = fragmentStart[task + 1]!;
    while (f < stop && fragmentDuration[f]! <= 0) f++;
    if (f === stop) return;
    actTask.push(task);
    actFrag.push(f);
    actEnd.push(at + fragmentDuration[f]!);
  };

  for (let h = 0; h < hostCount; h++) {
    const first = perHost[h]!;
    const stop = perHost[h + 1]!;
    if (first === stop) continue;
    actTask.length = actFrag.length = actEnd.length = 0;
    let nextTask = first;
    let now = placed.start[byHost[first]!]!;
    let usage = 0;
    let runFrom = now;
    let runUsage = 0;
    for (;;) {
      // Start the tasks that start now, then sum the demand.
      while (nextTask < stop && placed.start[byHost[nextTask]!]! <= now)
        enter(byHost[nextTask++]!, now);
      usage = 0;
      for (let i = 0; i < actFrag.length; i++) usage += fragmentCpuUsage[actFrag[i]!]!;
      if (usage !== runUsage) {
        if (runUsage > 0 && now > runFrom) emit(h, runFrom, now, runUsage);
        runFrom = now;
        runUsage = usage;
      }
      let t = nextTask < stop ? placed.start[byHost[nextTask]!]! : Infinity;
      for (let i = 0; i < actEnd.length; i++) if (actEnd[i]! < t) t = actEnd[i]!;
      if (t === Infinity) break;
      now = t;
      // Advance the fragments that end now; drop tasks that have none left.
      for (let i = 0; i < actEnd.length;) {
        if (actEnd[i]! > now) {
          i++;
          continue;
        }
        const task = actTask[i]!;
        const end = fragmentStart[task + 1]!;
        let f = actFrag[i]! + 1;
        while (f < end && fragmentDuration[f]! <= 0) f++;
        if (f < end) {
          actFrag[i] = f;
          actEnd[i] = now + fragmentDuration[f]!;
          i++;
        } else {
          const lastI = actEnd.length - 1;
          actTask[i] = actTask[lastI]!;
          actFrag[i] = actFrag[lastI]!;
          actEnd[i] = actEnd[lastI]!;
          actTask.length = actFrag.length = actEnd.length = lastI;
        }
      }
    }
    if (runUsage > 0 && now > runFrom) emit(h, runFrom, now, runUsage);
  }
}
