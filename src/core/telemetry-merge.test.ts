import { describe, expect, it } from 'vitest';
import type { JsonObject } from './json.js';
import { applyMergePatch } from './merge-patch.js';
import { mergedTelemetry } from './telemetry-merge.js';
import { planMerge } from './thing-commands.js';
import { resourceOf } from './thing-resource.js';

const thing: JsonObject = {
  thingId: 'org.acme:t1',
  policyId: 'org.acme:t1',
  attributes: { site: { floor: 3 }, name: 'pump' },
  features: {
    temperature: { definition: ['org.acme:temp:1.0'], properties: { value: 20.5, unit: 'C' } },
    power: { properties: { watts: 100 } },
  },
};

describe('telemetry merge', () => {
  it('gives what the general merge gives, without changing the thing', () => {
    const before = structuredClone(thing);
    const patches: JsonObject[] = [
      { features: { temperature: { properties: { value: 21 } } } },
      {
        features: {
          power: { properties: { watts: 7, on: true } },
          fresh: { properties: { x: 'a' } },
        },
      },
      { features: { power: { desiredProperties: { watts: 50 } } } },
      { attributes: { site: { floor: 4, room: { n: 1 } }, name: 'p2', added: false } },
      {
        attributes: { site: 'flat' },
        features: { temperature: { properties: { unit: { s: 'K' } } } },
      },
    ];
    for (const patch of patches) {
      const fast = mergedTelemetry(thing, patch);
      expect(fast).toEqual(applyMergePatch(thing, patch));
      expect(JSON.stringify(fast)).toBe(JSON.stringify(applyMergePatch(thing, patch)));
    }
    expect(thing).toEqual(before);
  });

  it('declines every patch that is not plain telemetry, leaving it to the general path', () => {
    const declined: JsonObject[] = [
      {},
      { policyId: 'org.acme:other' },
      { thingId: 'org.acme:t1' },
      { definition: 'a:b:c' },
      { _metadata: {} },
      { features: {} },
      { features: { power: {} } },
      { features: { power: { definition: ['a:b:1'] } } },
      { features: { power: { properties: { watts: null } } } },
      { features: { power: { properties: { list: [1, 2] } } } },
      { features: { power: { properties: { empty: {} } } } },
      { features: { power: { properties: { 'bad/key': 1 } } } },
      { features: { 'bad\u200bid': { properties: { a: 1 } } } },
      { features: { power: 'off' } },
      { attributes: { '{{ ~.*~ }}': null } },
      { attributes: 5 },
    ];
    for (const patch of declined) expect(mergedTelemetry(thing, patch)).toBeUndefined();
  });

  it('leaves the errors of a bad patch to the general path', () => {
    const resource = resourceOf('org.acme:t1', 'thing');
    expect(() =>
      planMerge(thing, resource, { features: { power: { properties: { 'a/b': 1 } } } }),
    ).toThrow(expect.objectContaining({ code: 'json.key.invalid' }) as Error);
    const planned = planMerge(thing, resource, {
      features: { power: { properties: { watts: 1 } } },
    });
    expect(planned.change).toEqual({
      action: 'merged',
      path: [],
      value: { features: { power: { properties: { watts: 1 } } } },
    });
    expect((planned.next?.features as JsonObject).power).toEqual({ properties: { watts: 1 } });
  });
});
