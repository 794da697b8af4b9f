// Starts a replay job on worker threads of its own (each replaying a disjoint run of its twins)
// and follows them: counts and progress as they come, then the comparison of all (or the reason
// one failed).
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../store/sqlite/worker-entry.js';
import type { FinalState, ReplayJob, ReplayMessage } from './replay-job.js';
import { addComparison, emptyComparison, type ReplayComparison } from './replay-comparison.js';

/** Worker threads a replay uses by default: two, or one on a single core. */
export const REPLAY_THREADS = Math.min(2, availableParallelism());

export interface ReplayThreadResult {
  comparison: ReplayComparison;
  finals: FinalState[];
  /** Seconds spent reading and replaying after counting (the slowest thread's). */
  seconds: number;
}

export interface ReplayThreadProgress {
  counted(events: number): void;
  progress(eventsDone: number): void;
}

/**
 * Runs `job` on `threads` new worker threads (fewer when it has fewer twins), each replaying a
 * contiguous run of its twins; the comparison and final states are those of one thread replaying
 * them all. Rejects with a worker's reason when one fails (the others are stopped).
 */
export function runReplayThread(
  job: ReplayJob,
  progress: ReplayThreadProgress,
  threads: number = REPLAY_THREADS,
): Promise<ReplayThreadResult> {
  const parts = splitTwins(job, threads);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const counted: (number | null)[] = parts.map(() => null);
    const done = parts.map(() => 0);
    const results: (Extract<ReplayMessage, { kind: 'done' }> | null)[] = parts.map(() => null);
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      finish();
      for (const worker of workers) void worker.terminate();
    };
    const finished = () => {
      const comparison = emptyComparison();
      const finals: FinalState[] = [];
      let seconds = 0;
      for (const result of results as Extract<ReplayMessage, { kind: 'done' }>[]) {
        addComparison(comparison, result.comparison);
        for (const final of result.finals) finals.push(final);
        seconds = Math.max(seconds, result.seconds);
      }
      return { comparison, finals, seconds };
    };
    parts.forEach((part, i) => {
      const worker = startModuleWorker('../../runtime/replay/replay-worker', part);
      workers.push(worker);
      worker.on('message', (message: ReplayMessage) => {
        if (message.kind === 'counted') {
          counted[i] = message.events;
          if (counted.every((n) => n !== null))
            progress.counted(counted.reduce((a: number, n) => a + (n as number), 0));
        } else if (message.kind === 'progress') {
          done[i] = message.eventsDone;
          progress.progress(done.reduce((a, n) => a + n, 0));
        } else if (message.kind === 'done') {
          results[i] = message;
          if (results.every((result) => result !== null)) settle(() => resolve(finished()));
        } else settle(() => reject(new Error(message.message)));
      });
      worker.on('error', (error) => settle(() => reject(error)));
      worker.on('exit', (code) => {
        if (results[i] === null)
          settle(() => reject(new Error(`the replay worker stopped (exit code ${code})`)));
      });
    });
  });
}

/** The job split into at most `threads` jobs over contiguous runs of its twins (at least one). */
function splitTwins(job: ReplayJob, threads: number): ReplayJob[] {
  const count = Math.max(1, Math.min(Math.floor(threads), job.twins.length));
  const parts: ReplayJob[] = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((i * job.twins.length) / count);
    const to = Math.floor(((i + 1) * job.twins.length) / count);
    parts.push({ ...job, twins: job.twins.slice(from, to) });
  }
  return parts;
}
