// Parses Ditto's RQL filter syntax (`and(eq(attributes/a,1),exists(features/x))`) into a FilterNode.
import { errors } from '../core/error-registry.js';
import { MAX_JSON_DEPTH } from '../core/thing-validation.js';
import type { ComparisonOp, FilterNode, RqlValue } from './ast.js';
import {
  MAX_LIKE_COMPARISONS,
  MAX_LIKE_PATTERN_LENGTH,
  MAX_LIKE_PATTERN_TOTAL,
} from './like-pattern.js';

/** Longest accepted filter, in characters. */
export const MAX_FILTER_LENGTH = 100_000;
/** Deepest accepted nesting of and/or/not. */
export const MAX_FILTER_DEPTH = 100;

const COMPARISONS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'like',
  'ilike',
]);
const OPERATORS = 'eq, ne, gt, ge, lt, le, like, ilike, in, exists, empty, and, or, not';

/**
 * Parses an RQL filter with Ditto's grammar. Whitespace is accepted where Ditto accepts it: before
 * the expression, after a value and after the comma between the arguments of and/or. Strings are
 * double- or single-quoted with JSON-like escapes; numbers are JSON numbers plus a leading `+`;
 * `time:now` becomes `opts.now` (default: the current time) as an ISO-8601 string.
 *
 * @example parseFilter('and(eq(attributes/color,"red"),gt(_revision,3))')
 * @throws TwinfoldError rql.expression.invalid saying where the text broke (0-based positions).
 */
export function parseFilter(
  text: string,
  opts: { now?: Date; budget?: FilterBudget } = {},
): FilterNode {
  const budget = opts.budget ?? filterBudget();
  budget.length += text.length;
  if (text.length > MAX_FILTER_LENGTH || budget.length > MAX_FILTER_LENGTH) {
    throw errors.rqlInvalid(
      text.length > MAX_FILTER_LENGTH
        ? `the expression has ${text.length} characters, at most ${MAX_FILTER_LENGTH} are allowed`
        : `the filters have ${budget.length} characters together, at most ${MAX_FILTER_LENGTH} are allowed`,
    );
  }
  const parser = new FilterParser(text, opts.now, budget);
  parser.skipWhitespace();
  const node = parser.query();
  if (parser.pos < text.length) parser.fail('end of input');
  return node;
}

/**
 * What the filters of one request have used of the limits so far: several `filter` parameters
 * (which are and-ed) share one filter's limits, or each would multiply what a document may cost.
 */
export interface FilterBudget {
  length: number;
  likeCount: number;
  likeTotal: number;
}

/** A fresh {@link FilterBudget}, to pass to every {@link parseFilter} of one request. */
export function filterBudget(): FilterBudget {
  return { length: 0, likeCount: 0, likeTotal: 0 };
}

