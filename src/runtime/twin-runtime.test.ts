// The runtime against a real SQLite journal: start-up replay after a crash, background indexing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resourceOf } from '../core/thing-resource.js';
import { parseFilter } from '../rql/parse-filter.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import { TwinRuntime, type RuntimeOptions } from './twin-runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new temporary data directory, removed after the test. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-runtime-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string, options: Partial<RuntimeOptions> = {}): TwinRuntime {
  return new TwinRuntime({
    journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
    index: new MemoryTwinIndex(),
    checkpointEveryMs: 1000,
    ...options,
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
    const dir = tempDir();
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
    const dir = tempDir();
    const crashed = open(dir, { checkpointEveryMs: 60_000 }); // no checkpoint happens before the "crash"
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

  it('rebuilds the relation graph at start from checkpoints and replayed events alike', async () => {
    const dir = tempDir();
    const crashed = open(dir, { checkpointEveryMs: 60_000 });
    await crashed.load();
    for (const id of ['dc:rack-1', 'dc:rack-2', 'dc:hall']) await put(crashed, id, 1);
    const relate = (source: string, kind: 'modify' | 'delete') =>
      crashed.write({
        kind,
        resource: resourceOf(source, 'relation', undefined, ['partOf', 'dc:hall']),
        value: kind === 'modify' ? { since: 1 } : undefined,
      });
    await relate('dc:rack-1', 'modify');
    await relate('dc:rack-2', 'modify');
    await relate('dc:rack-2', 'delete');
    expect(crashed.relations.incoming('dc:hall')).toEqual([
      { name: 'partOf', source: 'dc:rack-1' },
    ]);
    await dropWithoutCheckpoint(crashed);
    // Only events: the twins are replayed from the journal, then indexed (and related) in one pass.
    const replayed = open(dir);
    await replayed.load();
    await replayed.indexed;
    expect(replayed.relations.incoming('dc:hall')).toEqual([
      { name: 'partOf', source: 'dc:rack-1' },
    ]);
    expect(replayed.relations.size).toBe(1);
    await replayed.close();
    // From the checkpointed states this time.
    const checkpointed = open(dir);
    await checkpointed.load();
    await checkpointed.indexed;
    expect(checkpointed.relations.outgoing('dc:rack-1')).toEqual([
      { name: 'partOf', target: 'dc:hall' },
    ]);
    expect(checkpointed.relations.size).toBe(1);
    await checkpointed.close();
  });

  it("searches by the new policy once a thing's policyId changes", async () => {
    const dir = tempDir();
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

  it('refuses a write that grows a thing past the size limit, also in small steps', async () => {
    const dir = tempDir();
    const runtime = open(dir, { maxThingBytes: 10_000 });
    await runtime.load();
    await put(runtime, 'ns:s', 1);
    const setAttribute = (key: string, value: string) =>
      runtime.write({
        kind: 'modify',
        resource: resourceOf('ns:s', 'attribute', undefined, [key]),
        value,
      });
    // 50 writes of 150 characters stay under 10,000 bytes; the bound must not refuse them.
    for (let i = 0; i < 50; i++) await setAttribute(`k${i}`, 'x'.repeat(150));
    const full = runtime.getThing('ns:s');
    expect(full?.meta.revision).toBe(51);
    // 1,000 euro signs are 3,000 bytes of UTF-8: the thing would be about 11,000 bytes.
    expect(() => setAttribute('euro', '€'.repeat(1_000))).toThrow(
      expect.objectContaining({ code: 'things:thing.toolarge' }),
    );
    // Ten more of 40 euro signs (about 1,300 bytes) fit; then 300 (900 bytes) no longer do.
    for (let i = 0; i < 10; i++) await setAttribute(`m${i}`, '€'.repeat(40));
    expect(() => setAttribute('last', '€'.repeat(300))).toThrow(
      expect.objectContaining({ code: 'things:thing.toolarge' }),
    );
    expect(runtime.getThing('ns:s')?.meta.revision).toBe(61);
    expect(Buffer.byteLength(JSON.stringify(runtime.getThing('ns:s')?.thing))).toBeLessThan(10_000);
    await runtime.close();
  });

  it('keeps the state of twins that leave the parsed set before they were serialised', async () => {
    const dir = tempDir();
    const small = () => open(dir, { parsedCacheSize: 3, snapshotEvery: 1_000 });
    const runtime = small();
    await runtime.load();
    for (let i = 0; i < 10; i++) await put(runtime, `ns:e${i}`, 100 + i);
    // Each write leaves only the parsed form current; every twin leaves the set of 3 in turn.
    for (let round = 2; round <= 3; round++) {
      for (let i = 0; i < 10; i++) {
        await runtime.write({
          kind: 'modify',
          resource: resourceOf(`ns:e${i}`, 'attribute', undefined, ['n']),
          value: round * 100 + i,
        });
      }
    }
    for (let i = 0; i < 10; i++)
      expect(runtime.getThing(`ns:e${i}`)?.thing.attributes).toEqual({ n: 300 + i });
    await runtime.close();
    const restarted = small();
    await restarted.load();
    for (let i = 0; i < 10; i++)
      expect(restarted.getThing(`ns:e${i}`)).toMatchObject({
        thing: { attributes: { n: 300 + i } },
        meta: { revision: 3 },
      });
    await restarted.close();
  });

  it('keeps the twin in use parsed even with a parsed set of size 0', async () => {
    const dir = tempDir();
    const runtime = open(dir, { parsedCacheSize: 0 });
    await runtime.load();
    await put(runtime, 'ns:z1', 1);
    await put(runtime, 'ns:z2', 2);
    await put(runtime, 'ns:z1', 3);
    expect(runtime.getThing('ns:z1')).toMatchObject({
      thing: { attributes: { n: 3 } },
      meta: { revision: 2 },
    });
    expect(runtime.getThing('ns:z2')?.thing.attributes).toEqual({ n: 2 });
    await runtime.close();
  });
});

/** Drops a runtime without its closing checkpoint (as a crash would), closing only the file. */
async function dropWithoutCheckpoint(runtime: TwinRuntime): Promise<void> {
  await runtime.flush();
  await (runtime as unknown as { journal: { close(): Promise<void> } }).journal.close();
}
