// Parses Ditto's search `option=` parameter: sort(+a,-b), size(n), cursor(token).
import { errors } from '../core/error-registry.js';
import { MAX_JSON_DEPTH } from '../core/thing-validation.js';
import type { SearchOptions, SortKey } from './ast.js';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;
/** The largest offset of `limit(offset,count)`: paging deeper needs cursors. */
export const MAX_OFFSET = 10_000;

/**
 * Parses search options. Absent or blank text gives the defaults: sort by `+thingId`, size 25.
 * Options are comma-separated, each at most once. Ditto's deprecated `limit(offset,count)` pages
 * by offset (at most {@link MAX_OFFSET}); it goes with neither `cursor` nor `size`.
 *
 * @example parseOptions('sort(+attributes/a,-thingId),size(10)')
 * @throws TwinfoldError things-search:search.option.invalid saying what is wrong and where.
 */
export function parseOptions(text: string | undefined): SearchOptions {
  const options: SearchOptions = {
    sort: [{ path: 'thingId', direction: 'asc' }],
    size: DEFAULT_PAGE_SIZE,
  };
  if (text === undefined || text.trim() === '') return options;
  const p = new OptionScanner(text);
  p.skipWhitespace();
  const seen = new Set<string>();
  for (;;) {
    const start = p.pos;
    const name = p.word();
    if (name !== 'sort' && name !== 'size' && name !== 'cursor' && name !== 'limit') {
      throw errors.searchOptionInvalid(
        name === ''
          ? p.unexpected('an option: sort(...), size(n), cursor(token) or limit(offset,count)')
          : `unknown option '${name}' at position ${start}, expected sort, size, cursor or limit`,
      );
    }
    if (seen.has(name)) {
      throw errors.searchOptionInvalid(`option '${name}' at position ${start} is given twice`);
    }
    seen.add(name);
    p.expect('(');
    if (name === 'sort') options.sort = p.sortKeys();
    else if (name === 'size') options.size = p.size();
    else if (name === 'limit') {
      options.offset = p.count('offset', 0, MAX_OFFSET);
      p.expect(',');
      options.size = p.count('count', 1, MAX_PAGE_SIZE);
    } else options.cursor = p.cursor();
    p.expect(')');
    if (p.pos >= text.length) return checkLimit(options, seen);
    p.expect(',');
  }
}

/** Ditto: `limit` pages by offset, so it goes with neither `cursor` nor (Twinfold) `size`. */
function checkLimit(options: SearchOptions, seen: Set<string>): SearchOptions {
  if (!seen.has('limit')) return options;
  if (seen.has('cursor'))
    throw errors.cursorInvalid("The options 'cursor' and 'limit' must not be used together.");
  if (seen.has('size'))
    throw errors.searchOptionInvalid(
      "The options 'size' and 'limit' must not be used together: limit(offset,count) sets the page size itself.",
    );
  return options;
}

class OptionScanner {
  pos = 0;

  constructor(private readonly text: string) {}

  unexpected(expected: string, at = this.pos): string {
    const found = at >= this.text.length ? 'end of input' : `'${this.text[at]}'`;
    return `unexpected ${found} at position ${at}, expected ${expected}`;
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length && ' \n\r\t\f'.includes(this.text[this.pos])) this.pos++;
  }

  word(): string {
    const start = this.pos;
    while (this.pos < this.text.length && /[a-z]/.test(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  expect(ch: string): void {
    if (this.text[this.pos] !== ch) throw errors.searchOptionInvalid(this.unexpected(`'${ch}'`));
    this.pos++;
  }

  /** Characters up to `,` or `)`; quotes and backslashes are not allowed. */
  private literal(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !',)'.includes(this.text[this.pos])) {
      if ('"\\'.includes(this.text[this.pos])) {
        throw errors.searchOptionInvalid(this.unexpected("a path, ',' or ')'"));
      }
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }

  sortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    for (;;) {
      const at = this.pos;
      const sign = this.text[at];
      if (sign !== '+' && sign !== '-') {
        const hint = sign === ' ' ? " (a '+' in a URL must be encoded as %2B)" : '';
        throw errors.searchOptionInvalid(
          `${this.unexpected("'+' or '-' before the sort path", at)}${hint}`,
        );
      }
      this.pos++;
      const path = this.literal();
      const segments = path.split('/');
      if (path === '' || segments.includes('')) {
        throw errors.searchOptionInvalid(
          `the sort path '${path}' at position ${at + 1} is empty or has an empty segment`,
        );
      }
      if (segments.includes('*')) {
        throw errors.searchOptionInvalid(
          `the sort path '${path}' at position ${at + 1} has a '*': sorting needs a concrete path`,
        );
      }
      if (segments.length > MAX_JSON_DEPTH) {
        throw errors.searchOptionInvalid(
          `the sort path at position ${at + 1} has ${segments.length} segments, at most ${MAX_JSON_DEPTH} are allowed`,
        );
      }
      keys.push({ path, direction: sign === '+' ? 'asc' : 'desc' });
      if (this.text[this.pos] !== ',') return keys;
      this.pos++;
    }
  }

  size(): number {
    const at = this.pos;
    const digits = /^[0-9]+/.exec(this.text.slice(at))?.[0] ?? '';
    if (digits === '') throw errors.searchOptionInvalid(this.unexpected('a page size (digits)'));
    this.pos += digits.length;
    const n = Number(digits);
    if (n < 1 || n > MAX_PAGE_SIZE) {
      throw errors.searchOptionInvalid(
        `size(${digits}) at position ${at} is out of range: the page size is 1 to ${MAX_PAGE_SIZE}`,
      );
    }
    return n;
  }

  /** A whole number from `min` to `max` (an argument of limit). */
  count(what: string, min: number, max: number): number {
    const at = this.pos;
    const digits = /^[0-9]+/.exec(this.text.slice(at))?.[0] ?? '';
    if (digits === '') throw errors.searchOptionInvalid(this.unexpected(`the ${what} (digits)`));
    this.pos += digits.length;
    const n = Number(digits);
    if (n < min || n > max) {
      throw errors.searchOptionInvalid(
        `the ${what} ${digits} of limit at position ${at} is out of range: it is ${min} to ${max}`,
      );
    }
    return n;
  }

  cursor(): string {
    const at = this.pos;
    const token = this.literal();
    if (token === '') throw errors.searchOptionInvalid(this.unexpected('a cursor token', at));
    return token;
  }
}