class FilterParser {
  pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly now: Date | undefined,
    private readonly budget: FilterBudget,
  ) {}

  fail(expected: string, at = this.pos): never {
    const found = at >= this.text.length ? 'end of input' : `'${this.text[at]}'`;
    throw errors.rqlInvalid(`unexpected ${found} at position ${at}, expected ${expected}`);
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length && ' \n\r\t\f'.includes(this.text[this.pos])) this.pos++;
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) this.fail(`'${ch}'`);
    this.pos++;
  }

  private word(): string {
    const start = this.pos;
    while (this.pos < this.text.length && /[a-z]/.test(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  query(): FilterNode {
    const start = this.pos;
    const name = this.word();
    if (name === '') this.fail(`an operator (${OPERATORS})`, start);
    const known =
      COMPARISONS.has(name) || ['in', 'exists', 'empty', 'and', 'or', 'not'].includes(name);
    if (!known) {
      throw errors.rqlInvalid(
        `unknown operator '${name}' at position ${start}, expected one of ${OPERATORS}`,
      );
    }
    if (this.text[this.pos] !== '(') this.fail(`'(' after '${name}'`);
    this.pos++;
    if (COMPARISONS.has(name)) return this.comparison(name as ComparisonOp);
    switch (name) {
      case 'in':
        return this.inList();
      case 'exists':
      case 'empty': {
        const path = this.property();
        this.expect(')');
        return { op: name, path };
      }
      default:
        return this.logical(name as 'and' | 'or' | 'not', start);
    }
  }

  private comparison(op: ComparisonOp): FilterNode {
    const path = this.property();
    this.expect(',');
    const valueAt = this.pos;
    const value = this.value();
    if (op === 'like' || op === 'ilike') {
      if (typeof value !== 'string') {
        throw errors.rqlInvalid(`${op} needs a string pattern at position ${valueAt}`);
      }
      this.likePattern(op, value, valueAt);
    }
    this.expect(')');
    return { op, path, value };
  }

  /** Bounds the patterns' length: matching costs their length times the length of each value. */
  private likePattern(op: string, pattern: string, at: number): void {
    if (pattern.length > MAX_LIKE_PATTERN_LENGTH) {
      throw errors.rqlInvalid(
        `the ${op} pattern at position ${at} has ${pattern.length} characters, at most ${MAX_LIKE_PATTERN_LENGTH} are allowed`,
      );
    }
    if (++this.budget.likeCount > MAX_LIKE_COMPARISONS) {
      throw errors.rqlInvalid(
        `the ${op} at position ${at} is one too many: at most ${MAX_LIKE_COMPARISONS} like and ilike comparisons are allowed in one filter (several filter parameters count as one)`,
      );
    }
    this.budget.likeTotal += pattern.length;
    if (this.budget.likeTotal > MAX_LIKE_PATTERN_TOTAL) {
      throw errors.rqlInvalid(
        `the like and ilike patterns up to position ${at} have ${this.budget.likeTotal} characters together, at most ${MAX_LIKE_PATTERN_TOTAL} are allowed in one filter (several filter parameters count as one)`,
      );
    }
  }

  private inList(): FilterNode {
    const path = this.property();
    this.expect(',');
    const values = [this.value()];
    while (this.text[this.pos] === ',') {
      this.pos++;
      values.push(this.value());
    }
    if (this.text[this.pos] !== ')') this.fail("',' or ')'");
    this.pos++;
    return { op: 'in', path, values };
  }

  private logical(op: 'and' | 'or' | 'not', start: number): FilterNode {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw errors.rqlInvalid(
        `'${op}' at position ${start} nests deeper than ${MAX_FILTER_DEPTH} levels`,
      );
    }
    const args = [this.query()];
    if (op === 'not') {
      this.expect(')');
      this.depth--;
      return { op, arg: args[0] };
    }
    while (this.text[this.pos] === ',') {
      this.pos++;
      this.skipWhitespace();
      args.push(this.query());
    }
    if (this.text[this.pos] !== ')') this.fail("',' or ')'");
    this.pos++;
    this.depth--;
    return { op, args };
  }

  /** A property path: every character up to `,`, `)`, `"` or `\`, with backslash escapes. */
  private property(): string {
    const start = this.pos;
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === ',' || ch === ')' || ch === '"') break;
      if (ch === '\\') out += this.escape('"');
      else {
        out += ch;
        this.pos++;
      }
    }
    if (out === '') this.fail('a property path', start);
    const segments = out.split('/');
    if (segments.includes('')) {
      throw errors.rqlInvalid(
        `the property path '${out}' at position ${start} has an empty segment (e.g. 'attributes/a/b')`,
      );
    }
    if (segments.length > MAX_JSON_DEPTH) {
      throw errors.rqlInvalid(
        `the property path at position ${start} has ${segments.length} segments, at most ${MAX_JSON_DEPTH} are allowed (a thing nests no deeper)`,
      );
    }
    return out;
  }

  /** One escape sequence at `pos` (which holds the backslash); returns the character it stands for. */
  private escape(quote: string): string {
    const at = this.pos;
    const ch = this.text[at + 1];
    this.pos += 2;
    switch (ch) {
      case quote:
      case '\\':
      case '/':
        return ch;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.text.slice(at + 2, at + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos += 4;
          return String.fromCharCode(parseInt(hex, 16));
        }
        break;
      }
    }
    throw errors.rqlInvalid(
      ch === undefined
        ? `unexpected end of input after '\\' at position ${at}`
        : `invalid escape '\\${ch}' at position ${at}`,
    );
  }

  private value(): RqlValue {
    const start = this.pos;
    const ch = this.text[start];
    let value: RqlValue;
    if (ch === '"' || ch === "'") {
      value = this.quoted(ch);
    } else if (ch !== undefined && /[-+0-9]/.test(ch)) {
      value = this.number();
    } else {
      const word = this.word();
      if (word === 'true') value = true;
      else if (word === 'false') value = false;
      else if (word === 'null') value = null;
      else if (word === 'time' && this.text[this.pos] === ':') value = this.placeholder(start);
      else this.fail('a value (number, "string", true, false, null or time:now)', start);
    }
    this.skipWhitespace();
    return value;
  }

  private quoted(quote: string): string {
    const start = this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) {
        throw errors.rqlInvalid(`unterminated string starting at position ${start}`);
      }
      const ch = this.text[this.pos];
      if (ch === quote) {
        this.pos++;
        return out;
      }
      if (ch === '\\') out += this.escape(quote);
      else {
        out += ch;
        this.pos++;
      }
    }
  }

  private number(): number {
    const start = this.pos;
    const re = /[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
    re.lastIndex = start;
    const m = re.exec(this.text);
    if (m === null) this.fail('a value (number, "string", true, false, null or time:now)', start);
    const n = Number(m[0]);
    if (!Number.isFinite(n)) {
      throw errors.rqlInvalid(`the number '${m[0]}' at position ${start} is out of range`);
    }
    this.pos = start + m[0].length;
    return n === 0 ? 0 : n; // no -0
  }

  private placeholder(start: number): string {
    this.pos++; // the ':'
    const nameAt = this.pos;
    while (this.pos < this.text.length && !',)"\\'.includes(this.text[this.pos])) this.pos++;
    const name = this.text.slice(nameAt, this.pos);
    if (name !== 'now') {
      throw errors.rqlInvalid(
        `unknown placeholder 'time:${name}' at position ${start}, expected time:now`,
      );
    }
    return (this.now ?? new Date()).toISOString();
  }
}
