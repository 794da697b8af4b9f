// The runtime against a real SQLite journal: start-up replay after a crash, background indexing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resourceOf } from '../core/thing-resource.js';
import { parseFilter } from '../rql/parse-filter.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import { TwinRuntime } from './twin-runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(dir: string, checkpointEveryMs = 1000): TwinRuntime {
  return new TwinRuntime({
    journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
    index: new MemoryTwinIndex(),
    checkpointEveryMs,
  });
}

const put = (runtime: TwinRuntime, id: string, n: number) =>
  runtime.write({
    kind: 'modify',
    resource: resourceOf(id, 'thing'),
    value: { attributes: { n } },
  });

describe('twin runtime', () => {
  it('writes and deletes made while the index is still being built show in searches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-runtime-'));
    dirs.push(dir);
    const first = open(dir);
    await first.load();
    await Promise.all(Array.from({ length: 20_000 }, (_, i) => put(first, `ns:t${i}`, i)));
    await first.close();

    const runtime = open(dir);
    expect(await runtime.load()).toBe(20_000);
    expect(runtime.indexComplete).toBe(false);
    await put(runtime, 'ns:t19999', -1);
    await runtime.write({ kind: 'delete', resource: resourceOf('ns:t5', 'thing') });
    await put(runtime, 'ns:new', -1);
    const found = await runtime.search({
      filter: parseFilter('lt(attributes/n,0)'),
      sort: [],
      size: 10,
    });
    expect(runtime.indexComplete).toBe(true);
    expect(found.docs.map((d) => d.thingId)).toEqual(['ns:new', 'ns:t19999']);
    expect(await runtime.count({})).toBe(20_000);
    expect(await runtime.count({ filter: parseFilter('eq(attributes/n,5)') })).toBe(0);
    expect(runtime.size).toBe(20_000);
    await runtime.close();
  });

  it('replays the events written after the last checkpoint when it starts again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-runtime-'));
    dirs.push(dir);
    const crashed = open(dir, 60_000); // no checkpoint happens before the "crash"
    await crashed.load();
    for (let n = 1; n <= 5; n++) await put(crashed, 'ns:a', n);
    await dropWithoutCheckpoint(crashed);
    const restarted = open(dir);
    await restarted.load();
    expect(restarted.getThing('ns:a')).toMatchObject({
      thing: { attributes: { n: 5 } },
      meta: { revision: 5 },
    });
    await restarted.close();
    const again = open(dir);
    await again.load();
    expect(again.getThing('ns:a')?.meta.revision).toBe(5);
    await again.close();
  });

  it("searches by the new policy once a thing's policyId changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-runtime-'));
    dirs.push(dir);
    const runtime = open(dir);
    await runtime.load();
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:p', 'thing'),
      value: { policyId: 'ns:old', attributes: { n: 1 } },
    });
    await runtime.write({
      kind: 'modify',
      resource: resourceOf('ns:p', 'policyId'),
      value: 'ns:new',
    });
    const visibleTo = async (policyId: string) =>
      (await runtime.search({ sort: [], size: 10, visible: (p) => p === policyId })).docs.map(
        (d) => d.thingId,
      );
    expect(await visibleTo('ns:new')).toEqual(['ns:p']);
    expect(await visibleTo('ns:old')).toEqual([]);
    expect(await runtime.count({ visible: (p) => p === 'ns:old' })).toBe(0);
    await runtime.close();
  });
});

/** Drops a runtime without its closing checkpoint (as a crash would), closing only the file. */
async function dropWithoutCheckpoint(runtime: TwinRuntime): Promise<void> {
  await runtime.flush();
  await (runtime as unknown as { journal: { close(): Promise<void> } }).journal.close();
}
