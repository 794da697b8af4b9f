import { describe, expect, it } from 'vitest';
import { changeTouches } from './change-touches.js';
import type { ThingChange } from './thing-change.js';

const watts = ['features', 'power', 'properties', 'watts'];

describe('changeTouches', () => {
  it('is true for a change at the pointer, above it (replacing) or under it', () => {
    const at: ThingChange = { action: 'modified', path: watts, value: 1 };
    const above: ThingChange = { action: 'modified', path: ['features', 'power'], value: {} };
    const under: ThingChange = { action: 'modified', path: [...watts, 'x'], value: 1 };
    const deleted: ThingChange = { action: 'deleted', path: ['features'] };
    for (const change of [at, above, under, deleted])
      expect(changeTouches(change, watts)).toBe(true);
  });

  it('is false for a change elsewhere', () => {
    const other: ThingChange = {
      action: 'modified',
      path: ['features', 'power', 'properties', 'volts'],
      value: 1,
    };
    expect(changeTouches(other, watts)).toBe(false);
    expect(changeTouches({ action: 'modified', path: ['attributes'], value: {} }, watts)).toBe(
      false,
    );
  });

  it('follows a merge patch down to the places it names', () => {
    const merge = (value: ThingChange['value']): ThingChange => ({
      action: 'merged',
      path: [],
      value,
    });
    expect(changeTouches(merge({ features: { power: { properties: { watts: 5 } } } }), watts)).toBe(
      true,
    );
    expect(changeTouches(merge({ features: { power: { properties: { volts: 5 } } } }), watts)).toBe(
      false,
    );
    expect(changeTouches(merge({ attributes: { a: 1 } }), watts)).toBe(false);
    // A null (or a scalar) on the way replaces everything under it.
    expect(changeTouches(merge({ features: { power: null } }), watts)).toBe(true);
    expect(changeTouches(merge({ features: { power: { properties: 3 } } }), watts)).toBe(true);
    expect(
      changeTouches(
        { action: 'merged', path: ['features', 'power'], value: { properties: { watts: 1 } } },
        watts,
      ),
    ).toBe(true);
  });

  it('a whole-thing creation or replacement touches everything', () => {
    expect(changeTouches({ action: 'created', path: [], value: {} }, watts)).toBe(true);
    expect(changeTouches({ action: 'modified', path: [], value: {} }, watts)).toBe(true);
  });
});
