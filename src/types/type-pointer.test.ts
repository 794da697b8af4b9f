import { describe, expect, it } from 'vitest';
import { inputSegments, outputSegments, overlaps, whereOf } from './type-pointer.js';

describe('type pointers', () => {
  it('names a part of the document with each key escaped', () => {
    expect(whereOf('windows', 'features/power/properties/avg5m', 'op')).toBe(
      'windows/features~1power~1properties~1avg5m/op',
    );
  });

  it('accepts attribute and feature property outputs', () => {
    expect(outputSegments('attributes/rack')).toEqual(['attributes', 'rack']);
    expect(outputSegments('features/power/properties/a/b')).toEqual([
      'features',
      'power',
      'properties',
      'a',
      'b',
    ]);
  });

  it('refuses other outputs with a reason', () => {
    for (const bad of [
      '',
      'attributes',
      '/attributes/x',
      'attributes/x/',
      'features/power',
      'features/power/properties',
      'features/power/desiredProperties/x',
      'features/power/definition/x',
      'thingId',
      'policyId/x',
      'attributes/a\u0001b',
    ]) {
      expect(typeof outputSegments(bad), bad).toBe('string');
    }
  });

  it('lets inputs read desired properties', () => {
    expect(inputSegments('features/p/desiredProperties/x')).toEqual([
      'features',
      'p',
      'desiredProperties',
      'x',
    ]);
  });

  it('overlaps when one pointer contains the other', () => {
    expect(overlaps(['a', 'b'], ['a', 'b', 'c'])).toBe(true);
    expect(overlaps(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(overlaps(['a', 'b'], ['a', 'c'])).toBe(false);
  });
});
