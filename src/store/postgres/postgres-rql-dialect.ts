// The PostgreSQL dialect of rql-to-sql: jsonb documents read with #>, jsonb_typeof and jsonb_each.
import { encodeIndexKey } from '../sql/index-encoding.js';
import type { ScalarTest, SortExpressions, SqlDialect, ValueRef } from '../sql/rql-to-sql.js';
import { RANK, type KeyValue } from '../search-cursor.js';

const CASTS = {
  number: 'float8',
  string: 'text',
  int: 'int',
  numbers: 'float8[]',
  strings: 'text[]',
  keys: 'text[]',
} as const;

/**
 * Builds the SQL of one statement over a table whose encoded document is the jsonb column `doc`
 * and whose encoded thing id is `id_key`; collects its parameters as `$N`. Keys are encoded so that
 * none reads as an integer: `#>` then never indexes an array, as RQL paths go through objects only.
 */
export class PostgresRqlDialect implements SqlDialect {
  readonly params: unknown[] = [];
  readonly true = 'true';
  readonly false = 'false';
  private aliases = 0;

  param(value: unknown, type?: keyof typeof CASTS): string {
    this.params.push(value);
    return `$${this.params.length}${type === undefined ? '' : `::${CASTS[type]}`}`;
  }

  private readonly paths = new Map<string, string>();

  /**
   * The statement and its values with only the parameters `sql` uses, renumbered: PostgreSQL
   * refuses a parameter it cannot type, and a translation may drop a part it had bound values for
   * (the negation of a superset, say). The dialect writes no `$` but in placeholders.
   */
  bind(sql: string): { text: string; values: unknown[] } {
    const renumbered = new Map<number, number>();
    const values: unknown[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      const old = Number(n);
      let now = renumbered.get(old);
      if (now === undefined) {
        values.push(this.params[old - 1]);
        now = values.length;
        renumbered.set(old, now);
      }
      return `$${now}`;
    });
    return { text, values };
  }

  private at(base: string, segments: readonly string[]): string {
    if (segments.length === 0) return base;
    const joined = segments.join('/');
    let placeholder = this.paths.get(joined);
    if (placeholder === undefined) {
      placeholder = this.param(segments.map(encodeIndexKey), 'keys');
      this.paths.set(joined, placeholder);
    }
    return `(${base} #> ${placeholder})`;
  }

  resolve(segments: string[]) {
    const star = segments.indexOf('*');
    if (star < 0) return { ref: { sql: this.at('doc', segments) } };
    const from: string[] = [];
    const where: string[] = [];
    let base = this.at('doc', segments.slice(0, star));
    let rest = segments.slice(star);
    for (;;) {
      const w = `w${this.aliases++}`;
      // jsonb_each fails on anything but an object: give it an empty one instead.
      from.push(
        `jsonb_each(CASE WHEN jsonb_typeof(${base}) = 'object' THEN ${base} ELSE '{}'::jsonb END) AS ${w}(k, v)`,
      );
      // `/` marks keys no path can address.
      where.push(`position('/' in ${w}.k) = 0`);
      rest = rest.slice(1);
      const next = rest.indexOf('*');
      base = this.at(`${w}.v`, next < 0 ? rest : rest.slice(0, next));
      if (next < 0) break;
      rest = rest.slice(next);
    }
    return { ref: { sql: base }, rows: { from: from.join(', '), where: where.join(' AND ') } };
  }

  exists(ref: ValueRef): string {
    return `(${ref.sql} IS NOT NULL)`;
  }

  nonEmpty(ref: ValueRef): string {
    return `coalesce(${ref.sql} NOT IN ('null'::jsonb, '""'::jsonb, '{}'::jsonb, '[]'::jsonb), false)`;
  }

  matches(ref: ValueRef, test: ScalarTest): string {
    const e = `e${this.aliases++}`;
    const scalar = this.scalar(ref.sql, test);
    const element = this.scalar(`${e}.v`, test);
    if (scalar === null || element === null) return this.false;
    return `(${scalar} OR EXISTS (SELECT 1 FROM ${elements(ref.sql)} AS ${e}(v) WHERE ${element}))`;
  }

  like(ref: ValueRef, parts: string[]): string {
    const pattern = this.param(parts.map(likeLiteral).join('%'), 'string');
    const e = `e${this.aliases++}`;
    return `coalesce(${text(ref.sql)} LIKE ${pattern} OR EXISTS (SELECT 1 FROM ${elements(ref.sql)} AS ${e}(v) WHERE ${text(`${e}.v`)} LIKE ${pattern}), false)`;
  }

  private scalar(v: string, test: ScalarTest): string | null {
    const alternatives: string[] = [];
    if (test.numbers !== null) {
      alternatives.push(
        'in' in test.numbers
          ? `${number(v)} = ANY(${this.param(test.numbers.in, 'numbers')})`
          : `${number(v)} ${test.numbers.op} ${this.param(test.numbers.value, 'number')}`,
      );
    }
    if (test.strings !== null) {
      alternatives.push(
        'in' in test.strings
          ? `${text(v)} = ANY(${this.param(test.strings.in, 'strings')})`
          : `${text(v)} ${test.strings.op} ${this.param(test.strings.value, 'string')}`,
      );
    }
    for (const b of test.booleans) alternatives.push(`${v} = '${b}'::jsonb`);
    if (test.null) alternatives.push(`${v} = 'null'::jsonb`);
    if (alternatives.length === 0) return null;
    // A missing value makes every alternative NULL: say false, so that NOT works.
    return `coalesce(${alternatives.join(' OR ')}, false)`;
  }

  sortKey(segments: string[]): SortExpressions {
    const v = this.at('doc', segments);
    const rank = `(CASE jsonb_typeof(${v}) WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'boolean' THEN 5 ELSE 0 END)`;
    const bool = `(CASE WHEN jsonb_typeof(${v}) = 'boolean' THEN (${v} = 'true'::jsonb)::int END)`;
    return {
      rank,
      value: (r) => (r === RANK.number ? number(v) : r === RANK.string ? text(v) : bool),
      order: [rank, number(v), text(v), bool],
      select: [rank, `${v} #>> '{}'`],
      keyValue: ([r, raw]) => keyValueOf(r as number, raw as string | null),
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

function keyValueOf(rank: number, raw: string | null): KeyValue {
  if (rank === RANK.number) return [rank, Number(raw)];
  if (rank === RANK.string) return [rank, raw as string];
  if (rank === RANK.boolean) return [rank, raw === 'true' ? 1 : 0];
  return [rank];
}

/** The number a jsonb value holds, else NULL (a cast of anything else would fail). */
const number = (v: string) =>
  `(CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v} #>> '{}')::float8 END)`;
/** The string a jsonb value holds in byte order, else NULL. */
const text = (v: string) =>
  `(CASE WHEN jsonb_typeof(${v}) = 'string' THEN ${v} #>> '{}' END) COLLATE "C"`;
/** The elements of a jsonb array; none for anything else. */
const elements = (v: string) =>
  `jsonb_array_elements(CASE WHEN jsonb_typeof(${v}) = 'array' THEN ${v} ELSE '[]'::jsonb END)`;

/** A literal for LIKE with `\` as its escape. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
