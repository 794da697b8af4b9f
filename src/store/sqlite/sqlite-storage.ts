// The embedded storage backend: the SQLite journal and catalog as files in the data directory.
import { join } from 'node:path';
import type { SeriesStore } from '../series-store.js';
import type { Storage } from '../storage.js';
import { StorageError, unavailableWhile } from '../storage-errors.js';
import { SqliteBehaviourStore } from './sqlite-behaviour-store.js';
import { DataDirectoryLock } from './data-directory-lock.js';
import { SqliteCatalog } from './sqlite-catalog.js';
import { SqliteIngestStore } from './sqlite-ingest-store.js';
import { SqliteJournal, type Durability } from './sqlite-journal.js';
import { SqliteSeriesStore } from './sqlite-series-store.js';
import { ThreadedSeriesStore } from './threaded-series-store.js';
import { SqliteModelStore } from './sqlite-model-store.js';
import { SqliteServiceStore } from './sqlite-service-store.js';
import { SqliteTwinIndex } from './sqlite-twin-index.js';
import { SqliteWebhookStore } from './sqlite-webhook-store.js';

/** Where {@link openSqliteStorage} keeps its files and how it writes them. */
export interface SqliteStorageOptions {
  /** The data directory (created when missing): `journal.db`, `catalog.db` (and `index.db`) live there. */
  dataDir: string;
  durability?: Durability;
  /**
   * Write the journal on a connection in a worker thread (see SqliteJournalOptions), and keep the
   * series on one of their own.
   */
  writerThread?: boolean;
}

/**
 * Opens the SQLite stores of a data directory: the journal at `<dataDir>/journal.db`, the catalog at
 * `<dataDir>/catalog.db` (ingest, webhooks, series, models, services, types and alerts in `ingest.db`,
 * `webhooks.db`, `series.db`, `models.db`, `services.db`, `behaviour.db`),
 * held by this process alone (a lock file; StorageLockedError names the
 * holder). Fails with {@link StorageUnavailableError} when the files cannot be opened, and with
 * StorageCorruptError when they are found damaged.
 *
 * @example
 * const storage = await openSqliteStorage({ dataDir: './data', durability: 'process', writerThread: true });
 */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
  let lock: DataDirectoryLock;
  try {
    lock = DataDirectoryLock.acquire(options.dataDir);
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw unavailableWhile(`cannot open the SQLite journal in ${options.dataDir}`, error);
  }
  /** What is open so far, in opening order (the journal first): a failure closes it backwards. */
  const opened: { close(): Promise<void> }[] = [];
  const open = async <T extends { close(): Promise<void> }>(
    what: string,
    file: string,
    make: (path: string) => T | Promise<T>,
  ): Promise<T> => {
    try {
      const store = await make(join(options.dataDir, file));
      opened.push(store);
      return store;
    } catch (error) {
      for (const store of opened.reverse()) await store.close().catch(() => undefined);
      lock.release();
      // Damaged files and the like already say what is wrong and what to do.
      if (error instanceof StorageError) throw error;
      throw unavailableWhile(`cannot open the SQLite ${what} in ${options.dataDir}`, error);
    }
  };
  const journal = await open(
    'journal',
    'journal.db',
    (path) =>
      new SqliteJournal({
        path,
        durability: options.durability,
        writerThread: options.writerThread,
      }),
  );
  const catalog = await open('catalog', 'catalog.db', (path) => new SqliteCatalog(path));
  const ingest = await open('ingest store', 'ingest.db', (path) => new SqliteIngestStore(path));
  const webhooks = await open(
    'webhook store',
    'webhooks.db',
    (path) => new SqliteWebhookStore(path),
  );
  // With the journal's writer thread, series are written on a thread of their own as well.
  const series = await open<SeriesStore>('series store', 'series.db', (path) =>
    options.writerThread ? ThreadedSeriesStore.open(path) : new SqliteSeriesStore(path),
  );
  const models = await open('model store', 'models.db', (path) => new SqliteModelStore(path));
  const services = await open(
    'service store',
    'services.db',
    (path) => new SqliteServiceStore(path),
  );
  const behaviour = await open(
    'behaviour store',
    'behaviour.db',
    (path) => new SqliteBehaviourStore(path),
  );
  let closing: Promise<void> | null = null;
  let index: SqliteTwinIndex | null = null;
  return {
    kind: 'sqlite',
    journal,
    catalog,
    ingest,
    webhooks,
    series,
    models,
    services,
    behaviour,
    async probe() {
      await journal.lastSeq();
    },
    async openTwinIndex() {
      if (index !== null)
        throw new StorageError('the search index of this storage is open already');
      index = SqliteTwinIndex.open(join(options.dataDir, 'index.db'));
      return index;
    },
    close() {
      closing ??= (async () => {
        try {
          index?.close();
          // Every store but the journal, newest first; the journal last, after its writes flush.
          for (const store of opened.slice(1).reverse()) await store.close();
        } finally {
          await journal.close();
          lock.release();
        }
      })();
      return closing;
    },
  };
}
