// The replay engine over a real journal written by the live runtime with behaviour in its write
// step: the live type reproduces itself exactly; another threshold gives the alerts it must.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../../core/events.js';
import type { JsonObject } from '../../core/json.js';
import { applyChange } from '../../core/thing-change.js';
import { resourceOf } from '../../core/thing-resource.js';
import { MemoryTwinIndex } from '../../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../../store/sqlite/sqlite-journal.js';
import type { CompiledType } from '../../types/behaviour.js';
import { compileType } from '../../types/compile-type.js';
import { TwinBehaviours } from '../twin-behaviours.js';
import { TwinRuntime } from '../twin-runtime.js';
import { addTwin, emptyComparison } from './replay-comparison.js';
import { DOUBLE, SUM3, thresholdType } from './threshold-type.test-support.js';
import { differences, inputOf } from './input-change.js';
import { TwinReplay } from './twin-replay.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const LIVE = thresholdType('t:m:1', 10);

/** A live runtime governed by `live`, on a journal in a fresh directory, with a clock to move. */
function liveRuntime(live: CompiledType, ...others: CompiledType[]) {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-replay-'));
  dirs.push(dir);
  const clock = { now: 1_000 };
  const types = new Map<string, CompiledType>([live, ...others].map((t) => [t.id, t]));
  const behaviours = new TwinBehaviours({ compiled: (id) => types.get(id) }, () => {});
  const journal = new SqliteJournal({ path: join(dir, 'journal.db') });
  const runtime = new TwinRuntime({
    journal,
    index: new MemoryTwinIndex(),
    checkpointEveryMs: 0,
    now: () => clock.now,
    planSteps: [behaviours.step],
  });
  return { runtime, journal, clock };
}

async function history(values: number[], live: CompiledType = LIVE): Promise<TwinEvent[]> {
  const { runtime, journal, clock } = liveRuntime(live);
  await runtime.write({
    kind: 'modify',
    resource: resourceOf('ns:a', 'thing'),
    value: { definition: live.id, features: { m: { properties: { x: 0 } } } },
  });
  for (const x of values) {
    clock.now += 1_000;
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:a', 'property', 'm', ['x']),
      value: x,
    });
  }
  await runtime.flush();
  const events = await journal.readEvents('ns:a', {});
  await runtime.close();
  return events;
}

const liveOutputs = (typeId: string | undefined) => (typeId === LIVE.id ? LIVE.outputs : []);

function replay(type: CompiledType, events: TwinEvent[], to = Number.MAX_SAFE_INTEGER) {
  const twin = new TwinReplay(type, 'ns:a', null, liveOutputs);
  for (const event of events) twin.event(event);
  return twin.finish(to);
}

describe('twin replay', () => {
  const values = [5, 12, 15, 3, 8, 11, 9, 9];

  it('replay - the live type over its own journal reproduces outputs and alerts exactly', async () => {
    const events = await history(values);
    const result = replay(LIVE, events);
    expect(result.events).toBe(values.length + 1);
    expect(result.inputs).toBe(values.length + 1);
    expect(result.outputs).toEqual({});
    expect(result.compared).toBe(2 * (values.length + 1));
    // 12 raises at t=3000, 3 resolves at 5000, 11 raises at 7000, 9 resolves at 8000.
    const spans = [
      { assessment: 'high', severity: 'warning', raisedAt: 3_000, resolvedAt: 5_000 },
      { assessment: 'high', severity: 'warning', raisedAt: 7_000, resolvedAt: 8_000 },
    ];
    expect(result.liveAlerts).toEqual(spans);
    expect(result.replayAlerts).toEqual(spans);
    expect(result.final?.features).toEqual({
      m: { properties: { x: 9, double: 18, sum3: 9 + 9 + 11 } },
    });
    const comparison = emptyComparison();
    addTwin(comparison, result);
    expect(comparison.alerts).toMatchObject({ matched: 2, onlyInReplay: 0, onlyLive: 0 });
    expect(comparison.outputs.differing).toBe(0);
  });

  it('replay - another threshold gives the extra and missing alerts with their times', async () => {
    const events = await history(values);
    // Above 8: 12 (3000) .. 3 (5000); 11 (7000), 9 stays above until the end (never resolves).
    const result = replay(thresholdType('t:m:2', 8), events);
    const comparison = emptyComparison();
    addTwin(comparison, result);
    expect(comparison.alerts.matched).toBe(2);
    expect(comparison.alerts.onlyInReplay).toBe(0);
    expect(comparison.alerts.resolvedApartList).toEqual([
      {
        thingId: 'ns:a',
        assessment: 'high',
        severity: 'warning',
        raisedAt: 7_000,
        resolvedAt: null,
        liveResolvedAt: 8_000,
      },
    ]);
    // Above 14: only 15 (4000) .. 3 (5000): live's two alerts are not raised by the replay.
    const strict = emptyComparison();
    addTwin(strict, replay(thresholdType('t:m:3', 14), events));
    expect(strict.alerts.onlyInReplayList.map((a) => a.raisedAt)).toEqual([4_000]);
    expect(strict.alerts.onlyLiveList.map((a) => [a.raisedAt, a.resolvedAt])).toEqual([
      [3_000, 5_000],
      [7_000, 8_000],
    ]);
    // Outputs do not depend on the threshold.
    expect(comparison.outputs.differing).toBe(0);
  });

  it('replay - outputs of another computation differ by count and largest difference', async () => {
    const events = await history([1, 2, 3]);
    const other = thresholdType('t:m:9', 10);
    const triple: CompiledType = {
      ...other,
      createBehaviour: () => {
        const inner = other.createBehaviour();
        return {
          ...inner,
          apply: (input) => {
            const outcome = inner.apply(input);
            for (const set of outcome.sets)
              if (set.pointer === DOUBLE) set.value = (set.value as number) * 1.5;
            return outcome;
          },
        };
      },
    };
    const result = replay(triple, events);
    // x = 0, 1, 2, 3: double live 0, 2, 4, 6 against 0, 3, 6, 9.
    expect(result.outputs).toEqual({ [DOUBLE]: { differing: 3, maxAbsDifference: 3 } });
    expect(result.outputs[SUM3]).toBeUndefined();
  });

  it('replay - starts from the state at from, with an active alert carried on', async () => {
    const events = await history(values);
    // State after revision 3 (x = 12, alert active since 3000), then the rest.
    let start: JsonObject | null = null;
    for (const event of events.slice(0, 3)) start = applyChange(start, event);
    const twin = new TwinReplay(LIVE, 'ns:a', start, liveOutputs);
    for (const event of events.slice(3)) twin.event(event);
    const result = twin.finish(Number.MAX_SAFE_INTEGER);
    expect(result.replayAlerts).toEqual([
      { assessment: 'high', severity: 'warning', raisedAt: 7_000, resolvedAt: 8_000 },
    ]);
    // The live side saw the resolution of the alert open at the start as well.
    expect(result.outputs[DOUBLE]).toBeUndefined();
  });
});

