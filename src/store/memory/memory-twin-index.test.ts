// Tests of the in-memory search index: the TwinIndex contract under two tunings, and a property test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { SearchDocument } from '../../core/thing.js';
import type { FilterNode, SortKey } from '../../rql/ast.js';
import { evaluateFilter, resolvePath } from '../../rql/evaluate.js';
import { allPages, twinIndexContract } from '../twin-index.contract.js';
import { MemoryTwinIndex } from './memory-twin-index.js';
import type { MemoryTwinIndexOptions } from './memory-twin-index.js';

const TUNINGS: [string, MemoryTwinIndexOptions][] = [
  ['default tuning', {}],
  ['dense and wide columns', { denseMin: 2, dictionaryMin: 2 }],
];

for (const [name, options] of TUNINGS) {
  twinIndexContract(`memory (${name})`, { open: async () => new MemoryTwinIndex(options) });
}

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
