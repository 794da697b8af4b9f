// Benchmark `replay-ingest`: the HTTP ingest of `behaviour` (twins of a type of three derived
// values, one window and one assessment) alone, then while replays of that type over the twins'
// journals run back to back on the server's worker threads, in alternating phases of the same run:
// issue 13's "replays do not slow live ingest by more than 20 %".
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, printTable, ratio } from './harness/report.js';
import { BENCH_TYPE } from './behaviour.js';
import { BodySequence, drive, SPEC, THINGS, type IngestRun } from './ingest.js';

const TYPE_ID = 'bench:rack:1';
const PHASE_S = Number(process.env.BENCH_REPLAY_INGEST_PHASE_S ?? 8);
const PHASES = 2;
const HISTORY_S = 10;

async function send(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

interface ReplayLoad {
  replays: number;
  events: number;
  /** Seconds the replays' threads spent after counting, summed. */
  seconds: number;
}

/** Starts replays one after the other until `until` (performance.now), each waited for. */
async function replaysUntil(url: string, until: number): Promise<ReplayLoad> {
  const load: ReplayLoad = { replays: 0, events: 0, seconds: 0 };
  while (performance.now() < until) {
    const started = await send(url, 'POST', '/api/2/replays', {
      type: TYPE_ID,
      filter: 'like(thingId,"bench:*")',
    });
    if (started.status !== 202)
      throw new Error(`POST /api/2/replays: ${started.status} ${await started.text()}`);
    const { replayId } = (await started.json()) as { replayId: string };
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const polled = await send(url, 'GET', `/api/2/replays/${replayId}`);
      const view = (await polled.json()) as {
        state: string;
        error?: string;
        seconds: number | null;
        progress: { eventsDone: number };
      };
      if (view.state === 'running') continue;
      if (view.state !== 'succeeded') throw new Error(`replay ${replayId}: ${view.error}`);
      load.replays++;
      load.events += view.progress.eventsDone;
      load.seconds += view.seconds ?? 0;
      break;
    }
  }
  return load;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function replayIngestBenchmark(context: BenchContext): Promise<void> {
  const data = await context.freshSeededDir(THINGS, false, TYPE_ID);
  const server = await startTwinfold({ data });
  try {
    const typed = await send(server.url, 'PUT', `/api/2/types/${TYPE_ID}`, BENCH_TYPE);
    if (typed.status !== 201) throw new Error(`PUT type: ${typed.status} ${await typed.text()}`);
    const spec = await send(server.url, 'PUT', '/api/2/ingest/specs/bench', SPEC);
    if (spec.status !== 201) throw new Error(`PUT spec: ${spec.status} ${await spec.text()}`);
    const bodies = new BodySequence();
    // History for the replays to read, then phases alone and with replays, alternating.
    const history = await drive(server.url, bodies, HISTORY_S);
    note(`history: ${fmt(history.observationsPerSecond * HISTORY_S)} observations ingested`);
    const alone: IngestRun[] = [];
    const loaded: IngestRun[] = [];
    const loads: ReplayLoad[] = [];
    for (let phase = 0; phase < PHASES; phase++) {
      alone.push(await drive(server.url, bodies, PHASE_S));
      const until = performance.now() + PHASE_S * 1000;
      const replaying = replaysUntil(server.url, until);
      loaded.push(await drive(server.url, bodies, PHASE_S));
      // The last replay may end after the phase: its load counts whole.
      loads.push(await replaying);
    }
    const rateAlone = median(alone.map((r) => r.observationsPerSecond));
    const rateLoaded = median(loaded.map((r) => r.observationsPerSecond));
    const replayed = loads.reduce((a, l) => a + l.events, 0);
    const replaySeconds = loads.reduce((a, l) => a + l.seconds, 0);
    const row = (label: string, runs: IngestRun[], rate: number) => [
      label,
      fmt(rate),
      ratio(rate, rateAlone),
      runs.map((r) => fmt(r.observationsPerSecond)).join(' / '),
      ms(median(runs.map((r) => r.p99))),
      fmt(runs.reduce((a, r) => a + r.failed, 0)),
    ];
    printTable(
      `replay-ingest: HTTP ingest into ${fmt(THINGS)} twins of a type, alone and with replays running, ${PHASES} × ${PHASE_S} s each`,
      ['what', 'observations/s (median)', 'vs alone', 'phases', 'p99 request', 'failed'],
      [
        row('ingest alone (reference)', alone, rateAlone),
        row('ingest while replays run back to back', loaded, rateLoaded),
      ],
    );
    note(
      `replays meanwhile: ${loads.reduce((a, l) => a + l.replays, 0)} of ${fmt(THINGS)} twins, ` +
        `${fmt(replayed)} events at ${fmt(replaySeconds > 0 ? replayed / replaySeconds : 0)} /s on their threads`,
    );
    const kept = rateLoaded / rateAlone;
    note(
      `bar: replays slow live ingest by at most 20 %: ingest keeps ${(kept * 100).toFixed(0)} % -> ${meets(kept >= 0.8)}`,
    );
  } finally {
    await server.child.stop();
  }
}
