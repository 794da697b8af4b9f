// Benchmark `replay`: a journal of N twins × M events of one observation each, replayed with a
// type of three derived values, one window and one assessment on a worker thread, beside the raw
// rate of reading the same journal rows (better-sqlite3 iterate of the same SELECTs) in the same run.
// The worker threads run the build in dist/ (which `npm run bench` makes first), as the server
// starts them; BENCH_SERVER=src runs them from the sources, each loading them through tsx.
import Database from 'better-sqlite3';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TwinEvent } from '../src/core/events.js';
import { runReplayJob } from '../src/runtime/replay/replay-run.js';
import type { ReplayJob } from '../src/runtime/replay/replay-job.js';
import * as replayThreadSources from '../src/runtime/replay/replay-thread.js';
import {
  journalPageSql,
  RECENT_SQL,
  SqliteJournalPages,
} from '../src/store/sqlite/sqlite-journal-pages.js';
import { SqliteJournal } from '../src/store/sqlite/sqlite-journal.js';
import type { BenchContext } from './harness/context.js';
import { REPO_ROOT, SERVER_FROM_DIST } from './harness/processes.js';
import { fmt, meets, note, printTable, ratio } from './harness/report.js';

const TWINS = Number(process.env.BENCH_REPLAY_TWINS ?? 1_000);
const EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000);
const BAR = 400_000;
const TYPE_ID = 'bench:replayed:1';
const START = Date.UTC(2026, 0, 1);

/** Three derived values, one window and one assessment over one observed value. */
const TYPE = {
  derived: {
    'features/power/properties/kw': 'features.power.properties.watts / 1000.0',
    'features/power/properties/amps': 'features.power.properties.watts / 230.0',
    'features/power/properties/high': 'features.power.properties.watts > 250.0',
  },
  windows: {
    'features/power/properties/avg5m': {
      of: 'features/power/properties/watts',
      op: 'avg',
      window: '5m',
    },
  },
  assessments: {
    overload: {
      when: 'features.power.properties.watts > 280.0',
      clear: 'features.power.properties.watts < 200.0',
      severity: 'warning',
    },
  },
};

const twinOf = (i: number) => `bench.replay:twin-${i}`;
const MAX = Number.MAX_SAFE_INTEGER;

/** Writes N twins × M events: a creation, then one observation of watts each (every second). */
async function seed(path: string): Promise<number> {
  const started = performance.now();
  const journal = new SqliteJournal({ path, durability: 'process' });
  let batch: TwinEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await journal.commit({ events: batch, dirty: [], snapshots: [] });
    batch = [];
  };
  for (let i = 0; i < TWINS; i++) {
    const thingId = twinOf(i);
    batch.push({
      thingId,
      revision: 1,
      timestamp: START,
      action: 'created',
      path: [],
      value: { thingId, definition: TYPE_ID, features: { power: { properties: { watts: 0 } } } },
    });
    for (let r = 2; r <= EVENTS; r++) {
      const t = START + r * 1000;
      batch.push({
        thingId,
        revision: r,
        timestamp: t,
        observedAt: t - 10,
        action: 'modified',
        path: ['features', 'power', 'properties', 'watts'],
        value: 150 + ((r * 37 + i * 11) % 170),
      });
    }
    if (batch.length >= 50_000) await flush();
  }
  await flush();
  await journal.close();
  // Opening it again moves the events into the keyed table, as a running journal does in bulk.
  await new SqliteJournal({ path, durability: 'process' }).close();
  return (performance.now() - started) / 1000;
}

/** Reads every twin's rows with the replay's own SELECT, as better-sqlite3 gives them. */
function rawRead(path: string): { rows: number; seconds: number; cpu: number } {
  const db = new Database(path, { readonly: true });
  // The keyed table by twin, and the recent events (none here: all were moved) in one pass.
  const page = db.prepare(journalPageSql()).raw();
  const recent = db.prepare(RECENT_SQL).raw();
  const started = performance.now();
  const cpu = process.cpuUsage();
  let rows = 0;
  for (const _row of recent.iterate()) rows++;
  for (let i = 0; i < TWINS; i++) for (const _row of page.iterate(twinOf(i), 0, MAX, MAX)) rows++;
  const seconds = (performance.now() - started) / 1000;
  const used = cpuSeconds(cpu);
  db.close();
  return { rows, seconds, cpu: used };
}

