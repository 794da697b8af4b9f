// Tests of the in-memory search index: filters, sort, cursors, namespaces, updates, and a property test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TwinfoldError } from '../../core/errors.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { SearchDocument } from '../../core/thing.js';
import type { FilterNode, SortKey } from '../../rql/ast.js';
import { evaluateFilter, resolvePath } from '../../rql/evaluate.js';
import { parseFilter } from '../../rql/parse-filter.js';
import { parseOptions } from '../../rql/parse-options.js';
import type { SearchQuery, TwinIndex } from '../twin-index.js';
import { MemoryTwinIndex } from './memory-twin-index.js';
import type { MemoryTwinIndexOptions } from './memory-twin-index.js';

function twin(
  thingId: string,
  attributes: JsonObject = {},
  extra: JsonObject = {},
): SearchDocument {
  return {
    thingId,
    policyId: thingId,
    attributes,
    _revision: 1,
    _created: '2024-01-01T00:00:00.000Z',
    _modified: '2024-01-01T00:00:00.000Z',
    _namespace: thingId.slice(0, thingId.indexOf(':')),
    ...extra,
  };
}

/** Every thing id the query matches, paging with cursors. */
async function allPages(index: TwinIndex, query: Omit<SearchQuery, 'cursor'>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await index.search({ ...query, cursor });
    ids.push(...page.thingIds);
    if (page.cursor === undefined) return ids;
    expect(page.thingIds).toHaveLength(query.size);
    cursor = page.cursor;
  }
  throw new Error('too many pages');
}

const TUNINGS: [string, MemoryTwinIndexOptions][] = [
  ['default tuning', {}],
  ['dense and wide columns', { denseMin: 2, dictionaryMin: 2 }],
];

