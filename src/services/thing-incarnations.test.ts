// Thing incarnations against a real runtime and SQLite journal: boundaries, policies, restarts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../core/json.js';
import { resourceOf, type ResourceKind } from '../core/thing-resource.js';
import { TwinRuntime } from '../runtime/twin-runtime.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import { ThingIncarnations, incarnationAt } from './thing-incarnations.js';

const ID = 'ns:phoenix';
const dirs: string[] = [];
const runtimes: TwinRuntime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A runtime over `dir` whose clock stands still unless `tick` moves it. */
async function open(dir: string, clock: { now: number }): Promise<TwinRuntime> {
  const runtime = new TwinRuntime({
    journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
    index: new MemoryTwinIndex(),
    now: () => clock.now,
  });
  await runtime.load();
  runtimes.push(runtime);
  return runtime;
}

function write(
  runtime: TwinRuntime,
  kind: 'modify' | 'delete',
  resource: ResourceKind,
  value?: JsonValue,
) {
  return runtime.write({ kind, resource: resourceOf(ID, resource), value });
}

describe('thing incarnations', () => {
  it('splits the revisions at each deletion and keeps the last policyId of each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-incarnations-'));
    dirs.push(dir);
    const clock = { now: 1_000 };
    const runtime = await open(dir, clock);
    await write(runtime, 'modify', 'thing', { policyId: 'ns:first' }); // 1
    await write(runtime, 'modify', 'policyId', 'ns:moved'); // 2
    await write(runtime, 'delete', 'thing'); // 3
    // Deleted and re-created within the same millisecond.
    await write(runtime, 'modify', 'thing', { policyId: 'ns:second' }); // 4
    await write(runtime, 'delete', 'thing'); // 5
    clock.now = 2_000;
    await write(runtime, 'modify', 'thing', { policyId: 'ns:third' }); // 6
    await write(runtime, 'modify', 'thing', { policyId: 'ns:third', attributes: { a: 1 } }); // 7

    const expected = [
      { from: 1, to: 3, policyId: 'ns:moved' },
      { from: 4, to: 5, policyId: 'ns:second' },
      { from: 6, to: Infinity, policyId: 'ns:third' },
    ];
    const incarnations = new ThingIncarnations(runtime);
    expect(await incarnations.of(ID)).toEqual(expected);
    // A second look is served from what the first one found.
    expect(await incarnations.of(ID)).toEqual(expected);
    expect(await incarnations.of('ns:never')).toBeNull();
    expect(incarnationAt(expected, 2)?.policyId).toBe('ns:moved');
    expect(incarnationAt(expected, 5)?.policyId).toBe('ns:second');
    expect(incarnationAt(expected, 8)?.policyId).toBe('ns:third');

    // Deleted again: the last incarnation ends there; after a restart the same boundaries hold.
    clock.now = 3_000;
    await write(runtime, 'delete', 'thing'); // 8
    const closed = [...expected.slice(0, 2), { from: 6, to: 8, policyId: 'ns:third' }];
    expect(await incarnations.of(ID)).toEqual(closed);
    await runtime.close();
    runtimes.splice(0);
    const reopened = await open(dir, clock);
    expect(await new ThingIncarnations(reopened).of(ID)).toEqual(closed);
  });

  it('a thing created once is one incarnation, found without scanning its events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-incarnations-'));
    dirs.push(dir);
    const clock = { now: 1_000 };
    const runtime = await open(dir, clock);
    await write(runtime, 'modify', 'thing', {});
    for (let i = 0; i < 5; i++) {
      clock.now += 1;
      await write(runtime, 'modify', 'attributes', { n: i });
    }
    let reads = 0;
    const counting = {
      lifecycleOf: (id: string) => runtime.lifecycleOf(id),
      policyIdOf: (id: string) => runtime.policyIdOf(id),
      history: (...args: Parameters<TwinRuntime['history']>) => {
        reads++;
        return runtime.history(...args);
      },
    };
    expect(await new ThingIncarnations(counting).of(ID)).toEqual([
      { from: 1, to: Infinity, policyId: ID },
    ]);
    expect(reads).toBe(1);
  });
});
