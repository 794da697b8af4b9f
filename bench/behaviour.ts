// Benchmark `behaviour`: the HTTP ingest of `ingest` (NDJSON, 1,000 messages a request, 10,000
// twins, three mapped values) into twins governed by a type of three derived values, one window
// and one assessment, beside the same ingest into the same twins without the type, in the same run.
import type { BenchContext } from './harness/context.js';
import { cpuBetween, threadCpu, type CpuUse } from './harness/cpu.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, printTable, ratio } from './harness/report.js';
import { BodySequence, drive, PER_REQUEST, SPEC, THINGS, type IngestRun } from './ingest.js';

const TYPE_ID = 'bench:rack:1';
const DURATION_S = 15;
const WARMUP_S = 3;

/** Three derived values, one window and one assessment over the spec's three values. */
export const BENCH_TYPE = {
  schema: {
    features: {
      power: { type: 'object', properties: { watts: { type: 'number', minimum: 0 } } },
    },
  },
  derived: {
    'features/power/properties/kw': 'features.power.properties.watts / 1000.0',
    'features/power/properties/state': 'features.power.properties.on ? "on" : "off"',
    'features/temperature/properties/fahrenheit':
      'features.temperature.properties.value * 1.8 + 32.0',
  },
  windows: {
    'features/power/properties/avg5m': {
      of: 'features/power/properties/watts',
      op: 'avg',
      window: '5m',
    },
  },
  assessments: {
    hot: {
      when: 'features.temperature.properties.value > 38.0',
      clear: 'features.temperature.properties.value < 35.0',
      severity: 'warning',
    },
  },
};

async function put(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: 'PUT',
    headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201)
    throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
}

/** The type whose assessment never fires (its threshold is above every value sent). */
const QUIET_TYPE = {
  ...BENCH_TYPE,
  assessments: {
    hot: { ...BENCH_TYPE.assessments.hot, when: 'features.temperature.properties.value > 99.0' },
  },
};

/** An ingest run and the server's CPU during it. */
interface MeasuredRun extends IngestRun {
  cpu: CpuUse;
  /** Server CPU (all threads) per observation, microseconds. */
  cpuUsPerObservation: number;
  /** Main-thread CPU per observation, microseconds. */
  mainUsPerObservation: number;
}

/** One server's ingest run, its twins naming the type, with the type defined or not. */
async function measure(context: BenchContext, type: object | null): Promise<MeasuredRun> {
  const data = await context.freshSeededDir(THINGS, false, TYPE_ID);
  const server = await startTwinfold({
    data,
    extraArgs: process.env.BENCH_SERIES ? ['--series', process.env.BENCH_SERIES] : [],
  });
  try {
    if (type !== null) await put(server.url, `/api/2/types/${TYPE_ID}`, type);
    await put(server.url, '/api/2/ingest/specs/bench', SPEC);
    const bodies = new BodySequence();
    // Every twin's first observation learns its latest times from its series: the warm-up
    // reaches each twin twice, however long that takes on a busy machine.
    await drive(server.url, bodies, WARMUP_S, (2 * THINGS) / PER_REQUEST);
    const before = await threadCpu(server.child.pid);
    const run = await drive(server.url, bodies, DURATION_S);
    const cpu = cpuBetween(server.child.pid, before, await threadCpu(server.child.pid));
    const observations = run.observationsPerSecond * DURATION_S;
    return {
      ...run,
      cpu,
      cpuUsPerObservation: (cpu.total * 1e6) / observations,
      mainUsPerObservation: (cpu.main * 1e6) / observations,
    };
  } finally {
    await server.child.stop();
  }
}

export async function behaviourBenchmark(context: BenchContext): Promise<void> {
  const bare = await measure(context, null);
  const typed = await measure(context, BENCH_TYPE);
  const quiet = await measure(context, QUIET_TYPE);
  const rows: [string, MeasuredRun][] = [
    [
      'twins of a type: 3 derived, 1 window (avg 5m), 1 assessment (raising or resolving on 1 in 10 observations)',
      typed,
    ],
    ['the same, its assessment never firing', quiet],
    ['the same twins without the type (reference)', bare],
  ];
  printTable(
    `behaviour: HTTP ingest, NDJSON ${fmt(PER_REQUEST)} messages/request x 3 values, ${fmt(THINGS)} twins, ${DURATION_S} s`,
    [
      'what',
      'observations/s',
      'vs untyped',
      'p50 request',
      'p99 request',
      'failed',
      'server CPU us/obs',
      'main thread us/obs',
      'untyped CPU / this CPU',
    ],
    rows.map(([what, run]) => [
      what,
      fmt(run.observationsPerSecond),
      ratio(run.observationsPerSecond, bare.observationsPerSecond),
      ms(run.p50),
      ms(run.p99),
      fmt(run.failed),
      run.cpuUsPerObservation.toFixed(1),
      run.mainUsPerObservation.toFixed(1),
      ratio(bare.cpuUsPerObservation, run.cpuUsPerObservation),
    ]),
  );
  note(
    'CPU per observation is what the server used while it ran (all threads, and its main thread): a busy shared machine moves it far less than throughput.',
  );
  for (const [name, run] of [
    ['alerting', typed],
    ['quiet', quiet],
  ] as const) {
    const kept = run.observationsPerSecond / bare.observationsPerSecond;
    note(
      `bar (${name}): a type keeps >= 70 % of ingest throughput: ${(kept * 100).toFixed(0)} % -> ${meets(kept >= 0.7 && run.failed === 0)}`,
    );
  }
}
