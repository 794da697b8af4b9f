// combineChanges: the one journaled change of a revision always replays to the planned thing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineChanges } from './change-combination.js';
import type { JsonObject, JsonValue } from './json.js';
import { applyChange, type ThingChange } from './thing-change.js';

/** The changes applied one after another to `thing`, and their combination. */
function combined(thing: JsonObject, changes: ThingChange[]) {
  let next: JsonObject | null = thing;
  for (const change of changes) next = applyChange(next, change);
  return { next, combined: combineChanges(thing, changes, next, false) };
}

const base: JsonObject = {
  thingId: 'ns:t',
  policyId: 'ns:t',
  features: { power: { properties: { watts: 100, kw: 0.1, on: true } } },
};

describe('combineChanges', () => {
  it('journals a write and a derived value as one merge of the changed values', () => {
    const { next, combined: one } = combined(base, [
      { action: 'modified', path: ['features', 'power', 'properties', 'watts'], value: 250 },
      { action: 'modified', path: ['features', 'power', 'properties', 'kw'], value: 0.25 },
      { action: 'deleted', path: ['features', 'power', 'properties', 'on'] },
    ]);
    expect(one.change).toEqual({
      action: 'merged',
      path: [],
      value: { features: { power: { properties: { watts: 250, kw: 0.25, on: null } } } },
    });
    expect(applyChange(base, one.change)).toEqual(next);
  });

  it('journals the whole thing when a merge would say something else (an object replaced)', () => {
    const { next, combined: one } = combined(base, [
      { action: 'modified', path: ['features', 'power', 'properties'], value: { watts: 1 } },
      { action: 'modified', path: ['attributes'], value: { a: null } },
    ]);
    expect(one.change.action).toBe('modified');
    expect(one.change.path).toEqual([]);
    expect(applyChange(base, one.change)).toEqual(next);
  });

  it('journals the whole thing when deleting under a missing object (a merge would make it)', () => {
    const { next, combined: one } = combined(base, [
      { action: 'modified', path: ['features', 'power', 'properties', 'watts'], value: 2 },
      { action: 'deleted', path: ['attributes', 'location', 'room'] },
    ]);
    expect(next).not.toHaveProperty('attributes');
    expect(one.change).toEqual({ action: 'modified', path: [], value: next });
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
    const patch: fc.Arbitrary<JsonValue> = fc.dictionary(
      key,
      fc.oneof(
        value,
        fc.dictionary(key, fc.oneof(fc.integer(), fc.constant(null)), { maxKeys: 2 }),
      ),
      { maxKeys: 3 },
    );
    const merge: fc.Arbitrary<ThingChange> = fc.record({
      action: fc.constant('merged' as const),
      path: fc.array(key, { maxLength: 2 }),
      value: patch,
    });
    const before = fc.dictionary(key, value, { maxKeys: 3 }) as fc.Arbitrary<JsonObject>;
    fc.assert(
      fc.property(
        before,
        fc.array(fc.oneof(change, merge), { minLength: 2, maxLength: 5 }),
        (thing, changes) => {
          const { next, combined: one } = combined(thing, changes);
          expect(applyChange(thing, one.change)).toEqual(next);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('combineChanges of an object set at a path', () => {
  const raised = {
    id: 'ns:t:hot:2',
    state: 'active',
    raisedAt: 1_000,
    raisedRevision: 2,
  };

  it('is one merge patch of the new object, with null for each member of the old one it drops', () => {
    const thing = {
      ...base,
      _alerts: { hot: { ...raised, id: 'ns:t:hot:1', state: 'resolved', resolvedAt: 900 } },
    };
    const { next, combined: one } = combined(thing, [
      { action: 'modified', path: ['features', 'power', 'properties', 'watts'], value: 250 },
      { action: 'modified', path: ['_alerts', 'hot'], value: raised },
    ]);
    expect(one.change).toEqual({
      action: 'merged',
      path: [],
      value: {
        features: { power: { properties: { watts: 250 } } },
        _alerts: { hot: { ...raised, resolvedAt: null } },
      },
    });
    expect(applyChange(thing, one.change)).toEqual(next);
  });

  it('replaces nested objects member by member, and makes the object where none was', () => {
    const thing = { ...base, attributes: { place: { room: 'a', floor: 1 }, kept: true } };
    const { next, combined: one } = combined(thing, [
      { action: 'modified', path: ['attributes'], value: { place: { room: 'b' } } },
      { action: 'modified', path: ['features', 'door'], value: { properties: { open: true } } },
    ]);
    expect(one.change).toEqual({
      action: 'merged',
      path: [],
      value: {
        attributes: { place: { room: 'b', floor: null }, kept: null },
        features: { door: { properties: { open: true } } },
      },
    });
    expect(applyChange(thing, one.change)).toEqual(next);
  });

  it('journals the whole thing when the object holds a null (a merge patch would delete it)', () => {
    const { next, combined: one } = combined(base, [
      { action: 'modified', path: ['features', 'power', 'properties', 'watts'], value: 3 },
      { action: 'modified', path: ['_alerts', 'hot'], value: { ...raised, resolvedAt: null } },
    ]);
    expect(one.change).toEqual({ action: 'modified', path: [], value: next });
  });

  it('is a merge patch that replays to the planned thing for any object, after any changes', () => {
    // '{{ ~a~ }}' is a Ditto deletion key when its value is null: a patch must not say that.
    const key = fc.constantFrom('a', 'b', 'c', '{{ ~a~ }}');
    const leaf = fc.oneof(
      { arbitrary: fc.integer(), weight: 4 },
      { arbitrary: fc.array(fc.integer(), { maxLength: 2 }), weight: 1 },
      { arbitrary: fc.constant(null), weight: 1 },
    );
    const inner = fc.dictionary(key, leaf, { maxKeys: 3 });
    const object = fc.dictionary(
      key,
      fc.oneof({ arbitrary: leaf, weight: 2 }, { arbitrary: inner, weight: 3 }),
      { maxKeys: 3 },
    );
    const value: fc.Arbitrary<JsonValue> = fc.oneof(leaf, object);
    const path = fc.array(key, { minLength: 1, maxLength: 3 });
    const earlier: fc.Arbitrary<ThingChange> = fc.oneof(
      fc.record({ action: fc.constant('modified' as const), path, value }),
      fc.record({ action: fc.constant('deleted' as const), path }),
      fc.record({
        action: fc.constant('merged' as const),
        path: fc.array(key, { maxLength: 2 }),
        value: object,
      }),
    );
    const set: fc.Arbitrary<ThingChange> = fc.record({
      action: fc.constant('modified' as const),
      path,
      value: object,
    });
    const before = fc.dictionary(key, value, { maxKeys: 3 }) as fc.Arbitrary<JsonObject>;
    const hasNull = (v: JsonValue): boolean =>
      v === null || (typeof v === 'object' && !Array.isArray(v) && Object.values(v).some(hasNull));
    fc.assert(
      fc.property(
        before,
        fc.array(earlier, { maxLength: 3 }),
        set,
        fc.array(earlier, { maxLength: 2 }),
        (thing, first, object, last) => {
          const changes = [...first, object, ...last];
          const { next, combined: one } = combined(thing, changes);
          expect(applyChange(thing, one.change)).toEqual(next);
          // Alone, an object without nulls is always a merge patch (and one trusted unverified).
          const alone = combined(thing, [object]).combined.change;
          if (!hasNull(object.value as JsonValue)) expect(alone.action).toBe('merged');
          expect(applyChange(thing, alone)).toEqual(applyChange(thing, object));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('combineChanges of a merge and what it derives', () => {
  it('is one merge patch of both, leaving the merge value as it was', () => {
    const mergeValue = { features: { power: { properties: { watts: 300 } } } };
    const { next, combined: one } = combined(base, [
      { action: 'merged', path: [], value: mergeValue },
      { action: 'modified', path: ['features', 'power', 'properties', 'kw'], value: 0.3 },
    ]);
    expect(one.change).toEqual({
      action: 'merged',
      path: [],
      value: { features: { power: { properties: { watts: 300, kw: 0.3 } } } },
    });
    expect(mergeValue).toEqual({ features: { power: { properties: { watts: 300 } } } });
    expect(applyChange(base, one.change)).toEqual(next);
  });

  it('falls back to the whole thing when a merge into a replaced value would not replay', () => {
    const { next, combined: one } = combined(base, [
      { action: 'modified', path: ['features', 'power', 'properties'], value: [1] },
      { action: 'merged', path: ['features', 'power', 'properties'], value: { on: false } },
    ]);
    expect(applyChange(base, one.change)).toEqual(next);
  });
});
