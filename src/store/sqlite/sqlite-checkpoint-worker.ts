// The WAL checkpoint thread: a connection of its own to one SQLite file in WAL mode that copies the
// log back into the database, so that no checkpoint runs inside a writer's commit (the writers of
// that file run with wal_autocheckpoint = 0). Started and stopped by WalCheckpointer.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { WalIndex } from './wal-index.js';

/** How the thread checkpoints (see WalCheckpointOptions for each field). */
export interface CheckpointThreadData {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  frames: number;
  everyMs: number;
  pollMs: number;
  truncateBytes: number;
  waitMs: number;
}

/** What the thread says: a checkpoint that failed (it tries again later), or that it closed. */
export interface CheckpointReport {
  error?: string;
  closed?: true;
}

/** The result row of `PRAGMA wal_checkpoint`: whether it was blocked, pages in the log, copied. */
type CheckpointRow = [busy: number, log: number, checkpointed: number];

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

const port = parentPort;
if (port === null) throw new Error('sqlite-checkpoint-worker runs only as a worker thread');
const data = workerData as CheckpointThreadData;
const db = new Database(data.path, { fileMustExist: true });
// A checkpoint syncs the log and the database as this connection's setting says: the writer's.
db.pragma(`synchronous = ${data.synchronous}`);
db.pragma('wal_autocheckpoint = 0');
// Only TRUNCATE waits (PASSIVE never does): for the writer's transaction, then for the readers,
// holding off commits meanwhile.
db.pragma(`busy_timeout = ${data.waitMs}`);
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').raw(true);
const truncate = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').raw(true);
const wal = `${data.path}-wal`;
const index = new WalIndex(data.path);
let last = Date.now();
/** When a TRUNCATE that readers blocked may be tried again. */
let truncateAfter = 0;
let reported: string | null = null;

const report = (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  // Once per failure in a row: a failing disk must not flood the parent.
  if (message === reported) return;
  reported = message;
  port.postMessage({ error: message } satisfies CheckpointReport);
};

/**
 * Runs PASSIVE checkpoints until the log is copied or a round copies nothing new (a reader holds
 * the rest, or the writer keeps appending). The writer starts its log anew itself once it is
 * nearly copied (restartLogIfDue).
 */
function checkpointPassive(): void {
  let [, log, done] = passive.get() as CheckpointRow;
  for (let round = 0; round < 4 && done < log; round++) {
    const before = done;
    [, log, done] = passive.get() as CheckpointRow;
    if (done <= before) break;
  }
}

function tick(): void {
  const now = Date.now();
  try {
    if (sizeOf(wal) > data.truncateBytes && now >= truncateAfter) {
      // The log kept growing: readers kept it from starting anew. Copy what PASSIVE can first, so
      // that commits wait only for the rest.
      checkpointPassive();
      const [busy] = truncate.get() as CheckpointRow;
      // Still held by a reader: not again for a while, since commits waited for it.
      truncateAfter = busy ? now + 10 * data.everyMs : 0;
      last = now;
    } else {
      const progress = index.progress();
      const waiting = progress === null ? null : progress.frames - progress.backfilled;
      const due = now - last >= data.everyMs;
      if ((waiting ?? 1) > 0 && (due || (waiting !== null && waiting >= data.frames))) {
        checkpointPassive();
        last = now;
      }
    }
    reported = null;
  } catch (error) {
    report(error);
  }
}

const timer = setInterval(tick, data.pollMs);
port.on('message', (message: { close?: true }) => {
  if (!message.close) return;
  clearInterval(timer);
  index.close();
  db.close();
  port.postMessage({ closed: true } satisfies CheckpointReport);
});