describe.each(TUNINGS)('MemoryTwinIndex (%s)', (_name, options) => {
  const sorted = (sort: string) => parseOptions(`sort(${sort})`).sort;

  async function ids(index: MemoryTwinIndex, rql: string, sort = '+thingId'): Promise<string[]> {
    return allPages(index, { filter: parseFilter(rql), sort: sorted(sort), size: 200 });
  }

  function fixture(): MemoryTwinIndex {
    const index = new MemoryTwinIndex(options);
    index.put(twin('a:1', { n: 1, s: 'x', tags: ['red', 2], flag: true }));
    index.put(twin('a:2', { n: 2.5, s: 'y', tags: [], o: {} }));
    index.put(twin('a:3', { n: '3', s: '', flag: false, z: null }));
    index.put(twin('b:1', { n: -1, tags: ['blue'], o: { k: 1 } }));
    index.put(
      twin(
        'b:2',
        {},
        { features: { f1: { properties: { on: true } }, f2: { properties: { on: false } } } },
      ),
    );
    return index;
  }

  it('search - filters with every operator', async () => {
    const index = fixture();
    expect(await ids(index, 'eq(attributes/n,1)')).toEqual(['a:1']);
    expect(await ids(index, 'ne(attributes/n,1)')).toEqual(['a:2', 'a:3', 'b:1']);
    expect(await ids(index, 'gt(attributes/n,1)')).toEqual(['a:2']);
    expect(await ids(index, 'ge(attributes/n,1)')).toEqual(['a:1', 'a:2']);
    expect(await ids(index, 'lt(attributes/n,1)')).toEqual(['b:1']);
    expect(await ids(index, 'le(attributes/n,"3")')).toEqual(['a:3']);
    expect(await ids(index, 'like(attributes/s,"?")')).toEqual(['a:1', 'a:2']);
    expect(await ids(index, 'ilike(attributes/s,"X*")')).toEqual(['a:1']);
    expect(await ids(index, 'in(attributes/n,2.5,"3",7)')).toEqual(['a:2', 'a:3']);
    expect(await ids(index, 'exists(attributes/flag)')).toEqual(['a:1', 'a:3']);
    expect(await ids(index, 'empty(attributes/o)')).toEqual(['a:1', 'a:2', 'a:3', 'b:2']);
    expect(await ids(index, 'empty(attributes/s)')).toEqual(['a:3', 'b:1', 'b:2']);
    expect(await ids(index, 'eq(attributes/z,null)')).toEqual(['a:3']);
    expect(await ids(index, 'not(exists(attributes/n))')).toEqual(['b:2']);
    expect(await ids(index, 'and(exists(attributes/n),ne(attributes/s,"x"))')).toEqual([
      'a:2',
      'a:3',
    ]);
    expect(await ids(index, 'or(eq(attributes/n,1),eq(attributes/n,-1))')).toEqual(['a:1', 'b:1']);
  });

  it('search - arrays match when any element matches, ne when none does', async () => {
    const index = fixture();
    expect(await ids(index, 'eq(attributes/tags,"red")')).toEqual(['a:1']);
    expect(await ids(index, 'gt(attributes/tags,1)')).toEqual(['a:1']);
    expect(await ids(index, 'ne(attributes/tags,"red")')).toEqual(['a:2', 'b:1']);
    expect(await ids(index, 'empty(attributes/tags)')).toEqual(['a:2', 'a:3', 'b:2']);
  });

  it('search - wildcard segments match any feature', async () => {
    const index = fixture();
    expect(await ids(index, 'eq(features/*/properties/on,false)')).toEqual(['b:2']);
    expect(await ids(index, 'exists(features/*/properties/on)')).toEqual(['b:2']);
    expect(await ids(index, 'ne(features/*/properties/on,true)')).toEqual([]);
    expect(await ids(index, 'eq(*/o/k,1)')).toEqual(['b:1']);
  });

  it('search - sorts ascending and descending, by two keys, thingId breaking ties', async () => {
    const index = new MemoryTwinIndex(options);
    index.put(twin('n:c', { a: 1, b: 'x' }));
    index.put(twin('n:a', { a: 2, b: 'x' }));
    index.put(twin('n:b', { a: 1, b: 'y' }));
    index.put(twin('n:d', { a: 1, b: 'x' }));
    expect(await ids(index, 'exists(thingId)', '+attributes/a')).toEqual([
      'n:b',
      'n:c',
      'n:d',
      'n:a',
    ]);
    expect(await ids(index, 'exists(thingId)', '-attributes/a')).toEqual([
      'n:a',
      'n:b',
      'n:c',
      'n:d',
    ]);
    expect(await ids(index, 'exists(thingId)', '+attributes/b,-attributes/a')).toEqual([
      'n:a',
      'n:c',
      'n:d',
      'n:b',
    ]);
    expect(await ids(index, 'exists(thingId)', '-thingId')).toEqual(['n:d', 'n:c', 'n:b', 'n:a']);
  });

  it('search - sorts mixed types: missing = null < numbers < strings < objects < arrays < booleans', async () => {
    const index = new MemoryTwinIndex(options);
    const values: [string, JsonValue | undefined][] = [
      ['t:bool-a', true],
      ['t:bool-b', false],
      ['t:arr', [1]],
      ['t:obj', { x: 1 }],
      ['t:str-b', 'b'],
      ['t:str-a', 'a'],
      ['t:num-10', 10],
      ['t:num-2', 2],
      ['t:null', null],
      ['t:missing', undefined],
    ];
    for (const [id, v] of values) index.put(twin(id, v === undefined ? {} : { v }));
    const asc = await ids(index, 'exists(thingId)', '+attributes/v');
    expect(asc).toEqual([
      't:missing',
      't:null',
      't:num-2',
      't:num-10',
      't:str-a',
      't:str-b',
      't:obj',
      't:arr',
      't:bool-b',
      't:bool-a',
    ]);
    const paged = await allPages(index, { sort: sorted('+attributes/v'), size: 1 });
    expect(paged).toEqual(asc);
    const desc = await ids(index, 'exists(thingId)', '-attributes/v');
    expect(await allPages(index, { sort: sorted('-attributes/v'), size: 1 })).toEqual(desc);
    expect(desc).toEqual([
      't:bool-a',
      't:bool-b',
      't:arr',
      't:obj',
      't:str-b',
      't:str-a',
      't:num-10',
      't:num-2',
      't:missing',
      't:null',
    ]);
  });

  it('search - pages through every result with cursors, without duplicates or gaps', async () => {
    const index = new MemoryTwinIndex(options);
    for (let i = 0; i < 103; i++) index.put(twin(`p:${String(i).padStart(3, '0')}`, { g: i % 4 }));
    const query = {
      filter: parseFilter('lt(attributes/g,3)'),
      sort: sorted('-attributes/g'),
      size: 7,
    };
    const all = await allPages(index, query);
    expect(all).toHaveLength(78);
    expect(new Set(all).size).toBe(78);
    const first = await index.search(query);
    expect(first.thingIds).toEqual(['p:002', 'p:006', 'p:010', 'p:014', 'p:018', 'p:022', 'p:026']);
    expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const last = await index.search({ ...query, size: 200 });
    expect(last.thingIds).toEqual(all);
    expect(last.cursor).toBeUndefined();
  });

  it('search - rejects a cursor of another query or a forged one', async () => {
    const index = new MemoryTwinIndex(options);
    for (let i = 0; i < 5; i++) index.put(twin(`c:${i}`, { g: i }));
    const sort = sorted('+attributes/g');
    const page = await index.search({ filter: parseFilter('gt(attributes/g,0)'), sort, size: 2 });
    expect(page.cursor).toBeDefined();
    const misuse: SearchQuery[] = [
      { filter: parseFilter('gt(attributes/g,1)'), sort, size: 2, cursor: page.cursor },
      {
        filter: parseFilter('gt(attributes/g,0)'),
        sort: sorted('-attributes/g'),
        size: 2,
        cursor: page.cursor,
      },
      {
        filter: parseFilter('gt(attributes/g,0)'),
        sort,
        namespaces: ['c'],
        size: 2,
        cursor: page.cursor,
      },
      { sort, size: 2, cursor: 'not-a-cursor' },
      { sort, size: 2, cursor: Buffer.from('{"h":"x","k":[]}').toString('base64url') },
    ];
    for (const query of misuse) {
      await expect(index.search(query)).rejects.toSatisfy(
        (err) => err instanceof TwinfoldError && err.status === 400,
      );
    }
    const next = await index.search({
      filter: parseFilter('gt(attributes/g,0)'),
      sort,
      size: 2,
      cursor: page.cursor,
    });
    expect(next.thingIds).toEqual(['c:3', 'c:4']);
  });

  it('search and count - filter by namespace', async () => {
    const index = fixture();
    const all = parseOptions(undefined).sort;
    expect((await index.search({ namespaces: ['b'], sort: all, size: 25 })).thingIds).toEqual([
      'b:1',
      'b:2',
    ]);
    expect((await index.search({ namespaces: ['a', 'zz'], sort: all, size: 2 })).thingIds).toEqual([
      'a:1',
      'a:2',
    ]);
    expect((await index.search({ namespaces: ['zz'], sort: all, size: 2 })).thingIds).toEqual([]);
    expect(await index.count({ namespaces: ['a'] })).toBe(3);
    expect(
      await index.count({ filter: parseFilter('exists(attributes/tags)'), namespaces: ['b'] }),
    ).toBe(1);
    expect(await index.count({})).toBe(5);
    expect(index.size()).toBe(5);
  });

  it('put and remove - replace drops old values, remove forgets the thing', async () => {
    const index = fixture();
    index.put(twin('a:1', { n: 5 }));
    expect(await ids(index, 'exists(attributes/tags)')).toEqual(['a:2', 'b:1']);
    expect(await ids(index, 'eq(attributes/n,5)')).toEqual(['a:1']);
    expect(await ids(index, 'eq(attributes/n,1)')).toEqual([]);
    index.remove('a:2');
    index.remove('a:2');
    index.remove('nope:1');
    expect(index.size()).toBe(4);
    expect(await ids(index, 'exists(thingId)')).toEqual(['a:1', 'a:3', 'b:1', 'b:2']);
    expect(await ids(index, 'not(eq(attributes/n,1))')).toEqual(['a:1', 'a:3', 'b:1', 'b:2']);
    index.put(twin('c:9', { n: 2.5 }));
    expect(await ids(index, 'eq(attributes/n,2.5)')).toEqual(['c:9']);
  });

  it('search - rejects a page size out of 1..200', async () => {
    const index = fixture();
    await expect(index.search({ sort: [], size: 0 })).rejects.toBeInstanceOf(TwinfoldError);
    await expect(index.search({ sort: [], size: 201 })).rejects.toBeInstanceOf(TwinfoldError);
  });

  it('search - compares ISO timestamps like the strings they are', async () => {
    const index = new MemoryTwinIndex(options);
    const times = [
      '2024-01-01T00:00:00.000Z',
      '2024-03-01T12:00:00.000Z',
      '2023-12-31T23:59:59.999Z',
    ];
    times.forEach((t, i) => index.put(twin(`t:${i}`, { t }, { _modified: t })));
    index.put(twin('t:x', { t: '2024-02' }, { _modified: '2024-02' }));
    expect(await ids(index, 'gt(_modified,"2024-01")')).toEqual(['t:0', 't:1', 't:x']);
    expect(await ids(index, 'le(_modified,"2024-01-01T00:00:00.000Z")')).toEqual(['t:0', 't:2']);
    expect(await ids(index, 'like(_modified,"2024-0?-01*")')).toEqual(['t:0', 't:1']);
    expect(await ids(index, 'exists(thingId)', '-_modified')).toEqual(['t:1', 't:x', 't:0', 't:2']);
  });
});

