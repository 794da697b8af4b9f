// Which values of an event become series points, under which pointers and at which time.
import { describe, expect, it } from 'vitest';
import type { TwinEvent } from '../core/events.js';
import type { SeriesPoint } from '../store/series-store.js';
import { collectEventPoints } from './event-points.js';

function pointsOf(event: Partial<TwinEvent>): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  collectEventPoints(
    { thingId: 'dc:h1', revision: 2, timestamp: 5000, action: 'modified', path: [], ...event },
    out,
  );
  return out;
}

describe('event points', () => {
  it('a whole thing gives its attribute and feature property scalars, nothing else', () => {
    const points = pointsOf({
      action: 'created',
      value: {
        thingId: 'dc:h1',
        policyId: 'dc:p',
        definition: 'acme:host:1',
        attributes: { rack: 'r1', floor: 2, nested: { on: true, list: [1, 2] } },
        features: {
          power: {
            definition: ['acme:power:1'],
            properties: { watts: 120.5, zero: 0, off: false, empty: '', gone: null },
            desiredProperties: { watts: 100 },
          },
        },
      },
    });
    expect(points).toEqual([
      { thingId: 'dc:h1', pointer: 'attributes/rack', t: 5000, value: 'r1' },
      { thingId: 'dc:h1', pointer: 'attributes/floor', t: 5000, value: 2 },
      { thingId: 'dc:h1', pointer: 'attributes/nested/on', t: 5000, value: true },
      { thingId: 'dc:h1', pointer: 'features/power/properties/watts', t: 5000, value: 120.5 },
      { thingId: 'dc:h1', pointer: 'features/power/properties/zero', t: 5000, value: 0 },
      { thingId: 'dc:h1', pointer: 'features/power/properties/off', t: 5000, value: false },
      { thingId: 'dc:h1', pointer: 'features/power/properties/empty', t: 5000, value: '' },
    ]);
  });

  it('a property set, a merge patch and a feature give the leaves under their path', () => {
    expect(
      pointsOf({ path: ['features', 'power', 'properties', 'watts'], value: 7 }).map((p) => [
        p.pointer,
        p.value,
      ]),
    ).toEqual([['features/power/properties/watts', 7]]);
    expect(
      pointsOf({
        action: 'merged',
        path: [],
        value: { features: { t: { properties: { c: 21, gone: null } } }, attributes: { a: 1 } },
      }).map((p) => p.pointer),
    ).toEqual(['features/t/properties/c', 'attributes/a']);
    expect(
      pointsOf({ path: ['features', 'a/b~c'], value: { properties: { 'x/y': 1 } } }).map(
        (p) => p.pointer,
      ),
    ).toEqual(['features/a~1b~0c/properties/x~1y']);
  });

  it('deletions, definitions, desired properties and arrays give no points', () => {
    expect(pointsOf({ action: 'deleted', path: ['attributes', 'a'] })).toEqual([]);
    expect(pointsOf({ path: ['definition'], value: 'acme:x:1' })).toEqual([]);
    expect(pointsOf({ path: ['policyId'], value: 'dc:p2' })).toEqual([]);
    expect(pointsOf({ path: ['features', 'p', 'desiredProperties', 'w'], value: 3 })).toEqual([]);
    expect(pointsOf({ path: ['features', 'p', 'properties', 'list'], value: [1, 2] })).toEqual([]);
    expect(pointsOf({ path: ['features', 'p', 'properties'], value: null })).toEqual([]);
  });

  it('a value observed at its own time is kept at that time', () => {
    expect(
      pointsOf({ path: ['attributes', 'a'], value: 1, observedAt: 1234 }).map((p) => p.t),
    ).toEqual([1234]);
  });
});
