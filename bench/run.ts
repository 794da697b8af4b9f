// Entry of `npm run bench [-- name...]`: runs every benchmark, or the named ones, in one context.
import { BenchContext } from './harness/context.js';
import { killAllChildren, SERVER_FROM_DIST } from './harness/processes.js';
import { authBenchmark } from './auth.js';
import { behaviourBenchmark } from './behaviour.js';
import { churnBenchmark } from './churn.js';
import { evolveBenchmark } from './evolve.js';
import { dashboardBenchmark } from './dashboard.js';
import { datacenterBenchmark } from './datacenter.js';
import { forecastBenchmark } from './forecast.js';
import { ingestBenchmark } from './ingest.js';
import { liveBenchmark } from './live.js';
import { memoryBenchmark } from './memory.js';
import { messagingBenchmark } from './messaging.js';
import { mqttBenchmark } from './mqtt.js';
import { readBenchmark } from './read.js';
import { replayBenchmark } from './replay.js';
import { replayIngestBenchmark } from './replay-ingest.js';
import { rollupsBenchmark } from './rollups.js';
import { searchBenchmark } from './search.js';
import { seriesBenchmark } from './series.js';
import { streamsBenchmark } from './streams.js';
import { webhooksBenchmark } from './webhooks.js';
import { writeBenchmark } from './write.js';

const BENCHMARKS: Record<string, (context: BenchContext) => Promise<void>> = {
  write: writeBenchmark,
  read: readBenchmark,
  search: searchBenchmark,
  memory: memoryBenchmark,
  auth: authBenchmark,
  churn: churnBenchmark,
  ingest: ingestBenchmark,
  streams: streamsBenchmark,
  messaging: messagingBenchmark,
  webhooks: webhooksBenchmark,
  dashboard: dashboardBenchmark,
  mqtt: mqttBenchmark,
  live: liveBenchmark,
  series: seriesBenchmark,
  forecast: forecastBenchmark,
  behaviour: behaviourBenchmark,
  replay: replayBenchmark,
  'replay-ingest': replayIngestBenchmark,
  evolve: evolveBenchmark,
  rollups: rollupsBenchmark,
  datacenter: datacenterBenchmark,
};

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`,
  );
  process.exit(2);
}

const context = new BenchContext();
const abort = () => {
  killAllChildren();
  context.cleanup();
  process.exit(130);
};
process.on('SIGINT', abort);
process.on('SIGTERM', abort);

const started = performance.now();
console.log(
  `Twinfold benchmarks — node ${process.version}, ${process.platform}/${process.arch}, ` +
    `server from ${SERVER_FROM_DIST ? 'dist/ (as npm start runs it)' : 'src/ (tsx)'}, data under ${context.root}`,
);
let failed = false;
try {
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    const t0 = performance.now();
    console.log(`\n=== ${name} ===`);
    try {
      await BENCHMARKS[name](context);
    } catch (error) {
      failed = true;
      console.error(`benchmark ${name} failed:`, error);
      killAllChildren();
    }
    console.log(`  (${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
} finally {
  context.cleanup();
}
console.log(`\nall done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
