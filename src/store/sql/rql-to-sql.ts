// Translates RQL filters, sort keys and keyset cursors into SQL conditions over a dialect's JSON
// functions, with the semantics of evaluateFilter and of the memory index's sort order.
import type { ComparisonOp, FilterNode, RqlValue, SortKey } from '../../rql/ast.js';
import { encodeIndexString } from './index-encoding.js';
import { RANK, type KeyValue } from '../search-cursor.js';

/** A SQL comparison operator. */
export type SqlOp = '=' | '>' | '>=' | '<' | '<=';

/**
 * The scalars one comparison accepts, by JSON type. Strings are encoded (encodeIndexString), so
 * that the database's byte order is the UTF-16 order RQL compares by.
 */
export interface ScalarTest {
  numbers: { op: SqlOp; value: number } | { in: number[] } | null;
  strings: { op: SqlOp; value: string } | { in: string[] } | null;
  /** The booleans that match. */
  booleans: boolean[];
  /** Whether null matches. */
  null: boolean;
}

/** Where a value sits in the document, in the dialect's terms (an expression, or doc and path). */
export type ValueRef = { readonly sql: string; readonly path?: string };

/**
 * The values a path resolves to: one value (a concrete path), or one per row of `from`/`where`
 * (a path with `*` segments: each addressable key of an object at that level).
 */
export interface Resolution {
  ref: ValueRef;
  /** With `*` segments: the FROM list and the WHERE condition that enumerate the resolutions. */
  rows?: { from: string; where: string };
}

/** The SQL expressions of one sort key. */
export interface SortExpressions {
  /** The rank of the value (see RANK): never NULL. */
  rank: string;
  /** The value compared within a rank that has values (number, string, boolean 0/1). */
  value(rank: number): string;
  /** ORDER BY terms, rank first, without direction. */
  order: string[];
  /** Columns a row selects so that {@link keyValue} can rebuild its sort key. */
  select: string[];
  keyValue(columns: unknown[]): KeyValue;
}

/** What a SQL dialect supplies: placeholders and the JSON vocabulary. All predicates are 2-valued. */
export interface SqlDialect {
  /** A placeholder bound to `value` (with a type for the comparison, where the dialect needs one). */
  param(
    value: unknown,
    type?: 'number' | 'string' | 'int' | 'numbers' | 'strings' | 'keys',
  ): string;
  /** The resolutions of a path (`*` segments expand to every addressable key of an object). */
  resolve(segments: string[]): Resolution;
  /** Something resolves there (null included). */
  exists(ref: ValueRef): string;
  /** The value is not null, "", [] or {}. */
  nonEmpty(ref: ValueRef): string;
  /** The value is a scalar the test accepts, or an array with such a scalar element. */
  matches(ref: ValueRef, test: ScalarTest): string;
  /**
   * The value is a string, or an array with a string element, matching the anchored pattern whose
   * literal parts (encoded) are separated by `*` wildcards.
   */
  like(ref: ValueRef, parts: string[]): string;
  /**
   * Where the database can call the like matcher itself (like-pattern.ts): the exact like/ilike
   * test, `?` and case folding included, over a string or an array's string elements.
   */
  likeExactly?(ref: ValueRef, pattern: string, ignoreCase: boolean): string;
  /** The sort expressions of a concrete path. */
  sortKey(segments: string[]): SortExpressions;
  /** The sort expressions of `thingId` (its indexed column). */
  thingIdKey(): SortExpressions;
  readonly true: string;
  readonly false: string;
}

/** A filter in SQL: exact, or a superset of the matches that JavaScript then narrows down. */
export interface SqlFilter {
  sql: string;
  exact: boolean;
}

/**
 * The SQL condition of an RQL filter. Every comparison is exact but like patterns with `?` and
 * ilike (whose case folding is JavaScript's): those give a superset condition and `exact: false`,
 * and the caller checks candidates with evaluateFilter. A negated superset is no condition at all.
 */
export function filterToSql(node: FilterNode, dialect: SqlDialect): SqlFilter {
  switch (node.op) {
    case 'and':
    case 'or': {
      const parts = node.args.map((arg) => filterToSql(arg, dialect));
      const joiner = node.op === 'and' ? ' AND ' : ' OR ';
      return {
        sql: parts.length === 0 ? dialect.true : `(${parts.map((p) => p.sql).join(joiner)})`,
        exact: parts.every((p) => p.exact),
      };
    }
    case 'not': {
      const inner = filterToSql(node.arg, dialect);
      return inner.exact
        ? { sql: `(NOT ${inner.sql})`, exact: true }
        : { sql: dialect.true, exact: false };
    }
    case 'exists':
      return exact(anyResolution(dialect, node.path, (ref) => dialect.exists(ref)));
    case 'empty':
      return exact(`(NOT ${anyResolution(dialect, node.path, (ref) => dialect.nonEmpty(ref))})`);
    case 'ne': {
      const exists = anyResolution(dialect, node.path, (ref) => dialect.exists(ref));
      const eq = matching(dialect, node.path, scalarTestOf('eq', [node.value]));
      return exact(`(${exists} AND NOT ${eq})`);
    }
    case 'in':
      return exact(matching(dialect, node.path, scalarTestOf('in', node.values)));
    case 'like':
    case 'ilike':
      return likeToSql(node.op, node.path, node.value, dialect);
    default:
      return exact(matching(dialect, node.path, scalarTestOf(node.op, [node.value])));
  }
}

/** "Some resolution of `path` passes `test`" (no SQL at all, not even parameters, when none can). */
function matching(dialect: SqlDialect, path: string, test: ScalarTest): string {
  const none =
    test.numbers === null && test.strings === null && test.booleans.length === 0 && !test.null;
  return none ? dialect.false : anyResolution(dialect, path, (ref) => dialect.matches(ref, test));
}

