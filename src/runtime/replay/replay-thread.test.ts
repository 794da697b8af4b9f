// Replay jobs on worker threads: split over several threads, the answer is the one of one thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../../core/events.js';
import { SqliteJournal } from '../../store/sqlite/sqlite-journal.js';
import type { ReplayJob } from './replay-job.js';
import { addComparison, addTwin, emptyComparison, MAX_LISTED } from './replay-comparison.js';
import { runReplayThread } from './replay-thread.js';
import type { TwinReplayResult } from './twin-replay.js';

const W = 'features.p.properties.w';
const TYPE = {
  derived: { 'features/p/properties/kw': `${W} / 1000.0` },
  windows: {
    'features/p/properties/avg': { of: 'features/p/properties/w', op: 'avg', samples: 4 },
  },
  assessments: { hot: { when: `${W} > 250.0`, clear: `${W} < 200.0`, severity: 'warning' } },
};
const TWINS = 7;
const EVENTS = 60;

let dir: string;
let path: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'twinfold-replay-thread-'));
  path = join(dir, 'journal.db');
  const journal = new SqliteJournal({ path, durability: 'process' });
  const events: TwinEvent[] = [];
  for (let i = 0; i < TWINS; i++) {
    const thingId = `ns:t${i}`;
    const value = { thingId, features: { p: { properties: { w: 0 } } } };
    events.push({ thingId, revision: 1, timestamp: 0, action: 'created', path: [], value });
    for (let r = 2; r <= EVENTS; r++) {
      const path = ['features', 'p', 'properties', 'w'];
      const w = 150 + ((r * 37 + i * 11) % 170);
      events.push({
        thingId,
        revision: r,
        timestamp: r * 1000,
        action: 'modified',
        path,
        value: w,
      });
    }
  }
  await journal.commit({ events, dirty: [], snapshots: [] });
  await journal.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function job(): ReplayJob {
  return {
    journal: { kind: 'sqlite', path },
    typeId: 'ns:hot:1',
    typeDocument: TYPE,
    liveOutputs: {},
    twins: Array.from({ length: TWINS }, (_, i) => `ns:t${i}`),
    from: 0,
    to: Number.MAX_SAFE_INTEGER,
    keepFinal: true,
  };
}

async function run(threads: number) {
  const seen = { counted: [] as number[], last: 0 };
  const result = await runReplayThread(
    job(),
    { counted: (n) => seen.counted.push(n), progress: (n) => (seen.last = n) },
    threads,
  );
  return { result, seen };
}

describe('replay on worker threads', () => {
  it('replay threads - three threads give what one gives: comparison, finals in order, counts', async () => {
    const one = await run(1);
    const three = await run(3);
    expect(one.result.comparison.events).toBe(TWINS * EVENTS);
    expect(one.result.comparison.alerts.replayed).toBeGreaterThan(TWINS);
    expect(three.result.comparison).toEqual(one.result.comparison);
    expect(three.result.finals.map((f) => f.thingId)).toEqual(job().twins);
    expect(three.result.finals).toEqual(one.result.finals);
    for (const { seen } of [one, three]) {
      expect(seen.counted).toEqual([TWINS * EVENTS]);
      expect(seen.last).toBe(TWINS * EVENTS);
    }
  });

  it('replay threads - more threads than twins use one per twin', async () => {
    const { result } = await run(50);
    expect(result.comparison.twins).toBe(TWINS);
  });
});

describe('comparison of several runs of twins', () => {
  function twin(i: number, alerts: number): TwinReplayResult {
    const span = (t: number) => ({
      assessment: 'hot',
      severity: 'warning',
      raisedAt: t,
      resolvedAt: null,
    });
    return {
      thingId: `ns:t${i}`,
      events: 10 + i,
      inputs: 10,
      compared: 20,
      final: null,
      replayAlerts: Array.from({ length: alerts }, (_, k) => span(k)),
      liveAlerts: [span(0), span(1_000_000 + i)],
      outputs: i % 2 === 0 ? { 'a/b': { differing: i + 1, maxAbsDifference: i / 2 } } : {},
      lateDropped: i,
    };
  }

  it('comparison - adding the comparison of later twins is adding the twins one by one', () => {
    // Enough alerts only in the replay that the lists are cut at MAX_LISTED across the halves.
    const twins = Array.from({ length: 6 }, (_, i) => twin(i, MAX_LISTED / 4));
    const whole = emptyComparison();
    for (const t of twins) addTwin(whole, t);
    const first = emptyComparison();
    const second = emptyComparison();
    for (const t of twins.slice(0, 3)) addTwin(first, t);
    for (const t of twins.slice(3)) addTwin(second, t);
    addComparison(first, second);
    expect(first).toEqual(whole);
    expect(whole.alerts.onlyInReplayList).toHaveLength(MAX_LISTED);
    expect(whole.alerts.onlyInReplay).toBe(6 * (MAX_LISTED / 4 - 1));
    expect(whole.outputs.twinsDiffering).toBe(3);
  });
});
