import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/json.js';
import { parsePointer } from '../core/json-pointer.js';
import type { BehaviourInput, BehaviourOutcome, TwinBehaviour } from './behaviour.js';
import { compileType } from './compile-type.js';
import { overlaps } from './type-pointer.js';
import { caught } from './type-test-support.js';

const RACK = {
  schema: {
    attributes: { type: 'object', properties: { rack: { type: 'string' } } },
    features: { power: { type: 'object', properties: { watts: { type: 'number', minimum: 0 } } } },
  },
  derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
  windows: {
    'features/power/properties/avg5m': {
      of: 'features/power/properties/watts',
      op: 'avg',
      window: '5m',
    },
    'features/power/properties/energyJ': {
      of: 'features/power/properties/watts',
      op: 'integral',
      window: '1h',
    },
  },
  rollups: {
    'features/power/properties/totalWatts': {
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'sum',
    },
  },
  assessments: {
    overload: {
      when: 'features.power.properties.watts > 250.0',
      clear: 'features.power.properties.watts < 200.0',
      for: '1m',
      severity: 'warning',
    },
  },
};

const thing = (watts: unknown, extra: JsonObject = {}): JsonObject => ({
  thingId: 'dc:r1',
  attributes: { rack: 'R1' },
  features: { power: { properties: { watts, ...extra } as JsonObject } },
});

/** A twin driven change by change, carrying what the behaviour sets onto the next change. */
class Twin {
  state: JsonObject | null = null;
  constructor(readonly behaviour: TwinBehaviour) {}

  change(
    after: JsonObject,
    seconds: number,
    touched: string[] = ['features/power/properties/watts'],
  ): BehaviourOutcome {
    const written = touched.map(parsePointer);
    const carried = this.carry(after);
    const input: BehaviourInput = {
      thingId: 'dc:r1',
      before: this.state,
      after: carried,
      eventTime: seconds * 1000,
      now: 1_700_000_000_000 + seconds * 1000,
      touches: (pointer) => written.some((w) => overlaps(w, parsePointer(pointer))),
    };
    const outcome = this.behaviour.apply(input);
    let next = structuredClone(carried);
    for (const { pointer, value } of outcome.sets) next = setIn(next, pointer, value);
    for (const pointer of outcome.removes) next = removeIn(next, pointer);
    this.state = next;
    return outcome;
  }

  /** The new properties over the outputs already on the twin (as the runtime merges them). */
  private carry(after: JsonObject): JsonObject {
    if (this.state === null) return after;
    const merged = structuredClone(this.state);
    const features = (after.features ?? {}) as Record<string, { properties?: JsonObject }>;
    const own = merged.features as Record<string, { properties: JsonObject }>;
    for (const [id, f] of Object.entries(features)) {
      own[id] = { properties: { ...(own[id]?.properties ?? {}), ...(f.properties ?? {}) } };
    }
    merged.attributes = {
      ...(merged.attributes as JsonObject),
      ...((after.attributes ?? {}) as JsonObject),
    };
    return merged;
  }
}

