// Starts a replay job on a worker thread of its own and follows it: counts and progress as they
// come, then the comparison (or the reason it failed).
import { startModuleWorker } from '../../store/sqlite/worker-entry.js';
import type { FinalState, ReplayJob, ReplayMessage } from './replay-job.js';
import type { ReplayComparison } from './replay-comparison.js';

export interface ReplayThreadResult {
  comparison: ReplayComparison;
  finals: FinalState[];
  seconds: number;
}

export interface ReplayThreadProgress {
  counted(events: number): void;
  progress(eventsDone: number): void;
}

/** Runs `job` on a new worker thread; rejects with the worker's reason when it fails. */
export function runReplayThread(
  job: ReplayJob,
  progress: ReplayThreadProgress,
): Promise<ReplayThreadResult> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker('../../runtime/replay/replay-worker', job);
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      done();
      void worker.terminate();
    };
    worker.on('message', (message: ReplayMessage) => {
      if (message.kind === 'counted') progress.counted(message.events);
      else if (message.kind === 'progress') progress.progress(message.eventsDone);
      else if (message.kind === 'done')
        settle(() =>
          resolve({
            comparison: message.comparison,
            finals: message.finals,
            seconds: message.seconds,
          }),
        );
      else settle(() => reject(new Error(message.message)));
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the replay worker stopped (exit code ${code})`))),
    );
  });
}
