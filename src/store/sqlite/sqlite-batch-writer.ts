// Runs the journal writer on the calling thread, or on a connection of its own in a worker thread
// so that inserts, moves of recent events and WAL checkpoints never block the event loop.
import type Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import {
  RevisionConflictError,
  StorageUnavailableError,
  type StorageError,
} from '../storage-errors.js';
import type { WriterReply, WriterRequest, WriterThreadData } from './sqlite-journal-worker.js';
import type { LogRestart } from './wal-index.js';
import { startModuleWorker } from './worker-entry.js';
import {
  createJournalWriter,
  encodeBatch,
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

/**
 * A writer's failure as a typed error that keeps the message and the cause: a revision conflict
 * stays one (a bug to report, not a fault that passes); anything else may pass.
 */
function typed(error: unknown, conflict = error instanceof RevisionConflictError): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  return conflict
    ? new RevisionConflictError(message, { cause: error })
    : new StorageUnavailableError(message, { cause: error });
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
      throw typed(error);
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

function startWorker(data: WriterThreadData): Worker {
  return startModuleWorker('sqlite-journal-worker', data);
}

/** Writes batches on a connection of its own in a worker thread. */
export class WorkerBatchWriter implements BatchWriter {
  private worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  /** Why the writer thread stopped, once it has: every request fails with it until `recover`. */
  private stopped: Error | null = null;
  private closed = false;
  private readonly data: WriterThreadData;

  constructor(path: string, synchronous: 'NORMAL' | 'FULL', restart: LogRestart, seqFile?: string) {
    this.data = {
      path,
      synchronous,
      archiveEvery: ARCHIVE_EVERY,
      archiveWhenQuietMs: ARCHIVE_WHEN_QUIET_MS,
      seqFile,
      restart,
    };
    this.worker = this.start();
  }

  /** Starts a writer thread; what it says is ignored once another has replaced it. */
  private start(): Worker {
    const worker = startWorker(this.data);
    worker.on('message', (message: WriterReply) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error === undefined) waiter?.resolve(message.result);
      else waiter?.reject(typed(message.error, message.conflict === true));
    });
    const stop = (error: Error) => {
      if (worker === this.worker) this.stop(error);
    };
    worker.on('error', (error) =>
      stop(new StorageUnavailableError(error.message, { cause: error })),
    );
    worker.on('exit', () => stop(new StorageUnavailableError('the journal writer thread stopped')));
    return worker;
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

  /** The batch goes as text: one string is far cheaper to hand to a thread than objects. */
  write(batch: BatchRows): Promise<number> {
    return this.send(encodeBatch(batch), null) as Promise<number>;
  }

  async prune(before: number): Promise<number> {
    return (await this.send(null, before)) as number;
  }

  /**
   * Accepts writes again: the thread forgets its failure, or, when the thread itself has stopped,
   * a new one takes over (every transaction of the old one either committed or rolled back).
   */
  async recover(): Promise<void> {
    if (this.closed) throw new StorageUnavailableError('the journal is closed');
    if (this.stopped) {
      this.stopped = null;
      this.worker = this.start();
      return;
    }
    await this.send(null, null, 'recover');
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.stopped) return;
    await this.send(null, null, 'close');
    await this.worker.terminate();
  }
}
