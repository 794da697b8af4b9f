// Reads an OpenDC workload directory (`tasks.parquet` + `fragments.parquet`) into the columnar
// `Workload`: column by column into typed arrays, fragments grouped by task in file order.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatacenterInputError } from './input-error.js';
import { column, numbers, openParquet, type OpenedFile } from './parquet-columns.js';
import type { Workload } from './model.js';

const TASK_COLUMNS = ['id', 'submission_time', 'cpu_count', 'cpu_capacity', 'mem_capacity'];
const FRAGMENT_COLUMNS = ['id', 'duration', 'cpu_usage'];

/** The id column: strings or integers, as given. */
async function ids(f: OpenedFile): Promise<ArrayLike<string | number>> {
  const chunks = await column(f, 'id');
  if (chunks.length === 1) return chunks[0] as ArrayLike<string | number>;
  const out: (string | number)[] = [];
  for (const data of chunks)
    for (let i = 0; i < data.length; i++) out.push((data as ArrayLike<string | number>)[i]!);
  return out;
}

/**
 * Reads the workload in `dir`: `tasks.parquet` (`id`, `submission_time` as TIMESTAMP or INT64 epoch
 * ms, `cpu_count`, `cpu_capacity`, `mem_capacity`) and `fragments.parquet` (`id` of the task,
 * `duration` ms, `cpu_usage` MHz), and a workflow's `parents` when `tasks.parquet` has them.
 * Fragments of ids no task has are not used, as in OpenDC.
 */
export async function readWorkload(dir: string): Promise<Workload> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DatacenterInputError(dir, '(directory)', 'no such workload directory');
  const [tasks, fragments] = await Promise.all([
    openParquet(join(dir, 'tasks.parquet'), TASK_COLUMNS),
    openParquet(join(dir, 'fragments.parquet'), FRAGMENT_COLUMNS),
  ]);
  const [taskIdColumn, submissionTime, cpuCountF, cpuCapacity, memCapacity] = await Promise.all([
    ids(tasks),
    numbers(tasks, 'submission_time'),
    numbers(tasks, 'cpu_count'),
    numbers(tasks, 'cpu_capacity'),
    numbers(tasks, 'mem_capacity'),
  ]);
  const taskCount = tasks.rows;
  if (taskCount === 0) throw new DatacenterInputError(tasks.name, '(rows)', 'has no tasks');
  nonNegative(tasks.name, 'cpu_count', cpuCountF, true);
  nonNegative(tasks.name, 'mem_capacity', memCapacity, false);
  const index = new Map<string | number, number>();
  const taskIds: string[] = new Array<string>(taskCount);
  for (let t = 0; t < taskCount; t++) {
    const id = taskIdColumn[t]!;
    if (index.has(id))
      throw new DatacenterInputError(tasks.name, `id[${t}]`, `duplicate task id ${id}`);
    index.set(id, t);
    taskIds[t] = String(id);
  }
  const cpuCount = Int32Array.from(cpuCountF);
  const parents = await parentsOf(tasks, index);

  const [fragmentIds, duration, usage] = await Promise.all([
    ids(fragments),
    numbers(fragments, 'duration'),
    numbers(fragments, 'cpu_usage'),
  ]);
  const n = fragments.rows;
  nonNegative(fragments.name, 'duration', duration, false);
  nonNegative(fragments.name, 'cpu_usage', usage, false);
  // Which task each fragment is of (-1: none), then a stable counting sort by task.
  const owner = new Int32Array(n);
  const counts = new Int32Array(taskCount + 1);
  let last: string | number | undefined;
  let lastTask = -1;
  for (let i = 0; i < n; i++) {
    const id = fragmentIds[i]!;
    if (id !== last) {
      last = id;
      lastTask = index.get(id) ?? -1;
    }
    owner[i] = lastTask;
    if (lastTask >= 0) counts[lastTask + 1]!++;
  }
  const fragmentStart = new Int32Array(taskCount + 1);
  for (let t = 0; t < taskCount; t++) fragmentStart[t + 1] = fragmentStart[t]! + counts[t + 1]!;
  const used = fragmentStart[taskCount]!;
  const fragmentDuration = new Float64Array(used);
  const fragmentCpuUsage = new Float64Array(used);
  const next = fragmentStart.slice(0, taskCount);
  for (let i = 0; i < n; i++) {
    const t = owner[i]!;
    if (t < 0) continue;
    const at = next[t]!++;
    fragmentDuration[at] = duration[i]!;
    fragmentCpuUsage[at] = usage[i]!;
  }
  return {
    taskIds,
    submissionTime,
    cpuCount,
    cpuCapacity,
    memCapacity,
    fragmentStart,
    fragmentDuration,
    fragmentCpuUsage,
    ...(parents === undefined ? {} : { parents }),
  };
}

/** Refuses a value that is not a finite number ≥ 0 (or not whole, when `whole`), naming its row. */
function nonNegative(file: string, name: string, values: Float64Array, whole: boolean) {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0) || v === Infinity || (whole && !Number.isInteger(v)))
      throw new DatacenterInputError(
        file,
        `${name}[${i}]`,
        `must be a ${whole ? 'whole number' : 'number'} ≥ 0, not ${v}`,
      );
  }
}

/** The `parents` list column of a workflow trace as task indices, when the file has one. */
async function parentsOf(
  tasks: OpenedFile,
  index: Map<string | number, number>,
): Promise<number[][] | undefined> {
  if (!tasks.metadata.schema.some((s) => s.name === 'parents')) return undefined;
  const out: number[][] = [];
  for (const data of await column(tasks, 'parents'))
    for (let i = 0; i < data.length; i++) {
      const list = (data as ArrayLike<unknown>)[i];
      const row = out.length;
      if (list !== null && list !== undefined && !Array.isArray(list))
        throw new DatacenterInputError(tasks.name, `parents[${row}]`, 'must be a list of task ids');
      out.push(
        ((list ?? []) as (string | number)[]).map((id) => {
          const at = index.get(id);
          if (at === undefined)
            throw new DatacenterInputError(tasks.name, `parents[${row}]`, `unknown task id ${id}`);
          return at;
        }),
      );
    }
  return out;
}
