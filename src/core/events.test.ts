import { describe, expect, it } from 'vitest';
import { eventType, toProtocolEvent } from './events.js';
import { isoTime } from './thing.js';

describe('events', () => {
  it('names changes with Ditto event types', () => {
    const cases: [string[], 'created' | 'modified' | 'merged' | 'deleted', string][] = [
      [[], 'created', 'thingCreated'],
      [[], 'merged', 'thingMerged'],
      [['policyId'], 'modified', 'policyIdModified'],
      [['definition'], 'deleted', 'thingDefinitionDeleted'],
      [['attributes'], 'modified', 'attributesModified'],
      [['attributes', 'a', 'b'], 'deleted', 'attributeDeleted'],
      [['features'], 'modified', 'featuresModified'],
      [['features', 'f'], 'created', 'featureCreated'],
      [['features', 'f', 'definition'], 'modified', 'featureDefinitionModified'],
      [['features', 'f', 'properties'], 'modified', 'featurePropertiesModified'],
      [['features', 'f', 'properties', 'x'], 'modified', 'featurePropertyModified'],
      [['features', 'f', 'desiredProperties'], 'deleted', 'featureDesiredPropertiesDeleted'],
      [['features', 'f', 'desiredProperties', 'x'], 'modified', 'featureDesiredPropertyModified'],
    ];
    for (const [path, action, name] of cases)
      expect(eventType({ path, action })).toBe(`things.events:${name}`);
  });

  it('renders the Ditto Protocol envelope, without value for deletions', () => {
    const event = toProtocolEvent({
      thingId: 'org.x:lamp',
      revision: 4,
      timestamp: 0,
      action: 'deleted',
      path: ['attributes', 'a/b'],
    });
    expect(event).toEqual({
      topic: 'org.x/lamp/things/twin/events/deleted',
      headers: { type: 'things.events:attributeDeleted' },
      path: '/attributes/a~1b',
      revision: 4,
      timestamp: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('isoTime', () => {
  it('writes what toISOString writes, for times of one second, across seconds and out of range', () => {
    const times = [0, 1, 999, 1000, 1001, 59_999, 1_764_000_000_000, 1_764_000_000_999.7];
    for (let i = 0; i < 2000; i++)
      times.push(1_764_000_000_000 + i * 7, 1_764_000_000_000 - i * 13);
    for (let i = 0; i < 500; i++) times.push(Math.floor(Math.random() * 253_402_300_799_999));
    times.push(253_402_300_799_999, 253_402_300_800_000, -1, -1_000, -62_198_755_200_001);
    for (const ms of times) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });

  it('names relation changes relationModified / relationDeleted at /relations/<name>/<target>', () => {
    const path = ['_relations', 'partOf', 'dc:hall-1'];
    expect(eventType({ path, action: 'modified' })).toBe('things.events:relationModified');
    expect(eventType({ path, action: 'deleted' })).toBe('things.events:relationDeleted');
    const event = toProtocolEvent({
      thingId: 'dc:rack-7',
      revision: 2,
      timestamp: 0,
      action: 'modified',
      path,
      value: { slot: 3 },
    });
    expect(event).toMatchObject({
      topic: 'dc/rack-7/things/twin/events/modified',
      path: '/relations/partOf/dc:hall-1',
      value: { slot: 3 },
    });
  });

  it("never shows a replaced thing's relations or metadata in its event", () => {
    const event = toProtocolEvent({
      thingId: 'dc:rack-7',
      revision: 3,
      timestamp: 0,
      action: 'modified',
      path: [],
      value: {
        thingId: 'dc:rack-7',
        policyId: 'dc:rack-7',
        _relations: { partOf: { 'dc:hall-1': {} } },
        _metadata: { attributes: {} },
      },
    });
    expect(event.value).toEqual({ thingId: 'dc:rack-7', policyId: 'dc:rack-7' });
  });
});
