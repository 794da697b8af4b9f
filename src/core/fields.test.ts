import { describe, expect, it } from 'vitest';
import { parseFields, projectFields } from './fields.js';

describe('fields', () => {
  it('parses pointers, nested groups and removes duplicates', () => {
    expect(
      parseFields('thingId,attributes(acceleration,someData(foo,bar/baz)),/features/key,thingId'),
    ).toEqual([
      ['thingId'],
      ['attributes', 'acceleration'],
      ['attributes', 'someData', 'foo'],
      ['attributes', 'someData', 'bar', 'baz'],
      ['features', 'key'],
    ]);
  });

  it('rejects empty selectors, empty segments and unbalanced parentheses', () => {
    for (const bad of ['', 'a(b', 'a)b(', 'a,,b', 'a//b', 'a(b))']) {
      expect(() => parseFields(bad), bad).toThrow(/field selector/);
    }
  });

  it('projects nested paths and feature wildcards, omitting what does not exist', () => {
    const thing = {
      thingId: 'a:b',
      attributes: { location: { lat: 1, lon: 2 }, x: 3 },
      features: { lamp: { properties: { on: true, w: 5 } }, fan: { properties: { rpm: 1 } } },
    };
    expect(
      projectFields(
        thing,
        parseFields('attributes/location(lat),features/*/properties/on,missing'),
      ),
    ).toEqual({
      attributes: { location: { lat: 1 } },
      features: { lamp: { properties: { on: true } } },
    });
    expect(projectFields(thing, parseFields('nothing/here'))).toEqual({});
  });
});
