// Behaviour state across a restart, over a real SQLite journal: a twin's windows are rebuilt from
// its journaled inputs on its first write in the new process, reading back as far as they need.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertsChangedBy, alertsOf, ALERTS } from '../core/alerts.js';
import type { JsonObject } from '../core/json.js';
import { applyChange, type ThingChange } from '../core/thing-change.js';
import { resourceOf } from '../core/thing-resource.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import type { CompiledType } from '../types/behaviour.js';
import { compileType } from '../types/compile-type.js';
import { TwinBehaviours } from './twin-behaviours.js';
import { TwinRuntime } from './twin-runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const M = 'features/m/properties';

/**
 * A runtime with behaviour over the journal in `dir` (a new process each time it is opened); the
 * first `failedReads` reads of a twin's history for a rebuild fail.
 */
async function open(dir: string, type: CompiledType, clock: { now: number }, failedReads = 0) {
  let runtime: TwinRuntime | null = null;
  const behaviours = new TwinBehaviours(
    { compiled: (id) => (id === type.id ? type : undefined) },
    () => {},
    {
      recent: async (id, from, to) => {
        if (failedReads-- > 0) throw new Error('journal.db: disk I/O error');
        return (runtime as TwinRuntime).recentHistory(id, from, to);
      },
    },
  );
  runtime = new TwinRuntime({
    journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
    index: new MemoryTwinIndex(),
    checkpointEveryMs: 0,
    now: () => clock.now,
    planSteps: [behaviours.step],
    prepareWrite: (id, thing, revision) => behaviours.prepare(id, thing, revision),
  });
  await runtime.load();
  return { runtime, behaviours };
}

/**
 * Two runs of the same writes, one closed and opened again before the last `after` of them (which
 * it makes as one batch when `batch`: they wait behind the rebuild in order).
 */
async function withAndWithoutRestart(
  type: CompiledType,
  writes: { path: string; value: number; observedAt?: number }[],
  after: number,
  batch = false,
) {
  const run = async (restartAt: number | null) => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-behaviours-'));
    dirs.push(dir);
    const clock = { now: 1_000_000 };
    let { runtime, behaviours } = await open(dir, type, clock);
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:a', 'thing'),
      value: { definition: type.id, features: { m: { properties: {} } } },
    });
    const request = ({ path, value, observedAt }: (typeof writes)[number]) => ({
      kind: 'modify' as const,
      resource: resourceOf('ns:a', 'property', 'm', [path]),
      value,
      ...(observedAt === undefined ? {} : { observedAt }),
    });
    for (let i = 0; i < writes.length; i++) {
      if (i === restartAt) {
        await runtime.close();
        ({ runtime, behaviours } = await open(dir, type, clock));
        if (batch) {
          // One clock reading for the batch, as ingest's: event times come from observedAt.
          clock.now += 1_000;
          const results = await runtime.writeMany(writes.slice(i).map(request));
          expect(results.map((r) => ('revision' in r ? r.revision : r))).toEqual(
            writes.slice(i).map((_, k) => i + 2 + k),
          );
          break;
        }
      }
      clock.now += 1_000;
      await runtime.write(request(writes[i]));
    }
    const properties = (runtime.getThing('ns:a')?.thing.features as JsonObject).m as JsonObject;
    await runtime.close();
    return { properties: properties.properties as JsonObject, rebuilds: behaviours.rebuilds };
  };
  return { restarted: await run(writes.length - after), uninterrupted: await run(null) };
}

