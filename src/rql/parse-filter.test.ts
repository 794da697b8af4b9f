// Tests of the RQL filter parser: every operator, every value form, every error with its position.
import { describe, expect, it } from 'vitest';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { filterBudget, parseFilter } from './parse-filter.js';

function errorOf(text: string): TwinfoldError {
  try {
    parseFilter(text);
  } catch (err) {
    if (err instanceof TwinfoldError) return err;
    throw err;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('parseFilter - operators', () => {
  it.each(['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const)('parses %s', (op) => {
    expect(parseFilter(`${op}(attributes/a,1)`)).toEqual({ op, path: 'attributes/a', value: 1 });
  });

  it('parses like and ilike with string patterns', () => {
    expect(parseFilter('like(attributes/n,"dev*")')).toEqual({
      op: 'like',
      path: 'attributes/n',
      value: 'dev*',
    });
    expect(parseFilter('ilike(attributes/n,"D?v")')).toEqual({
      op: 'ilike',
      path: 'attributes/n',
      value: 'D?v',
    });
  });

  it('parses in with one or several values', () => {
    expect(parseFilter('in(a,1)')).toEqual({ op: 'in', path: 'a', values: [1] });
    expect(parseFilter('in(a,1,"x",true,null)')).toEqual({
      op: 'in',
      path: 'a',
      values: [1, 'x', true, null],
    });
  });

  it('parses exists and empty', () => {
    expect(parseFilter('exists(features/x)')).toEqual({ op: 'exists', path: 'features/x' });
    expect(parseFilter('empty(attributes/tags)')).toEqual({ op: 'empty', path: 'attributes/tags' });
  });

  it('parses and, or with one or more args, and not', () => {
    expect(parseFilter('and(eq(a,1))')).toEqual({
      op: 'and',
      args: [{ op: 'eq', path: 'a', value: 1 }],
    });
    expect(parseFilter('or(eq(a,1),exists(b),not(eq(c,"x")))')).toEqual({
      op: 'or',
      args: [
        { op: 'eq', path: 'a', value: 1 },
        { op: 'exists', path: 'b' },
        { op: 'not', arg: { op: 'eq', path: 'c', value: 'x' } },
      ],
    });
  });

  it('keeps wildcard segments and special fields in paths', () => {
    expect(parseFilter('eq(features/*/properties/on,true)')).toEqual({
      op: 'eq',
      path: 'features/*/properties/on',
      value: true,
    });
    expect(parseFilter('gt(_modified,"2024")')).toMatchObject({ path: '_modified' });
  });
});

describe('parseFilter - values', () => {
  const value = (text: string) => (parseFilter(`eq(a,${text})`) as { value: unknown }).value;

  it('parses integers, decimals, signs and exponents', () => {
    expect(value('0')).toBe(0);
    expect(value('42')).toBe(42);
    expect(value('-7')).toBe(-7);
    expect(value('+7')).toBe(7);
    expect(value('3.25')).toBe(3.25);
    expect(value('-0.5')).toBe(-0.5);
    expect(value('1e3')).toBe(1000);
    expect(value('2.5E-2')).toBe(0.025);
    expect(Object.is(value('-0'), 0)).toBe(true);
  });

  it('parses double-quoted strings with escapes', () => {
    expect(value('"red"')).toBe('red');
    expect(value('""')).toBe('');
    expect(value(String.raw`"a\"b\\c\/d"`)).toBe('a"b\\c/d');
    expect(value(String.raw`"\n\t\r\b\f"`)).toBe('\n\t\r\b\f');
    expect(value(String.raw`"\u00e9"`)).toBe('é');
    expect(value('"a,b)c(d"')).toBe('a,b)c(d');
  });

  it('parses single-quoted strings as Ditto does', () => {
    expect(value("'red'")).toBe('red');
    expect(value(String.raw`'it\'s'`)).toBe("it's");
    expect(value(`'say "hi"'`)).toBe('say "hi"');
  });

  it('parses true, false and null', () => {
    expect(value('true')).toBe(true);
    expect(value('false')).toBe(false);
    expect(value('null')).toBe(null);
  });

  it('resolves time:now to the given instant as ISO-8601', () => {
    const now = new Date('2024-05-06T07:08:09.010Z');
    expect(parseFilter('gt(_modified,time:now)', { now })).toEqual({
      op: 'gt',
      path: '_modified',
      value: '2024-05-06T07:08:09.010Z',
    });
    const before = Date.now();
    const v = (parseFilter('lt(_created,time:now)') as { value: string }).value;
    expect(Date.parse(v)).toBeGreaterThanOrEqual(before);
  });

  it('unescapes property paths', () => {
    expect(parseFilter(String.raw`exists(attributes/a\"b)`)).toEqual({
      op: 'exists',
      path: 'attributes/a"b',
    });
  });
});

describe('parseFilter - whitespace as Ditto', () => {
  it('accepts whitespace before the expression, after values and after commas of and/or', () => {
    expect(parseFilter(' \n\tand(eq(a,1 ),\n or(eq(b,"x"\t)))')).toEqual({
      op: 'and',
      args: [
        { op: 'eq', path: 'a', value: 1 },
        { op: 'or', args: [{ op: 'eq', path: 'b', value: 'x' }] },
      ],
    });
    expect(parseFilter('in(a,1 ,2 )')).toEqual({ op: 'in', path: 'a', values: [1, 2] });
  });

  it('rejects whitespace before a value', () => {
    expect(errorOf('eq(a, 1)').message).toContain("unexpected ' ' at position 5, expected a value");
  });

  it('rejects trailing whitespace after the expression', () => {
    expect(errorOf('eq(a,1) ').message).toContain(
      "unexpected ' ' at position 7, expected end of input",
    );
  });
});

describe('parseFilter - errors', () => {
  const cases: [string, string][] = [
    ['', 'unexpected end of input at position 0, expected an operator'],
    ['foo(a,1)', "unknown operator 'foo' at position 0"],
    ['and(eq(a,1),bar(b))', "unknown operator 'bar' at position 12"],
    ['eq', "unexpected end of input at position 2, expected '(' after 'eq'"],
    ['eq (a,1)', "unexpected ' ' at position 2, expected '(' after 'eq'"],
    ['eq(,1)', "unexpected ',' at position 3, expected a property path"],
    ['eq(a)', "unexpected ')' at position 4, expected ','"],
    ['eq(a,)', "unexpected ')' at position 5, expected a value"],
    ['and(eq(attributes/x,)', "unexpected ')' at position 20, expected a value"],
    ['eq(a,1', "unexpected end of input at position 6, expected ')'"],
    ['eq(a,1,2)', "unexpected ',' at position 6, expected ')'"],
    ['eq(a,red)', "unexpected 'r' at position 5, expected a value"],
    ['eq(a,01)', "unexpected '1' at position 6, expected ')'"],
    ['eq(a,1.)', "unexpected '.' at position 6, expected ')'"],
    ['eq(a,-)', "unexpected '-' at position 5, expected a value"],
    ['eq(a,truex)', "unexpected 't' at position 5, expected a value"],
    ['eq(a,"abc)', 'unterminated string starting at position 5'],
    [String.raw`eq(a,"a\qb")`, String.raw`invalid escape '\q' at position 7`],
    [String.raw`eq(a,"\u12")`, String.raw`invalid escape '\u' at position 6`],
    ['eq(a,1e999)', "the number '1e999' at position 5 is out of range"],
    ['eq(a,time:later)', "unknown placeholder 'time:later' at position 5"],
    ['like(a,1)', 'like needs a string pattern at position 7'],
    ['in(a)', "unexpected ')' at position 4, expected ','"],
    ['in(a,1', "unexpected end of input at position 6, expected ',' or ')'"],
    ['and()', "unexpected ')' at position 4, expected an operator"],
    ['and(eq(a,1) ,eq(b,2))', "unexpected ' ' at position 11, expected ',' or ')'"],
    ['not(eq(a,1),eq(b,2))', "unexpected ',' at position 11, expected ')'"],
    ['exists(a', "unexpected end of input at position 8, expected ')'"],
    ['exists()', "unexpected ')' at position 7, expected a property path"],
    ['exists(a//b)', "the property path 'a//b' at position 7 has an empty segment"],
    ['exists(/a)', "the property path '/a' at position 7 has an empty segment"],
    ['eq(a,1))', "unexpected ')' at position 7, expected end of input"],
    ['eq("a",1)', `unexpected '"' at position 3, expected a property path`],
  ];

  it.each(cases)('rejects %j', (text, detail) => {
    const err = errorOf(text);
    expect(err.code).toBe(errors.rqlInvalid('').code);
    expect(err.status).toBe(400);
    expect(err.message).toContain(detail);
  });

  it('rejects nesting deeper than 100 levels without overflowing the stack', () => {
    const deep = (n: number) => 'not('.repeat(n) + 'eq(a,1)' + ')'.repeat(n);
    expect(parseFilter(deep(100))).toBeTruthy();
    expect(errorOf(deep(101)).message).toContain(
      "'not' at position 400 nests deeper than 100 levels",
    );
    expect(errorOf('and('.repeat(20_000) + 'eq(a,1)' + ')'.repeat(20_000)).code).toBe(
      'rql.expression.invalid',
    );
  });

  it('rejects expressions longer than 100000 characters', () => {
    const long = `in(a,${Array.from({ length: 30_000 }, (_, i) => i).join(',')})`;
    expect(long.length).toBeGreaterThan(100_000);
    expect(errorOf(long).message).toContain('at most 100000 are allowed');
  });

  it('rejects like patterns longer than 1000 characters, 2000 or 20 comparisons in one filter', () => {
    const pattern = (n: number) => `"${'*a'.repeat(n / 2)}"`;
    expect(parseFilter(`like(a,${pattern(1000)})`)).toBeTruthy();
    expect(errorOf(`ilike(a,${pattern(1002)})`).message).toContain(
      'the ilike pattern at position 8 has 1002 characters, at most 1000 are allowed',
    );
    const two = [`like(a,${pattern(1000)})`, `ilike(b,${pattern(1000)})`];
    expect(parseFilter(`or(${two.join(',')})`)).toBeTruthy();
    expect(errorOf(`or(${two.join(',')},like(a,"b*"))`).message).toContain(
      'have 2002 characters together, at most 2000 are allowed in one filter',
    );
    const many = Array.from({ length: 20 }, (_, i) => `like(a,"*${i}")`);
    expect(parseFilter(`and(${many.join(',')})`)).toBeTruthy();
    expect(errorOf(`and(${many.join(',')},ilike(b,"x"))`).message).toContain(
      'at most 20 like and ilike comparisons are allowed in one filter',
    );
  });

  it('several filters parsed with one budget share the like and length limits', () => {
    const ten = `or(${Array.from({ length: 10 }, (_, i) => `like(a,"*${i}")`).join(',')})`;
    const budget = filterBudget();
    expect(parseFilter(ten, { budget })).toBeTruthy();
    expect(parseFilter(ten, { budget })).toBeTruthy();
    expect(() => parseFilter('like(b,"x")', { budget })).toThrow(
      'at most 20 like and ilike comparisons are allowed in one filter (several filter parameters count as one)',
    );
    expect(parseFilter('like(b,"x")')).toBeTruthy();
    const half = `eq(a,"${'x'.repeat(50_000)}")`;
    const shared = filterBudget();
    expect(parseFilter(half, { budget: shared })).toBeTruthy();
    expect(() => parseFilter(half, { budget: shared })).toThrow(
      'the filters have 100016 characters together, at most 100000 are allowed',
    );
  });

  it('parses a wide and() within the limits', () => {
    const wide = `and(${Array.from({ length: 5000 }, (_, i) => `eq(a,${i})`).join(',')})`;
    expect((parseFilter(wide) as { args: unknown[] }).args).toHaveLength(5000);
  });
});
