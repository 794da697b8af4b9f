import { describe, expect, it } from 'vitest';
import type { AssessmentChange } from './behaviour.js';
import { AssessmentTracker, type AssessmentSpec } from './assessments.js';
import { compileCel, type CelContext } from './cel-expression.js';

const ctx = (watts: number | null): CelContext => ({
  attributes: {},
  features: watts === null ? {} : { power: { properties: { watts } } },
  thingId: 'dc:r1',
  previous: { attributes: {}, features: {} },
  now: new Date(0),
});

function overload(over: Partial<AssessmentSpec> = {}): AssessmentSpec {
  return {
    name: 'overload',
    when: compileCel('features.power.properties.watts > 250.0', 'w'),
    clear: compileCel('features.power.properties.watts < 200.0', 'c'),
    holdFor: 0,
    severity: 'warning',
    ...over,
  };
}

/** Feeds `[ms, watts]` changes to assessment 0; returns every transition as `transition@at`. */
function run(tracker: AssessmentTracker, changes: [number, number | null][]): string[] {
  const out: AssessmentChange[] = [];
  for (const [at, watts] of changes) tracker.evaluate(0, ctx(watts), at, out);
  return out.map((c) => `${c.transition}@${c.at}`);
}

describe('assessments', () => {
  it('raise when the condition holds and resolve by clear (hysteresis)', () => {
    const tracker = new AssessmentTracker([overload()]);
    expect(
      run(tracker, [
        [1, 100],
        [2, 300],
        [3, 220],
        [4, 260],
        [5, 199],
        [6, 210],
      ]),
    ).toEqual(['raised@2', 'resolved@5']);
  });

  it('without clear resolve when the condition stops holding', () => {
    const tracker = new AssessmentTracker([overload({ clear: null })]);
    expect(
      run(tracker, [
        [1, 300],
        [2, 220],
        [3, 260],
      ]),
    ).toEqual(['raised@1', 'resolved@2', 'raised@3']);
  });

  it('count a failing expression as false', () => {
    const tracker = new AssessmentTracker([overload({ clear: null })]);
    expect(
      run(tracker, [
        [1, null],
        [2, 300],
        [3, null],
      ]),
    ).toEqual(['raised@2', 'resolved@3']);
    const hysteresis = new AssessmentTracker([overload()]);
    expect(
      run(hysteresis, [
        [1, 300],
        [2, null],
      ]),
    ).toEqual(['raised@1']);
  });

  it('with for: raise at since + for on a later change, and not when the condition drops first', () => {
    const tracker = new AssessmentTracker([overload({ holdFor: 60_000 })]);
    expect(
      run(tracker, [
        [0, 300],
        [30_000, 300],
      ]),
    ).toEqual([]);
    expect(tracker.wakeAt()).toBe(60_000);
    expect(run(tracker, [[50_000, 100]])).toEqual([]);
    expect(tracker.wakeAt()).toBeNull();
    expect(
      run(tracker, [
        [70_000, 300],
        [100_000, 300],
        [140_000, 300],
      ]),
    ).toEqual(['raised@130000']);
    expect(tracker.states()).toEqual({ overload: { active: true, since: 130_000 } });
  });

  it('with for: raise on tick when no change comes', () => {
    const tracker = new AssessmentTracker([overload({ holdFor: 60_000 })]);
    run(tracker, [[1000, 300]]);
    const out: AssessmentChange[] = [];
    tracker.settleAll(60_999, out);
    expect(out).toEqual([]);
    tracker.settleAll(61_000, out);
    expect(out).toEqual([
      { assessment: 'overload', transition: 'raised', severity: 'warning', at: 61_000 },
    ]);
    expect(tracker.wakeAt()).toBeNull();
  });

  it('with for: a change after the condition held long enough raises then resolves', () => {
    const tracker = new AssessmentTracker([overload({ holdFor: 60_000 })]);
    expect(
      run(tracker, [
        [0, 300],
        [90_000, 100],
      ]),
    ).toEqual(['raised@60000', 'resolved@90000']);
  });

  it('count each start and end of waiting out for, and list what waits with its due time', () => {
    const tracker = new AssessmentTracker([
      overload({ holdFor: 60_000 }),
      overload({ name: 'hot' }),
    ]);
    const out: AssessmentChange[] = [];
    const moves: number[] = [];
    const step = (index: number, at: number, watts: number) => {
      tracker.evaluate(index, ctx(watts), at, out);
      moves.push(tracker.pendingMoves);
    };
    step(0, 1000, 300); // begins to wait
    step(1, 1500, 300); // raised at once: no wait
    step(0, 2000, 320); // still waiting
    expect(tracker.pending()).toEqual([{ assessment: 'overload', since: 1000, due: 61_000 }]);
    step(0, 3000, 100); // stops waiting
    expect(tracker.pending()).toEqual([]);
    step(0, 4000, 300); // waits again
    tracker.settleAll(64_000, out); // raised: the wait ends
    expect(moves).toEqual([1, 1, 1, 2, 3]);
    expect(tracker.pendingMoves).toBe(4);
    expect(tracker.pending()).toEqual([]);
    tracker.restore({ overload: { active: false, since: 7000 } });
    expect(tracker.pendingMoves).toBe(4);
    expect(tracker.pending()).toEqual([{ assessment: 'overload', since: 7000, due: 67_000 }]);
  });

  it('round-trip their state', () => {
    const specs = [overload({ holdFor: 60_000 }), overload({ name: 'hot' })];
    const tracker = new AssessmentTracker(specs);
    const out: AssessmentChange[] = [];
    tracker.evaluate(0, ctx(300), 5000, out);
    tracker.evaluate(1, ctx(300), 6000, out);
    const states = tracker.states();
    expect(states).toEqual({
      overload: { active: false, since: 5000 },
      hot: { active: true, since: 6000 },
    });
    const restored = new AssessmentTracker(specs);
    restored.restore(JSON.parse(JSON.stringify(states)));
    expect(restored.states()).toEqual(states);
    expect(restored.wakeAt()).toBe(65_000);
    restored.restore({});
    expect(restored.states()).toEqual({});
  });
});
