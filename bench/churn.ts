// Benchmark `churn`: RSS over 1 million create/delete cycles of distinct twins. Deleted twins leave
// memory once their tombstone is checkpointed, so RSS stays flat; the reference is the RSS the same
// process had after the first 100,000 cycles (warm caches and pools), measured in the same run.
import type { BenchContext } from './harness/context.js';
import { spawnNode } from './harness/processes.js';
import { fmt, meets, mib, note, printTable, ratio } from './harness/report.js';

const CYCLES = 1_000_000;
const EVERY = 100_000;

interface Sample {
  cycles: number;
  rss: number;
  heapUsed: number;
  inMemory: number;
  seconds: number;
}

export async function churnBenchmark(context: BenchContext): Promise<void> {
  const dir = await context.freshDir('churn');
  const child = spawnNode(
    'bench/children/churn.ts',
    [dir, String(CYCLES), String(EVERY)],
    ['--expose-gc'],
  );
  const code = await child.exited;
  if (code !== 0) throw new Error(`the churn child exited with ${code}`);
  const samples = child.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Sample);
  const first = samples[0];
  const last = samples[samples.length - 1];
  printTable(
    `create + delete of ${fmt(CYCLES)} distinct twins (in-process runtime, SQLite journal)`,
    ['cycles', 'RSS', 'heap used', 'twins in memory', 'elapsed'],
    samples.map((s) => [
      fmt(s.cycles),
      mib(s.rss),
      mib(s.heapUsed),
      fmt(s.inMemory),
      `${fmt(s.seconds, 1)} s`,
    ]),
  );
  const growth = last.rss / first.rss;
  note(
    `RSS after ${fmt(last.cycles)} cycles is ${ratio(last.rss, first.rss)} of the RSS after ` +
      `${fmt(first.cycles)} (flat = within 110 %): ${meets(growth <= 1.1)}; ` +
      `${fmt((2 * last.cycles) / last.seconds)} writes/s`,
  );
}
