// combineChanges: the one journaled change of a revision always replays to the planned thing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineChanges } from './change-combination.js';
import type { JsonObject, JsonValue } from './json.js';
import { applyChange, type ThingChange } from './thing-change.js';
import type { PlannedChange } from './thing-commands.js';

/** Plans changes applied one after another to `thing`. */
function plan(thing: JsonObject | null, changes: ThingChange[]): PlannedChange[] {
  let current = thing;
  return changes.map((change) => {
    current = applyChange(current, change);
    return { change, next: current, created: false };
  });
}

const base: JsonObject = {
  thingId: 'ns:t',
  policyId: 'ns:t',
  features: { power: { properties: { watts: 100, kw: 0.1, on: true } } },
};

describe('combineChanges', () => {
  it('keeps a single change as it is', () => {
    const planned = plan(base, [
      { action: 'modified', path: ['features', 'power', 'properties', 'watts'], value: 5 },
    ]);
    expect(combineChanges(base, planned)).toBe(planned[0]);
  });

  it('journals a write and a derived value as one merge of the changed values', () => {
    const planned = plan(base, [
      { action: 'modified', path: ['features', 'power', 'properties', 'watts'], value: 250 },
      { action: 'modified', path: ['features', 'power', 'properties', 'kw'], value: 0.25 },
      { action: 'deleted', path: ['features', 'power', 'properties', 'on'] },
    ]);
    const combined = combineChanges(base, planned);
    expect(combined.change).toEqual({
      action: 'merged',
      path: [],
      value: { features: { power: { properties: { watts: 250, kw: 0.25, on: null } } } },
    });
    expect(applyChange(base, combined.change)).toEqual(planned[2].next);
  });

  it('journals the whole thing when a merge would say something else (an object replaced)', () => {
    const planned = plan(base, [
      { action: 'modified', path: ['features', 'power', 'properties'], value: { watts: 1 } },
      { action: 'modified', path: ['attributes'], value: { a: null } },
    ]);
    const combined = combineChanges(base, planned);
    expect(combined.change.action).toBe('modified');
    expect(combined.change.path).toEqual([]);
    expect(applyChange(base, combined.change)).toEqual(planned[1].next);
  });

  it('replays to the planned thing for any sequence of changes', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const value: fc.Arbitrary<JsonValue> = fc.oneof(
      fc.integer(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(key, fc.integer(), { maxKeys: 2 }),
    );
    const change: fc.Arbitrary<ThingChange> = fc.oneof(
      fc.record({
        action: fc.constant('modified' as const),
        path: fc.array(key, { minLength: 1, maxLength: 3 }),
        value,
      }),
      fc.record({
        action: fc.constant('deleted' as const),
        path: fc.array(key, { minLength: 1, maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(change, { minLength: 2, maxLength: 5 }), (changes) => {
        const planned = plan({ a: { b: 1 }, c: 2 }, changes);
        const combined = combineChanges({ a: { b: 1 }, c: 2 }, planned);
        expect(applyChange({ a: { b: 1 }, c: 2 }, combined.change)).toEqual(
          planned[planned.length - 1].next,
        );
      }),
    );
  });
});

describe('combineChanges of a merge and what it derives', () => {
  it('is one merge patch of both, leaving the merge value as it was', () => {
    const mergeValue = { features: { power: { properties: { watts: 300 } } } };
    const planned = plan(base, [
      { action: 'merged', path: [], value: mergeValue },
      { action: 'modified', path: ['features', 'power', 'properties', 'kw'], value: 0.3 },
    ]);
    const combined = combineChanges(base, planned);
    expect(combined.change).toEqual({
      action: 'merged',
      path: [],
      value: { features: { power: { properties: { watts: 300, kw: 0.3 } } } },
    });
    expect(mergeValue).toEqual({ features: { power: { properties: { watts: 300 } } } });
    expect(applyChange(base, combined.change)).toEqual(planned[1].next);
  });

  it('falls back to the whole thing when a merge into a replaced value would not replay', () => {
    const planned = plan(base, [
      { action: 'modified', path: ['features', 'power', 'properties'], value: [1] },
      { action: 'merged', path: ['features', 'power', 'properties'], value: { on: false } },
    ]);
    const combined = combineChanges(base, planned);
    expect(applyChange(base, combined.change)).toEqual(planned[1].next);
  });
});
