// Micro-benchmark of a twin type's behaviour (`npx tsx bench/type-behaviour.ts`): µs per apply for
// a type of three derived values, one window and one assessment, next to one bare CEL evaluation.
import { Environment } from '@marcbachmann/cel-js';
import type { JsonObject } from '../src/core/json.js';
import type { BehaviourInput } from '../src/types/behaviour.js';
import { compileType } from '../src/types/compile-type.js';

const CHANGES = 200_000;

const type = compileType('bench:rack:1', {
  derived: {
    'features/power/properties/kw': 'features.power.properties.watts / 1000.0',
    'features/power/properties/amps': 'features.power.properties.watts / 230.0',
    'features/power/properties/kva': 'features.power.properties.kw * 1.25',
  },
  windows: {
    'features/power/properties/avg5m': {
      of: 'features/power/properties/watts',
      op: 'avg',
      window: '5m',
    },
  },
  assessments: {
    overload: {
      when: 'features.power.properties.avg5m > 250.0',
      clear: 'features.power.properties.avg5m < 200.0',
    },
  },
});

/** A stored twin holds the outputs of its last change (here stale ones, so each change sets them). */
function thingWith(watts: number): JsonObject {
  const properties = { watts, kw: 0, amps: 0, kva: 0, avg5m: 0 };
  return { thingId: 'bench:r1', attributes: { rack: 'R1' }, features: { power: { properties } } };
}

function measure(label: string, touched: (pointer: string) => boolean): number {
  const behaviour = type.createBehaviour();
  const things = Array.from({ length: 64 }, (_, i) => thingWith(100 + ((i * 37) % 300)));
  const input: BehaviourInput = {
    thingId: 'bench:r1',
    before: things[0],
    after: things[0],
    eventTime: 0,
    now: Date.now(),
    touches: touched,
  };
  behaviour.apply({ ...input, before: null });
  const run = (n: number, start: number): void => {
    for (let i = 0; i < n; i++) {
      input.after = things[i & 63];
      input.eventTime = (start + i) * 1000;
      behaviour.apply(input);
    }
  };
  run(20_000, 1); // warm-up
  const begin = process.hrtime.bigint();
  run(CHANGES, 20_001);
  const us = Number(process.hrtime.bigint() - begin) / 1000 / CHANGES;
  console.log(`${label.padEnd(52)} ${us.toFixed(2)} µs/change`);
  return us;
}

const watts = 'features/power/properties/watts';
measure(
  'apply, change writes watts (all 5 parts run)',
  (p) => watts.startsWith(p) || p.startsWith(watts),
);
measure(
  'apply, change writes only attributes/rack (skipped)',
  (p) => p === 'attributes' || p === 'attributes/rack',
);

const env = new Environment().registerVariable('features', 'map');
const bare = env.parse('features.power.properties.watts / 1000.0');
bare.check();
const context = { features: thingWith(120).features };
for (let i = 0; i < 20_000; i++) bare(context);
const begin = process.hrtime.bigint();
for (let i = 0; i < CHANGES; i++) bare(context);
const us = Number(process.hrtime.bigint() - begin) / 1000 / CHANGES;
console.log(`${'reference: one bare CEL evaluation'.padEnd(52)} ${us.toFixed(2)} µs`);
