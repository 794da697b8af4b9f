// The contract every TwinIndex adapter passes: writes, RQL filters, sort order, namespaces, paging, visibility, counts.
import { describe, expect, it } from 'vitest';
import { TwinfoldError } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { SearchDocument } from '../core/thing.js';
import { parseFilter } from '../rql/parse-filter.js';
import { parseOptions } from '../rql/parse-options.js';
import type { TestBackend } from './test-backends.js';
import type { SearchQuery, TwinIndex } from './twin-index.js';

/** How the contract gets indexes of one adapter. */
export interface TwinIndexFixture {
  /** A new, empty index. */
  open(): Promise<TwinIndex>;
}

/**
 * The search indexes of a storage backend as a {@link TwinIndexFixture}: each index is the one of a
 * separate new storage (`Storage.openTwinIndex`), so that a test can hold two at once.
 */
export function storageTwinIndexFixture(backend: TestBackend): TwinIndexFixture {
  return { open: async () => (await backend.openSeparate()).openTwinIndex() };
}

/** A search document with the given attributes (and any other top-level fields). */
export function twin(
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

/** Every thing id the query matches, paging with cursors (each full page but the last). */
export async function allPages(
  index: TwinIndex,
  query: Omit<SearchQuery, 'cursor'>,
): Promise<string[]> {
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

/** Why the replaceScalar cases skip: it is an optional fast path that an adapter may not have. */
const NO_FAST_PATH = 'this adapter has no replaceScalar (an optional fast path of the port)';

const sorted = (sort: string) => parseOptions(`sort(${sort})`).sort;

async function ids(index: TwinIndex, rql: string, sort = '+thingId'): Promise<string[]> {
  return allPages(index, { filter: parseFilter(rql), sort: sorted(sort), size: 200 });
}

/** Five things over two namespaces, with numbers, strings, arrays, objects, nulls and features. */
function sample(index: TwinIndex): TwinIndex {
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

/** A document with one feature property `v`, for the replaceScalar cases. */
const featureDoc = (id: string, value: unknown, revision: number, modified: string) =>
  ({
    thingId: id,
    policyId: id,
    features: { t: { properties: { v: value, unit: 'C' } } },
    _revision: revision,
    _created: '2026-01-01T00:00:00.000Z',
    _modified: modified,
    _namespace: 'ns',
  }) as unknown as SearchDocument;

/**
 * Registers the TwinIndex contract for one adapter: writes, every RQL operator, the sort order,
 * namespaces, cursor paging, visibility, counts, size, and `replaceScalar` when the adapter has it.
 */
export function twinIndexContract(name: string, fixture: TwinIndexFixture): void {
  const open = () => fixture.open();

  describe(`${name} twin index contract`, () => {
    it('search - filters with every operator', async () => {
      const index = sample(await open());
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
      expect(await ids(index, 'or(eq(attributes/n,1),eq(attributes/n,-1))')).toEqual([
        'a:1',
        'b:1',
      ]);
    });

    it('search - relations: _relations/<name>/<target> paths, thing ids as keys', async () => {
      // Relations are a twin's hidden `_relations` member (core/relations.ts), in its document.
      const index = await open();
      const rel = (targets: Record<string, JsonObject>) => ({ _relations: { partOf: targets } });
      index.put(twin('dc:rack-1', {}, rel({ 'dc:hall-1': { slot: 2 } })));
      index.put(twin('dc:rack-2', {}, rel({ 'dc:hall-1': { slot: 7 }, 'dc:hall-2': {} })));
      index.put(twin('dc:rack-3', {}, { _relations: { fedBy: { 'dc:pdu-1': {} } } }));
      index.put(twin('dc:hall-1'));
      expect(await ids(index, 'exists(_relations/partOf/dc:hall-1)')).toEqual([
        'dc:rack-1',
        'dc:rack-2',
      ]);
      expect(await ids(index, 'exists(_relations/partOf/dc:hall-2)')).toEqual(['dc:rack-2']);
      expect(await ids(index, 'exists(_relations/partOf)')).toEqual(['dc:rack-1', 'dc:rack-2']);
      expect(await ids(index, 'gt(_relations/partOf/dc:hall-1/slot,5)')).toEqual(['dc:rack-2']);
      expect(await ids(index, 'eq(_relations/*/*/slot,2)')).toEqual(['dc:rack-1']);
      expect(await ids(index, 'not(exists(_relations))')).toEqual(['dc:hall-1']);
      // Removing a relation (the document put again without it) drops it from the index.
      index.put(twin('dc:rack-1'));
      expect(await ids(index, 'exists(_relations/partOf/dc:hall-1)')).toEqual(['dc:rack-2']);
    });

    it('search - arrays match when any element matches, ne when none does', async () => {
      const index = sample(await open());
      expect(await ids(index, 'eq(attributes/tags,"red")')).toEqual(['a:1']);
      expect(await ids(index, 'gt(attributes/tags,1)')).toEqual(['a:1']);
      expect(await ids(index, 'ne(attributes/tags,"red")')).toEqual(['a:2', 'b:1']);
      expect(await ids(index, 'empty(attributes/tags)')).toEqual(['a:2', 'a:3', 'b:2']);
    });

    it('search - wildcard segments match any feature', async () => {
      const index = sample(await open());
      expect(await ids(index, 'eq(features/*/properties/on,false)')).toEqual(['b:2']);
      expect(await ids(index, 'exists(features/*/properties/on)')).toEqual(['b:2']);
      expect(await ids(index, 'ne(features/*/properties/on,true)')).toEqual([]);
      expect(await ids(index, 'eq(*/o/k,1)')).toEqual(['b:1']);
    });

    it('search - sorts ascending and descending, by two keys, thingId breaking ties', async () => {
      const index = await open();
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
      // No sort keys at all: thingId ascending.
      expect((await index.search({ sort: [], size: 10 })).thingIds).toEqual([
        'n:a',
        'n:b',
        'n:c',
        'n:d',
      ]);
    });

    it('search - sorts mixed types: missing = null < numbers < strings < objects < arrays < booleans', async () => {
      const index = await open();
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
      const index = await open();
      for (let i = 0; i < 103; i++)
        index.put(twin(`p:${String(i).padStart(3, '0')}`, { g: i % 4 }));
      const query = {
        filter: parseFilter('lt(attributes/g,3)'),
        sort: sorted('-attributes/g'),
        size: 7,
      };
      const all = await allPages(index, query);
      expect(all).toHaveLength(78);
      expect(new Set(all).size).toBe(78);
      const first = await index.search(query);
      expect(first.thingIds).toEqual([
        'p:002',
        'p:006',
        'p:010',
        'p:014',
        'p:018',
        'p:022',
        'p:026',
      ]);
      expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      const last = await index.search({ ...query, size: 200 });
      expect(last.thingIds).toEqual(all);
      expect(last.cursor).toBeUndefined();
    });

    it('search - a page that ends exactly at the last result has no cursor', async () => {
      const index = await open();
      for (let i = 0; i < 6; i++) index.put(twin(`e:${i}`, { g: i }));
      const first = await index.search({ sort: sorted('+attributes/g'), size: 3 });
      expect(first.thingIds).toEqual(['e:0', 'e:1', 'e:2']);
      const second = await index.search({
        sort: sorted('+attributes/g'),
        size: 3,
        cursor: first.cursor,
      });
      expect(second).toEqual({ thingIds: ['e:3', 'e:4', 'e:5'] });
      expect(await index.search({ sort: sorted('+attributes/g'), size: 6 })).toEqual({
        thingIds: ['e:0', 'e:1', 'e:2', 'e:3', 'e:4', 'e:5'],
      });
    });

    it('search - rejects a cursor of another query or a forged one', async () => {
      const index = await open();
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
      const index = sample(await open());
      const all = parseOptions(undefined).sort;
      expect((await index.search({ namespaces: ['b'], sort: all, size: 25 })).thingIds).toEqual([
        'b:1',
        'b:2',
      ]);
      expect(
        (await index.search({ namespaces: ['a', 'zz'], sort: all, size: 2 })).thingIds,
      ).toEqual(['a:1', 'a:2']);
      expect((await index.search({ namespaces: ['zz'], sort: all, size: 2 })).thingIds).toEqual([]);
      expect(await index.count({ namespaces: ['a'] })).toBe(3);
      expect(
        await index.count({ filter: parseFilter('exists(attributes/tags)'), namespaces: ['b'] }),
      ).toBe(1);
      expect(await index.count({})).toBe(5);
      // An empty list of namespaces means all of them.
      expect(await index.count({ namespaces: [] })).toBe(5);
      expect(index.size()).toBe(5);
    });

    it('put and remove - replace drops old values, remove forgets the thing', async () => {
      const index = sample(await open());
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

    it('put and remove - a search right after a write sees it (read-your-writes), size follows', async () => {
      const index = await open();
      expect(index.size()).toBe(0);
      expect(await index.count({})).toBe(0);
      expect(await index.search({ sort: [], size: 5 })).toEqual({ thingIds: [] });
      index.put(twin('w:1', { n: 1 }));
      expect(await ids(index, 'eq(attributes/n,1)')).toEqual(['w:1']);
      index.put(twin('w:1', { n: 2 }));
      expect(index.size()).toBe(1);
      expect(await ids(index, 'eq(attributes/n,1)')).toEqual([]);
      expect(await index.count({ filter: parseFilter('eq(attributes/n,2)') })).toBe(1);
      index.remove('w:1');
      expect(index.size()).toBe(0);
      expect(await index.count({})).toBe(0);
      // An id removed and put again is a new thing with only its new values.
      index.put(twin('w:1', { m: 3 }));
      expect(await ids(index, 'exists(attributes/n)')).toEqual([]);
      expect(await ids(index, 'eq(attributes/m,3)')).toEqual(['w:1']);
    });

    it('search - rejects a page size out of 1..200', async () => {
      const index = sample(await open());
      await expect(index.search({ sort: [], size: 0 })).rejects.toBeInstanceOf(TwinfoldError);
      await expect(index.search({ sort: [], size: 201 })).rejects.toBeInstanceOf(TwinfoldError);
      expect((await index.search({ sort: [], size: 200 })).thingIds).toHaveLength(5);
    });

    it('search - compares ISO timestamps like the strings they are', async () => {
      const index = await open();
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
      expect(await ids(index, 'exists(thingId)', '-_modified')).toEqual([
        't:1',
        't:x',
        't:0',
        't:2',
      ]);
    });

    it('search - strings order by UTF-16 code units, keep NUL, and paths never index arrays', async () => {
      const index = await open();
      // UTF-8 byte order would put U+E000 before the emoji (a surrogate pair); UTF-16 puts it after.
      index.put(twin('u:emoji', { s: '😀', list: ['x', 'y'], '0': 'zero' }));
      index.put(twin('u:private', { s: '\uE000', list: { '0': 'x' } }));
      index.put(twin('u:nul', { s: 'a\u0000b', 'x"y': 1, '~k': 2, 'a.b': 3 }));
      index.put(twin('u:plain', { s: 'a' }));
      expect(await ids(index, 'exists(attributes/s)', '+attributes/s')).toEqual([
        'u:plain',
        'u:nul',
        'u:emoji',
        'u:private',
      ]);
      expect(await ids(index, 'gt(attributes/s,"\uD83D")')).toEqual(['u:emoji', 'u:private']);
      expect(await ids(index, 'eq(attributes/s,"a\u0000b")')).toEqual(['u:nul']);
      expect(await ids(index, 'like(attributes/s,"a?b")')).toEqual(['u:nul']);
      // `list/0` is the key "0" of an object, never the first element of an array.
      expect(await ids(index, 'eq(attributes/list/0,"x")')).toEqual(['u:private']);
      expect(await ids(index, 'eq(attributes/0,"zero")')).toEqual(['u:emoji']);
      // Keys that need quoting or escaping in a store, by a filter built in code (RQL text has no `"` in paths).
      const awkward = (path: string, value: number) => ({ op: 'eq' as const, path, value });
      const page = await index.search({
        filter: {
          op: 'and',
          args: [
            awkward('attributes/x"y', 1),
            awkward('attributes/~k', 2),
            awkward('attributes/a.b', 3),
          ],
        },
        sort: [],
        size: 5,
      });
      expect(page.thingIds).toEqual(['u:nul']);
    });

    it('visible - what it hides is absent from results, counts, sort order and cursors', async () => {
      const index = await open();
      const only = await open(); // the same things without the hidden ones
      for (let i = 0; i < 12; i++) {
        const doc = twin(`v:${String(i).padStart(2, '0')}`, { g: i % 5 });
        doc.policyId = i % 3 === 0 ? 'v:secret' : `v:open${i % 2}`;
        index.put(doc);
        if (doc.policyId !== 'v:secret') only.put(doc);
      }
      // A hidden thing sorts last here: the final visible page must not promise more.
      index.put({ ...twin('v:zz', { g: -1 }), policyId: 'v:secret' });
      const asked: string[] = [];
      const visible = (policyId: string) => {
        asked.push(policyId);
        return policyId !== 'v:secret';
      };
      for (const size of [1, 3, 8, 200]) {
        const query = {
          filter: parseFilter('exists(attributes/g)'),
          sort: sorted('-attributes/g'),
          size,
        };
        const expected = await allPages(only, query);
        expect(expected).toHaveLength(8);
        let cursor: string | undefined;
        let expectedCursor: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          asked.length = 0;
          const page = await index.search({ ...query, visible, cursor });
          const reference = await only.search({ ...query, cursor: expectedCursor });
          expect(page.thingIds).toEqual(reference.thingIds);
          expect(page.cursor === undefined).toBe(reference.cursor === undefined);
          // Asked once per distinct policy in a query.
          expect(new Set(asked).size).toBe(asked.length);
          if (page.cursor === undefined) break;
          cursor = page.cursor;
          expectedCursor = reference.cursor;
        }
        expect(await allPages(index, { ...query, visible })).toEqual(expected);
      }
      asked.length = 0;
      expect(await index.count({ visible })).toBe(8);
      expect(new Set(asked).size).toBe(asked.length);
      expect(await index.count({ visible, filter: parseFilter('eq(attributes/g,0)') })).toBe(2);
      expect(await index.count({})).toBe(13);
      expect(await index.count({ visible: () => false })).toBe(0);
      expect(await index.search({ sort: [], size: 5, visible: () => false })).toEqual({
        thingIds: [],
      });
    });

    it('visible - may depend on the namespace: one policy shown in one namespace, hidden in another', async () => {
      const index = await open();
      for (const id of ['a:1', 'a:2', 'b:1', 'b:2', 'c:1'])
        index.put(twin(id, { g: 1 }, { policyId: id.startsWith('c') ? 'c:own' : 'shared:p' }));
      const visible = (policyId: string, namespace: string) =>
        policyId === 'c:own' || namespace === 'a';
      expect(await allPages(index, { sort: sorted('+thingId'), size: 2, visible })).toEqual([
        'a:1',
        'a:2',
        'c:1',
      ]);
      expect(await index.count({ visible })).toBe(3);
      expect(await index.count({ visible, namespaces: ['b'] })).toBe(0);
      const onlyB = (policyId: string, namespace: string) => namespace === 'b';
      expect(
        await allPages(index, { sort: sorted('-thingId'), size: 200, visible: onlyB }),
      ).toEqual(['b:2', 'b:1']);
    });

    it('replaceScalar - gives the same answers as putting the whole document again', async (ctx) => {
      const fast = await open();
      const slow = await open();
      // replaceScalar is an optional fast path of the port: an adapter without it has nothing to test.
      if (fast.replaceScalar === undefined) ctx.skip(NO_FAST_PATH);
      for (let i = 0; i < 20; i++) {
        fast.put(featureDoc(`ns:t${i}`, i, 1, '2026-01-01T00:00:00.000Z'));
        slow.put(featureDoc(`ns:t${i}`, i, 1, '2026-01-01T00:00:00.000Z'));
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
          fast.replaceScalar?.(`ns:t${i}`, 'features/t/properties/v', value as never, 2, modified),
        ).toBe(true);
        slow.put(featureDoc(`ns:t${i}`, value, 2, modified));
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
      expect(fast.size()).toBe(20);
    });

    it('replaceScalars - sets several paths as putting the document again would, or none of them', async (ctx) => {
      const fast = await open();
      const slow = await open();
      // replaceScalars is an optional fast path of the port: an adapter without it has nothing to test.
      if (fast.replaceScalars === undefined) ctx.skip(NO_FAST_PATH);
      const doc = (v: unknown, unit: unknown, revision: number, modified: string) =>
        ({
          ...featureDoc('ns:m', v, revision, modified),
          features: { t: { properties: { v, unit } } },
        }) as unknown as SearchDocument;
      fast.put(doc(1, 'C', 1, '2026-01-01T00:00:00.000Z'));
      slow.put(doc(1, 'C', 1, '2026-01-01T00:00:00.000Z'));
      const modified = '2026-01-02T00:00:00.000Z';
      const leaves = [
        ['features/t/properties/v', 42],
        ['features/t/properties/unit', 'K'],
      ] as const;
      expect(fast.replaceScalars?.('ns:m', leaves, 2, modified)).toBe(true);
      slow.put(doc(42, 'K', 2, modified));
      for (const f of [
        'eq(features/t/properties/v,42)',
        'eq(features/t/properties/unit,"K")',
        'eq(features/t/properties/unit,"C")',
        'eq(_revision,2)',
        `eq(_modified,"${modified}")`,
      ])
        expect(await ids(fast, f), f).toEqual(await ids(slow, f));
      // One path that cannot be replaced in place: nothing changes, not even the others.
      const refused = [
        ['features/t/properties/v', 7],
        ['features/t/properties/missing', 1],
      ] as const;
      expect(fast.replaceScalars?.('ns:m', refused, 3, 'x')).toBe(false);
      expect(await ids(fast, 'eq(features/t/properties/v,42)')).toEqual(['ns:m']);
      expect(await ids(fast, 'eq(_revision,2)')).toEqual(['ns:m']);
      expect(fast.replaceScalars?.('ns:zz', leaves, 3, 'x')).toBe(false);
    });

    it('replaceScalar - does not apply to missing paths, objects or unknown things, and then changes nothing', async (ctx) => {
      const index = await open();
      // replaceScalar is an optional fast path of the port: an adapter without it has nothing to test.
      if (index.replaceScalar === undefined) ctx.skip(NO_FAST_PATH);
      index.put(featureDoc('ns:a', 1, 1, '2026-01-01T00:00:00.000Z'));
      expect(index.replaceScalar?.('ns:a', 'features/t/properties/missing', 1, 2, 'x')).toBe(false);
      expect(index.replaceScalar?.('ns:a', 'features/t/properties', 1, 2, 'x')).toBe(false);
      expect(index.replaceScalar?.('ns:zz', 'features/t/properties/v', 1, 2, 'x')).toBe(false);
      expect(await ids(index, 'eq(_revision,1)')).toEqual(['ns:a']);
      expect(await ids(index, 'exists(features/t/properties/missing)')).toEqual([]);
      expect(await ids(index, 'eq(_modified,"2026-01-01T00:00:00.000Z")')).toEqual(['ns:a']);
      expect(index.size()).toBe(1);
    });

    it('replaceScalar - a new policyId takes effect on visibility, by the fast path or by put', async (ctx) => {
      const index = await open();
      // replaceScalar is an optional fast path of the port: an adapter without it has nothing to test.
      if (index.replaceScalar === undefined) ctx.skip(NO_FAST_PATH);
      index.put(featureDoc('ns:p', 1, 1, '2026-01-01T00:00:00.000Z'));
      const modified = '2026-01-02T00:00:00.000Z';
      const moved = { ...featureDoc('ns:p', 1, 2, modified), policyId: 'ns:other' };
      if (!index.replaceScalar?.('ns:p', 'policyId', 'ns:other', 2, modified)) index.put(moved);
      const visible = (policyId: string) => policyId === 'ns:other';
      expect((await index.search({ sort: [], size: 5, visible })).thingIds).toEqual(['ns:p']);
      expect(await index.count({ visible: (policyId) => policyId === 'ns:p' })).toBe(0);
      expect(await ids(index, 'eq(policyId,"ns:other")')).toEqual(['ns:p']);
    });
  });
}
