// Runs the statements of one journal commit in a single SQLite transaction: on the calling thread,
// or on a connection of its own in a worker thread so that inserts and WAL checkpoints never block
// the event loop.
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One statement to run: its name (a key of the SQL map) and its parameters. */
export type Operation = [name: string, params: unknown[]];

export interface BatchWriter {
  /**
   * Runs every operation in one transaction; resolves once it is committed. Batches commit in the
   * order they are written; once one fails, every later one fails too (nothing lands after a gap).
   */
  write(operations: Operation[]): Promise<void>;
  close(): Promise<void>;
}

/** Runs batches on an open connection of the caller's thread. */
export class InlineBatchWriter implements BatchWriter {
  private readonly run: (operations: Operation[]) => void;
  private failure: string | null = null;

  constructor(db: Database.Database, sql: Record<string, string>) {
    const statements = new Map(Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]));
    this.run = db.transaction((operations: Operation[]) => {
      for (const [name, params] of operations) statements.get(name)?.run(...params);
    });
  }

  async write(operations: Operation[]): Promise<void> {
    if (this.failure !== null) throw new Error(`journal write refused: ${this.failure}`);
    try {
      this.run(operations);
    } catch (error) {
      this.failure = `an earlier write failed (${(error as Error).message})`;
      throw new Error(`journal write failed: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {}
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
const statements = new Map(Object.entries(workerData.sql).map(([name, text]) => [name, db.prepare(text)]));
const run = db.transaction((operations) => {
  for (const [name, params] of operations) statements.get(name).run(...params);
});
// Once a batch fails, later ones are refused: nothing may land after a gap.
let failure = null;
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ id: message.id });
    return;
  }
  if (failure !== null) {
    parentPort.postMessage({ id: message.id, refused: failure });
    return;
  }
  try {
    run(JSON.parse(message.operations));
    parentPort.postMessage({ id: message.id });
  } catch (error) {
    failure = 'an earlier write failed (' + String((error && error.message) || error) + ')';
    parentPort.postMessage({ id: message.id, error: String((error && error.message) || error) });
  }
});
`;

/** Runs batches on a connection of its own in a worker thread. */
export class WorkerBatchWriter implements BatchWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: () => void; reject: (error: Error) => void }
  >();
  private nextId = 0;

  constructor(path: string, synchronous: 'NORMAL' | 'FULL', sql: Record<string, string>) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path, synchronous, sql },
    });
    this.worker.on('message', (message: { id: number; error?: string; refused?: string }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined)
        waiter?.reject(new Error(`journal write failed: ${message.error}`));
      else if (message.refused !== undefined)
        waiter?.reject(new Error(`journal write refused: ${message.refused}`));
      else waiter?.resolve();
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', () => this.failAll(new Error('the journal writer thread stopped')));
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  private send(operations: string | null): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, operations, close: operations === null });
    });
  }

  write(operations: Operation[]): Promise<void> {
    // One string is far cheaper to hand over than a structured clone of many small arrays.
    return this.send(JSON.stringify(operations));
  }

  async close(): Promise<void> {
    await this.send(null);
    await this.worker.terminate();
  }
}
