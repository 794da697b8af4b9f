// The series thread: the SQLite series store on a connection of its own, off the event loop, fed
// by ThreadedSeriesStore.
import { parentPort, workerData } from 'node:worker_threads';
import { SeriesKindError, type SeriesStore } from '../series-store.js';
import { StorageError } from '../storage-errors.js';
import { SqliteSeriesStore } from './sqlite-series-store.js';
import type { LogRestart } from './wal-index.js';

/** What the thread is started with. */
export interface SeriesThreadData {
  path: string;
  logRestart: LogRestart;
}

/** One call of a store method, by name. */
export interface SeriesCall {
  id: number;
  method: keyof SeriesStore;
  args: unknown[];
}

/** An error as it crosses threads: its class by name, and what that class carries. */
export interface SeriesCallError {
  name: string;
  message: string;
  kind?: { thingId: string; pointer: string; expected: string; actual: string };
}

/** The answer to one call (id -1 with `error`: the store could not be opened). */
export interface SeriesAnswer {
  id: number;
  result?: unknown;
  error?: SeriesCallError;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-series-worker runs only as a worker thread');

function describeError(error: unknown): SeriesCallError {
  if (error instanceof SeriesKindError)
    return {
      name: error.name,
      message: error.message,
      kind: {
        thingId: error.thingId,
        pointer: error.pointer,
        expected: error.expected,
        actual: error.actual,
      },
    };
  if (error instanceof Error)
    return {
      name: error instanceof StorageError ? error.name : error.name,
      message: error.message,
    };
  return { name: 'Error', message: String(error) };
}

let store: SqliteSeriesStore;
try {
  // Its log is checkpointed by a thread of its own (WalCheckpointer, started by ThreadedSeriesStore).
  const { path, logRestart } = workerData as SeriesThreadData;
  store = new SqliteSeriesStore(path, { logRestart });
  port.postMessage({ id: 0, result: 'open' } satisfies SeriesAnswer);
} catch (error) {
  port.postMessage({ id: 0, error: describeError(error) } satisfies SeriesAnswer);
  throw error;
}

port.on('message', (call: SeriesCall) => {
  const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
  method.apply(store, call.args).then(
    (result) => port.postMessage({ id: call.id, result } satisfies SeriesAnswer),
    (error: unknown) =>
      port.postMessage({ id: call.id, error: describeError(error) } satisfies SeriesAnswer),
  );
});
