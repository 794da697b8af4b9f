// Property test: the index of every storage backend gives exactly the memory index's pages, cursors
// aside, for random documents (awkward strings and keys included), filters, sorts and visibility.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { SearchDocument } from '../core/thing.js';
import type { FilterNode, SortKey } from '../rql/ast.js';
import { MemoryTwinIndex } from './memory/memory-twin-index.js';
import { describeBackends } from './test-backends.js';
import { allPages } from './twin-index.contract.js';
import type { TwinIndex } from './twin-index.js';

/** Strings where byte order, UTF-16 order, NUL, case folding and SQL wildcards part ways. */
const STRINGS = [
  '',
  'a',
  'ab',
  'B',
  'b',
  '\u0000',
  '\u0001a',
  'a\u0002',
  '\uE000',
  '\uFFFF',
  '😀',
  '\uD83D',
  'ſ',
  'S',
  'K',
  '%',
  '_x',
  '[a]',
  'a*',
  '"q"',
  '\\',
  '2024-01-01T00:00:00.000Z',
  '2024-03',
];
/** Keys that need encoding: integers (PostgreSQL's #> on arrays), quotes, `~`, `.`, `__proto__`. */
const KEYS = ['a', 'b', '0', ' 1', 'x"y', '~k', 'a.b', '__proto__', '\uE000'];

const scalarArb = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1.5, 1e21),
  fc.constantFrom(...STRINGS),
  fc.boolean(),
  fc.constant(null),
);
const leafArb: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 5, arbitrary: scalarArb },
  { weight: 1, arbitrary: fc.array(scalarArb, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<JsonObject>({}, { '': 1 }, { 'a/b': 2 }) },
);
const objectArb = (depth: number): fc.Arbitrary<JsonObject> =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...KEYS),
        depth > 0 ? fc.oneof(leafArb, objectArb(depth - 1)) : leafArb,
      ),
      { maxLength: 3 },
    )
    .map((entries) => {
      const out: JsonObject = {};
      for (const [k, v] of entries)
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    });
const docArb = fc.record({
  ns: fc.constantFrom('n1', 'n2'),
  policy: fc.constantFrom('p:open', 'p:secret', 'p:\uE000'),
  attributes: objectArb(2),
  features: fc.dictionary(
    fc.constantFrom('f1', 'f2', '0'),
    fc.record({ properties: objectArb(1) }),
    { maxKeys: 2 },
  ),
});

const PATHS = [
  'attributes/a',
  'attributes/0',
  'attributes/ 1',
  'attributes/x"y',
  'attributes/~k',
  'attributes/a.b',
  'attributes/__proto__',
  'attributes/\uE000',
  'attributes/a/b',
  'attributes/a/0',
  'attributes/*',
  'attributes/*/a',
  'features/*/properties/a',
  'features/0/properties/b',
  '*/*/properties/0',
  'thingId',
];
const SORT_PATHS = PATHS.filter((p) => !p.includes('*'));
const patternArb = fc
  .array(
    fc.constantFrom(
      '*',
      '?',
      'a',
      'A',
      's',
      'S',
      '%',
      '_',
      '[',
      '\\',
      '\u0000',
      '\uE000',
      '😀',
      '"',
    ),
    {
      maxLength: 4,
    },
  )
  .map((chars) => chars.join(''));

const filterArb: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      op: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'),
      path: fc.constantFrom(...PATHS),
      value: scalarArb,
    }),
    fc.record({
      op: fc.constantFrom('like', 'ilike'),
      path: fc.constantFrom(...PATHS),
      value: fc.oneof(patternArb, fc.constantFrom(...STRINGS)),
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
const sortArb = fc.array(
  fc.record({ path: fc.constantFrom(...SORT_PATHS), direction: fc.constantFrom('asc', 'desc') }),
  { maxLength: 3 },
) as fc.Arbitrary<SortKey[]>;

await describeBackends('twin index agreement with memory', (backend) => {
  it('search and count - the same pages and counts as the memory index', async () => {
    const index: TwinIndex = await (await backend.open()).openTwinIndex();
    await fc.assert(
      fc.asyncProperty(
        fc.array(docArb, { maxLength: 25 }),
        fc.array(filterArb, { minLength: 1, maxLength: 3 }),
        sortArb,
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.subarray(['n1', 'n2', 'n3']), { nil: undefined }),
        fc.boolean(),
        async (bodies, filters, sort, size, namespaces, restricted) => {
          const memory = new MemoryTwinIndex();
          const ids: string[] = [];
          bodies.forEach((body, i) => {
            const thingId = `${body.ns}:t${i % 3 === 2 ? i - 1 : i}${i % 4 === 0 ? '\uE000' : ''}`;
            const doc: SearchDocument = {
              thingId,
              policyId: body.policy,
              attributes: body.attributes,
              features: body.features as SearchDocument['features'],
              _revision: i,
              _created: '2024-01-01T00:00:00.000Z',
              _modified: STRINGS[i % STRINGS.length],
              _namespace: body.ns,
            };
            memory.put(doc);
            index.put(doc);
            ids.push(thingId);
          });
          if (ids.length > 0) {
            memory.remove(ids[0]);
            index.remove(ids[0]);
          }
          const visible = restricted ? (policyId: string) => policyId !== 'p:secret' : undefined;
          try {
            expect(index.size()).toBe(memory.size());
            for (const filter of filters) {
              const query = { filter, sort, size, namespaces, visible };
              expect(await allPages(index, query)).toEqual(await allPages(memory, query));
              expect(await index.count({ filter, namespaces, visible })).toBe(
                await memory.count({ filter, namespaces, visible }),
              );
            }
          } finally {
            for (const id of ids) index.remove(id);
          }
        },
      ),
      { numRuns: backend.name === 'postgres' ? 60 : 200 },
    );
  }, 120_000);
});
