// The SQLite series store in a worker thread: appends and queries run on a connection of their
// own, so the event loop spends on series only the hand-over of the points.
import type { Worker } from 'node:worker_threads';
import {
  SeriesKindError,
  type BucketQuery,
  type Buckets,
  type RawQuery,
  type Retention,
  type SeriesInfo,
  type SeriesKind,
  type SeriesPoint,
  type SeriesStore,
  type SeriesValue,
} from '../series-store.js';
import { StorageCorruptError, StorageError, StorageUnavailableError } from '../storage-errors.js';
import type {
  SeriesAnswer,
  SeriesCall,
  SeriesCallError,
  SeriesThreadData,
} from './sqlite-series-worker.js';
import { logRestartOf, WalCheckpointer, type WalCheckpointOptions } from './wal-checkpointer.js';
import { startModuleWorker } from './worker-entry.js';

/** The error of the thread again as the class it was. */
function errorOf(error: SeriesCallError): Error {
  if (error.kind !== undefined)
    return new SeriesKindError(
      error.kind.thingId,
      error.kind.pointer,
      error.kind.expected as SeriesKind,
      error.kind.actual as SeriesKind,
    );
  switch (error.name) {
    case 'RangeError':
      return new RangeError(error.message);
    case 'StorageCorruptError':
      return new StorageCorruptError(error.message);
    case 'StorageUnavailableError':
      return new StorageUnavailableError(error.message);
    case 'StorageError':
      return new StorageError(error.message);
    default:
      return new StorageUnavailableError(`series store thread: ${error.message}`);
  }
}

/** A {@link SeriesStore} whose SQLite connection lives in a worker thread. */
export class ThreadedSeriesStore implements SeriesStore {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private failure: Error | null = null;
  private closed: Promise<void> | null = null;
  /** Checkpoints the store's log, which its thread's connection never does (set once open). */
  private checkpointer: WalCheckpointer | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (answer: SeriesAnswer) => {
      const waiting = this.pending.get(answer.id);
      if (waiting === undefined) return;
      this.pending.delete(answer.id);
      if (answer.error !== undefined) waiting.reject(errorOf(answer.error));
      else waiting.resolve(answer.result);
    });
    const fail = (error: Error) => {
      this.failure = new StorageUnavailableError(
        `the series store thread stopped: ${error.message}`,
        {
          cause: error,
        },
      );
      for (const waiting of this.pending.values()) waiting.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.closed === null) fail(new Error(`exit code ${code}`));
    });
  }

  /**
   * Opens the store at `path` in a new thread, and its WAL checkpoints in another; rejects as the
   * inline store would fail to open.
   */
  static async open(
    path: string,
    walCheckpoints?: WalCheckpointOptions,
  ): Promise<ThreadedSeriesStore> {
    const data: SeriesThreadData = { path, logRestart: logRestartOf(walCheckpoints) };
    const worker = startModuleWorker('sqlite-series-worker', data);
    const store = new ThreadedSeriesStore(worker);
    try {
      await store.answer(0);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    // The series store syncs as openStoreFile sets it.
    store.checkpointer = WalCheckpointer.start(path, 'NORMAL', walCheckpoints);
    return store;
  }

  /** Waits for the answer of call `id`. */
  private answer<T>(id: number): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject }),
    );
  }

  private call<T>(method: SeriesCall['method'], ...args: unknown[]): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed !== null) return Promise.reject(new StorageError('the series store is closed'));
    const id = this.nextId++;
    const answer = this.answer<T>(id);
    this.worker.postMessage({ id, method, args } satisfies SeriesCall);
    return answer;
  }

  append(points: readonly SeriesPoint[], position?: number): Promise<void> {
    return this.call('append', points, position);
  }
  position(): Promise<number> {
    return this.call('position');
  }
  describe(thingId: string, pointer: string): Promise<SeriesInfo | null> {
    return this.call('describe', thingId, pointer);
  }
  listSeries(thingId: string): Promise<SeriesInfo[]> {
    return this.call('listSeries', thingId);
  }
  latestTimes(thingIds: readonly string[]): Promise<Map<string, Map<string, number>>> {
    return this.call('latestTimes', thingIds);
  }
  raw(query: RawQuery): Promise<{ t: number[]; v: SeriesValue[] }> {
    return this.call('raw', query);
  }
  countRaw(thingId: string, pointer: string, from: number, to: number): Promise<number> {
    return this.call('countRaw', thingId, pointer, from, to);
  }
  buckets(query: BucketQuery): Promise<Buckets> {
    return this.call('buckets', query);
  }
  getRetention(namespace: string): Promise<Retention | null> {
    return this.call('getRetention', namespace);
  }
  putRetention(namespace: string, retention: Retention): Promise<void> {
    return this.call('putRetention', namespace, retention);
  }
  deleteRetention(namespace: string): Promise<boolean> {
    return this.call('deleteRetention', namespace);
  }
  prune(now: number): Promise<number> {
    return this.call('prune', now);
  }

  /** Closes the store in its thread (writing what is pending), then ends the thread. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      // First: the store's connection is then the last, and closing it checkpoints the log.
      await this.checkpointer?.close();
      if (this.failure === null) {
        const id = this.nextId++;
        const answer = this.answer<void>(id);
        this.worker.postMessage({ id, method: 'close', args: [] } satisfies SeriesCall);
        await answer.catch(() => undefined);
      }
      await this.worker.terminate();
    })();
    return this.closed;
  }
}
