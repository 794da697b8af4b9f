// The replay worker thread: reads its twins' journaled events itself, in big pages, compiles the
// type from its document, runs the replay engine over them and posts progress and the comparison.
// Unless the job says otherwise it runs at the lowest CPU priority, so that live work comes first.
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openJournalPages } from '../../store/open-journal-pages.js';
import { runReplayJob } from './replay-run.js';
import type { ReplayJob, ReplayMessage } from './replay-job.js';

const port = parentPort;
if (port === null) throw new Error('replay-worker runs as a worker thread');
const post = (message: ReplayMessage) => port.postMessage(message);
const job = workerData as ReplayJob;

/**
 * Lowers this thread's own CPU priority (Linux: the nice value of the thread, found from
 * /proc/thread-self; the process's other threads keep theirs). Elsewhere, or when refused, the
 * thread keeps its priority.
 */
function yieldToLiveWork(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid)
      setPriority(tid, constants.priority.PRIORITY_LOW);
  } catch {
    // Not Linux, or not allowed: the replay runs at the priority it has.
  }
}

// No top-level await: under tsx (tests) the worker is loaded as CommonJS.
async function main(): Promise<void> {
  if (job.priority !== 'normal') yieldToLiveWork();
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
