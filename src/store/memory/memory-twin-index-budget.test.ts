// Tests of the index's query time budget: scans yield to the event loop, see writes made meanwhile, and time out.
import { describe, expect, it } from 'vitest';
import { TwinfoldError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import type { SearchDocument } from '../../core/thing.js';
import { evaluateFilter } from '../../rql/evaluate.js';
import { parseFilter } from '../../rql/parse-filter.js';
import { MemoryTwinIndex, type MemoryTwinIndexOptions } from './memory-twin-index.js';

function twin(thingId: string, attributes: JsonObject): SearchDocument {
  return {
    thingId,
    policyId: thingId,
    attributes,
    _revision: 1,
    _created: '2024-01-01T00:00:00.000Z',
    _modified: '2024-01-01T00:00:00.000Z',
    _namespace: thingId.slice(0, thingId.indexOf(':')),
  };
}

const id = (i: number) => `t:${String(i).padStart(6, '0')}`;

function filled(n: number, options: MemoryTwinIndexOptions, long = 0): MemoryTwinIndex {
  const index = new MemoryTwinIndex(options);
  for (let i = 0; i < n; i++) {
    const text = long > 0 ? `${'a'.repeat(long)}${i}` : `v${i}`;
    index.put(twin(id(i), { n: i, text, even: i % 2 === 0 }));
  }
  return index;
}

/** Runs `work`, counting how often a setImmediate callback got a turn meanwhile. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return { result: await work(), turns };
  } finally {
    running = false;
  }
}

describe('MemoryTwinIndex query budget', () => {
  it('search - yields to the event loop between slices of a long scan', async () => {
    const index = filled(20_000, { sliceMs: 0 });
    const filter = parseFilter('eq(attributes/even,true)');
    const search = await turnsDuring(() => index.search({ filter, sort: [], size: 5 }));
    expect(search.result.thingIds).toEqual([0, 2, 4, 6, 8].map(id));
    expect(search.turns).toBeGreaterThan(3);
    const count = await turnsDuring(() => index.count({ filter }));
    expect(count.result).toBe(10_000);
    expect(count.turns).toBeGreaterThan(3);
  });

  it.each([
    ['a dictionary', {}],
    ['wide', { dictionaryMin: 1 }],
  ])('search - a like over long values (%s column) yields after a few rows', async (_, tuning) => {
    const index = filled(200, { sliceMs: 0, ...tuning }, 30_000);
    const filter = parseFilter('like(attributes/text,"*a*a*a*a*a*b")');
    const { result, turns } = await turnsDuring(() => index.count({ filter }));
    expect(result).toBe(0);
    expect(turns).toBeGreaterThan(3);
  });

  it.each([
    ['a dictionary', {}],
    ['wide', { dictionaryMin: 1 }],
  ])(
    'search - fails with query.time.exceeded (408) once its budget is spent (%s column)',
    async (_, tuning) => {
      const index = filled(1_000, { searchTimeoutMs: 30, ...tuning }, 20_000);
      // 20 MB of values to scan four times: far more than 30 ms.
      const filter = parseFilter(
        'or(like(attributes/text,"*b*"),like(attributes/text,"*c*"),ilike(attributes/text,"*d*"),like(attributes/text,"*a?b*"))',
      );
      for (const run of [
        () => index.search({ filter, sort: [], size: 5 }),
        () => index.count({ filter }),
      ]) {
        const error = await run().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TwinfoldError);
        expect(error).toMatchObject({ code: 'thing-search:query.time.exceeded', status: 408 });
      }
    },
  );

  it('search - a scan resumed after writes judges its rows by the current documents', async () => {
    const index = filled(30_000, { sliceMs: 0 });
    const filter = parseFilter('eq(attributes/even,true)');
    const searching = index.search({
      filter,
      sort: [{ path: 'attributes/n', direction: 'asc' }],
      size: 3,
    });
    const counting = index.count({ filter });
    // Both scans are paused past their first slices (rows 0 to 2 are already in the search's heap):
    // a kept row stops matching, another is removed, a new one arrives, an unvisited one changes.
    await new Promise((resolve) => setImmediate(resolve));
    index.put(twin(id(0), { n: 0, text: 'changed', even: false }));
    index.put(twin('t:new', { n: -1, text: 'new', even: true }));
    index.remove(id(2));
    index.put(twin(id(29_998), { n: 29_998, text: 'changed', even: false }));
    expect((await searching).thingIds).toEqual(['t:new', id(4), id(6)]);
    // Rows 0 and 2 were counted before the writes; the new row and the changed one after them.
    expect(await counting).toBe(15_000);
    const current = await index.search({
      filter,
      sort: [{ path: 'attributes/n', direction: 'asc' }],
      size: 3,
    });
    expect(current.thingIds).toEqual(['t:new', id(4), id(6)]);
    expect(evaluateFilter(filter, twin(id(0), { n: 0, even: false }))).toBe(false);
  });
});