describe('twin behaviours across a restart', () => {
  it('behaviour - a count window reads back four times further until it holds its samples', async () => {
    const type = compileType('t:c:1', {
      windows: { [`${M}/sum100`]: { of: `${M}/x`, op: 'sum', samples: 100 } },
    });
    // x and y by turns: 100 samples of x are the last 200 revisions.
    const writes = Array.from({ length: 400 }, (_, i) => ({
      path: i % 2 === 0 ? 'x' : 'y',
      value: i,
    }));
    const { restarted, uninterrupted } = await withAndWithoutRestart(type, writes, 2);
    // The last x is 398 (before the restart 396): the sum of the hundred from 200 on.
    const expected = Array.from({ length: 100 }, (_, k) => 200 + 2 * k).reduce((a, b) => a + b);
    expect(restarted.properties.sum100).toBe(expected);
    expect(restarted.properties).toEqual(uninterrupted.properties);
    // 64 revisions hold 32 samples; 256 hold 128.
    expect(restarted.rebuilds).toEqual({ twins: 1, events: 64 + 256 });
    expect(uninterrupted.rebuilds).toEqual({ twins: 0, events: 0 });
  });

  it('behaviour - a duration window reads back as far as the pace of its event times says', async () => {
    const type = compileType('t:d:1', {
      windows: { [`${M}/avg5m`]: { of: `${M}/x`, op: 'avg', window: '5m' } },
    });
    // One a second: the window holds the last 300.
    const writes = Array.from({ length: 600 }, (_, i) => ({ path: 'x', value: i % 50 }));
    const { restarted, uninterrupted } = await withAndWithoutRestart(type, writes, 1);
    const held = Array.from({ length: 300 }, (_, k) => (300 + k) % 50);
    expect(restarted.properties.avg5m).toBe(held.reduce((a, b) => a + b) / 300);
    expect(restarted.properties).toEqual(uninterrupted.properties);
    // 64 revisions span 63 s: 5 minutes are 64 × 300 / 63, and a quarter more (381).
    expect(restarted.rebuilds).toEqual({ twins: 1, events: 64 + 381 });
  });

  it('behaviour - late samples are taken or dropped after a restart as without it', async () => {
    const type = compileType('t:l:1', {
      windows: {
        [`${M}/avg`]: { of: `${M}/x`, op: 'avg', window: '10s', lateness: '3s' },
        [`${M}/count`]: { of: `${M}/x`, op: 'count', window: '10s', lateness: '3s' },
      },
    });
    const t = (s: number) => 5_000_000 + s * 1000;
    const writes = [
      ...Array.from({ length: 120 }, (_, i) => ({ path: 'x', value: i % 7, observedAt: t(i) })),
      // Two seconds late (taken), then five (dropped), as the first writes after the restart (one
      // batch, waiting behind the rebuild).
      { path: 'x', value: 100, observedAt: t(117) },
      { path: 'x', value: 1000, observedAt: t(114) },
      { path: 'x', value: 50, observedAt: t(120) },
    ];
    const { restarted, uninterrupted } = await withAndWithoutRestart(type, writes, 3, true);
    // In (t(110), t(120)]: 111..119 and 120, and the late 100 at 117.
    const held = [...Array.from({ length: 9 }, (_, k) => (111 + k) % 7), 100, 50];
    expect(restarted.properties.count).toBe(held.length);
    expect(restarted.properties.avg).toBe(held.reduce((a, b) => a + b) / held.length);
    expect(restarted.properties).toEqual(uninterrupted.properties);
    expect(restarted.rebuilds.twins).toBe(1);
  });

  it('behaviour - a journal that cannot be read refuses the write with a 503; the next one rebuilds', async () => {
    const type = compileType('t:f:1', {
      windows: { [`${M}/sum`]: { of: `${M}/x`, op: 'sum', window: '1h' } },
    });
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-behaviours-'));
    dirs.push(dir);
    const clock = { now: 1_000_000 };
    const x = (value: number) => ({
      kind: 'modify' as const,
      resource: resourceOf('ns:a', 'property', 'm', ['x']),
      value,
    });
    const before = await open(dir, type, clock);
    await before.runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:a', 'thing'),
      value: { definition: type.id, features: { m: { properties: {} } } },
    });
    for (const value of [1, 2, 3]) await before.runtime.write(x(value));
    await before.runtime.close();

    const { runtime, behaviours } = await open(dir, type, clock, 1);
    await expect(runtime.write(x(4))).rejects.toMatchObject({
      status: 503,
      code: 'storage.unavailable',
    });
    // Refused whole: nothing of it applied, and no state was rebuilt from what could not be read.
    expect(runtime.getThing('ns:a')?.meta.revision).toBe(4);
    expect(behaviours.rebuilds).toEqual({ twins: 0, events: 0 });
    await runtime.write(x(5));
    const properties = (runtime.getThing('ns:a')?.thing.features as JsonObject).m as JsonObject;
    expect(properties.properties).toEqual({ x: 5, sum: 1 + 2 + 3 + 5 });
    expect(behaviours.rebuilds.twins).toBe(1);
    await runtime.close();
  });
});

