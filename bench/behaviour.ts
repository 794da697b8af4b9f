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

/** One server's ingest run, its twins naming the type, with or without the type defined. */
async function measure(context: BenchContext, typed: boolean): Promise<IngestRun> {
  const data = await context.freshSeededDir(THINGS, false, TYPE_ID);
  const server = await startTwinfold({ data });
  try {
    if (typed) await put(server.url, `/api/2/types/${TYPE_ID}`, BENCH_TYPE);
    await put(server.url, '/api/2/ingest/specs/bench', SPEC);
    const bodies = new BodySequence();
    await drive(server.url, bodies, WARMUP_S);
    return await drive(server.url, bodies, DURATION_S);
  } finally {
    await server.child.stop();
  }
}

export async function behaviourBenchmark(context: BenchContext): Promise<void> {
  const bare = await measure(context, false);
  const typed = await measure(context, true);
  printTable(
    `behaviour: HTTP ingest, NDJSON ${fmt(PER_REQUEST)} messages/request x 3 values, ${fmt(THINGS)} twins, ${DURATION_S} s`,
    ['what', 'observations/s', 'vs untyped', 'p50 request', 'p99 request', 'failed'],
    [
      [
        'twins of a type: 3 derived, 1 window (avg 5m), 1 assessment',
        fmt(typed.observationsPerSecond),
        ratio(typed.observationsPerSecond, bare.observationsPerSecond),
        ms(typed.p50),
        ms(typed.p99),
        fmt(typed.failed),
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
  const kept = typed.observationsPerSecond / bare.observationsPerSecond;
  note(
    `bar: a type keeps >= 70 % of ingest throughput: ${(kept * 100).toFixed(0)} % -> ${meets(kept >= 0.7 && typed.failed === 0)}`,
  );
}