describe('twin replay of compiled types', () => {
  const values = [5, 12, 15, 3, 8, 11, 9, 9, 2, 14];
  const X = 'features.m.properties.x';
  const document = (derived: Record<string, string>) => ({
    derived,
    windows: {
      'features/m/properties/avg3': { of: 'features/m/properties/x', op: 'avg', samples: 3 },
    },
    assessments: { high: { when: `${X} > 10.0`, clear: `${X} < 4.0`, severity: 'warning' } },
  });
  const current = compileType(
    't:cel:1',
    document({
      'features/m/properties/double': `${X} * 2.0`,
      'features/m/properties/big': 'features.m.properties.double > 20.0',
    }),
  );
  const withPrevious = compileType(
    't:cel:2',
    document({ 'features/m/properties/delta': `${X} - previous.features.m.properties.x` }),
  );

  async function replayOwn(live: CompiledType) {
    const events = await history(values, live);
    const outputs = (typeId: string | undefined) => (typeId === live.id ? live.outputs : []);
    const twin = new TwinReplay(live, 'ns:a', null, outputs);
    for (const event of events) twin.event(event);
    let liveFinal: JsonObject | null = null;
    for (const event of events) liveFinal = applyChange(liveFinal, event);
    return { result: twin.finish(Number.MAX_SAFE_INTEGER), liveFinal };
  }

  it('replay - a CEL type (state edited in place) reproduces its live outputs and alerts', async () => {
    expect(current.readsPrevious).toBe(false);
    const { result, liveFinal } = await replayOwn(current);
    expect(result.outputs).toEqual({});
    expect(result.compared).toBe(3 * (values.length + 1));
    // Above 10 at 3000 (12), below 4 at 5000 (3); above at 7000 (11), below at 10000 (2); 14.
    const raised = [
      [3_000, 5_000],
      [7_000, 10_000],
      [11_000, null],
    ];
    expect(result.liveAlerts.map((a) => [a.raisedAt, a.resolvedAt])).toEqual(raised);
    expect(result.replayAlerts).toEqual(result.liveAlerts);
    expect(result.final?.features).toEqual(liveFinal?.features);
    expect(result.final?.features).toEqual({
      m: { properties: { x: 14, double: 28, big: true, avg3: (9 + 2 + 14) / 3 } },
    });
  });

  it('replay - a CEL type reading previous reproduces its live outputs and alerts', async () => {
    expect(withPrevious.readsPrevious).toBe(true);
    const { result, liveFinal } = await replayOwn(withPrevious);
    expect(result.outputs).toEqual({});
    expect(result.replayAlerts).toEqual(result.liveAlerts);
    expect(result.replayAlerts).toHaveLength(3);
    expect(result.final?.features).toEqual(liveFinal?.features);
    expect((result.final?.features as JsonObject).m).toMatchObject({
      properties: { x: 14, delta: 12 },
    });
  });

  it('replay - the start state given is left as it was', async () => {
    const events = await history(values, current);
    let start: JsonObject | null = null;
    for (const event of events.slice(0, 5)) start = applyChange(start, event);
    const snapshot = structuredClone(start);
    const outputs = () => current.outputs;
    const twin = new TwinReplay(current, 'ns:a', start, outputs);
    for (const event of events.slice(5)) twin.event(event);
    // The window starts empty at the start state: its first two averages are over fewer samples
    // (x = 8, then 11: 9.5 against (3 + 8 + 11) / 3 the largest difference).
    const differing = twin.finish(Number.MAX_SAFE_INTEGER).outputs;
    expect(Object.keys(differing)).toEqual(['features/m/properties/avg3']);
    expect(differing['features/m/properties/avg3'].differing).toBe(2);
    expect(differing['features/m/properties/avg3'].maxAbsDifference).toBeCloseTo(9.5 - 22 / 3, 12);
    expect(start).toEqual(snapshot);
  });
});

