// Tests of the like/ilike matcher: the RegExp semantics it replaces, and time linear in the value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLike } from './like-pattern.js';

/** The anchored RegExp the matcher replaced: the reference semantics (only safe on short input). */
function reference(pattern: string, ignoreCase: boolean): RegExp {
  let src = '';
  for (const ch of pattern) {
    if (ch === '*') src += '[\\s\\S]*';
    else if (ch === '?') src += '[\\s\\S]';
    else src += ch.replace(/[\\^$.|+()[\]{}*?/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${src})$`, ignoreCase ? 'i' : '');
}

const ALPHABET = [
  'a',
  'b',
  'A',
  'B',
  'ß',
  'ſ',
  'K',
  'k',
  '\u212a',
  'İ',
  'i',
  '.',
  '\ud83d',
  '\ude00',
];
const textArb = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 12 }).map((a) => a.join(''));
const patternArb = fc
  .array(fc.constantFrom(...ALPHABET, '*', '?', '*', '?'), { maxLength: 10 })
  .map((a) => a.join(''));

describe('compileLike', () => {
  it('like - agrees with the anchored RegExp on random patterns and values', () => {
    fc.assert(
      fc.property(patternArb, textArb, fc.boolean(), (pattern, text, ignoreCase) => {
        expect(compileLike(pattern, ignoreCase)(text)).toBe(
          reference(pattern, ignoreCase).test(text),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('like - agrees with the RegExp on segments longer than one machine word', () => {
    const long = 'ab?'.repeat(30); // 90 code units, with wildcards
    const value = 'x' + 'abc'.repeat(30) + 'y';
    for (const ignoreCase of [false, true]) {
      for (const pattern of [`*${long}*`, `x${long}*`, `*${long}y`, `*${long.toUpperCase()}*`]) {
        expect(compileLike(pattern, ignoreCase)(value)).toBe(
          reference(pattern, ignoreCase).test(value),
        );
      }
      const literal = 'abc'.repeat(20);
      expect(compileLike(`*${literal}*`, ignoreCase)(value)).toBe(true);
      expect(compileLike(`*${literal}d*`, ignoreCase)(value)).toBe(false);
    }
  });

  it('like - many stars over a 30,000-character value answer at once', () => {
    const value = 'a'.repeat(30_000);
    const started = performance.now();
    for (const ignoreCase of [false, true]) {
      expect(compileLike('*a*a*a*a*a*b', ignoreCase)(value)).toBe(false);
      expect(compileLike('*a*a*a*a*a*b*', ignoreCase)(value)).toBe(false);
      expect(compileLike('*a?a*a?a*a?b*', ignoreCase)(value)).toBe(false);
      expect(compileLike(`*${'a'.repeat(500)}b*`, ignoreCase)(value)).toBe(false);
      expect(compileLike(`*${'a?'.repeat(400)}b*`, ignoreCase)(value)).toBe(false);
      expect(compileLike('*a*a*a*a*a*', ignoreCase)(value)).toBe(true);
    }
    // The RegExp took 35 s for the first pattern over 800 characters; generous for a shared machine.
    expect(performance.now() - started).toBeLessThan(500);
  });
});
