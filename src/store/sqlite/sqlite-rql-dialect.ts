// The SQLite dialect of rql-to-sql: JSON text documents read with json_type, json_extract and json_each.
import type Database from 'better-sqlite3';
import { compileLike } from '../../rql/like-pattern.js';
import { decodeIndexString, encodeIndexKey } from '../sql/index-encoding.js';
import type { ScalarTest, SortExpressions, SqlDialect, ValueRef } from '../sql/rql-to-sql.js';
import { RANK, type KeyValue } from '../search-cursor.js';

/** A JSON path of SQLite over encoded keys (which never hold `"`), e.g. `$."attributes"."n"`. */
export function sqlitePath(segments: readonly string[]): string {
  return `$${segments.map((s) => `."${encodeIndexKey(s)}"`).join('')}`;
}

const NUMBER_TYPES = `('integer','real')`;

/** The SQL function {@link registerLikeFunction} registers. */
const LIKE_FUNCTION = 'twinfold_like';

/**
 * Registers `twinfold_like(value, pattern, ignoreCase)` on a connection: RQL's like/ilike over an
 * encoded string (compileLike, linear in the value), so that SQLite filters exactly as the memory
 * index does. Matchers are kept for the last patterns used.
 */
export function registerLikeFunction(db: Database.Database): void {
  const matchers = new Map<string, (s: string) => boolean>();
  db.function(LIKE_FUNCTION, { deterministic: true }, (value, pattern, fold) => {
    if (typeof value !== 'string' || typeof pattern !== 'string') return 0;
    const key = `${fold === 1 ? 'i' : 'c'}${pattern}`;
    let matches = matchers.get(key);
    if (matches === undefined) {
      if (matchers.size >= 64) matchers.clear();
      matches = compileLike(pattern, fold === 1);
      matchers.set(key, matches);
    }
    return matches(decodeIndexString(value)) ? 1 : 0;
  });
}

/**
 * Builds the SQL of one statement over a table whose encoded document is the column `doc` and
 * whose encoded thing id is `id_key`; collects its parameters as `@pN` names.
 */
export class SqliteRqlDialect implements SqlDialect {
  readonly params: Record<string, unknown> = {};
  readonly true = '1';
  readonly false = '0';
  private n = 0;
  private aliases = 0;

  param(value: unknown): string {
    const name = `p${this.n++}`;
    this.params[name] = value;
    return `@${name}`;
  }

  resolve(segments: string[]) {
    const star = segments.indexOf('*');
    if (star < 0) return { ref: { sql: 'doc', path: this.param(sqlitePath(segments)) } };
    const from: string[] = [];
    const where: string[] = [];
    let base = this.param(sqlitePath(segments.slice(0, star)));
    let rest = segments.slice(star);
    for (;;) {
      const w = `w${this.aliases++}`;
      from.push(`json_each(doc, ${base}) AS ${w}`);
      // The level must be an object (json_each would list an array's elements); `/` marks keys
      // no path can address.
      where.push(`json_type(doc, ${base}) = 'object'`, `instr(${w}.key, '/') = 0`);
      rest = rest.slice(1);
      const next = rest.indexOf('*');
      const concrete = next < 0 ? rest : rest.slice(0, next);
      base =
        concrete.length === 0
          ? `${w}.fullkey`
          : `(${w}.fullkey || ${this.param(sqlitePath(concrete).slice(1))})`;
      if (next < 0) break;
      rest = rest.slice(next);
    }
    return {
      ref: { sql: 'doc', path: base },
      rows: { from: from.join(', '), where: where.join(' AND ') },
    };
  }

  exists(ref: ValueRef): string {
    return `(${type(ref)} IS NOT NULL)`;
  }

  nonEmpty(ref: ValueRef): string {
    const t = type(ref);
    const v = extract(ref);
    return `(CASE ${t} WHEN 'null' THEN 0 WHEN 'text' THEN ${v} <> '' WHEN 'object' THEN ${v} <> '{}' WHEN 'array' THEN ${v} <> '[]' WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 1 WHEN 'real' THEN 1 ELSE 0 END)`;
  }

