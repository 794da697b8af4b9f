// Search and count over a SQL table of encoded documents: the one algorithm both SQL twin indexes
// run (filter in SQL, JavaScript narrowing where SQL is a superset, keyset pages, visibility).
import { errors } from '../../core/error-registry.js';
import type { SortKey } from '../../rql/ast.js';
import { evaluateFilter } from '../../rql/evaluate.js';
import type { SearchPage, SearchQuery } from '../twin-index.js';
import { decodeIndexString, encodeIndexString } from './index-encoding.js';
import {
  afterKey,
  filterToSql,
  orderBy,
  sortExpressions,
  type SqlDialect,
  type SqlFilter,
} from './rql-to-sql.js';
import {
  decodeCursor,
  effectiveSort,
  encodeCursor,
  queryHash,
  type KeyValue,
} from '../search-cursor.js';

/**
 * What a database gives the search: statements over one table with the columns `id_key` (encoded
 * thing id), `namespace` and `policy` (encoded), and `doc` (the encoded document).
 */
export interface SqlSearchBackend<D extends SqlDialect> {
  /** The table, already a safe identifier. */
  readonly table: string;
  /** A dialect for one new statement (it numbers that statement's parameters). */
  dialect(): D;
  /** Runs a SELECT built with `dialect`; columns come back under their aliases. */
  all(dialect: D, sql: string): Promise<Record<string, unknown>[]>;
  /** The condition "`column` is one of `values`" (any number of them). */
  oneOf(dialect: D, column: string, values: string[]): string;
  /** The SQL expression reading the `doc` column for {@link document}. */
  readonly documentColumn: string;
  /** The document of a `doc` column as RQL sees it (decoded). */
  document(raw: unknown): object;
  /**
   * Whether one query may test policies hidden by a NOT IN list: only when no write can land
   * between the statement that lists policies and the one that reads rows.
   */
  readonly atomicReads: boolean;
}

/** Candidate rows read per statement when JavaScript narrows the filter down. */
const BATCH = 256;

/** A query's scope: namespaces and visibility as SQL, or nothing to find. */
type Scope = ((d: SqlDialect) => string[]) | null;

/** One search over `backend` with the semantics of the memory index (see TwinIndex.search). */
export async function sqlSearch<D extends SqlDialect>(
  backend: SqlSearchBackend<D>,
  query: SearchQuery,
): Promise<SearchPage> {
  if (!Number.isInteger(query.size) || query.size < 1 || query.size > 200) {
    throw errors.searchOptionInvalid(
      `size(${query.size}) is out of range: the page size is 1 to 200`,
    );
  }
  const keys = effectiveSort(query.sort);
  const hash = queryHash(query.filter, query.namespaces, keys);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, hash, keys);
  const scope = await scopeOf(backend, query);
  if (scope === null) return { thingIds: [] };
  const rows = await scan(backend, query, scope, keys, after, query.size + 1);
  const more = rows.length > query.size;
  const page: SearchPage = { thingIds: rows.slice(0, query.size).map((r) => r.thingId) };
  if (more) page.cursor = encodeCursor(hash, rows[query.size - 1].key);
  return page;
}

/** One count over `backend` (see TwinIndex.count). */
export async function sqlCount<D extends SqlDialect>(
  backend: SqlSearchBackend<D>,
  query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>,
): Promise<number> {
  const scope = await scopeOf(backend, query);
  if (scope === null) return 0;
  const probe = query.filter === undefined ? null : filterToSql(query.filter, backend.dialect());
  if (probe === null || probe.exact) {
    const d = backend.dialect();
    const where = conditions(d, scope, query.filter);
    const [row] = await backend.all(d, `SELECT count(*) AS n FROM ${backend.table}${where}`);
    return Number(row.n);
  }
  const byId: SortKey[] = [{ path: 'thingId', direction: 'asc' }];
  return (await scan(backend, query, scope, byId, null, Infinity)).length;
}

