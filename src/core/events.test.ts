import { describe, expect, it } from 'vitest';
import { eventType, toProtocolEvent } from './events.js';

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
