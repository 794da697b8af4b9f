// Benchmark `behaviour`: the HTTP ingest of `ingest` (NDJSON, 1,000 messages a request, 10,000
// twins, three mapped values) into twins governed by a type of three derived values, one window
// and one assessment, beside the same ingest into the same twins without the type, in the same run.
import type { BenchContext } from './harness/context.js';
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

/** One server's ingest run, its twins naming the type, with the type defined or not. */
async function measure(context: BenchContext, type: object | null): Promise<IngestRun> {
  const data = await context.freshSeededDir(THINGS, false, TYPE_ID);
  const server = await startTwinfold({
    data,
    extraArgs: process.env.BENCH_SERIES ? ['--series', process.env.BENCH_SERIES] : [],
  });
  try {
    if (type !== null) await put(server.url, `/api/2/types/${TYPE_ID}`, type);
    await put(server.url, '/api/2/ingest/specs/bench', SPEC);
    const bodies = new BodySequence();
    await drive(server.url, bodies, WARMUP_S);
    return await drive(server.url, bodies, DURATION_S);
  } finally {
    await server.child.stop();
  }
}

export async function behaviourBenchmark(context: BenchContext): Promise<void> {
  const bare = await measure(context, null);
  const typed = await measure(context, BENCH_TYPE);
  const quiet = await measure(context, QUIET_TYPE);
  printTable(
    `behaviour: HTTP ingest, NDJSON ${fmt(PER_REQUEST)} messages/request x 3 values, ${fmt(THINGS)} twins, ${DURATION_S} s`,
    ['what', 'observations/s', 'vs untyped', 'p50 request', 'p99 request', 'failed'],
    [
      [
        'twins of a type: 3 derived, 1 window (avg 5m), 1 assessment (raising or resolving on 1 in 10 observations)',
        fmt(typed.observationsPerSecond),
        ratio(typed.observationsPerSecond, bare.observationsPerSecond),
        ms(typed.p50),
        ms(typed.p99),
        fmt(typed.failed),
      ],
      [
        'the same, its assessment never firing',
        fmt(quiet.observationsPerSecond),
        ratio(quiet.observationsPerSecond, bare.observationsPerSecond),
        ms(quiet.p50),
        ms(quiet.p99),
        fmt(quiet.failed),
      ],
      [
        'the same twins without the type (reference)',
        fmt(bare.observationsPerSecond),
        ratio(bare.observationsPerSecond, bare.observationsPerSecond),
        ms(bare.p50),
        ms(bare.p99),
        fmt(bare.failed),
      ],
    ],
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