// --- property test: the index agrees with evaluateFilter and with a plain full sort ---

const PATHS = [
  'attributes/a',
  'attributes/b',
  'attributes/o',
  'attributes/o/x',
  'features/f1/properties/v',
  'features/f2/properties/v',
  'features/*/properties/v',
  '_modified',
  'thingId',
];
const SORT_PATHS = PATHS.filter((p) => !p.includes('*'));
const STRINGS = [
  '',
  'a',
  'ab',
  'B',
  'b*',
  '2024-01-01T00:00:00.000Z',
  '2024-06-01T00:00:00.000Z',
  '2024-03',
];
const scalarArb = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1.5),
  fc.constantFrom(...STRINGS),
  fc.boolean(),
  fc.constant(null),
);
const leafArb: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 5, arbitrary: scalarArb },
  { weight: 1, arbitrary: fc.array(scalarArb, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant({}) },
);
const maybe = (arb: fc.Arbitrary<JsonValue>) => fc.option(arb, { nil: undefined, freq: 3 });
const objectOf = (entries: Record<string, fc.Arbitrary<JsonValue | undefined>>) =>
  fc.record(entries).map((r) => {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
    return out;
  });
const docBodyArb = fc.record({
  ns: fc.constantFrom('n1', 'n2', 'n3'),
  attributes: maybe(
    objectOf({
      a: maybe(leafArb),
      b: maybe(leafArb),
      o: maybe(fc.oneof(leafArb, objectOf({ x: maybe(leafArb) }))),
    }),
  ),
  features: maybe(
    objectOf({
      f1: maybe(objectOf({ properties: maybe(objectOf({ v: maybe(leafArb) })) })),
      f2: maybe(objectOf({ properties: maybe(objectOf({ v: maybe(leafArb) })) })),
    }),
  ),
  modified: fc.constantFrom(...STRINGS.slice(4), '2024-01-01T00:00:00.001Z'),
});

