// The replay worker thread: reads its twins' journaled events itself, in big pages, compiles the
// type from its document, runs the replay engine over them and posts progress and the comparison.
import { parentPort, workerData } from 'node:worker_threads';
import { openJournalPages } from '../../store/open-journal-pages.js';
import { runReplayJob } from './replay-run.js';
import type { ReplayJob, ReplayMessage } from './replay-job.js';

const port = parentPort;
if (port === null) throw new Error('replay-worker runs as a worker thread');
const post = (message: ReplayMessage) => port.postMessage(message);
const job = workerData as ReplayJob;

// No top-level await: under tsx (tests) the worker is loaded as CommonJS.
async function main(): Promise<void> {
  const pages = await openJournalPages(job.journal);
  try {
    await runReplayJob(job, pages, post);
  } finally {
    await pages.close();
  }
}

main().catch((error: unknown) => {
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
});
