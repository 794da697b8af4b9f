// The embedded storage backend: the SQLite journal and catalog as files in the data directory.
import { join } from 'node:path';
import type { Storage } from '../storage.js';
import { StorageError, unavailableWhile } from '../storage-errors.js';
import { DataDirectoryLock } from './data-directory-lock.js';
import { SqliteCatalog } from './sqlite-catalog.js';
import { SqliteIngestStore } from './sqlite-ingest-store.js';
import { SqliteJournal, type Durability } from './sqlite-journal.js';
import { SqliteSeriesStore } from './sqlite-series-store.js';
import { SqliteServiceStore } from './sqlite-service-store.js';
import { SqliteTwinIndex } from './sqlite-twin-index.js';
import { SqliteWebhookStore } from './sqlite-webhook-store.js';

/** Where {@link openSqliteStorage} keeps its files and how it writes them. */
export interface SqliteStorageOptions {
  /** The data directory (created when missing): `journal.db`, `catalog.db` (and `index.db`) live there. */
  dataDir: string;
  durability?: Durability;
  /** Write the journal on a connection in a worker thread (see SqliteJournalOptions). */
  writerThread?: boolean;
}

/**
 * Opens the SQLite stores of a data directory: the journal at `<dataDir>/journal.db`, the catalog at
 * `<dataDir>/catalog.db`, held by this process alone (a lock file; StorageLockedError names the
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
  const open = <T>(what: string, make: () => T): T => {
    try {
      return make();
    } catch (error) {
      lock.release();
      // Damaged files and the like already say what is wrong and what to do.
      if (error instanceof StorageError) throw error;
      throw unavailableWhile(`cannot open the SQLite ${what} in ${options.dataDir}`, error);
    }
  };
  const journal = open(
    'journal',
    () =>
      new SqliteJournal({
        path: join(options.dataDir, 'journal.db'),
        durability: options.durability,
        writerThread: options.writerThread,
      }),
  );
  let catalog: SqliteCatalog;
  try {
    catalog = open('catalog', () => new SqliteCatalog(join(options.dataDir, 'catalog.db')));
  } catch (error) {
    await journal.close();
    throw error;
  }
  let ingest: SqliteIngestStore;
  try {
    ingest = open('ingest store', () => new SqliteIngestStore(join(options.dataDir, 'ingest.db')));
  } catch (error) {
    await catalog.close();
    await journal.close();
    throw error;
  }
  let webhooks: SqliteWebhookStore;
  try {
    webhooks = open(
      'webhook store',
      () => new SqliteWebhookStore(join(options.dataDir, 'webhooks.db')),
    );
  } catch (error) {
    await ingest.close();
    await catalog.close();
    await journal.close();
    throw error;
  }
  let series: SqliteSeriesStore;
  try {
    series = open('series store', () => new SqliteSeriesStore(join(options.dataDir, 'series.db')));
  } catch (error) {
    await webhooks.close();
    await ingest.close();
    await catalog.close();
    await journal.close();
    throw error;
  }
  let services: SqliteServiceStore;
  try {
    services = open(
      'service store',
      () => new SqliteServiceStore(join(options.dataDir, 'services.db')),
    );
  } catch (error) {
    await series.close();
    await webhooks.close();
    await ingest.close();
    await catalog.close();
    await journal.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  let index: SqliteTwinIndex | null = null;
  return {
    kind: 'sqlite',
    journal,
    catalog,
    ingest,
    webhooks,
    series,
    services,
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
          await catalog.close();
          await ingest.close();
          await webhooks.close();
          await series.close();
          await services.close();
        } finally {
          await journal.close();
          lock.release();
        }
      })();
      return closing;
    },
  };
}