const valueArb = fc.oneof(scalarArb, fc.constantFrom('*', 'a*', '?', '2024*'));
const filterArb: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      op: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'),
      path: fc.constantFrom(...PATHS),
      value: scalarArb,
    }),
    fc.record({
      op: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'),
      path: fc.constantFrom('_modified', 'attributes/a', 'attributes/b'),
      value: fc.constantFrom(...STRINGS.slice(4), '2024', '2024-01-01T00:00:00.001Z', true, false),
    }),
    fc.record({
      op: fc.constantFrom('like', 'ilike'),
      path: fc.constantFrom(...PATHS),
      value: valueArb.filter((v): v is string => typeof v === 'string'),
    }),
    fc.record({
      op: fc.constant('in'),
      path: fc.constantFrom(...PATHS),
      values: fc.array(scalarArb, { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ op: fc.constantFrom('exists', 'empty'), path: fc.constantFrom(...PATHS) }),
    fc.record({
      op: fc.constantFrom('and', 'or'),
      args: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ op: fc.constant('not'), arg: tie('node') }),
  ) as fc.Arbitrary<FilterNode>,
})).node;
const sortArb: fc.Arbitrary<SortKey[]> = fc.array(
  fc.record({ path: fc.constantFrom(...SORT_PATHS), direction: fc.constantFrom('asc', 'desc') }),
  { maxLength: 3 },
) as fc.Arbitrary<SortKey[]>;

