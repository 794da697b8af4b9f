// The journal writer thread: its own connection to the journal, fed batches by WorkerBatchWriter.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { RevisionConflictError } from '../storage-errors.js';
import { createJournalWriter, decodeBatch } from './sqlite-journal-writer.js';
import { restartLogIfDue, WalIndex, type LogRestart } from './wal-index.js';

/** What the thread is started with (see WorkerBatchWriter). */
export interface WriterThreadData {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  archiveEvery: number;
  archiveWhenQuietMs: number;
  seqFile?: string;
  /** When this thread lets its log start anew (its checkpoints run on another thread). */
  restart: LogRestart;
}

/** One request to the thread: a batch as text (encodeBatch), a prune, a recovery or the close. */
export interface WriterRequest {
  id: number;
  encoded: string | null;
  prune: number | null;
  recover?: boolean;
  close?: boolean;
}

/** The answer to one request. */
export interface WriterReply {
  id: number;
  error?: string;
  /** Set when the error is a revision conflict (a bug, not a passing fault). */
  conflict?: boolean;
  result?: unknown;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-journal-worker runs only as a worker thread');
const data = workerData as WriterThreadData;
const db = new Database(data.path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${data.synchronous}`);
db.pragma('busy_timeout = 10000');
// Checkpoints run on a thread of their own (WalCheckpointer), never inside a commit here: every
// commit queued behind one waited for it.
db.pragma('wal_autocheckpoint = 0');
const writer = createJournalWriter(db, { archiveEvery: data.archiveEvery, seqFile: data.seqFile });
const index = new WalIndex(data.path);
let writes = 0;
const quiet = setInterval(() => {
  if (writes === 0) writer.archiveIfDue(true);
  writes = 0;
}, data.archiveWhenQuietMs);

const reply = (message: WriterReply) => port.postMessage(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

port.on('message', (message: WriterRequest) => {
  if (message.close) {
    clearInterval(quiet);
    writer.archiveIfDue(true);
    writer.close();
    index.close();
    db.close();
    reply({ id: message.id });
    return;
  }
  if (message.recover) {
    writer.recover();
    reply({ id: message.id });
    return;
  }
  if (message.prune !== null) {
    try {
      reply({ id: message.id, result: writer.prune(message.prune) });
    } catch (error) {
      reply({ id: message.id, error: `journal prune failed: ${messageOf(error)}` });
    }
    return;
  }
  writes++;
  try {
    const first = writer.write(decodeBatch(message.encoded as string));
    reply({ id: message.id, result: first });
  } catch (error) {
    reply({
      id: message.id,
      error: messageOf(error),
      conflict: error instanceof RevisionConflictError,
    });
    return;
  }
  writer.archiveIfDue(false);
  try {
    restartLogIfDue(db, index, data.restart);
  } catch {
    // A checkpoint that fails here is tried again after the next commit, and by the checkpoint
    // thread; the commits stand.
  }
});
