// The SQLite search index: one table of encoded documents, RQL translated to SQLite's JSON functions.
import Database from 'better-sqlite3';
import type { JsonPrimitive } from '../../core/json.js';
import type { SearchDocument } from '../../core/thing.js';
import { isAddressableKey, isScalar } from '../../rql/evaluate.js';
import {
  encodeIndexDocument,
  encodeIndexString,
  namespaceOf,
  decodeIndexDocument,
} from '../sql/index-encoding.js';
import { sqlCount, sqlSearch, type SqlSearchBackend } from '../sql/sql-twin-search.js';
import { unavailableWhile } from '../storage-errors.js';
import type { SearchPage, SearchQuery, TwinIndex } from '../twin-index.js';
import { registerLikeFunction, SqliteRqlDialect, sqlitePath } from './sqlite-rql-dialect.js';

const TABLE = 'twin_index';

/**
 * A {@link TwinIndex} in a SQLite file (or `:memory:`). The index is a projection of the journal:
 * opening it drops what the file held and starts empty, and the runtime fills it at start. Writes
 * are synchronous statements; the file is written without fsync (nothing is lost that the journal
 * does not have).
 *
 * Filters run as SQL over `json_type`/`json_extract`/`json_each`, like and ilike through a
 * registered function running the memory index's matcher: every filter is exact in SQL. Strings and keys are stored encoded
 * (index-encoding.ts), so SQLite's byte order is the UTF-16 order of the memory index.
 *
 * @example
 * const index = SqliteTwinIndex.open(join(dataDir, 'index.db'));
 * index.put(doc);
 * await index.search({ filter: parseFilter('gt(attributes/n,1)'), sort: [], size: 25 });
 */
export class SqliteTwinIndex implements TwinIndex {
  private readonly insert: Database.Statement;
  private readonly delete: Database.Statement;
  private readonly replace: Database.Statement;
  private readonly countAll: Database.Statement;
  // Documents are stored as SQLite's binary JSONB: the JSON functions then read them without parsing.
  private readonly backend: SqlSearchBackend<SqliteRqlDialect>;

  private constructor(private readonly db: Database.Database) {
    registerLikeFunction(db);
    db.exec(`
DROP TABLE IF EXISTS ${TABLE};
CREATE TABLE ${TABLE} (
  id_key TEXT PRIMARY KEY,
  namespace TEXT NOT NULL,
  policy TEXT NOT NULL,
  doc BLOB NOT NULL
);
CREATE INDEX ${TABLE}_by_namespace ON ${TABLE} (namespace, id_key);
`);
    this.insert = db.prepare(
      `INSERT INTO ${TABLE} (id_key, namespace, policy, doc) VALUES (?, ?, ?, jsonb(?))
       ON CONFLICT (id_key) DO UPDATE SET namespace = excluded.namespace, policy = excluded.policy, doc = excluded.doc`,
    );
    this.delete = db.prepare(`DELETE FROM ${TABLE} WHERE id_key = ?`);
    this.replace = db.prepare(
      `UPDATE ${TABLE} SET doc = jsonb_set(doc, @path, json(@value), '$."_revision"', json(@revision), '$."_modified"', json(@modified))
       WHERE id_key = @id AND json_type(doc, @path) IN ('null', 'true', 'false', 'integer', 'real', 'text')`,
    );
    this.countAll = db.prepare(`SELECT count(*) AS n FROM ${TABLE}`).pluck();
    const statements = new Map<string, Database.Statement>();
    this.backend = {
      table: TABLE,
      atomicReads: true,
      documentColumn: 'json(doc)',
      dialect: () => new SqliteRqlDialect(),
      all: async (d, sql) => {
        let statement = statements.get(sql);
        if (statement === undefined) {
          statement = this.db.prepare(sql);
          if (statements.size > 256) statements.clear();
          statements.set(sql, statement);
        }
        return this.guard('search', () => statement.all(d.params) as Record<string, unknown>[]);
      },
      oneOf: (d, column, values) =>
        `${column} IN (SELECT value FROM json_each(${d.param(JSON.stringify(values))}))`,
      document: (raw) => decodeIndexDocument(JSON.parse(raw as string)) as object,
    };
  }

  /** Opens (and empties) the index at `path`; fails with StorageUnavailableError. */
  static open(path: string): SqliteTwinIndex {
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      // A projection rebuilt at every start: no fsync.
      db.pragma('synchronous = OFF');
      return new SqliteTwinIndex(db);
    } catch (error) {
      db?.close();
      throw unavailableWhile(`cannot open the SQLite search index ${path}`, error);
    }
  }

  put(doc: SearchDocument): void {
    const id = encodeIndexString(doc.thingId);
    this.write(() =>
      this.insert.run(
        id,
        encodeIndexString(namespaceOf(doc.thingId)),
        encodeIndexString(doc.policyId ?? ''),
        JSON.stringify(encodeIndexDocument(doc)),
      ),
    );
  }

  replaceScalar(
    thingId: string,
    path: string,
    value: JsonPrimitive,
    revision: number,
    modified: string,
  ): boolean {
    // The policy and the id have columns of their own: a change of them goes through put.
    if (path === 'policyId' || path === 'thingId' || !isScalar(value)) return false;
    const segments = path.split('/');
    if (!segments.every(isAddressableKey)) return false;
    const { changes } = this.write(() =>
      this.replace.run({
        id: encodeIndexString(thingId),
        path: sqlitePath(segments),
        value: JSON.stringify(encodeIndexDocument(value)),
        revision: JSON.stringify(revision),
        modified: JSON.stringify(encodeIndexString(modified)),
      }),
    );
    return changes === 1;
  }

  remove(thingId: string): void {
    this.write(() => this.delete.run(encodeIndexString(thingId)));
  }

  search(query: SearchQuery): Promise<SearchPage> {
    return sqlSearch(this.backend, query);
  }

  count(query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>): Promise<number> {
    return sqlCount(this.backend, query);
  }

  size(): number {
    return this.guard('count', () => this.countAll.get() as number);
  }

  close(): void {
    if (!this.db.open) return;
    this.commit();
    this.db.close();
  }

  /**
   * Runs a write inside the transaction of the current turn of the event loop, opened by its first
   * write and committed at the next: a rebuild of many things costs one commit per turn, not one
   * per thing. Reads run on the same connection, so they see every write before them regardless.
   */
  private write<T>(run: () => T): T {
    if (!this.db.inTransaction) {
      this.guard('write', () => this.db.exec('BEGIN'));
      setImmediate(() => this.commit());
    }
    return this.guard('write', run);
  }

  private commit(): void {
    if (!this.db.open || !this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
    } catch {
      // A full disk, say. The writes stay in the open transaction, visible to every read; a later
      // turn tries again (rolling back would make the index disagree with the twins' state).
      setTimeout(() => this.commit(), 1000).unref();
    }
  }

  private guard<T>(doing: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw unavailableWhile(`search index ${doing} failed`, error);
    }
  }
}
