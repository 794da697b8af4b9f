// The write pipeline through the runtime, on a real SQLite journal: deleted twins leave memory and
// come back from the journal in order, plans of several changes make one revision.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/json.js';
import { getAt } from '../core/json-pointer.js';
import { resourceOf } from '../core/thing-resource.js';
import { ThingDraft } from '../types/thing-draft.js';
import { parseFilter } from '../rql/parse-filter.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import { TwinRuntime, type RuntimeOptions } from './twin-runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-pipeline-'));
  dirs.push(dir);
  return dir;
}

/** A runtime whose clock of timers the test moves, so that freeing deleted twins is due at once. */
function open(dir: string, options: Partial<RuntimeOptions> = {}) {
  const clock = { now: 0 };
  const runtime = new TwinRuntime({
    journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
    index: new MemoryTwinIndex(),
    checkpointEveryMs: 0,
    timerClock: () => clock.now,
    ...options,
  });
  return { runtime, clock };
}

const create = (runtime: TwinRuntime, id: string, n: number) =>
  runtime.write({
    kind: 'modify',
    resource: resourceOf(id, 'thing'),
    value: { attributes: { n } },
  });
const remove = (runtime: TwinRuntime, id: string) =>
  runtime.write({ kind: 'delete', resource: resourceOf(id, 'thing') });
const put = (runtime: TwinRuntime, id: string, n: number) =>
  runtime.write({
    kind: 'modify',
    resource: resourceOf(id, 'attribute', undefined, ['n']),
    value: n,
  });

/** Writes one twin until a commit (with its checkpoint round) frees the deleted ones. */
async function freeDeleted(runtime: TwinRuntime, clock: { now: number }): Promise<void> {
  for (let i = 0; i < 3; i++) {
    clock.now += 5_000;
    await put(runtime, 'ns:keeper', i);
    await runtime.flush();
  }
}

