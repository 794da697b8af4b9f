// Runs the journal writer on the calling thread, or on a connection of its own in a worker thread
// so that inserts, moves of recent events and WAL checkpoints never block the event loop.
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  WRITER_SOURCE,
  createInlineJournalWriter,
  type BatchRows,
  type JournalWriter,
} from './sqlite-journal-writer.js';

export interface BatchWriter {
  /**
   * Writes one batch in a transaction; resolves once it is committed, to the position of its first
   * event. Batches commit in the order they are written; once one fails, every later one fails too.
   */
  write(batch: BatchRows): Promise<number>;
  /** Runs the writer's prune after every batch written before it; resolves to how many things went. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}

/** Recent events are moved into the keyed table once this many have gathered… */
const ARCHIVE_EVERY = 20_000;
/** …or after this long without writes. */
const ARCHIVE_WHEN_QUIET_MS = 1_000;

/** Writes batches on an open connection of the caller's thread. */
export class InlineBatchWriter implements BatchWriter {
  private readonly writer: JournalWriter;

  constructor(db: Database.Database) {
    this.writer = createInlineJournalWriter(db, ARCHIVE_EVERY);
  }

  async write(batch: BatchRows): Promise<number> {
    const first = this.writer.write(batch);
    this.writer.archiveIfDue(false);
    return first;
  }

  async prune(before: number): Promise<number> {
    return this.writer.prune(before);
  }

  async close(): Promise<void> {
    this.writer.archiveIfDue(true);
  }
}

// Plain JavaScript so that it runs the same from src (tsx, vitest) and from dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 10000');
// Checkpoints run on this thread, off the event loop: fewer, larger ones write each hot page once.
db.pragma('wal_autocheckpoint = 10000');
${WRITER_SOURCE}
const writer = createJournalWriter(db, workerData.archiveEvery);
let writes = 0;
const quiet = setInterval(() => {
  if (writes === 0) writer.archiveIfDue(true);
  writes = 0;
}, workerData.archiveWhenQuietMs);
parentPort.on('message', (message) => {
  if (message.close) {
    clearInterval(quiet);
    writer.archiveIfDue(true);
    db.close();
    parentPort.postMessage({ id: message.id });
    return;
  }
  if (message.prune !== null) {
    try {
      parentPort.postMessage({ id: message.id, result: writer.prune(message.prune) });
    } catch (error) {
      parentPort.postMessage({ id: message.id, error: 'journal prune failed: ' + String(error.message) });
    }
    return;
  }
  writes++;
  try {
    const first = writer.write(JSON.parse(message.encoded));
    parentPort.postMessage({ id: message.id, result: first });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error.message) });
    return;
  }
  writer.archiveIfDue(false);
});
`;

/** Writes batches on a connection of its own in a worker thread. */
export class WorkerBatchWriter implements BatchWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  /** Why the writer thread stopped, once it has: every later request fails with it at once. */
  private stopped: Error | null = null;

  constructor(path: string, synchronous: 'NORMAL' | 'FULL') {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver,
        path,
        synchronous,
        archiveEvery: ARCHIVE_EVERY,
        archiveWhenQuietMs: ARCHIVE_WHEN_QUIET_MS,
      },
    });
    this.worker.on('message', (message: { id: number; error?: string; result?: unknown }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error === undefined) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    });
    this.worker.on('error', (error) => this.stop(error));
    this.worker.on('exit', () => this.stop(new Error('the journal writer thread stopped')));
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  /** Posts `{ id, encoded | prune | close }` and resolves with the writer's answer. */
  private send(encoded: string | null, prune: number | null, close = false): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, encoded, prune, close });
    });
  }

  /** The batch goes as JSON text: one string is far cheaper to hand to a thread than objects. */
  write(batch: BatchRows): Promise<number> {
    return this.send(JSON.stringify(batch), null) as Promise<number>;
  }

  async prune(before: number): Promise<number> {
    return (await this.send(null, before)) as number;
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    await this.send(null, null, true);
    await this.worker.terminate();
  }
}