describe('twin behaviours journaling alerts', () => {
  const type = compileType('t:a:1', {
    assessments: {
      hot: {
        when: 'features.m.properties.x > 5.0',
        clear: 'features.m.properties.x < 3.0',
        severity: 'warning',
      },
    },
  });
  const setX = (x: number) => ({
    kind: 'modify' as const,
    resource: resourceOf('ns:a', 'property', 'm', ['x']),
    value: x,
  });
  const nulls = {
    resolvedAt: null,
    resolvedRevision: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgedRevision: null,
    note: null,
  };
  const raised = (revision: number, at: number) => ({
    id: `ns:a:hot:${revision}`,
    type: 't:a:1',
    assessment: 'hot',
    severity: 'warning',
    state: 'active',
    raisedAt: at,
    raisedRevision: revision,
  });

  it('alerts - raising and resolving journal one merge patch holding the whole alert; the twin keeps no nulls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-behaviours-'));
    dirs.push(dir);
    const clock = { now: 1_000_000 };
    const { runtime } = await open(dir, type, clock);
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:a', 'thing'),
      value: { definition: type.id, features: { m: { properties: { x: 1.5 } } } },
    });
    for (const [x, now] of [
      [10.5, 1_001_000],
      [1.5, 1_002_000],
      [10.5, 1_003_000],
    ]) {
      clock.now = now;
      await runtime.write(setX(x));
    }
    const events = (await runtime.history('ns:a', { fromRevision: 2 })) ?? [];
    const resolved = { ...raised(2, 1_001_000), state: 'resolved', resolvedAt: 1_002_000 };
    expect(events.map((e) => [e.action, e.path, (e.value as JsonObject)[ALERTS]])).toEqual([
      ['merged', [], { hot: raised(2, 1_001_000) }],
      ['merged', [], { hot: { ...resolved, resolvedRevision: 3 } }],
      // The next alert drops the members the last one set and it has not.
      [
        'merged',
        [],
        { hot: { ...raised(4, 1_003_000), resolvedAt: null, resolvedRevision: null } },
      ],
    ]);
    // Their readers see every alert whole, as before.
    expect(events.map((e) => alertsChangedBy(e))).toEqual([
      [{ ...raised(2, 1_001_000), ...nulls }],
      [
        {
          ...raised(2, 1_001_000),
          ...nulls,
          state: 'resolved',
          resolvedAt: 1_002_000,
          resolvedRevision: 3,
        },
      ],
      [{ ...raised(4, 1_003_000), ...nulls }],
    ]);
    expect(runtime.thingOf('ns:a')?.[ALERTS]).toEqual({ hot: raised(4, 1_003_000) });
    expect(alertsOf(runtime.thingOf('ns:a')).hot).toEqual({ ...raised(4, 1_003_000), ...nulls });
    await runtime.close();
  });

  it('alerts - an alert journaled with nulls (earlier versions) is restored, and resolved as a merge patch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-behaviours-'));
    dirs.push(dir);
    const clock = { now: 1_000_000 };
    // As an earlier version wrote it: the alert whole, its null members in it.
    const earlier = new TwinRuntime({
      journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
      index: new MemoryTwinIndex(),
      checkpointEveryMs: 0,
      now: () => clock.now,
    });
    await earlier.load();
    const old = { ...raised(1, 999_000), ...nulls };
    await earlier.write({
      kind: 'modify',
      resource: resourceOf('ns:a', 'thing'),
      value: { definition: type.id, features: { m: { properties: { x: 10.5 } } } },
      steps: [
        (_id, _before, after) => {
          const change: ThingChange = { action: 'modified', path: [ALERTS, 'hot'], value: old };
          return { changes: [change], next: applyChange(after, change) as JsonObject };
        },
      ],
    });
    await earlier.close();
    const { runtime } = await open(dir, type, clock);
    expect(alertsOf(runtime.thingOf('ns:a')).hot).toEqual(old);
    clock.now = 1_001_000;
    // Still active (restored from it): no new alert.
    await runtime.write(setX(11.5));
    clock.now = 1_002_000;
    await runtime.write(setX(1.5));
    const [, unchanged, resolving] = (await runtime.history('ns:a', {})) ?? [];
    expect(alertsChangedBy(unchanged)).toEqual([]);
    expect(resolving.action).toBe('merged');
    const whole = { ...old, state: 'resolved', resolvedAt: 1_002_000, resolvedRevision: 3 };
    expect(alertsChangedBy(resolving)).toEqual([whole]);
    expect(runtime.thingOf('ns:a')?.[ALERTS]).toEqual({
      hot: { ...raised(1, 999_000), state: 'resolved', resolvedAt: 1_002_000, resolvedRevision: 3 },
    });
    await runtime.close();
  });
});