describe('write pipeline', () => {
  it('lets go of deleted twins and brings them back from the journal, revisions and history intact', async () => {
    const dir = tempDir();
    const { runtime, clock } = open(dir);
    await runtime.load();
    await create(runtime, 'ns:keeper', 0);
    for (let i = 0; i < 50; i++) {
      await create(runtime, `ns:gone${i}`, i);
      await remove(runtime, `ns:gone${i}`);
    }
    expect(runtime.twinsInMemory).toBe(51);
    await freeDeleted(runtime, clock);
    expect(runtime.twinsInMemory).toBe(1);
    expect(runtime.size).toBe(1);

    // History and lifecycle still answer from the journal.
    expect((await runtime.history('ns:gone7', {}))?.map((e) => [e.revision, e.action])).toEqual([
      [1, 'created'],
      [2, 'deleted'],
    ]);
    expect(await runtime.lifecycleOf('ns:gone8')).toMatchObject({ revision: 2, live: false });
    expect(await runtime.policyIdOf('ns:gone9')).toBe('ns:gone9');
    expect(await runtime.history('ns:never', {})).toBeNull();

    // Writes queued on a twin that must be loaded first apply in order, after it.
    const writes = [create(runtime, 'ns:gone3', 100), put(runtime, 'ns:gone3', 101)];
    writes.push(put(runtime, 'ns:gone3', 102));
    const results = await Promise.all(writes);
    expect(results.map((r) => r.revision)).toEqual([3, 4, 5]);
    expect(runtime.getThing('ns:gone3')?.thing.attributes).toEqual({ n: 102 });
    expect(await runtime.count({ filter: parseFilter('ge(attributes/n,100)') })).toBe(1);
    await runtime.close();

    // After a restart the deleted twins stay in the journal only.
    const again = open(dir).runtime;
    expect(await again.load()).toBe(2);
    expect(again.twinsInMemory).toBe(2);
    expect((await create(again, 'ns:gone4', 1)).revision).toBe(3);
    expect((await again.history('ns:gone4', {}))?.map((e) => e.revision)).toEqual([1, 2, 3]);
    await again.close();
  });

  it('a validation error of a write queued behind a load rejects only that write', async () => {
    const dir = tempDir();
    const { runtime, clock } = open(dir);
    await runtime.load();
    await create(runtime, 'ns:keeper', 0);
    await create(runtime, 'ns:x', 1);
    await remove(runtime, 'ns:x');
    await freeDeleted(runtime, clock);
    const bad = put(runtime, 'ns:x', 5); // the thing does not exist: a 404
    const good = create(runtime, 'ns:x', 6);
    await expect(bad).rejects.toMatchObject({ status: 404 });
    expect((await good).revision).toBe(3);
    await runtime.close();
  });

  it('journals a write and the changes a plan step derives from it as one revision', async () => {
    const dir = tempDir();
    const { runtime } = open(dir, {
      planSteps: [
        (_thingId, _before, after) => {
          const watts = (after?.attributes as { watts?: number } | undefined)?.watts;
          if (watts === undefined) return;
          return {
            changes: [{ action: 'modified', path: ['attributes', 'kw'], value: watts / 1000 }],
            next: {
              ...after,
              attributes: { ...(after?.attributes as object), kw: watts / 1000 },
            },
          };
        },
      ],
    });
    await runtime.load();
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:p', 'thing'),
      value: { attributes: { watts: 100 } },
    });
    const result = await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:p', 'attribute', undefined, ['watts']),
      value: 250,
    });
    expect(result.revision).toBe(2);
    expect(result.value).toBe(250);
    expect(runtime.getThing('ns:p')?.thing.attributes).toEqual({ watts: 250, kw: 0.25 });
    const history = await runtime.history('ns:p', {});
    expect(history?.map((e) => [e.revision, e.action, e.path, e.value])).toEqual([
      [
        1,
        'created',
        [],
        { thingId: 'ns:p', policyId: 'ns:p', attributes: { watts: 100, kw: 0.1 } },
      ],
      [2, 'merged', [], { attributes: { watts: 250, kw: 0.25 } }],
    ]);
    expect(await runtime.stateAt('ns:p', { revision: 2 })).toMatchObject({
      thing: { attributes: { watts: 250, kw: 0.25 } },
    });
    await runtime.close();
  });

  it('lets a step edit in place only what a telemetry merge made afresh', async () => {
    const dir = tempDir();
    const seen: (JsonObject | undefined)[] = [];
    const { runtime } = open(dir, {
      planSteps: [
        (_thingId, _before, after, context) => {
          if (after === null || getAt(after, ['features', 'p', 'properties', 'w']) === undefined)
            return;
          seen.push(context.madeFrom);
          const draft = new ThingDraft(after, null, context.madeFrom);
          const w = getAt(after, ['features', 'p', 'properties', 'w']) as number;
          draft.set(['features', 'p', 'properties', 'kw'], w / 1000);
          draft.set(['attributes', 'seen'], w);
          return {
            changes: [
              { action: 'modified', path: ['features', 'p', 'properties', 'kw'], value: w / 1000 },
              { action: 'modified', path: ['attributes', 'seen'], value: w },
            ],
            next: draft.thing,
          };
        },
      ],
    });
    await runtime.load();
    await create(runtime, 'ns:m', 1);
    const patch = { features: { p: { properties: { w: 300 } } } };
    await runtime.write({ kind: 'merge', resource: resourceOf('ns:m', 'thing'), value: patch });
    const before = runtime.getThing('ns:m')?.thing as unknown as JsonObject;
    const beforeCopy = structuredClone(before);
    const second = { features: { p: { properties: { w: 500 } } } };
    await runtime.write({ kind: 'merge', resource: resourceOf('ns:m', 'thing'), value: second });
    // The second merge was telemetry into an existing twin: the step was told what it came from.
    expect(seen[seen.length - 1]).toBe(before);
    // The state before, the patches sent and the journal are as they were meant to be.
    expect(before).toEqual(beforeCopy);
    expect(second).toEqual({ features: { p: { properties: { w: 500 } } } });
    expect(runtime.getThing('ns:m')?.thing).toMatchObject({
      attributes: { n: 1, seen: 500 },
      features: { p: { properties: { w: 500, kw: 0.5 } } },
    });
    const history = await runtime.history('ns:m', {});
    expect(history?.map((e) => e.value)).toEqual([
      { thingId: 'ns:m', policyId: 'ns:m', attributes: { n: 1 } },
      { features: { p: { properties: { w: 300, kw: 0.3 } } }, attributes: { seen: 300 } },
      { features: { p: { properties: { w: 500, kw: 0.5 } } }, attributes: { seen: 500 } },
    ]);
    await runtime.close();
  });
});
