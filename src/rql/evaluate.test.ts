// Tests of the reference RQL evaluator: operators, types, arrays, ne, wildcards, exists and empty.
import { describe, expect, it } from 'vitest';
import { evaluateFilter } from './evaluate.js';
import { parseFilter } from './parse-filter.js';

const doc = {
  thingId: 'org.example:sensor-1',
  attributes: {
    name: 'Boiler Room',
    floor: 3,
    ratio: 0.5,
    active: true,
    note: null,
    blank: '',
    tags: ['hot', 'wet', 7, null, { deep: 'x' }],
    none: [],
    meta: {},
    nested: { a: { b: 'deep' } },
    'with/slash': 1,
  },
  features: {
    temp: { properties: { value: 21.5, on: true } },
    hum: { properties: { value: 40, on: false } },
    door: { properties: { open: 'yes' } },
  },
};

const matches = (rql: string, d: object = doc) => evaluateFilter(parseFilter(rql), d);

describe('evaluateFilter - comparisons', () => {
  it('eq matches the same value of the same type only', () => {
    expect(matches('eq(attributes/floor,3)')).toBe(true);
    expect(matches('eq(attributes/floor,3.0)')).toBe(true);
    expect(matches('eq(attributes/floor,"3")')).toBe(false);
    expect(matches('eq(attributes/active,true)')).toBe(true);
    expect(matches('eq(attributes/active,"true")')).toBe(false);
    expect(matches('eq(attributes/name,"Boiler Room")')).toBe(true);
    expect(matches('eq(attributes/missing,3)')).toBe(false);
  });

  it('eq null matches a null value, not an absent one', () => {
    expect(matches('eq(attributes/note,null)')).toBe(true);
    expect(matches('eq(attributes/missing,null)')).toBe(false);
    expect(matches('eq(attributes/floor,null)')).toBe(false);
  });

  it('orders numbers, strings and booleans within their own type', () => {
    expect(matches('gt(attributes/floor,2)')).toBe(true);
    expect(matches('gt(attributes/floor,3)')).toBe(false);
    expect(matches('ge(attributes/floor,3)')).toBe(true);
    expect(matches('lt(attributes/ratio,1)')).toBe(true);
    expect(matches('le(attributes/ratio,0.5)')).toBe(true);
    expect(matches('lt(attributes/ratio,0.5)')).toBe(false);
    expect(matches('gt(attributes/name,"Apple")')).toBe(true);
    expect(matches('lt(attributes/name,"apple")')).toBe(true); // 'B' < 'a' in UTF-16
    expect(matches('gt(attributes/active,false)')).toBe(true);
    expect(matches('gt(attributes/floor,"1")')).toBe(false);
    expect(matches('lt(attributes/floor,"9")')).toBe(false);
    expect(matches('gt(attributes/name,1)')).toBe(false);
  });

  it('compares null only as equal to null', () => {
    expect(matches('ge(attributes/note,null)')).toBe(true);
    expect(matches('le(attributes/note,null)')).toBe(true);
    expect(matches('gt(attributes/note,null)')).toBe(false);
    expect(matches('lt(attributes/floor,null)')).toBe(false);
  });

  it('in matches when any value is equal', () => {
    expect(matches('in(attributes/floor,1,2,3)')).toBe(true);
    expect(matches('in(attributes/floor,"3",4)')).toBe(false);
    expect(matches('in(attributes/note,1,null)')).toBe(true);
  });

  it('like is anchored, case-sensitive, with * and ?', () => {
    expect(matches('like(attributes/name,"Boiler*")')).toBe(true);
    expect(matches('like(attributes/name,"*Room")')).toBe(true);
    expect(matches('like(attributes/name,"Boiler")')).toBe(false);
    expect(matches('like(attributes/name,"B?iler Room")')).toBe(true);
    expect(matches('like(attributes/name,"B?ler Room")')).toBe(false);
    expect(matches('like(attributes/name,"boiler*")')).toBe(false);
    expect(matches('like(attributes/name,"*")')).toBe(true);
    expect(matches('like(attributes/floor,"*")')).toBe(false);
    expect(matches('like(attributes/x,"a.c")', { attributes: { x: 'abc' } })).toBe(false);
    expect(matches('like(attributes/x,"a.c(")', { attributes: { x: 'a.c(' } })).toBe(true);
  });

  it('ilike ignores case', () => {
    expect(matches('ilike(attributes/name,"boiler*")')).toBe(true);
    expect(matches('ilike(attributes/name,"BOILER ROOM")')).toBe(true);
    expect(matches('ilike(attributes/name,"boiler")')).toBe(false);
  });

  it('like with many stars over a 30,000-character value answers at once (no backtracking)', () => {
    const long = { attributes: { x: 'a'.repeat(30_000) } };
    const started = performance.now();
    expect(matches('like(attributes/x,"*a*a*a*a*a*b")', long)).toBe(false);
    expect(matches('ilike(attributes/x,"*A*A*A*A*A*B")', long)).toBe(false);
    expect(matches('like(attributes/x,"*a*a*a*a*a*")', long)).toBe(true);
    // A backtracking RegExp needs 35 s for the first one over 800 characters.
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('evaluateFilter - ne and arrays', () => {
  it('ne needs the field to exist', () => {
    expect(matches('ne(attributes/floor,4)')).toBe(true);
    expect(matches('ne(attributes/floor,3)')).toBe(false);
    expect(matches('ne(attributes/floor,"3")')).toBe(true);
    expect(matches('ne(attributes/missing,3)')).toBe(false);
    expect(matches('ne(attributes/note,null)')).toBe(false);
    expect(matches('ne(attributes/note,1)')).toBe(true);
    expect(matches('ne(attributes/meta,1)')).toBe(true);
  });

  it('not(ne) matches absent or equal', () => {
    expect(matches('not(ne(attributes/missing,3))')).toBe(true);
    expect(matches('not(ne(attributes/floor,3))')).toBe(true);
    expect(matches('not(ne(attributes/floor,4))')).toBe(false);
  });

  it('comparisons on an array match when any scalar element matches', () => {
    expect(matches('eq(attributes/tags,"wet")')).toBe(true);
    expect(matches('eq(attributes/tags,7)')).toBe(true);
    expect(matches('eq(attributes/tags,null)')).toBe(true);
    expect(matches('gt(attributes/tags,6)')).toBe(true);
    expect(matches('gt(attributes/tags,7)')).toBe(false);
    expect(matches('like(attributes/tags,"h*")')).toBe(true);
    expect(matches('in(attributes/tags,"cold","hot")')).toBe(true);
    expect(matches('eq(attributes/tags,"x")')).toBe(false);
    expect(matches('eq(attributes/none,1)')).toBe(false);
  });

  it('does not descend into arrays by path', () => {
    expect(matches('eq(attributes/tags/deep,"x")')).toBe(false);
    expect(matches('exists(attributes/tags/0)')).toBe(false);
  });

  it('ne on an array matches only when no element is equal (MongoDB $ne)', () => {
    expect(matches('ne(attributes/tags,"wet")')).toBe(false);
    expect(matches('ne(attributes/tags,"dry")')).toBe(true);
    expect(matches('ne(attributes/none,"dry")')).toBe(true);
  });
});

describe('evaluateFilter - exists, empty, logic and wildcards', () => {
  it('exists is true for any value including null, objects and arrays', () => {
    for (const p of ['note', 'meta', 'none', 'nested', 'nested/a/b', 'blank']) {
      expect(matches(`exists(attributes/${p})`)).toBe(true);
    }
    expect(matches('exists(attributes/missing)')).toBe(false);
    expect(matches('exists(attributes/nested/a/c)')).toBe(false);
    expect(matches('exists(attributes/floor/x)')).toBe(false);
    expect(matches('exists(attributes)', { attributes: undefined })).toBe(false);
  });

  it('empty is true for absent, null, "", [] and {}', () => {
    for (const p of ['missing', 'note', 'blank', 'none', 'meta']) {
      expect(matches(`empty(attributes/${p})`)).toBe(true);
    }
    for (const p of ['floor', 'name', 'tags', 'nested', 'active']) {
      expect(matches(`empty(attributes/${p})`)).toBe(false);
    }
    expect(matches('empty(attributes/x)', { attributes: { x: false } })).toBe(false);
    expect(matches('empty(attributes/x)', { attributes: { x: 0 } })).toBe(false);
    expect(matches('empty(attributes/x)', { attributes: { x: { y: undefined } } })).toBe(true);
  });

  it('combines with and, or, not', () => {
    expect(matches('and(eq(attributes/floor,3),eq(attributes/active,true))')).toBe(true);
    expect(matches('and(eq(attributes/floor,3),eq(attributes/active,false))')).toBe(false);
    expect(matches('or(eq(attributes/floor,4),eq(attributes/active,true))')).toBe(true);
    expect(matches('or(eq(attributes/floor,4),eq(attributes/active,false))')).toBe(false);
    expect(matches('not(eq(attributes/floor,4))')).toBe(true);
    expect(matches('not(exists(attributes/floor))')).toBe(false);
  });

  it('a * segment matches any key at that level', () => {
    expect(matches('eq(features/*/properties/value,40)')).toBe(true);
    expect(matches('gt(features/*/properties/value,100)')).toBe(false);
    expect(matches('eq(features/*/properties/on,false)')).toBe(true);
    expect(matches('exists(features/*/properties/open)')).toBe(true);
    expect(matches('exists(features/*/properties/closed)')).toBe(false);
    expect(matches('eq(*/floor,3)')).toBe(true);
    expect(matches('eq(features/*/properties/*,"yes")')).toBe(true);
  });

  it('ne and empty over a wildcard consider every match', () => {
    expect(matches('ne(features/*/properties/on,true)')).toBe(false);
    expect(matches('ne(features/*/properties/open,"no")')).toBe(true);
    expect(matches('ne(features/*/properties/x,1)')).toBe(false);
    expect(matches('empty(features/*/properties/open)')).toBe(false);
    expect(matches('empty(features/*/properties/x)')).toBe(true);
    const d = { features: { a: { properties: { x: '' } }, b: { properties: { x: null } } } };
    expect(matches('empty(features/*/properties/x)', d)).toBe(true);
  });

  it('cannot address keys that contain a slash', () => {
    expect(matches('eq(attributes/with/slash,1)')).toBe(false);
    expect(matches('eq(attributes/*,1)', { attributes: { 'a/b': 1 } })).toBe(false);
  });
});
