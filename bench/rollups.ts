// Benchmark `rollups`: what one child's change costs a roll-up (sum, max and count of a value over
// the children of a relation), with 100, 10,000 and 100,000 children under one parent: the engine
// walks from the child to its parents and updates their aggregates, whatever the number of
// siblings. Measured in process on the engine itself (the parent's write, one per flush, is left
// out), beside a reference measured in the same run: summing the children's values from scratch.
import type { JsonObject } from '../src/core/json.js';
import type { TwinEvent } from '../src/core/events.js';
import { CommittedEventStream } from '../src/runtime/committed-event-stream.js';
import { RelationGraph } from '../src/runtime/relation-graph.js';
import { RollupEngine } from '../src/runtime/rollups.js';
import type { WriteRequest, WriteResult } from '../src/runtime/write-pipeline.js';
import { compileType } from '../src/types/compile-type.js';
import type { BenchContext } from './harness/context.js';
import { fmt, meets, note, printTable } from './harness/report.js';

const SIZES = (process.env.ROLLUP_SIZES ?? '100,10000,100000').split(',').map(Number);
const CHANGES = 200_000;
const TYPE_ID = 'bench:hall:1';
const HALL_TYPE = {
  rollups: Object.fromEntries(
    (['sum', 'max', 'count'] as const).map((op) => [
      `features/power/properties/${op}Watts`,
      { relation: 'partOf', from: 'children', of: 'features/power/properties/watts', op },
    ]),
  ),
};

interface Result {
  children: number;
  /** Changes cycling over the same 100 children (the same working set at every size). */
  nsPerChange: number;
  /** Changes spread over every child (the working set grows with the children). */
  nsSpread: number;
  scratchNsPerChange: number;
}

/** How many distinct children the first measure changes, at every size. */
const HOT_CHILDREN = 100;

async function measure(children: number): Promise<Result> {
  const type = compileType(TYPE_ID, HALL_TYPE);
  const graph = new RelationGraph();
  const things = new Map<string, JsonObject>();
  const hall = 'bench:hall';
  things.set(hall, { thingId: hall, definition: TYPE_ID });
  for (let i = 0; i < children; i++) {
    const id = `bench:rack-${i}`;
    things.set(id, { thingId: id, features: { power: { properties: { watts: i % 1000 } } } });
    graph.add(id, 'partOf', hall);
  }
  let written = 0;
  const engine = new RollupEngine({
    graph,
    types: { compiled: (id) => (id === TYPE_ID ? type : undefined) },
    stream: new CommittedEventStream({ readAll: () => Promise.resolve([]) } as never),
    thingOf: (id) => things.get(id) ?? null,
    write: (_request: WriteRequest) => {
      written++;
      return Promise.resolve({ created: false, revision: 1 } as WriteResult);
    },
    twinsOfTypes: () => Promise.resolve([hall]),
  });
  await engine.start([TYPE_ID]);
  const event = (thingId: string): TwinEvent => ({
    thingId,
    revision: 2,
    timestamp: 0,
    action: 'merged',
    path: [],
    value: { features: { power: { properties: { watts: 1 } } } },
  });
  // Warm up, then time the changes: each sets a child's value and hands its event over.
  const ids = [...things.keys()].filter((id) => id !== hall);
  const powers = ids.map(
    (id) =>
      (things.get(id) as { features: { power: { properties: { watts: number } } } }).features.power
        .properties,
  );
  // One event object per child, made before: the loop allocates nothing (no collector runs in it).
  const events = ids.map((id) => event(id));
  const run = (count: number, spread: number) => {
    for (let n = 0; n < count; n++) {
      const i = ((n * 7919) % spread) * Math.floor(children / spread);
      powers[i].watts = n % 997;
      engine.changed(events[i]);
    }
  };
  const timed = (spread: number) => {
    run(20_000, spread);
    const started = process.hrtime.bigint();
    run(CHANGES, spread);
    return Number(process.hrtime.bigint() - started) / CHANGES;
  };
  const nsPerChange = timed(Math.min(HOT_CHILDREN, children));
  const nsSpread = timed(children);
  // The reference: the sum over every child computed from scratch, once per change.
  const scratchRounds = Math.max(1, Math.floor(2_000_000 / children));
  const values = [...things.values()];
  let sink = 0;
  const scratchStart = process.hrtime.bigint();
  for (let r = 0; r < scratchRounds; r++)
    for (const thing of values)
      sink +=
        (thing.features as { power?: { properties: { watts: number } } } | undefined)?.power
          ?.properties.watts ?? 0;
  const scratchNsPerChange = Number(process.hrtime.bigint() - scratchStart) / scratchRounds;
  if (sink === -1) console.log(sink, written);
  await engine.close();
  return { children, nsPerChange, nsSpread, scratchNsPerChange };
}

export async function rollupsBenchmark(_context: BenchContext): Promise<void> {
  const results: Result[] = [];
  for (const children of SIZES) results.push(await measure(children));
  printTable(
    `rollups: one child's change under one parent (sum, max and count of its watts), ${fmt(CHANGES)} changes`,
    [
      'children',
      `µs per change (${HOT_CHILDREN} children changing)`,
      'vs 100 children',
      'µs per change (every child changing)',
      'vs 100 children',
      'reference: sum from scratch, µs',
    ],
    results.map((r) => [
      fmt(r.children),
      (r.nsPerChange / 1000).toFixed(2),
      `${(r.nsPerChange / results[0].nsPerChange).toFixed(2)}×`,
      (r.nsSpread / 1000).toFixed(2),
      `${(r.nsSpread / results[0].nsSpread).toFixed(2)}×`,
      (r.scratchNsPerChange / 1000).toFixed(1),
    ]),
  );
  note(
    'the work per change is the same at every size (one lookup of the member, one update of each aggregate); with every child changing, the children no longer fit in the CPU caches, and each change waits for memory',
  );
  const spread = results[results.length - 1].nsPerChange / results[0].nsPerChange;
  note(
    `bar: the cost per change with 100,000 children within 1.5× of 100: ${spread.toFixed(2)}× -> ${meets(spread <= 1.5)}`,
  );
}
