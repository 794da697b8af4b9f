// OpenDC's default placement (`Mem`) of a workload's tasks on a topology's hosts: which host runs
// each task, from when to when. Only task start and end times matter here, never CPU usage.
import type { Topology, Workload } from './model.js';

export interface Schedule {
  /** Host of each task, -1 when it never ran. */
  readonly host: Int32Array;
  /** Epoch ms each task started and ended (NaN when it never ran). */
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** Tasks that ran, in the order they started. */
  readonly started: Int32Array;
  readonly skipped: readonly { readonly taskId: string; readonly reason: string }[];
}

/** A binary min-heap of task ends: (time, task), ties by insertion. */
class EndHeap {
  private time: number[] = [];
  private task: number[] = [];

  get size() {
    return this.time.length;
  }
  peekTime() {
    return this.time[0]!;
  }
  push(time: number, task: number) {
    const t = this.time;
    const k = this.task;
    let i = t.length;
    t.push(time);
    k.push(task);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= time) break;
      t[i] = t[p]!;
      k[i] = k[p]!;
      i = p;
    }
    t[i] = time;
    k[i] = task;
  }
  pop(): number {
    const t = this.time;
    const k = this.task;
    const top = k[0]!;
    const lastT = t.pop()!;
    const lastK = k.pop()!;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && t[c + 1]! < t[c]!) c++;
        if (t[c]! >= lastT) break;
        t[i] = t[c]!;
        k[i] = k[c]!;
        i = c;
      }
      t[i] = lastT;
      k[i] = lastK;
    }
    return top;
  }
}

/**
 * Places the tasks as OpenDC's `Mem` scheduler does. Tasks are queued in order of submission
 * (ties in file order); at each instant, first the tasks that end free their hosts, then the
 * submitted tasks join the queue, then the queue is served from its head: a host fits when its
 * free cores ≥ `cpu_count` and its free memory ≥ `mem_capacity` (KB, as MB against the host's
 * MiB, as OpenDC compares them); of those the one with the most
 * free memory wins (ties: the lowest host). If the head fits no host now, the whole queue waits
 * (first in, first out). A task runs for the sum of its fragments' durations. Tasks without
 * fragments, or needing more cores or memory than any host has, are skipped with the reason.
 * A task with `parents` (a workflow) joins the queue only once they have all ended; if they never
 * all do (one was skipped), it is skipped too.
 */
export function schedule(topology: Topology, workload: Workload): Schedule {
  const taskCount = workload.taskIds.length;
  const hosts = topology.hostCount;
  const freeCores = new Int32Array(hosts);
  const freeMem = new Float64Array(hosts);
  let maxCores = 0;
  let maxMem = 0;
  for (const g of topology.groups) {
    freeCores.fill(g.coreCount, g.firstHost, g.firstHost + g.count);
    freeMem.fill(g.memorySize, g.firstHost, g.firstHost + g.count);
    maxCores = Math.max(maxCores, g.coreCount);
    maxMem = Math.max(maxMem, g.memorySize);
  }

  const { submissionTime, cpuCount, fragmentStart, fragmentDuration } = workload;
  // OpenDC reads `mem_capacity` as KB and keeps MB (rounded), against the host's memory in MiB.
  const memCapacity = workload.memCapacity.map((kb) => Math.round(kb / 1000));
  const order = Array.from({ length: taskCount }, (_, i) => i).sort(
    (a, b) => submissionTime[a]! - submissionTime[b]! || a - b,
  );
  const host = new Int32Array(taskCount).fill(-1);
  const start = new Float64Array(taskCount).fill(NaN);
  const end = new Float64Array(taskCount).fill(NaN);
  const started: number[] = [];
  const skipped: { taskId: string; reason: string }[] = [];

  const queue: number[] = [];
  let head = 0;
  // Workflows: how many parents each task still waits for, and each task's children.
  const parents = workload.parents;
  const waitingFor = new Int32Array(taskCount);
  const children: number[][] = [];
  const held = new Uint8Array(taskCount);
  if (parents !== undefined)
    parents.forEach((ps, child) => {
      for (const p of new Set(ps)) {
        waitingFor[child]!++;
        (children[p] ??= []).push(child);
      }
    });
  const ends = new EndHeap();
  let next = 0;
  while (next < taskCount || ends.size > 0) {
    const t = Math.min(
      next < taskCount ? submissionTime[order[next]!]! : Infinity,
      ends.size > 0 ? ends.peekTime() : Infinity,
    );
    while (ends.size > 0 && ends.peekTime() <= t) {
      const done = ends.pop();
      freeCores[host[done]!]! += cpuCount[done]!;
      freeMem[host[done]!]! += memCapacity[done]!;
      for (const child of children[done] ?? [])
        if (--waitingFor[child]! === 0 && held[child] === 1) {
          held[child] = 0;
          queue.push(child);
        }
    }
    while (next < taskCount && submissionTime[order[next]!]! <= t) {
      const task = order[next++]!;
      if (fragmentStart[task + 1] === fragmentStart[task])
        skipped.push({ taskId: workload.taskIds[task]!, reason: 'the task has no fragments' });
      else if (cpuCount[task]! > maxCores)
        skipped.push({
          taskId: workload.taskIds[task]!,
          reason: `needs ${cpuCount[task]} cores; no host has more than ${maxCores}`,
        });
      else if (memCapacity[task]! > maxMem)
        skipped.push({
          taskId: workload.taskIds[task]!,
          reason: `needs ${memCapacity[task]} MB of memory; no host has more than ${maxMem} MiB`,
        });
      else if (waitingFor[task]! > 0) held[task] = 1;
      else queue.push(task);
    }
    while (head < queue.length) {
      const task = queue[head]!;
      const cores = cpuCount[task]!;
      const mem = memCapacity[task]!;
      let best = -1;
      let bestMem = -Infinity;
      for (let h = 0; h < hosts; h++) {
        const m = freeMem[h]!;
        if (freeCores[h]! >= cores && m >= mem && m > bestMem) {
          best = h;
          bestMem = m;
        }
      }
      if (best < 0) break;
      head++;
      let duration = 0;
      for (let f = fragmentStart[task]!; f < fragmentStart[task + 1]!; f++)
        duration += fragmentDuration[f]!;
      host[task] = best;
      start[task] = t;
      end[task] = t + duration;
      freeCores[best]! -= cores;
      freeMem[best]! -= mem;
      started.push(task);
      ends.push(t + duration, task);
    }
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  }
  for (let i = head; i < queue.length; i++)
    skipped.push({ taskId: workload.taskIds[queue[i]!]!, reason: 'never fitted a host' });
  for (let task = 0; task < taskCount; task++)
    if (held[task] === 1)
      skipped.push({ taskId: workload.taskIds[task]!, reason: 'its parents never all ran' });
  return { host, start, end, started: Int32Array.from(started), skipped };
}