/** CPU seconds of this process (all its threads) since `from`. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(from);
  return (user + system) / 1e6;
}

export async function replayBenchmark(context: BenchContext): Promise<void> {
  const dir = await context.freshDir('replay');
  const path = join(dir, 'journal.db');
  const seeded = await seed(path);
  const total = TWINS * EVENTS;
  note(
    `seeded ${fmt(TWINS)} twins × ${fmt(EVENTS)} events = ${fmt(total)} in ${seeded.toFixed(1)} s`,
  );
  const job: ReplayJob = {
    journal: { kind: 'sqlite', path },
    typeId: TYPE_ID,
    typeDocument: TYPE,
    liveOutputs: {},
    twins: Array.from({ length: TWINS }, (_, i) => twinOf(i)),
    from: 0,
    to: Number.MAX_SAFE_INTEGER,
    keepFinal: false,
    // Throughput, not yielding to other work: on a machine shared with other load (this one) the
    // default low priority would measure the others. Alone on the machine both run the same.
    priority: 'normal',
  };
  // Warm the file cache and the code, then measure each once more.
  rawRead(path);
  const raw = rawRead(path);
  const inThreadPages = new SqliteJournalPages(path);
  let inThread = 0;
  let inThreadCpu = 0;
  await runReplayJob({ ...job, twins: job.twins.slice(0, 50) }, inThreadPages, () => {});
  {
    const started = performance.now();
    const cpu = process.cpuUsage();
    await runReplayJob(job, inThreadPages, () => {});
    inThread = (performance.now() - started) / 1000;
    inThreadCpu = cpuSeconds(cpu);
  }
  await inThreadPages.close();
  const { runReplayThread } = SERVER_FROM_DIST
    ? ((await import(
        pathToFileURL(join(REPO_ROOT, 'dist/runtime/replay/replay-thread.js')).href
      )) as typeof replayThreadSources)
    : replayThreadSources;
  const threaded = async (threads: number) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await runReplayThread(job, { counted: () => {}, progress: () => {} }, threads);
    return { ...result, wall: (performance.now() - started) / 1000, cpu: cpuSeconds(cpu), threads };
  };
  const workers = [await threaded(1), await threaded(2)];
  const rawRate = raw.rows / raw.seconds;
  const inThreadRate = total / inThread;
  const row = (label: string, rate: number, perCpu: number) => [
    label,
    fmt(rate),
    ratio(rate, rawRate),
    meets(rate >= BAR),
    fmt(perCpu),
  ];
  printTable(
    `Replay: ${fmt(TWINS)} twins × ${fmt(EVENTS)} observations, type of 3 derived, 1 window, 1 assessment`,
    ['measure', 'observations/s', 'of raw read', `≥ ${fmt(BAR)} /s`, 'per CPU-second'],
    [
      [
        'raw read (better-sqlite3 iterate, same SELECTs)',
        fmt(rawRate),
        '100 %',
        '—',
        fmt(raw.rows / raw.cpu),
      ],
      ...workers.map((w) =>
        row(
          `replay on ${w.threads} worker thread${w.threads > 1 ? 's' : ''}`,
          total / w.seconds,
          total / w.cpu,
        ),
      ),
      row('replay on this thread (same job)', inThreadRate, total / inThreadCpu),
    ],
  );
  note(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores at the end; per CPU-second: the process's ` +
      `CPU time (all threads; worker start and counting included), which others' load does not change; ` +
      `worker threads from ${SERVER_FROM_DIST ? 'dist/ (as the server runs them)' : 'src/ (tsx)'}`,
  );
  for (const w of workers) {
    note(
      `${w.threads} thread(s): ${w.comparison.events} events, ${w.comparison.alerts.replayed} alerts raised, ` +
        `${w.comparison.outputs.compared} outputs compared in ${w.seconds.toFixed(2)} s after counting ` +
        `(${fmt(total / w.wall)} /s counting and starting the threads included)`,
    );
  }
  if (JSON.stringify(workers[0].comparison) !== JSON.stringify(workers[1].comparison))
    throw new Error('the replay on 2 threads compared otherwise than on 1');
}
