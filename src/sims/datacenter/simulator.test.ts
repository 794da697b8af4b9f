// The simulator's known answers: OpenDC's own test case, scheduling (FIFO, fits, most free
// memory), idle hosts, utilisation capped at 1, export window boundaries and the utilisation mass.
import { describe, expect, it } from 'vitest';
import type { PowerModel, Topology, Workload } from './model.js';
import { powerAt } from './power-models.js';
import { schedule } from './schedule.js';
import { simulate } from './simulator.js';
import { parseTopology } from './topology.js';

interface TaskSpec {
  id?: string;
  submit?: number;
  cores?: number;
  /** KB, as `mem_capacity` (the hosts here have MiB). */
  mem?: number;
  /** [duration ms, cpu usage MHz] */
  fragments: [number, number][];
  /** Indices of the tasks this one waits for. */
  parents?: number[];
}

function workloadOf(tasks: TaskSpec[]): Workload {
  const fragmentStart = [0];
  const duration: number[] = [];
  const usage: number[] = [];
  for (const t of tasks) {
    for (const [d, u] of t.fragments) {
      duration.push(d);
      usage.push(u);
    }
    fragmentStart.push(duration.length);
  }
  return {
    taskIds: tasks.map((t, i) => t.id ?? `t${i}`),
    submissionTime: Float64Array.from(tasks.map((t) => t.submit ?? 0)),
    cpuCount: Int32Array.from(tasks.map((t) => t.cores ?? 1)),
    cpuCapacity: Float64Array.from(tasks.map(() => 0)),
    memCapacity: Float64Array.from(tasks.map((t) => t.mem ?? 0)),
    fragmentStart: Int32Array.from(fragmentStart),
    fragmentDuration: Float64Array.from(duration),
    fragmentCpuUsage: Float64Array.from(usage),
    ...(tasks.some((t) => t.parents) ? { parents: tasks.map((t) => t.parents ?? []) } : {}),
  };
}

function topologyOf(
  hosts: { count?: number; cores: number; speed: number; memory?: number; model?: PowerModel }[],
): Topology {
  return parseTopology(
    {
      clusters: [
        {
          name: 'C',
          hosts: hosts.map((h, i) => {
            const m = h.model ?? { kind: 'linear', idlePower: 100, maxPower: 200 };
            const { kind, ...rest } = m;
            return {
              name: `H${i}`,
              count: h.count ?? 1,
              cpu: { coreCount: h.cores, coreSpeed: h.speed },
              memory: { memorySize: h.memory ?? 1000 },
              cpuPowerModel: { modelType: kind, ...rest },
            };
          }),
        },
      ],
    },
    'test.json',
  );
}

const MIN = 60_000;

