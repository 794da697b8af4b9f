// Tests of the search option parser: sort, size, cursor, defaults and the errors it reports.
import { describe, expect, it } from 'vitest';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { parseOptions } from './parse-options.js';

function errorOf(text: string): TwinfoldError {
  try {
    parseOptions(text);
  } catch (err) {
    if (err instanceof TwinfoldError) return err;
    throw err;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('parseOptions', () => {
  it('defaults to sort by thingId ascending and size 25', () => {
    const defaults = { sort: [{ path: 'thingId', direction: 'asc' }], size: 25 };
    expect(parseOptions(undefined)).toEqual(defaults);
    expect(parseOptions('')).toEqual(defaults);
  });

  it('parses sort keys with directions', () => {
    expect(parseOptions('sort(+attributes/a,-thingId)')).toEqual({
      sort: [
        { path: 'attributes/a', direction: 'asc' },
        { path: 'thingId', direction: 'desc' },
      ],
      size: 25,
    });
  });

  it('parses size and cursor, combined with commas', () => {
    expect(parseOptions('sort(-_modified),size(10),cursor(abc-_12)')).toEqual({
      sort: [{ path: '_modified', direction: 'desc' }],
      size: 10,
      cursor: 'abc-_12',
    });
    expect(parseOptions(' size(200)').size).toBe(200);
    // Ditto's deprecated limit(offset,count), still in its own examples.
    expect(parseOptions('sort(-attributes/a),limit(20,5)')).toEqual({
      sort: [{ path: 'attributes/a', direction: 'desc' }],
      size: 5,
      offset: 20,
    });
    expect(parseOptions('size(1)').size).toBe(1);
  });

  const cases: [string, string][] = [
    ['size(10),limit(0,10)', "The options 'size' and 'limit' must not be used together"],
    ['limit(0,0)', 'the count 0 of limit at position 8 is out of range: it is 1 to 200'],
    ['limit(10001,5)', 'the offset 10001 of limit at position 6 is out of range'],
    ['limit(5)', "unexpected ')' at position 7, expected ','"],
    ['sort(a)', "unexpected 'a' at position 5, expected '+' or '-' before the sort path"],
    ['sort( a)', "a '+' in a URL must be encoded as %2B"],
    ['sort(+a,b)', "unexpected 'b' at position 8, expected '+' or '-'"],
    ['sort(+)', "the sort path '' at position 6 is empty"],
    ['sort(+a//b)', "the sort path 'a//b' at position 6 is empty or has an empty segment"],
    ['sort(+features/*/properties/x)', "has a '*'"],
    ['size(0)', 'size(0) at position 5 is out of range: the page size is 1 to 200'],
    ['size(201)', 'size(201) at position 5 is out of range'],
    ['size(-1)', "unexpected '-' at position 5, expected a page size"],
    ['size(ten)', "unexpected 't' at position 5, expected a page size"],
    ['size(10', "unexpected end of input at position 7, expected ')'"],
    ['cursor()', "unexpected ')' at position 7, expected a cursor token"],
    ['size(10),size(20)', "option 'size' at position 9 is given twice"],
    ['order(+a)', "unknown option 'order' at position 0"],
    ['size(10);sort(+a)', "unexpected ';' at position 8, expected ','"],
    ['size(10),', 'unexpected end of input at position 9, expected an option'],
    ['sort(+"a")', `unexpected '"' at position 6`],
  ];

  it.each(cases)('rejects %j', (text, detail) => {
    const err = errorOf(text);
    expect(err.code).toBe(errors.searchOptionInvalid('').code);
    expect(err.status).toBe(400);
    expect(err.message).toContain(detail);
  });
});