const exact = (sql: string): SqlFilter => ({ sql, exact: true });

/** "Some resolution of `path` satisfies `pred`". */
function anyResolution(dialect: SqlDialect, path: string, pred: (ref: ValueRef) => string): string {
  const { ref, rows } = dialect.resolve(path.split('/'));
  if (rows === undefined) return pred(ref);
  return `EXISTS (SELECT 1 FROM ${rows.from} WHERE ${rows.where} AND ${pred(ref)})`;
}

/** Code units whose encoding takes two code points, and the second one of those (see encodeIndexString). */
const SPLIT_IMAGES = /[\u0000-\u0002]/;

function likeToSql(
  op: 'like' | 'ilike',
  path: string,
  pattern: RqlValue,
  dialect: SqlDialect,
): SqlFilter {
  if (typeof pattern !== 'string') return exact(dialect.false);
  const likeExactly = dialect.likeExactly?.bind(dialect);
  if (likeExactly !== undefined) {
    return exact(anyResolution(dialect, path, (ref) => likeExactly(ref, pattern, op === 'ilike')));
  }
  // ilike folds case as JavaScript does; a pattern with U+0000–U+0002 could match across the
  // two code points of one encoded unit. Both are checked in JavaScript.
  if (op === 'ilike' || SPLIT_IMAGES.test(pattern)) {
    return { sql: anyResolution(dialect, path, (ref) => dialect.exists(ref)), exact: false };
  }
  // `?` is one UTF-16 code unit, which may be two code points once encoded: `*` is its superset.
  const parts = pattern.replaceAll('?', '*').split('*').map(encodeIndexString);
  const sql = anyResolution(dialect, path, (ref) => dialect.like(ref, parts));
  return { sql, exact: !pattern.includes('?') };
}

/** The scalars `op` with `values` accepts (the SQL twin of evaluate.ts's scalarTest). */
export function scalarTestOf(
  op: Exclude<ComparisonOp, 'ne' | 'like' | 'ilike'> | 'in',
  values: readonly RqlValue[],
): ScalarTest {
  const test: ScalarTest = { numbers: null, strings: null, booleans: [], null: false };
  if (op === 'eq' || op === 'in') {
    const numbers: number[] = [];
    const strings: string[] = [];
    for (const v of values) {
      if (typeof v === 'number') numbers.push(v);
      else if (typeof v === 'string') strings.push(encodeIndexString(v));
      else if (typeof v === 'boolean') test.booleans.push(v);
      else test.null = true;
    }
    if (numbers.length > 0) test.numbers = { in: numbers };
    if (strings.length > 0) test.strings = { in: strings };
    return test;
  }
  const sqlOp = ({ gt: '>', ge: '>=', lt: '<', le: '<=' } as const)[op];
  const v = values[0] ?? null;
  if (typeof v === 'number') test.numbers = { op: sqlOp, value: v };
  else if (typeof v === 'string') test.strings = { op: sqlOp, value: encodeIndexString(v) };
  else if (typeof v === 'boolean') {
    const cmp = (x: boolean) => Number(x) - Number(v);
    test.booleans = [false, true].filter((x) => {
      const c = cmp(x);
      return sqlOp === '>' ? c > 0 : sqlOp === '>=' ? c >= 0 : sqlOp === '<' ? c < 0 : c <= 0;
    });
  } else test.null = sqlOp === '>=' || sqlOp === '<=';
  return test;
}

/** The sort expressions of every key of a query (thingId included). */
export function sortExpressions(keys: readonly SortKey[], dialect: SqlDialect): SortExpressions[] {
  return keys.map((key) =>
    key.path === 'thingId' ? dialect.thingIdKey() : dialect.sortKey(key.path.split('/')),
  );
}

/** `ORDER BY …` terms of a query's keys. */
export function orderBy(keys: readonly SortKey[], exprs: readonly SortExpressions[]): string {
  return exprs
    .flatMap((e, i) =>
      e.order.map((term) => `${term} ${keys[i].direction === 'desc' ? 'DESC' : 'ASC'}`),
    )
    .join(', ');
}

const HAS_VALUE = new Set<number>([RANK.number, RANK.string, RANK.boolean]);

function typeOfRank(rank: number): 'number' | 'string' | 'int' {
  return rank === RANK.number ? 'number' : rank === RANK.string ? 'string' : 'int';
}

/** The condition "the row sorts strictly after `after`" (a keyset cursor's position). */
export function afterKey(
  keys: readonly SortKey[],
  exprs: readonly SortExpressions[],
  after: readonly KeyValue[],
  dialect: SqlDialect,
): string {
  const equal: string[] = [];
  const alternatives: string[] = [];
  keys.forEach((key, i) => {
    const e = exprs[i];
    const [rank, value] = after[i];
    const gt = key.direction === 'desc' ? '<' : '>';
    const rankParam = dialect.param(rank, 'int');
    let beyond = `${e.rank} ${gt} ${rankParam}`;
    let same = `${e.rank} = ${rankParam}`;
    if (HAS_VALUE.has(rank)) {
      const v = dialect.param(value, typeOfRank(rank));
      beyond = `(${beyond} OR (${same} AND ${e.value(rank)} ${gt} ${v}))`;
      same = `(${same} AND ${e.value(rank)} = ${v})`;
    }
    alternatives.push(equal.length === 0 ? beyond : `(${[...equal, beyond].join(' AND ')})`);
    equal.push(same);
  });
  return `(${alternatives.join(' OR ')})`;
}