describe('simulate', () => {
  it("OpenDC's known answer: 1 core at 2000 MHz, linear 100–200 W, 10 min at 1000 MHz → 150 W, 90,000 J", () => {
    const topology = topologyOf([{ cores: 1, speed: 2000 }]);
    const workload = workloadOf([{ fragments: [[10 * MIN, 1000]] }]);
    const result = simulate(topology, workload, { exportIntervalMs: 10 * MIN });
    expect(result.exports).toEqual([{ timestamp: 10 * MIN, powerDraw: 150, energyUsage: 90_000 }]);
    // The same at OpenDC's 150 s exports: four of 22,500 J at 150 W.
    const fine = simulate(topology, workload);
    expect(fine.exports.map((e) => [e.timestamp, e.powerDraw, e.energyUsage])).toEqual([
      [150_000, 150, 22_500],
      [300_000, 150, 22_500],
      [450_000, 150, 22_500],
      [600_000, 150, 22_500],
    ]);
  });

  it('runs fragments one after another for the sum of their durations, ignoring nothing', () => {
    const topology = topologyOf([{ cores: 1, speed: 2000 }]);
    const workload = workloadOf([
      {
        fragments: [
          [MIN, 2000],
          [2 * MIN, 0],
          [MIN, 500],
        ],
      },
    ]);
    const result = simulate(topology, workload, { exportIntervalMs: MIN });
    expect(result.exports.map((e) => e.powerDraw)).toEqual([200, 100, 100, 125]);
    expect(result.exports.map((e) => e.energyUsage)).toEqual([12_000, 6_000, 6_000, 7_500]);
  });

  it('an export shows the draw of the stretch that ends at its stamp, and splits energy exactly', () => {
    // Busy from 90 s to 240 s at full speed; exports every 60 s.
    const topology = topologyOf([{ cores: 1, speed: 1000 }]);
    const workload = workloadOf([
      { submit: 0, fragments: [[1, 0]] },
      { submit: 90_000, fragments: [[150_000, 1000]] },
    ]);
    const result = simulate(topology, workload, { exportIntervalMs: 60_000 });
    expect(result.exports.map((e) => e.timestamp)).toEqual([60_000, 120_000, 180_000, 240_000]);
    // At 240 s the task ends: the export at 240 s still shows it.
    expect(result.exports.map((e) => e.powerDraw)).toEqual([100, 200, 200, 200]);
    // 0–60: idle; 60–120: 30 s idle + 30 s full; then full, full.
    expect(result.exports.map((e) => e.energyUsage)).toEqual([6_000, 9_000, 12_000, 12_000]);
  });

  it('a task starting at an export stamp is not yet in that export', () => {
    const topology = topologyOf([{ cores: 1, speed: 1000 }]);
    const workload = workloadOf([
      { submit: 0, fragments: [[1, 0]] },
      { submit: 60_000, fragments: [[60_000, 1000]] },
    ]);
    const result = simulate(topology, workload, { exportIntervalMs: 60_000 });
    expect(result.exports.map((e) => [e.powerDraw, e.energyUsage])).toEqual([
      [100, 6_000],
      [200, 12_000],
    ]);
  });

  it('idle hosts draw P(0); utilisation is Σ usage / (cores × speed), capped at 1', () => {
    const topology = topologyOf([
      { count: 3, cores: 4, speed: 1000, model: { kind: 'square', idlePower: 10, maxPower: 110 } },
    ]);
    const workload = workloadOf([
      { cores: 2, fragments: [[MIN, 2000]] },
      { cores: 4, fragments: [[MIN, 9000]] },
    ]);
    const result = simulate(topology, workload, { exportIntervalMs: MIN });
    // One host at ½ (10 + 100·¼), one at 1 (capped), one idle.
    expect(result.exports[0]!.powerDraw).toBe(35 + 110 + 10);
  });

  it('the utilisation mass holds every host second and gives each interval its energy', () => {
    const model: PowerModel = {
      kind: 'asymptotic',
      idlePower: 32,
      maxPower: 180,
      asymUtil: 0.3,
      dvfs: false,
    };
    const topology = topologyOf([{ count: 4, cores: 2, speed: 1000, model }]);
    const workload = workloadOf([
      {
        cores: 1,
        submit: 0,
        fragments: [
          [70_000, 300],
          [20_000, 1500],
        ],
      },
      { cores: 2, submit: 10_000, fragments: [[45_000, 2000]] },
      { cores: 1, submit: 20_000, fragments: [[100_000, 700]] },
    ]);
    const result = simulate(topology, workload, { exportIntervalMs: 30_000 });
    expect(result.masses).toHaveLength(1);
    const mass = result.masses[0]!;
    expect(mass.offsets.length).toBe(result.exports.length + 1);
    result.exports.forEach((e, k) => {
      let seconds = 0;
      let joules = 0;
      for (let i = mass.offsets[k]!; i < mass.offsets[k + 1]!; i++) {
        seconds += mass.hostSeconds[i]!;
        joules += powerAt(model, mass.utilisation[i]!) * mass.hostSeconds[i]!;
      }
      expect(seconds).toBeCloseTo(4 * 30, 9);
      expect(joules).toBeCloseTo(e.energyUsage, 6);
    });
  });

  it('each group has its own mass, and the groups together give the energy', () => {
    const a: PowerModel = { kind: 'linear', idlePower: 100, maxPower: 200 };
    const b: PowerModel = { kind: 'cubic', idlePower: 50, maxPower: 250 };
    const topology = topologyOf([
      { count: 1, cores: 1, speed: 1000, memory: 100, model: a },
      { count: 2, cores: 4, speed: 1000, memory: 1000, model: b },
    ]);
    const workload = workloadOf([
      { cores: 4, fragments: [[50_000, 2000]] },
      { cores: 1, submit: 5_000, fragments: [[40_000, 800]] },
      { cores: 1, submit: 5_000, fragments: [[10_000, 3000]] },
    ]);
    const result = simulate(topology, workload, { exportIntervalMs: 20_000 });
    expect(result.masses.map((m) => m.group)).toEqual([0, 1]);
    result.exports.forEach((e, k) => {
      let joules = 0;
      result.masses.forEach((m, gi) => {
        let seconds = 0;
        for (let i = m.offsets[k]!; i < m.offsets[k + 1]!; i++) {
          seconds += m.hostSeconds[i]!;
          joules += powerAt(gi === 0 ? a : b, m.utilisation[i]!) * m.hostSeconds[i]!;
        }
        expect(seconds).toBeCloseTo((gi === 0 ? 1 : 2) * 20, 9);
      });
      expect(joules).toBeCloseTo(e.energyUsage, 6);
    });
    // The 4-core task takes host 1 (most free memory, first); the two small ones host 2, which
    // has more free memory than host 0. 0–20 s: host 0 idle; host 1 at ½; host 2 idle for 5 s,
    // at (800 + 3000)/4000 for 10 s, then at 800/4000 for 5 s.
    expect(result.exports[0]!.energyUsage).toBeCloseTo(
      20 * 100 +
        20 * (50 + 200 / 8) +
        5 * 50 +
        10 * (50 + 200 * 0.95 ** 3) +
        5 * (50 + 200 * 0.2 ** 3),
      6,
    );
  });

  it("carries each host's mean utilisation per interval", () => {
    const topology = topologyOf([{ count: 2, cores: 2, speed: 1000 }]);
    const workload = workloadOf([
      {
        cores: 2,
        fragments: [
          [30_000, 2000],
          [30_000, 500],
        ],
      },
      { cores: 1, submit: 15_000, fragments: [[30_000, 1000]] },
    ]);
    const result = simulate(topology, workload, { exportIntervalMs: 30_000 });
    // Host 0: 1 then ¼. Host 1 (the second task): ½ for 15 of 30 s, then ½ for 15 s.
    expect(Array.from(result.hostUtilisation!)).toEqual([1, 0.25, 0.25, 0.25]);
  });
});