/** The documented sort order, computed independently of the index. */
function rankOf(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return 1;
  if (typeof v === 'string') return 2;
  if (typeof v === 'boolean') return 5;
  return Array.isArray(v) ? 4 : 3;
}
function referenceCompare(sort: SortKey[], a: SearchDocument, b: SearchDocument): number {
  for (const key of [...sort, { path: 'thingId', direction: 'asc' } as const]) {
    const x = resolvePath(a, key.path)[0];
    const y = resolvePath(b, key.path)[0];
    let c = rankOf(x) - rankOf(y);
    if (c === 0 && (rankOf(x) === 1 || rankOf(x) === 2 || rankOf(x) === 5)) {
      c = (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
    }
    if (c !== 0) return key.direction === 'asc' ? c : -c;
  }
  return 0;
}

describe.each(TUNINGS)('MemoryTwinIndex property (%s)', (_name, options) => {
  it('search - returns exactly what evaluateFilter accepts, in full-sort order, across pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(docBodyArb, { minLength: 0, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(filterArb, { minLength: 1, maxLength: 3 }),
        sortArb,
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.subarray(['n1', 'n2', 'n3']), { nil: undefined }),
        async (bodies, removals, filters, sort, size, namespaces) => {
          const index = new MemoryTwinIndex(options);
          const docs = new Map<string, SearchDocument>();
          bodies.forEach((body, i) => {
            // Every third body replaces an earlier thing, so puts also overwrite.
            const n = i % 3 === 2 ? Math.floor(i / 2) : i;
            const thingId = `${body.ns}:t${n}`;
            const doc: SearchDocument = {
              thingId,
              policyId: `${body.ns}:p`,
              _revision: i,
              _created: '2024-01-01T00:00:00.000Z',
              _modified: body.modified,
              _namespace: body.ns,
            };
            if (body.attributes !== undefined) doc.attributes = body.attributes as JsonObject;
            if (body.features !== undefined)
              doc.features = body.features as SearchDocument['features'];
            index.put(doc);
            docs.set(thingId, doc);
          });
          const ids = [...docs.keys()];
          for (const r of removals) {
            if (ids.length === 0) break;
            const [id] = ids.splice(r % ids.length, 1);
            index.remove(id);
            docs.delete(id);
          }
          expect(index.size()).toBe(docs.size);
          for (const filter of filters) {
            const expected = [...docs.values()]
              .filter((d) => evaluateFilter(filter, d))
              .filter((d) => !namespaces?.length || namespaces.includes(d._namespace))
              .sort((a, b) => referenceCompare(sort, a, b))
              .map((d) => d.thingId);
            const got = await allPages(index, { filter, sort, size, namespaces });
            expect(got).toEqual(expected);
            expect(await index.count({ filter, namespaces })).toBe(expected.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('memory twin index - replaceScalar', () => {
  const doc = (id: string, value: unknown, revision: number, modified: string) =>
    ({
      thingId: id,
      policyId: id,
      features: { t: { properties: { v: value, unit: 'C' } } },
      _revision: revision,
      _created: '2026-01-01T00:00:00.000Z',
      _modified: modified,
      _namespace: 'ns',
    }) as unknown as SearchDocument;

  it('gives the same answers as putting the whole document again', async () => {
    const fast = new MemoryTwinIndex({ denseMin: 2 });
    const slow = new MemoryTwinIndex({ denseMin: 2 });
    for (let i = 0; i < 20; i++) {
      fast.put(doc(`ns:t${i}`, i, 1, '2026-01-01T00:00:00.000Z'));
      slow.put(doc(`ns:t${i}`, i, 1, '2026-01-01T00:00:00.000Z'));
    }
    const changes: [number, unknown][] = [
      [3, 100],
      [4, 'hot'],
      [5, null],
      [6, true],
      [3, -1],
    ];
    for (const [i, value] of changes) {
      const modified = `2026-01-02T00:00:0${i}.000Z`;
      expect(
        fast.replaceScalar(`ns:t${i}`, 'features/t/properties/v', value as never, 2, modified),
      ).toBe(true);
      slow.put(doc(`ns:t${i}`, value, 2, modified));
    }
    const filters = [
      'gt(features/t/properties/v,10)',
      'eq(features/t/properties/v,"hot")',
      'eq(features/t/properties/v,null)',
      'eq(features/t/properties/v,true)',
      'lt(features/t/properties/v,0)',
      'eq(_revision,2)',
      'gt(_modified,"2026-01-02T00:00:04.000Z")',
    ];
    for (const f of filters) {
      const query = {
        filter: parseFilter(f),
        sort: [{ path: 'features/t/properties/v', direction: 'desc' as const }],
        size: 50,
      };
      expect((await fast.search(query)).thingIds, f).toEqual((await slow.search(query)).thingIds);
    }
  });

  it('does not apply to missing paths, objects or unknown things', () => {
    const index = new MemoryTwinIndex();
    index.put(doc('ns:a', 1, 1, '2026-01-01T00:00:00.000Z'));
    expect(index.replaceScalar('ns:a', 'features/t/properties/missing', 1, 2, 'x')).toBe(false);
    expect(index.replaceScalar('ns:a', 'features/t/properties', 1, 2, 'x')).toBe(false);
    expect(index.replaceScalar('ns:zz', 'features/t/properties/v', 1, 2, 'x')).toBe(false);
  });
});
