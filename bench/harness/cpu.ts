// CPU time a process has used, per thread, from /proc (Linux): a figure that a busy shared machine
// disturbs far less than throughput, so before/after comparisons can be read on one.
import { readFile, readdir } from 'node:fs/promises';

/** CPU seconds (user + system) of each thread of a process, by thread id; empty without /proc. */
export async function threadCpu(pid: number): Promise<Map<string, number>> {
  const byTask = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return byTask;
  }
  for (const task of tasks) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${task}/stat`, 'utf8');
      // pid (comm) state … utime stime are fields 14 and 15; comm may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byTask.set(task, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The thread has ended.
    }
  }
  return byTask;
}

/** CPU a process used between two readings: its main thread, its busiest other thread, all. */
export interface CpuUse {
  main: number;
  busiestOther: number;
  total: number;
}

export function cpuBetween(
  pid: number,
  before: Map<string, number>,
  after: Map<string, number>,
): CpuUse {
  const use: CpuUse = { main: 0, busiestOther: 0, total: 0 };
  for (const [task, seconds] of after) {
    const used = seconds - (before.get(task) ?? 0);
    use.total += used;
    if (task === String(pid)) use.main = used;
    else use.busiestOther = Math.max(use.busiestOther, used);
  }
  return use;
}