describe('schedule', () => {
  it('the host with the most free memory wins; ties go to the first host', () => {
    const topology = topologyOf([
      { cores: 8, speed: 1000, memory: 100 },
      { cores: 8, speed: 1000, memory: 300 },
      { cores: 8, speed: 1000, memory: 300 },
    ]);
    const s = schedule(
      topology,
      workloadOf([
        { mem: 50_000, fragments: [[MIN, 1]] },
        { mem: 50_000, fragments: [[MIN, 1]] },
        { mem: 50_000, fragments: [[MIN, 1]] },
      ]),
    );
    // 300/300/100 → host 1; then 250 vs 300 → host 2; then 250/250 → host 1.
    expect(Array.from(s.host)).toEqual([1, 2, 1]);
  });

  it('hosts need free cores ≥ cpu_count and free memory ≥ mem_capacity', () => {
    const topology = topologyOf([
      { cores: 2, speed: 1000, memory: 1000 },
      { cores: 8, speed: 1000, memory: 100 },
    ]);
    const s = schedule(
      topology,
      workloadOf([
        { cores: 4, mem: 50_000, fragments: [[MIN, 1]] },
        { cores: 1, mem: 500_000, fragments: [[MIN, 1]] },
      ]),
    );
    expect(Array.from(s.host)).toEqual([1, 0]);
  });

  it('a task that fits no host is skipped with the reason; so is a task without fragments', () => {
    const topology = topologyOf([{ cores: 16, speed: 1000, memory: 1000 }]);
    const workload = workloadOf([
      { id: 'big', cores: 32, fragments: [[MIN, 1]] },
      { id: 'fat', cores: 1, mem: 5_000_000, fragments: [[MIN, 1]] },
      { id: 'empty', cores: 1, fragments: [] },
      { id: 'ok', cores: 16, fragments: [[MIN, 1]] },
    ]);
    const result = simulate(topology, workload);
    expect(result.skipped).toEqual([
      { taskId: 'big', reason: 'needs 32 cores; no host has more than 16' },
      { taskId: 'fat', reason: 'needs 5000 MB of memory; no host has more than 1000 MiB' },
      { taskId: 'empty', reason: 'the task has no fragments' },
    ]);
    expect(schedule(topology, workload).host[3]).toBe(0);
  });

  it('a FIFO head that does not fit blocks the queue, even for tasks that would fit', () => {
    const topology = topologyOf([{ cores: 4, speed: 1000, memory: 1000 }]);
    const s = schedule(
      topology,
      workloadOf([
        { id: 'a', submit: 0, cores: 3, fragments: [[10 * MIN, 1]] },
        { id: 'head', submit: 1, cores: 2, fragments: [[MIN, 1]] },
        { id: 'small', submit: 2, cores: 1, fragments: [[MIN, 1]] },
      ]),
    );
    // 'small' would fit beside 'a' but waits behind 'head' until 'a' ends at 10 min.
    expect(Array.from(s.start)).toEqual([0, 10 * MIN, 10 * MIN]);
    expect(Array.from(s.end)).toEqual([10 * MIN, 11 * MIN, 11 * MIN]);
  });

  it('queues in order of submission, ties in file order, and a freed host is reused at once', () => {
    const topology = topologyOf([{ cores: 1, speed: 1000 }]);
    const s = schedule(
      topology,
      workloadOf([
        { id: 'late', submit: 5, fragments: [[MIN, 1]] },
        { id: 'first', submit: 0, fragments: [[MIN, 1]] },
        { id: 'second', submit: 0, fragments: [[MIN, 1]] },
      ]),
    );
    expect(Array.from(s.start)).toEqual([2 * MIN, 0, MIN]);
  });

  it('a workflow task is queued when its last parent ends; one whose parent never ran is skipped', () => {
    const topology = topologyOf([{ count: 4, cores: 1, speed: 1000 }]);
    const workload = workloadOf([
      { id: 'root', fragments: [[MIN, 1]] },
      { id: 'left', fragments: [[2 * MIN, 1]], parents: [0] },
      { id: 'right', fragments: [[MIN, 1]], parents: [0] },
      { id: 'join', fragments: [[MIN, 1]], parents: [1, 2] },
      { id: 'orphan', fragments: [[MIN, 1]], parents: [5] },
      { id: 'empty', fragments: [] },
    ]);
    const s = schedule(topology, workload);
    expect(Array.from(s.start).slice(0, 4)).toEqual([0, MIN, MIN, 3 * MIN]);
    expect(s.skipped).toEqual([
      { taskId: 'empty', reason: 'the task has no fragments' },
      { taskId: 'orphan', reason: 'its parents never all ran' },
    ]);
  });
});
