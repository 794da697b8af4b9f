// WAL checkpoints of one SQLite file off its writer: a thread with a connection of its own copies the
// log back into the database, so a commit never waits behind a checkpoint (the file's writer runs
// with wal_autocheckpoint = 0).
//
// Run inside the journal's commits, SQLite's automatic checkpoints held every commit queued behind
// them: with them off (an experiment), the live benchmark's request -> event p99 went from about 100
// to about 65 ms on the same loaded machine. What is left to the writer is the step that lets its
// log start anew (restartLogIfDue: a copy of the few pages the thread left, between two commits);
// the thread's TRUNCATE, past a size no log reaches unless readers hold it, bounds the file.
import type { Worker } from 'node:worker_threads';
import type { CheckpointReport, CheckpointThreadData } from './sqlite-checkpoint-worker.js';
import type { LogRestart } from './wal-index.js';
import { startModuleWorker } from './worker-entry.js';

/** When checkpoints run; the defaults suit the journal and the series. */
export interface WalCheckpointOptions {
  /** A PASSIVE checkpoint (one that never waits) runs once this many pages wait in the log… */
  frames?: number;
  /** …or once this long (ms) has passed since the last one, when any page waits. */
  everyMs?: number;
  /** How often (ms) the thread looks at the log. */
  pollMs?: number;
  /**
   * Once the log holds this many pages and at most `restartSlack` of them wait, the writer copies
   * those itself between two commits, so that its next commit starts the log from its beginning
   * (restartLogIfDue).
   */
  restartFrames?: number;
  restartSlack?: number;
  /**
   * Past this size (bytes) the log file is checkpointed with TRUNCATE, which holds off commits
   * while it copies the rest and waits for readers, then empties the file: the bound on a log that
   * readers kept from starting anew.
   */
  truncateBytes?: number;
  /** How long (ms) a TRUNCATE waits for the writer's transaction and for readers, at most. */
  waitMs?: number;
}

/** The options with their defaults. */
export const WAL_CHECKPOINTS: Required<WalCheckpointOptions> = {
  // 4 MB of 4 KB pages, as SQLite's automatic checkpoints, or every second.
  frames: 1_000,
  everyMs: 1_000,
  pollMs: 50,
  // 32 MB: the journal's writer checkpointed every 10,000 pages itself.
  restartFrames: 8_000,
  restartSlack: 256,
  truncateBytes: 512 * 1024 * 1024,
  waitMs: 200,
};

/** How a writer lets its log start anew, from `options` and the defaults. */
export function logRestartOf(options: WalCheckpointOptions = {}): LogRestart {
  return {
    restartFrames: options.restartFrames ?? WAL_CHECKPOINTS.restartFrames,
    slack: options.restartSlack ?? WAL_CHECKPOINTS.restartSlack,
  };
}

/** The checkpoint thread of one SQLite file in WAL mode. */
export class WalCheckpointer {
  /** The last checkpoint failure the thread reported (it tries again later), if any. */
  lastError: string | null = null;
  private closing: Promise<void> | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (report: CheckpointReport) => {
      if (report.error !== undefined) this.lastError = report.error;
    });
    // A thread that fails to start or dies leaves the log to grow until close checkpoints it:
    // commits go on regardless.
    worker.on('error', (error) => (this.lastError = error.message));
  }

  /**
   * Starts checkpointing the file at `path` (which exists, in WAL mode) with the durability of its
   * writer (`synchronous` is the writer's: a checkpoint syncs as its connection says).
   */
  static start(
    path: string,
    synchronous: 'NORMAL' | 'FULL',
    options: WalCheckpointOptions = {},
  ): WalCheckpointer {
    const { frames, everyMs, pollMs, truncateBytes, waitMs } = { ...WAL_CHECKPOINTS, ...options };
    const data: CheckpointThreadData = {
      path,
      synchronous,
      frames,
      everyMs,
      pollMs,
      truncateBytes,
      waitMs,
    };
    return new WalCheckpointer(startModuleWorker('sqlite-checkpoint-worker', data));
  }

  /**
   * Stops the thread and closes its connection; the file's last connection to close checkpoints
   * the log as it always did. A second call waits for the first.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new Promise<void>((resolve) => {
        const done = () => resolve();
        this.worker.on('message', (report: CheckpointReport) => {
          if (report.closed) done();
        });
        this.worker.once('exit', done);
      });
      this.worker.postMessage({ close: true });
      await closed;
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