  matches(ref: ValueRef, test: ScalarTest): string {
    const e = `e${this.aliases++}`;
    const scalar = this.scalar(type(ref), extract(ref), test);
    const element = this.scalar(`${e}.type`, `${e}.value`, test);
    if (scalar === null || element === null) return this.false;
    return `coalesce(${scalar} OR (${type(ref)} = 'array' AND EXISTS (SELECT 1 FROM json_each(${ref.sql}, ${ref.path}) AS ${e} WHERE ${element})), 0)`;
  }

  like(ref: ValueRef, parts: string[]): string {
    const glob = this.param(parts.map(globLiteral).join('*'));
    const e = `e${this.aliases++}`;
    return `coalesce((${type(ref)} = 'text' AND ${extract(ref)} GLOB ${glob}) OR (${type(ref)} = 'array' AND EXISTS (SELECT 1 FROM json_each(${ref.sql}, ${ref.path}) AS ${e} WHERE ${e}.type = 'text' AND ${e}.value GLOB ${glob})), 0)`;
  }

  likeExactly(ref: ValueRef, pattern: string, ignoreCase: boolean): string {
    const p = this.param(pattern);
    const fold = ignoreCase ? 1 : 0;
    const e = `e${this.aliases++}`;
    return `coalesce((${type(ref)} = 'text' AND ${LIKE_FUNCTION}(${extract(ref)}, ${p}, ${fold})) OR (${type(ref)} = 'array' AND EXISTS (SELECT 1 FROM json_each(${ref.sql}, ${ref.path}) AS ${e} WHERE ${e}.type = 'text' AND ${LIKE_FUNCTION}(${e}.value, ${p}, ${fold}))), 0)`;
  }

  /** The test over a value of json type `t` and SQL value `v`; null when nothing can match. */
  private scalar(t: string, v: string, test: ScalarTest): string | null {
    const alternatives: string[] = [];
    if (test.numbers !== null) {
      alternatives.push(
        'in' in test.numbers
          ? `(${t} IN ${NUMBER_TYPES} AND ${v} IN (${test.numbers.in.map((x) => this.param(x)).join(', ')}))`
          : `(${t} IN ${NUMBER_TYPES} AND ${v} ${test.numbers.op} ${this.param(test.numbers.value)})`,
      );
    }
    if (test.strings !== null) {
      alternatives.push(
        'in' in test.strings
          ? `(${t} = 'text' AND ${v} IN (${test.strings.in.map((x) => this.param(x)).join(', ')}))`
          : `(${t} = 'text' AND ${v} ${test.strings.op} ${this.param(test.strings.value)})`,
      );
    }
    for (const b of test.booleans) alternatives.push(`${t} = '${b ? 'true' : 'false'}'`);
    if (test.null) alternatives.push(`${t} = 'null'`);
    if (alternatives.length === 0) return null;
    // A missing value makes every alternative NULL: say false, so that NOT works.
    return `coalesce(${alternatives.join(' OR ')}, 0)`;
  }

  sortKey(segments: string[]): SortExpressions {
    const ref = { sql: 'doc', path: this.param(sqlitePath(segments)) };
    const t = type(ref);
    const rank = `(CASE ${t} WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'true' THEN 5 WHEN 'false' THEN 5 ELSE 0 END)`;
    // json_extract gives numbers, text, and 1/0 for true/false; containers compare as equals.
    const value = `(CASE WHEN ${t} IN ('object','array') THEN NULL ELSE ${extract(ref)} END)`;
    return {
      rank,
      value: () => value,
      order: [rank, value],
      select: [rank, value],
      keyValue: ([r, v]) => keyValueOf(r as number, v),
    };
  }

  thingIdKey(): SortExpressions {
    return {
      rank: String(RANK.string),
      value: () => 'id_key',
      order: ['id_key'],
      select: ['id_key'],
      keyValue: ([v]) => [RANK.string, v as string],
    };
  }
}

function keyValueOf(rank: number, value: unknown): KeyValue {
  if (rank === RANK.number || rank === RANK.string) return [rank, value as number | string];
  if (rank === RANK.boolean) return [rank, value === 1 ? 1 : 0];
  return [rank];
}

const type = (ref: ValueRef) => `json_type(${ref.sql}, ${ref.path})`;
const extract = (ref: ValueRef) => `json_extract(${ref.sql}, ${ref.path})`;

/** A literal for GLOB: its wildcards and `[` each in a bracket of its own. */
function globLiteral(text: string): string {
  return text.replace(/[*?[]/g, (c) => `[${c}]`);
}
