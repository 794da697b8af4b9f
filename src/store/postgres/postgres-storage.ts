// The PostgreSQL storage backend: one pool on one database schema, migrated on open, holding every store.
import pg from 'pg';
import type { Storage } from '../storage.js';
import { StorageError, StorageUnavailableError } from '../storage-errors.js';
import {
  describeError,
  isConnectionFailure,
  redactUrl,
  toStorageError,
} from './postgres-errors.js';
import { checkSchemaName, migratePostgres } from './postgres-migrations.js';
import { PostgresBehaviourStore } from './postgres-behaviour-store.js';
import { PostgresCatalog } from './postgres-catalog.js';
import { PostgresIngestStore } from './postgres-ingest-store.js';
import { PostgresJournal } from './postgres-journal.js';
import { PostgresJournalPages } from './postgres-journal-pages.js';
import { PostgresModelStore } from './postgres-model-store.js';
import type { PgPool } from './postgres-pool.js';
import { PostgresServiceStore } from './postgres-service-store.js';
import { PostgresSchemaLock } from './postgres-schema-lock.js';
import { PostgresSeriesStore } from './postgres-series-store.js';
import { PostgresTwinIndex } from './postgres-twin-index.js';
import { PostgresWebhookStore } from './postgres-webhook-store.js';

/** Where and how {@link openPostgresStorage} connects. */
export interface PostgresStorageOptions {
  /** A libpq-style URL, e.g. `postgres://twinfold:secret@db:5432/twinfold`. */
  url: string;
  /** The schema holding every table; created when missing (default `twinfold`). */
  schema?: string;
  /** Connections in the pool, the journal's writer included (default 10, at least 2). */
  poolSize?: number;
  /** How long to wait for a connection before failing with StorageUnavailableError (default 10 s). */
  connectTimeoutMs?: number;
  /** `application_name` of the connections, as `pg_stat_activity` shows it (default `twinfold`). */
  applicationName?: string;
  /**
   * Hold the schema for this process alone (default true): a second server on the same schema is
   * refused with StorageLockedError, as a second server on one SQLite data directory is.
   */
  exclusive?: boolean;
  /**
   * How long a commit whose answer was lost with its connection keeps asking PostgreSQL whether it
   * landed before it gives up with CommitOutcomeUnknownError (ms, default 10 s).
   */
  commitOutcomeTimeoutMs?: number;
}

/** The default schema of {@link openPostgresStorage}. */
export const DEFAULT_POSTGRES_SCHEMA = 'twinfold';

const INT8_OID = 20;

/** Parses bigint columns (epoch ms, revisions, positions, counts) to numbers; other types as pg does. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The URL without an `options` parameter, and that parameter: pg would let it override the
 * search path and `synchronous_commit` the stores set, so they are appended to it instead.
 */
function splitOptions(url: string): { url: string; options: string } {
  try {
    const parsed = new URL(url);
    const options = parsed.searchParams.get('options');
    if (options === null) return { url, options: '' };
    parsed.searchParams.delete('options');
    return { url: parsed.toString(), options: `${options} ` };
  } catch {
    return { url, options: '' };
  }
}

/**
 * Opens the stores of one PostgreSQL database: connects a pool whose connections use `schema` as
 * their search path with `synchronous_commit` on, applies the schema's pending migrations, then
 * opens the journal (with its writer connection) and the catalog. Fails with
 * {@link StorageUnavailableError} when the server cannot be reached.
 *
 * @example
 * const storage = await openPostgresStorage({ url: 'postgres://postgres@127.0.0.1:5432/test' });
 * await storage.journal.lastSeq();
 * await storage.close();
 */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const schema = checkSchemaName(options.schema ?? DEFAULT_POSTGRES_SCHEMA);
  const where = `PostgreSQL at ${redactUrl(options.url)}`;
  const connection = splitOptions(options.url);
  const pool = new pg.Pool({
    connectionString: connection.url,
    // The journal's writer and the schema lock each keep a connection; reads need one more.
    max: Math.max(options.exclusive === false ? 2 : 3, options.poolSize ?? 10),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'twinfold',
    options: `${connection.options}-c search_path=${schema} -c synchronous_commit=on`,
    types,
  });
  // An idle connection that dies is dropped by the pool; the next query gets a new one.
  pool.on('error', () => undefined);
  const store: PgPool = pool;
  let lock: PostgresSchemaLock | null = null;
  try {
    let client;
    try {
      client = await store.connect();
    } catch (error) {
      throw isConnectionFailure(error)
        ? new StorageUnavailableError(`${where} is unavailable: ${describeError(error)}`, {
            cause: error,
          })
        : toStorageError(error, `connecting to ${where}`);
    }
    try {
      await migratePostgres(client, schema);
      client.release();
    } catch (error) {
      client.release(true);
      throw toStorageError(error, `migrating schema "${schema}" of ${where}`);
    }
    if (options.exclusive !== false) lock = await PostgresSchemaLock.take(store, schema, where);
    const journal = await PostgresJournal.open(store, lock, options.commitOutcomeTimeoutMs);
    const catalog = new PostgresCatalog(store);
    const ingest = new PostgresIngestStore(store);
    const webhooks = new PostgresWebhookStore(store);
    const models = new PostgresModelStore(store);
    const series = new PostgresSeriesStore(store);
    const services = new PostgresServiceStore(store);
    const behaviour = new PostgresBehaviourStore(store);
    let closing: Promise<void> | null = null;
    let index: PostgresTwinIndex | null = null;
    return {
      kind: 'postgres',
      journal,
      catalog,
      ingest,
      webhooks,
      models,
      series,
      services,
      behaviour,
      async probe() {
        try {
          await store.query('SELECT 1');
        } catch (error) {
          throw toStorageError(error, `probing ${where}`);
        }
      },
      async openTwinIndex() {
        if (index !== null)
          throw new StorageError('the search index of this storage is open already');
        index = await PostgresTwinIndex.open(store);
        return index;
      },
      close() {
        closing ??= (async () => {
          try {
            // What the index buffered is a projection of the journal: a failed flush loses nothing.
            await index?.close().catch(() => undefined);
            await catalog.close();
            await ingest.close();
            await webhooks.close();
            await models.close();
            await series.close();
            await services.close();
            await behaviour.close();
            await journal.close();
          } finally {
            lock?.release();
            await pool.end();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    lock?.release();
    await pool.end().catch(() => undefined);
    throw error;
  }
}

/**
 * A reader of one twin's events on a connection of its own to the journal's schema (a replay
 * worker's), apart from the storage's pool: nothing is migrated or locked.
 */
export function openPostgresJournalPages(url: string, schema: string): PostgresJournalPages {
  const connection = splitOptions(url);
  const pool = new pg.Pool({
    connectionString: connection.url,
    max: 1,
    connectionTimeoutMillis: 10_000,
    application_name: 'twinfold-replay',
    options: `${connection.options}-c search_path=${checkSchemaName(schema)}`,
    types,
  });
  pool.on('error', () => undefined);
  return new PostgresJournalPages(pool);
}
