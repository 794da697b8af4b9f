// A few demo twins so that a first `npm start` has something to look at.
import { resourceOf } from '../core/thing-resource.js';
import type { JsonObject } from '../core/json.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';

const DEMO: JsonObject[] = [
  {
    thingId: 'demo:pump-1',
    definition: 'demo:pump:1.0.0',
    attributes: { site: 'plant-a', model: 'P-200', location: { lat: 52.37, lon: 4.9 } },
    features: {
      flow: { properties: { value: 12.5, unit: 'm3/h' } },
      temperature: { properties: { value: 41.2, unit: 'C' } },
    },
  },
  {
    thingId: 'demo:pump-2',
    definition: 'demo:pump:1.0.0',
    attributes: { site: 'plant-a', model: 'P-300', location: { lat: 52.38, lon: 4.91 } },
    features: {
      flow: { properties: { value: 0, unit: 'm3/h' } },
      temperature: { properties: { value: 18.0, unit: 'C' } },
    },
  },
  {
    thingId: 'demo:room-101',
    attributes: { site: 'plant-b', floor: 1 },
    features: {
      climate: {
        properties: { temperature: 21.5, humidity: 40 },
        desiredProperties: { temperature: 21 },
      },
    },
  },
];

export async function seedDemoTwins(runtime: TwinRuntime): Promise<number> {
  for (const thing of DEMO) {
    await runtime.write({
      kind: 'modify',
      resource: resourceOf(thing.thingId as string, 'thing'),
      value: thing,
      originator: 'demo',
    });
  }
  return DEMO.length;
}
