// Benchmark `memory`: RSS of a server holding 1M twins and its time to ready, against a bare Map.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './harness/context.js';
import {
  AUTH_HEADERS,
  memoryOf,
  spawnNode,
  startTwinfold,
  type ProcessMemory,
} from './harness/processes.js';
import { fmt, meets, mib, ms, note, printTable, ratio } from './harness/report.js';

const TWINS = 1_000_000;
const SETTLE_MS = 5_000;

/** A figure from the server's JSON log line with this message, if logged. */
function logged(lines: string[], msg: string, field: string): number {
  for (const line of lines) {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === msg && typeof entry[field] === 'number') return entry[field] as number;
    } catch {
      // not a log line
    }
  }
  return Number.NaN;
}

async function heapUsed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: AUTH_HEADERS })).text();
  return Number(/^twinfold_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]);
}

export async function memoryBenchmark(context: BenchContext): Promise<void> {
  const data = await context.sharedSeededDir(TWINS);

  const reference = spawnNode('bench/children/raw-map.ts', [join(data, 'journal.db')]);
  let raw: { rows: number; readMs: number; totalMs: number; memory: ProcessMemory };
  try {
    while (reference.lines.length === 0) {
      if ((await Promise.race([reference.exited, sleep(20, 'running')])) !== 'running')
        throw new Error('the raw-map reference exited early');
    }
    const totalMs = performance.now() - reference.spawnedAt;
    const line = JSON.parse(reference.lines[0]) as { rows: number; readMs: number };
    await sleep(SETTLE_MS);
    raw = { ...line, totalMs, memory: await memoryOf(reference.pid) };
  } finally {
    await reference.stop();
  }

  const server = await startTwinfold({ data, logLevel: 'info' });
  let memory: ProcessMemory;
  let heap: number;
  let indexedMs: number;
  try {
    // Memory is read once the search index holds every twin (it is built after /ready).
    for (;;) {
      const ready = (await (await fetch(`${server.url}/ready`)).json()) as { searchIndex?: string };
      if (ready.searchIndex === 'ready') break;
      await sleep(50);
    }
    indexedMs = performance.now() - server.child.spawnedAt;
    await sleep(SETTLE_MS);
    memory = await memoryOf(server.child.pid);
    heap = await heapUsed(server.url);
  } finally {
    await server.child.stop();
  }
  const loadMs = logged(server.child.lines, 'state loaded', 'ms');

  printTable(
    `memory: ${fmt(TWINS)} twins of ~300 B JSON; RSS from /proc after a ${SETTLE_MS / 1000} s settle`,
    [
      'process',
      'RSS',
      'peak RSS',
      'vs Map',
      'start -> ready',
      'of which loading',
      'start -> search index built',
    ],
    [
      [
        'bare node: Map of JSON strings (reference)',
        mib(raw.memory.rss),
        mib(raw.memory.peak),
        '1.0×',
        ms(raw.totalMs),
        `${ms(raw.readMs)} (raw read)`,
        '—',
      ],
      [
        'Twinfold serve',
        mib(memory.rss),
        mib(memory.peak),
        ratio(memory.rss, raw.memory.rss, 'times'),
        ms(server.readyMs),
        ms(loadMs),
        ms(indexedMs),
      ],
    ],
  );
  note(`Twinfold V8 heap used after load: ${mib(heap)}; raw rows read: ${fmt(raw.rows)}`);
  note(
    `bar: RSS <= 1.5 GB -> ${meets(memory.rss <= 1.5e9)}; ready <= 10 s -> ${meets(server.readyMs <= 10_000)}`,
  );
}