describe('twin replay across a definition change', () => {
  const X = 'features.m.properties.x';
  // Two versions computing alike: what the twin gets on coming under the second is what tells.
  const document = {
    derived: { 'features/m/properties/double': `${X} * 2.0` },
    windows: {
      'features/m/properties/avg3': { of: 'features/m/properties/x', op: 'avg', samples: 3 },
    },
    assessments: { high: { when: `${X} > 10.0`, clear: `${X} < 4.0`, severity: 'warning' } },
  };
  const first = compileType('t:v:1', document);
  const second = compileType('t:v:2', document);

  it('replay - a twin retyped in the range gets what live gave it: fresh windows, alerts raised anew', async () => {
    const { runtime, journal, clock } = liveRuntime(first, second);
    const property = resourceOf('ns:a', 'property', 'm', ['x']);
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:a', 'thing'),
      value: { definition: first.id, features: { m: { properties: { x: 0 } } } },
    });
    for (const x of [5, 12, 15]) {
      clock.now += 1_000;
      await runtime.write({ kind: 'modify', resource: property, value: x });
    }
    // At 5000 the twin comes under t:v:2 with x = 15 above the threshold and t:v:1's alert open.
    clock.now += 1_000;
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:a', 'definition'),
      value: second.id,
    });
    for (const x of [3, 8, 11]) {
      clock.now += 1_000;
      await runtime.write({ kind: 'modify', resource: property, value: x });
    }
    await runtime.flush();
    const events = await journal.readEvents('ns:a', {});
    await runtime.close();

    const outputs = (typeId: string | undefined) =>
      typeId === first.id || typeId === second.id ? first.outputs : [];
    const twin = new TwinReplay(second, 'ns:a', null, outputs);
    for (const event of events) twin.event(event);
    const result = twin.finish(Number.MAX_SAFE_INTEGER);
    // Live: raised at 3000 under t:v:1 (never resolved: t:v:2 does not know it), raised anew at
    // 5000 by t:v:2, resolved at 6000 (x = 3).
    expect(result.liveAlerts.map((a) => [a.raisedAt, a.resolvedAt])).toEqual([
      [3_000, null],
      [5_000, 6_000],
      [8_000, null],
    ]);
    expect(result.replayAlerts).toEqual(result.liveAlerts);
    expect(result.outputs).toEqual({});
    // The window restarted at 5000 with x = 15: (15 + 3 + 8) / 3, then (3 + 8 + 11) / 3.
    expect(result.final?.features).toEqual({
      m: { properties: { x: 11, double: 22, avg3: (3 + 8 + 11) / 3 } },
    });
    let live: JsonObject | null = null;
    for (const event of events) live = applyChange(live, event);
    expect(result.final?.features).toEqual(live?.features);
  });
});

describe('input of a journaled change', () => {
  const computed = [['features', 'm', 'properties', 'double'], ['_alerts']];

  it('input - a merge patch loses the computed members and keeps the written ones', () => {
    const step = inputOf(
      {
        action: 'merged',
        path: [],
        value: { features: { m: { properties: { x: 1, double: 2 } } } },
      },
      computed,
      null,
    );
    expect(step).toMatchObject({
      kind: 'change',
      change: { value: { features: { m: { properties: { x: 1 } } } } },
    });
  });

  it('input - a change of computed values alone is no input', () => {
    expect(
      inputOf({ action: 'modified', path: ['_alerts', 'high'], value: {} }, computed, {}),
    ).toEqual({ kind: 'none' });
  });

  it('input - a whole thing becomes the differences of its inputs', () => {
    const before = { features: { m: { properties: { x: 1, y: 1, double: 2 } } } };
    const step = inputOf(
      {
        action: 'modified',
        path: [],
        value: { features: { m: { properties: { x: 5, y: 1, double: 10 } } }, _alerts: {} },
      },
      computed,
      before,
    );
    expect(step.kind === 'change' && step.touched).toEqual([
      { action: 'modified', path: ['features', 'm', 'properties', 'x'], value: 5 },
    ]);
    expect(differences({ a: 1, b: 2 }, { b: 3 })).toEqual([
      { action: 'deleted', path: ['a'] },
      { action: 'modified', path: ['b'], value: 3 },
    ]);
  });
});