function setIn(root: JsonObject, pointer: string, value: unknown): JsonObject {
  const segments = parsePointer(pointer);
  let node = root as Record<string, unknown>;
  for (const key of segments.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[segments[segments.length - 1]] = value;
  return root;
}

function removeIn(root: JsonObject, pointer: string): JsonObject {
  const segments = parsePointer(pointer);
  let node = root as Record<string, unknown>;
  for (const key of segments.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[segments[segments.length - 1]];
  return root;
}

const sets = (outcome: BehaviourOutcome): Record<string, unknown> =>
  Object.fromEntries(outcome.sets.map((s) => [s.pointer, s.value]));

describe('compileType', () => {
  it('compiles the example type: outputs, roll-ups and the normalised document', () => {
    const type = compileType('dc:rack:1.0.0', RACK);
    expect(type.id).toBe('dc:rack:1.0.0');
    expect(type.outputs).toEqual([
      'features/power/properties/kw',
      'features/power/properties/avg5m',
      'features/power/properties/energyJ',
    ]);
    expect(type.rollups).toEqual({
      'features/power/properties/totalWatts': {
        relation: 'partOf',
        from: 'children',
        of: 'features/power/properties/watts',
        op: 'sum',
        depth: 1,
      },
    });
    expect(type.document.derived).toEqual(RACK.derived);
    expect(Object.isFrozen(type.document)).toBe(true);
    expect(Object.isFrozen(RACK)).toBe(false);
  });

  it('validates things against its schemas, derived values included', () => {
    const type = compileType('dc:rack:1.0.0', RACK);
    expect(() => type.validateThing('dc:r1', thing(10))).not.toThrow();
    expect(caught(() => type.validateThing('dc:r1', thing(-5))).message).toContain(
      "'/features/power/properties/watts': must be >= 0",
    );
    const typed = compileType('dc:t:1', {
      schema: {
        features: { power: { type: 'object', properties: { kw: { type: 'number', maximum: 1 } } } },
      },
      derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
    });
    expect(caught(() => typed.validateThing('dc:r1', thing(1500, { kw: 1.5 }))).message).toContain(
      "'/features/power/properties/kw'",
    );
  });

  it('refuses a bad type id', () => {
    expect(caught(() => compileType('rack', RACK)).code).toBe('types:id.invalid');
  });
});

describe('a twin behaviour', () => {
  it('computes derived values and windows on creation and on each change, omitting unchanged values', () => {
    const twin = new Twin(compileType('dc:rack:1.0.0', RACK).createBehaviour());
    const created = twin.change(thing(100), 0);
    expect(sets(created)).toEqual({
      'features/power/properties/kw': 0.1,
      'features/power/properties/avg5m': 100,
      'features/power/properties/energyJ': 0,
    });
    expect(sets(twin.change(thing(200), 10))).toEqual({
      'features/power/properties/kw': 0.2,
      'features/power/properties/avg5m': 150,
      'features/power/properties/energyJ': 1500,
    });
    // The average of 100, 200 and 150 stays 150: left out.
    expect(sets(twin.change(thing(150), 20))).toEqual({
      'features/power/properties/kw': 0.15,
      'features/power/properties/energyJ': 3250,
    });
    // The same watts again (touched all the same): kw stays, the energy grows.
    expect(sets(twin.change(thing(150), 30))).toEqual({
      'features/power/properties/energyJ': 4750,
    });
  });

  it('skips everything when the change touches no input', () => {
    const twin = new Twin(compileType('dc:rack:1.0.0', RACK).createBehaviour());
    twin.change(thing(300), 0);
    const outcome = twin.change({ attributes: { rack: 'R2' } }, 10, ['attributes/rack']);
    expect(outcome).toEqual({
      sets: [],
      removes: [],
      assessments: [],
      wakeAt: 60_000,
      lateDropped: 0,
    });
  });

  it('recomputes a derived value only when its inputs change, never for now alone', () => {
    const type = compileType('dc:t:1', {
      derived: {
        'attributes/label': 'attributes.rack + "/" + thingId',
        'attributes/createdAt': 'now',
      },
    });
    const twin = new Twin(type.createBehaviour());
    expect(sets(twin.change(thing(1), 0))).toEqual({
      'attributes/label': 'R1/dc:r1',
      'attributes/createdAt': '2023-11-14T22:13:20.000Z',
    });
    expect(sets(twin.change(thing(2), 10))).toEqual({});
    expect(sets(twin.change({ attributes: { rack: 'R9' } }, 20, ['attributes/rack']))).toEqual({
      'attributes/label': 'R9/dc:r1',
    });
    // A write to the whole attributes object touches every attribute.
    expect(sets(twin.change({ attributes: { rack: 'R7' } }, 30, ['attributes']))).toEqual({
      'attributes/label': 'R7/dc:r1',
    });
  });

  it('leaves the input thing as it was', () => {
    const behaviour = compileType('dc:rack:1.0.0', RACK).createBehaviour();
    const after = thing(100);
    const snapshot = structuredClone(after);
    const outcome = behaviour.apply({
      thingId: 'dc:r1',
      before: null,
      after,
      eventTime: 0,
      now: 0,
      touches: () => true,
    });
    expect(outcome.sets.length).toBe(3);
    expect(after).toEqual(snapshot);
  });

  it('evaluates an assessment only when a change touches what it reads', () => {
    const type = compileType('dc:t:1', {
      assessments: { flagged: { when: 'attributes.flag == true' } },
    });
    const twin = new Twin(type.createBehaviour());
    twin.change(thing(1), 0);
    // The flag is on the thing, but the change did not write it: the assessment is not evaluated.
    expect(
      twin.change({ attributes: { flag: true } }, 10, ['features/power/properties/watts'])
        .assessments,
    ).toEqual([]);
    expect(
      twin.change({ attributes: { flag: true } }, 20, ['attributes/flag']).assessments,
    ).toEqual([{ assessment: 'flagged', transition: 'raised', severity: 'warning', at: 20_000 }]);
  });

  it('removes a derived value whose expression no longer yields one', () => {
    const twin = new Twin(
      compileType('dc:rack:1.0.0', { derived: RACK.derived }).createBehaviour(),
    );
    twin.change(thing(100), 0);
    const outcome = twin.change(thing('broken'), 10);
    expect(outcome.removes).toEqual(['features/power/properties/kw']);
    expect(outcome.sets).toEqual([]);
    expect(twin.change(thing('still'), 20).removes).toEqual([]);
  });

  it('evaluates outputs that use other outputs in dependency order, in the same change', () => {
    const type = compileType('dc:t:1', {
      derived: {
        'features/power/properties/kva': 'features.power.properties.kw * 1.25',
        'features/power/properties/kw': 'features.power.properties.watts / 1000.0',
      },
      windows: {
        'features/power/properties/peakKva': {
          of: 'features/power/properties/kva',
          op: 'max',
          samples: 3,
        },
      },
      assessments: { hot: { when: 'features.power.properties.peakKva > 1.0' } },
    });
    expect(type.outputs).toEqual([
      'features/power/properties/kw',
      'features/power/properties/kva',
      'features/power/properties/peakKva',
    ]);
    const twin = new Twin(type.createBehaviour());
    expect(sets(twin.change(thing(400), 0))).toEqual({
      'features/power/properties/kw': 0.4,
      'features/power/properties/kva': 0.5,
      'features/power/properties/peakKva': 0.5,
    });
    const hot = twin.change(thing(1000), 10);
    expect(sets(hot)).toEqual({
      'features/power/properties/kw': 1,
      'features/power/properties/kva': 1.25,
      'features/power/properties/peakKva': 1.25,
    });
    expect(hot.assessments).toEqual([
      { assessment: 'hot', transition: 'raised', severity: 'warning', at: 10_000 },
    ]);
  });

  it('recomputes on every change an expression reading previous', () => {
    const type = compileType('dc:t:1', {
      derived: {
        'attributes/delta':
          'features.power.properties.watts - previous.features.power.properties.watts',
      },
    });
    const twin = new Twin(type.createBehaviour());
    expect(twin.change(thing(100), 0).sets).toEqual([]); // no previous thing: nothing to subtract
    expect(sets(twin.change(thing(130), 10))).toEqual({ 'attributes/delta': 30 });
    expect(sets(twin.change({ attributes: { rack: 'x' } }, 20, ['attributes/rack']))).toEqual({
      'attributes/delta': 0,
    });
  });

  it('counts samples later than the lateness', () => {
    const type = compileType('dc:t:1', {
      windows: {
        'attributes/n': {
          of: 'features/power/properties/watts',
          op: 'count',
          window: '1h',
          lateness: '10s',
        },
      },
    });
    const twin = new Twin(type.createBehaviour());
    twin.change(thing(1), 100);
    expect(twin.change(thing(2), 95)).toMatchObject({
      lateDropped: 0,
      sets: [{ pointer: 'attributes/n', value: 2 }],
    });
    expect(twin.change(thing(3), 80)).toMatchObject({ lateDropped: 1, sets: [] });
    expect(twin.change(thing('x'), 120)).toMatchObject({ lateDropped: 0, sets: [] });
  });

  it('raises an assessment after for on tick, resolves by clear, and restores its state', () => {
    const type = compileType('dc:rack:1.0.0', RACK);
    const behaviour = type.createBehaviour();
    const twin = new Twin(behaviour);
    expect(twin.change(thing(300), 0)).toMatchObject({ assessments: [], wakeAt: 60_000 });
    expect(twin.change(thing(260), 30)).toMatchObject({ assessments: [], wakeAt: 60_000 });
    const ticked = behaviour.tick('dc:r1', twin.state as JsonObject, 60_000, 0);
    expect(ticked).toEqual({
      sets: [],
      removes: [],
      assessments: [
        { assessment: 'overload', transition: 'raised', severity: 'warning', at: 60_000 },
      ],
      wakeAt: null,
      lateDropped: 0,
    });
    expect(twin.change(thing(220), 70).assessments).toEqual([]);
    const states = behaviour.assessmentStates();
    expect(states).toEqual({ overload: { active: true, since: 60_000 } });

    const restored = type.createBehaviour();
    restored.restoreAssessments(states);
    const again = new Twin(restored);
    again.state = twin.state;
    expect(again.change(thing(150), 80).assessments).toEqual([
      { assessment: 'overload', transition: 'resolved', severity: 'warning', at: 80_000 },
    ]);
  });
});

describe('compileType refuses', () => {
  const refusal = (body: unknown): string => {
    const err = caught(() => compileType('dc:t:1', body));
    expect([err.status, err.code]).toEqual([400, 'types:type.invalid']);
    return err.message;
  };

  it('a cycle of outputs, naming it', () => {
    expect(
      refusal({
        derived: { 'attributes/a': 'attributes.b + 1.0' },
        windows: { 'attributes/b': { of: 'attributes/a', op: 'sum', samples: 3 } },
      }),
    ).toContain('a cycle of outputs: attributes/a → attributes/b → attributes/a');
  });

  it('an output declared twice or inside another, or also a roll-up target', () => {
    expect(
      refusal({
        derived: { 'attributes/a': '1.0' },
        windows: { 'attributes/a': { of: 'attributes/x', op: 'sum', samples: 3 } },
      }),
    ).toContain(
      "at 'windows/attributes~1a': 'attributes/a' is also computed at 'derived/attributes~1a'",
    );
    expect(
      refusal({ derived: { 'attributes/a': '{"b": 1.0}', 'attributes/a/b': '2.0' } }),
    ).toContain("at 'derived/attributes~1a~1b'");
    expect(
      refusal({
        derived: { 'attributes/t': '1.0' },
        rollups: {
          'attributes/t': { relation: 'partOf', from: 'children', of: 'attributes/x', op: 'sum' },
        },
      }),
    ).toContain("at 'rollups/attributes~1t'");
  });

  it('a derived value contradicting its schema', () => {
    const schema = {
      attributes: {
        type: 'object',
        properties: { label: { type: 'string' }, n: { type: 'integer' } },
      },
    };
    expect(refusal({ schema, derived: { 'attributes/label': '2.0 * 3.0' } })).toContain(
      "at 'derived/attributes~1label': '2.0 * 3.0' yields a number, but the schema at '/attributes/label' allows string",
    );
    expect(refusal({ schema, derived: { 'attributes/n': '"x"' } })).toContain(
      'allows integer, number',
    );
    // Not sure contradictions pass: a double may be integral, dyn may be anything.
    expect(() =>
      compileType('dc:t:1', {
        schema,
        derived: { 'attributes/n': '2.0 * 3.0', 'attributes/label': 'attributes.raw' },
      }),
    ).not.toThrow();
  });

  it('an output where the schema admits no value', () => {
    const schema = { attributes: { type: 'object', properties: {}, additionalProperties: false } };
    expect(refusal({ schema, derived: { 'attributes/x': '1.0' } })).toContain(
      "at 'derived/attributes~1x': the schema refuses any value at '/attributes/x'",
    );
  });

  it('a window over a value that is not numeric', () => {
    const schema = { attributes: { type: 'object', properties: { s: { type: 'string' } } } };
    expect(
      refusal({
        schema,
        windows: { 'attributes/w': { of: 'attributes/s', op: 'max', samples: 2 } },
      }),
    ).toContain(
      "at 'windows/attributes~1w/of': a window needs numbers, but the schema at '/attributes/s' allows string",
    );
    expect(
      refusal({
        derived: { 'attributes/d': '"text"' },
        windows: { 'attributes/w': { of: 'attributes/d', op: 'max', samples: 2 } },
      }),
    ).toContain("'attributes/d' is computed as a string");
    expect(
      refusal({
        schema,
        windows: { 'attributes/s': { of: 'attributes/x', op: 'max', samples: 2 } },
      }),
    ).toContain('a window yields a number');
  });
});
