// The PostgreSQL search index: a jsonb table written behind an ordered buffer, RQL translated to jsonb SQL.
import type { SearchDocument } from '../../core/thing.js';
import {
  decodeIndexDocument,
  encodeIndexDocument,
  encodeIndexString,
  namespaceOf,
} from '../sql/index-encoding.js';
import { sqlCount, sqlSearch, type SqlSearchBackend } from '../sql/sql-twin-search.js';
import { StorageError } from '../storage-errors.js';
import type { SearchPage, SearchQuery, TwinIndex } from '../twin-index.js';
import { toStorageError } from './postgres-errors.js';
import type { PgQueryable } from './postgres-pool.js';
import { PostgresRqlDialect } from './postgres-rql-dialect.js';

/** Where {@link PostgresTwinIndex.open} keeps the index. */
export interface PostgresTwinIndexOptions {
  /** The table, in the connections' schema (default `twin_index`); recreated empty on open. */
  table?: string;
}

/** One buffered write: the encoded row of a put, or a remove. */
type Write = { id: string; row: [string, string, string] | null };

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A {@link TwinIndex} in a PostgreSQL table. The port's writes are synchronous, the database's are
 * not: `put` and `remove` are buffered in order and flushed in the background, one batch at a time
 * (the last write of each thing in a batch wins, in one statement). Every search and count first
 * waits until everything written before it is flushed, so a search sees the writes before it. A
 * flush that fails keeps its writes, in order, ahead of later ones; the next search or count tries
 * again and rejects with the typed storage error (StorageUnavailableError when PostgreSQL is away)
 * if it fails again. `size()` is kept in memory.
 *
 * The table is a projection of the journal: UNLOGGED (a crash empties it, and the runtime rebuilds
 * it at start anyway) and recreated on open, so it needs no migrations.
 *
 * @example
 * const index = await PostgresTwinIndex.open(pool);
 * index.put(doc);
 * await index.search({ sort: [], size: 25 }); // sees doc
 */
export class PostgresTwinIndex implements TwinIndex {
  private pending: Write[] = [];
  private written = 0;
  private flushedThrough = 0;
  private inFlight: Promise<void> | null = null;
  private scheduled = false;
  private closed = false;
  private readonly ids = new Set<string>();
  private readonly backend: SqlSearchBackend<PostgresRqlDialect>;

  private constructor(
    private readonly pool: PgQueryable,
    private readonly table: string,
  ) {
    this.backend = {
      table,
      // A background flush may land between two statements of one search.
      atomicReads: false,
      documentColumn: 'doc',
      dialect: () => new PostgresRqlDialect(),
      all: async (d, sql) => {
        try {
          const { text, values } = d.bind(sql);
          return (await this.pool.query<Record<string, unknown>>(text, values)).rows;
        } catch (error) {
          throw toStorageError(error, 'search');
        }
      },
      oneOf: (d, column, values) => `${column} = ANY(${d.param(values, 'strings')})`,
      document: (raw) => decodeIndexDocument(raw) as object,
    };
  }

  /** Creates the (empty) index table on `pool` and opens the index over it. */
  static async open(
    pool: PgQueryable,
    options: PostgresTwinIndexOptions = {},
  ): Promise<PostgresTwinIndex> {
    const table = options.table ?? 'twin_index';
    if (!TABLE_NAME.test(table)) {
      throw new StorageError(`search index table name "${table}" is not a plain identifier`);
    }
    try {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.query(`
CREATE UNLOGGED TABLE ${table} (
  id_key text COLLATE "C" PRIMARY KEY,
  namespace text COLLATE "C" NOT NULL,
  policy text COLLATE "C" NOT NULL,
  doc jsonb NOT NULL
)`);
      await pool.query(`CREATE INDEX ${table}_by_namespace ON ${table} (namespace, id_key)`);
    } catch (error) {
      throw toStorageError(error, `creating the search index table ${table}`);
    }
    return new PostgresTwinIndex(pool, table);
  }

  put(doc: SearchDocument): void {
    const id = encodeIndexString(doc.thingId);
    this.ids.add(doc.thingId);
    this.enqueue({
      id,
      row: [
        encodeIndexString(namespaceOf(doc.thingId)),
        encodeIndexString(doc.policyId ?? ''),
        JSON.stringify(encodeIndexDocument(doc)),
      ],
    });
  }

  remove(thingId: string): void {
    if (!this.ids.delete(thingId)) return;
    this.enqueue({ id: encodeIndexString(thingId), row: null });
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    await this.flushed();
    return sqlSearch(this.backend, query);
  }

  async count(query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>): Promise<number> {
    await this.flushed();
    return sqlCount(this.backend, query);
  }

  size(): number {
    return this.ids.size;
  }

  /** Flushes what is buffered (rejecting when that fails) and stops flushing in the background. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
  }

  private enqueue(write: Write): void {
    this.pending.push(write);
    this.written++;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // A failure is kept for the next search to report; background flushing waits for it.
      this.flushOnce().then(
        () => {
          if (this.pending.length > 0) this.schedule();
        },
        () => undefined,
      );
    });
  }

  /** Resolves once every write made before the call is in the table; rejects with a StorageError. */
  private async flushed(): Promise<void> {
    const target = this.written;
    while (this.flushedThrough < target) await this.flushOnce();
  }

  /** Writes the buffered writes as one batch, or joins the batch in flight. */
  private flushOnce(): Promise<void> {
    this.inFlight ??= this.writeBatch().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const last = new Map<string, Write>();
    for (const write of batch) last.set(write.id, write);
    const removed: string[] = [];
    const cols: [string[], string[], string[], string[]] = [[], [], [], []];
    for (const { id, row } of last.values()) {
      if (row === null) {
        removed.push(id);
        continue;
      }
      cols[0].push(id);
      cols[1].push(row[0]);
      cols[2].push(row[1]);
      cols[3].push(row[2]);
    }
    try {
      // One statement: the deletes and the upserts touch different things.
      await this.pool.query(
        `WITH removed AS (DELETE FROM ${this.table} WHERE id_key = ANY($1::text[]))
         INSERT INTO ${this.table} (id_key, namespace, policy, doc)
         SELECT i, n, p, d::jsonb FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(i, n, p, d)
         ON CONFLICT (id_key) DO UPDATE SET namespace = excluded.namespace, policy = excluded.policy, doc = excluded.doc`,
        [removed, ...cols],
      );
    } catch (error) {
      // Nothing of the batch landed: it goes back ahead of what was written since, in order.
      this.pending = batch.concat(this.pending);
      throw toStorageError(error, 'search index write');
    }
    this.flushedThrough += batch.length;
  }
}