function conditions(
  d: SqlDialect,
  scope: NonNullable<Scope>,
  filter: SearchQuery['filter'],
): string {
  const parts = scope(d);
  if (filter !== undefined) parts.push(filterToSql(filter, d).sql);
  return parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`;
}

/**
 * Namespaces and visibility as conditions. `visible` is asked once per distinct policy of the
 * things in the namespaces; null when it hides them all.
 */
async function scopeOf<D extends SqlDialect>(
  backend: SqlSearchBackend<D>,
  query: Pick<SearchQuery, 'namespaces' | 'visible'>,
): Promise<Scope> {
  const namespaces = [...new Set(query.namespaces ?? [])].map(encodeIndexString);
  const inNamespaces = (d: SqlDialect): string[] =>
    namespaces.length === 0 ? [] : [backend.oneOf(d as D, 'namespace', namespaces)];
  const visible = query.visible;
  if (visible === undefined) return inNamespaces;
  const d = backend.dialect();
  const where = inNamespaces(d);
  // Visibility may depend on the namespace too (policy entries restricted to namespaces): it is
  // asked once per distinct (policy, namespace) pair. Namespaces never hold a '/', so the pair's
  // key `policy/namespace` is unambiguous.
  const rows = await backend.all(
    d,
    `SELECT DISTINCT policy AS p, namespace AS n FROM ${backend.table}${where.length === 0 ? '' : ` WHERE ${where[0]}`}`,
  );
  const shown: string[] = [];
  const hidden: string[] = [];
  for (const { p, n } of rows) {
    const key = `${p as string}/${n as string}`;
    (visible(decodeIndexString(p as string), decodeIndexString(n as string)) ? shown : hidden).push(
      key,
    );
  }
  if (shown.length === 0) return null;
  if (hidden.length === 0) return inNamespaces;
  const pair = "(policy || '/' || namespace)";
  if (backend.atomicReads && hidden.length < shown.length) {
    return (dd) => [...inNamespaces(dd), `NOT ${backend.oneOf(dd as D, pair, hidden)}`];
  }
  // A policy written after the listing is not in `shown`: its things stay hidden, never shown unasked.
  return (dd) => [...inNamespaces(dd), backend.oneOf(dd as D, pair, shown)];
}

interface Row {
  thingId: string;
  key: KeyValue[];
}

/**
 * The first `limit` rows in sort order after `after` that match the filter: one statement when
 * SQL says it exactly, else batches of candidates checked with evaluateFilter.
 */
async function scan<D extends SqlDialect>(
  backend: SqlSearchBackend<D>,
  query: Pick<SearchQuery, 'filter'>,
  scope: NonNullable<Scope>,
  keys: SortKey[],
  after: KeyValue[] | null,
  limit: number,
): Promise<Row[]> {
  const filter = query.filter;
  const idAt = keys.findIndex((k) => k.path === 'thingId');
  const out: Row[] = [];
  let from = after;
  for (;;) {
    const d = backend.dialect();
    const parts = scope(d);
    let sql: SqlFilter = { sql: '', exact: true };
    if (filter !== undefined) {
      sql = filterToSql(filter, d);
      parts.push(sql.sql);
    }
    const exprs = sortExpressions(keys, d);
    if (from !== null) parts.push(afterKey(keys, exprs, from, d));
    const columns = exprs.flatMap((e) => e.select);
    const batch = sql.exact ? limit : BATCH;
    const text =
      `SELECT ${columns.map((c, i) => `${c} AS c${i}`).join(', ')}${sql.exact ? '' : `, ${backend.documentColumn} AS doc`}` +
      ` FROM ${backend.table}${parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`}` +
      ` ORDER BY ${orderBy(keys, exprs)}${Number.isFinite(batch) ? ` LIMIT ${batch}` : ''}`;
    const rows = await backend.all(d, text);
    let key: KeyValue[] = [];
    for (const row of rows) {
      let at = 0;
      key = exprs.map((e) => e.keyValue(e.select.map(() => row[`c${at++}`])));
      if (
        !sql.exact &&
        !evaluateFilter(filter as NonNullable<typeof filter>, backend.document(row.doc))
      ) {
        continue;
      }
      out.push({ thingId: decodeIndexString(key[idAt][1] as string), key });
      if (out.length >= limit) return out;
    }
    if (sql.exact || rows.length < batch) return out;
    from = key;
  }
}
