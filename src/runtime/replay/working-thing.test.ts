import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { applyChange, type ThingChange } from '../../core/thing-change.js';
import { WorkingThing } from './working-thing.js';

function frozen<T extends JsonValue>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

const START: JsonObject = {
  thingId: 'ns:a',
  definition: 'ns:t:1',
  attributes: { site: 'x', tags: ['a'] },
  features: { p: { properties: { w: 1, nested: { a: 1, b: 2 } } }, q: { properties: { v: 3 } } },
};

/** Changes of every kind, in place or not, one after the other. */
const CHANGES: ThingChange[] = [
  { action: 'modified', path: ['features', 'p', 'properties', 'w'], value: 2 },
  { action: 'modified', path: ['features', 'p', 'properties', 'w'], value: 3 },
  {
    action: 'merged',
    path: [],
    value: { features: { p: { properties: { w: 4, nested: { a: null, c: { d: 1 } } } } } },
  },
  { action: 'merged', path: ['features', 'q', 'properties'], value: { v: null, u: [1, 2] } },
  { action: 'merged', path: ['features', 'q', 'properties', 'u'], value: { now: 'object' } },
  { action: 'modified', path: ['attributes', 'site', 'deeper'], value: 'replaces a string' },
  { action: 'deleted', path: ['features', 'p', 'properties', 'nested', 'b'] },
  { action: 'deleted', path: ['features', 'missing', 'properties'] },
  { action: 'merged', path: ['features', 'r'], value: null },
  { action: 'merged', path: [], value: { definition: 'ns:t:2' } },
  { action: 'merged', path: ['features'], value: { '{{ ~q~ }}': null } },
  { action: 'modified', path: ['features', 'z'], value: { properties: { k: 1 } } },
  { action: 'modified', path: ['features', 'z', 'properties', 'k'], value: 2 },
  { action: 'merged', path: [], value: { features: { p: { properties: { w: 5 } } } } },
  { action: 'modified', path: [], value: { thingId: 'ns:a', features: { p: { properties: {} } } } },
  { action: 'modified', path: ['features', 'p', 'properties', 'w'], value: 6 },
  { action: 'deleted', path: [] },
  { action: 'created', path: [], value: { thingId: 'ns:a', attributes: { n: 1 } } },
  { action: 'modified', path: ['attributes', 'n'], value: 2 },
];

describe('working thing', () => {
  it('working thing - gives what applyChange gives, change after change', () => {
    const start = frozen(structuredClone(START));
    const changes = frozen(
      structuredClone(CHANGES) as unknown as JsonValue,
    ) as unknown as ThingChange[];
    const working = new WorkingThing(start);
    let expected: JsonObject | null = start;
    const inPlace: boolean[] = [];
    for (const change of changes) {
      // Frozen start and values: writing into either would throw.
      inPlace.push(working.apply(change));
      expected = applyChange(expected, change);
      expect(working.thing).toEqual(expected);
      expect(JSON.stringify(working.thing)).toBe(JSON.stringify(expected));
    }
    expect(start).toEqual(START);
    expect(inPlace).toEqual([
      ...[true, true, true, true, true, true, true, true, true],
      false, // the definition
      false, // a Ditto deletion key
      ...[true, true, true],
      false, // a whole thing
      true,
      false, // deleted
      false, // created
      true,
    ]);
  });

  it('working thing - edits in place only the objects it copied, and copies again once released', () => {
    const working = new WorkingThing(frozen(structuredClone(START)));
    const path = ['features', 'p', 'properties', 'w'];
    working.apply({ action: 'modified', path, value: 2 });
    const first = working.thing;
    working.apply({ action: 'modified', path, value: 3 });
    expect(working.thing).toBe(first);
    working.release();
    working.apply({ action: 'modified', path, value: 4 });
    expect(working.thing).not.toBe(first);
    expect((first?.features as JsonObject).p).toEqual({
      properties: { w: 3, nested: { a: 1, b: 2 } },
    });
  });

  it('working thing - a thing with metadata is changed copy-on-write', () => {
    const withMetadata = { ...START, _metadata: { features: { p: { properties: { w: {} } } } } };
    const working = new WorkingThing(frozen(withMetadata));
    const change: ThingChange = { action: 'deleted', path: ['features', 'p', 'properties', 'w'] };
    expect(working.apply(change)).toBe(false);
    expect(working.thing).toEqual(applyChange(withMetadata, change));
  });
});
