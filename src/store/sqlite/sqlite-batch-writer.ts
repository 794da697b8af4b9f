// Runs the journal writer on the calling thread, or on a connection of its own in a worker thread
// so that inserts, moves of recent events and WAL checkpoints never block the event loop.
import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { StorageUnavailableError } from '../storage-errors.js';
import type { WriterReply, WriterRequest, WriterThreadData } from './sqlite-journal-worker.js';
import {
  createJournalWriter,
  type BatchRows,
  type JournalWriter,
} from './sqlite-journal-writer.js';

export interface BatchWriter {
  /**
   * Writes one batch in a transaction; resolves once it is committed, to the position of its first
   * event. Batches commit in the order they are written; once one fails, every later one fails too
   * (with a {@link StorageUnavailableError}) until `recover`.
   */
  write(batch: BatchRows): Promise<number>;
  /** Runs the writer's prune after every batch written before it; resolves to how many things went. */
  prune(before: number): Promise<number>;
  /** Accepts writes again after a failure (every batch written before this call has settled). */
  recover(): Promise<void>;
  close(): Promise<void>;
}

/** Recent events are moved into the keyed table once this many have gathered… */
const ARCHIVE_EVERY = 20_000;
/** …or after this long without writes. */
const ARCHIVE_WHEN_QUIET_MS = 1_000;

/** A writer's failure as a typed error that keeps the message (and the cause, when there is one). */
function unavailable(error: unknown): StorageUnavailableError {
  const message = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(message, { cause: error });
}

/** Writes batches on an open connection of the caller's thread. */
export class InlineBatchWriter implements BatchWriter {
  private readonly writer: JournalWriter;

  constructor(db: Database.Database, seqFile?: string) {
    this.writer = createJournalWriter(db, { archiveEvery: ARCHIVE_EVERY, seqFile });
  }

  async write(batch: BatchRows): Promise<number> {
    let first: number;
    try {
      first = this.writer.write(batch);
    } catch (error) {
      throw unavailable(error);
    }
    this.writer.archiveIfDue(false);
    return first;
  }

  async prune(before: number): Promise<number> {
    return this.writer.prune(before);
  }

  async recover(): Promise<void> {
    this.writer.recover();
  }

  async close(): Promise<void> {
    this.writer.archiveIfDue(true);
    this.writer.close();
  }
}

/**
 * The worker's entry: the compiled module next to this one, or, when running from the TypeScript
 * sources (tests, `tsx`), the source module loaded through tsx's require hook.
 */
function startWorker(data: WriterThreadData): Worker {
  const entry = new URL(
    import.meta.url.endsWith('.ts') ? './sqlite-journal-worker.ts' : './sqlite-journal-worker.js',
    import.meta.url,
  );
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data });
  const bootstrap = `require('tsx/cjs/api').register(); require(${JSON.stringify(entry.pathname)});`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

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

  constructor(path: string, synchronous: 'NORMAL' | 'FULL', seqFile?: string) {
    this.worker = startWorker({
      path,
      synchronous,
      archiveEvery: ARCHIVE_EVERY,
      archiveWhenQuietMs: ARCHIVE_WHEN_QUIET_MS,
      seqFile,
    });
    this.worker.on('message', (message: WriterReply) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error === undefined) waiter?.resolve(message.result);
      else waiter?.reject(unavailable(message.error));
    });
    this.worker.on('error', (error) => this.stop(error));
    this.worker.on('exit', () => this.stop(new Error('the journal writer thread stopped')));
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  /** Posts one request (built as one literal) and resolves with the writer's answer. */
  private send(
    encoded: string | null,
    prune: number | null,
    control?: 'recover' | 'close',
  ): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: WriterRequest = {
        id,
        encoded,
        prune,
        recover: control === 'recover',
        close: control === 'close',
      };
      this.worker.postMessage(request);
    });
  }

  /** The batch goes as JSON text: one string is far cheaper to hand to a thread than objects. */
  write(batch: BatchRows): Promise<number> {
    return this.send(JSON.stringify(batch), null) as Promise<number>;
  }

  async prune(before: number): Promise<number> {
    return (await this.send(null, before)) as number;
  }

  async recover(): Promise<void> {
    await this.send(null, null, 'recover');
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    await this.send(null, null, 'close');
    await this.worker.terminate();
  }
}
