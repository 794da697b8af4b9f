// The runtime when storage fails and comes back: unacknowledged writes are undone (reads, search,
// count), writes are refused with a 503 while it fails, and it recovers by itself, losing nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TwinfoldError } from '../core/errors.js';
import { resourceOf } from '../core/thing-resource.js';
import { parseFilter } from '../rql/parse-filter.js';
import type { CommitBatch, Journal } from '../store/journal.js';
import { MemoryTwinIndex } from '../store/memory/memory-twin-index.js';
import {
  CommitOutcomeUnknownError,
  JournalRefusedError,
  StorageUnavailableError,
} from '../store/storage-errors.js';
import { SqliteJournal } from '../store/sqlite/sqlite-journal.js';
import { TwinRuntime } from './twin-runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A real SQLite journal behind a switch that makes its commits fail as a full disk would (the
 * batch is not written, and the journal refuses every later commit until `recover`).
 */
function failingJournal(path: string): { journal: Journal; fail(on: boolean): void } {
  const inner = new SqliteJournal({ path, writerThread: true });
  let failing = false;
  let refused = false;
  const journal = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'commit') {
        return async (batch: CommitBatch) => {
          if (failing || refused) {
            refused = true;
            throw new StorageUnavailableError('database or disk is full');
          }
          return target.commit(batch);
        };
      }
      if (key === 'recover') {
        return async () => {
          if (failing) throw new StorageUnavailableError('still full');
          refused = false;
          return target.recover();
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { journal, fail: (on) => (failing = on) };
}

const put = (runtime: TwinRuntime, id: string, n: number) =>
  runtime.write({
    kind: 'modify',
    resource: resourceOf(id, 'attribute', undefined, ['n']),
    value: n,
  });

const create = (runtime: TwinRuntime, id: string, n: number) =>
  runtime.write({
    kind: 'modify',
    resource: resourceOf(id, 'thing'),
    value: { attributes: { n } },
  });

const valueOf = (runtime: TwinRuntime, id: string) =>
  (runtime.getThing(id)?.thing.attributes as { n?: number } | undefined)?.n;

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('twin runtime: storage faults', () => {
  it('undoes the relations of unacknowledged writes in the relation graph too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-fault-'));
    dirs.push(dir);
    const { journal, fail } = failingJournal(join(dir, 'journal.db'));
    const runtime = new TwinRuntime({ journal, index: new MemoryTwinIndex(), recoveryDelayMs: 50 });
    await runtime.load();
    for (const id of ['dc:rack', 'dc:hall-1', 'dc:hall-2']) await create(runtime, id, 1);
    const relation = (target: string) =>
      resourceOf('dc:rack', 'relation', undefined, ['partOf', target]);
    await runtime.write({ kind: 'modify', resource: relation('dc:hall-1'), value: {} });
    fail(true);
    const lost = [
      runtime.write({ kind: 'delete', resource: relation('dc:hall-1') }),
      runtime.write({ kind: 'modify', resource: relation('dc:hall-2'), value: {} }),
    ];
    // Applied in memory until their commit fails…
    expect(runtime.relations.outgoing('dc:rack')).toEqual([
      { name: 'partOf', target: 'dc:hall-2' },
    ]);
    await Promise.allSettled(lost);
    // …then undone, in the graph as in the state.
    expect(runtime.relations.outgoing('dc:rack')).toEqual([
      { name: 'partOf', target: 'dc:hall-1' },
    ]);
    expect(runtime.relations.incoming('dc:hall-2')).toEqual([]);
    fail(false);
    await until(() => runtime.healthy);
    await runtime.close();
  });

  it('undoes unacknowledged writes, refuses writes while storage fails, and recovers by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-fault-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const { journal, fail } = failingJournal(path);
    const runtime = new TwinRuntime({ journal, index: new MemoryTwinIndex(), recoveryDelayMs: 50 });
    await runtime.load();
    await create(runtime, 'ns:kept', 1);
    await create(runtime, 'ns:other', 1);

    fail(true);
    const lost = [
      put(runtime, 'ns:kept', 2),
      create(runtime, 'ns:never', 7),
      runtime.write({ kind: 'delete', resource: resourceOf('ns:other', 'thing') }),
    ];
    // Applied in memory until their commit fails…
    expect(valueOf(runtime, 'ns:kept')).toBe(2);
    const settled = await Promise.allSettled(lost);
    for (const result of settled) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as TwinfoldError;
      expect(reason).toBeInstanceOf(TwinfoldError);
      expect([reason.status, reason.code]).toEqual([503, 'storage.unavailable']);
      expect(reason.message).toMatch(/disk is full/);
    }
    // …then undone: reads, search and count show only what was acknowledged.
    expect(valueOf(runtime, 'ns:kept')).toBe(1);
    expect(runtime.getThing('ns:never')).toBeNull();
    expect(runtime.getThing('ns:other')).not.toBeNull();
    expect(runtime.size).toBe(2);
    expect(await runtime.count({ filter: parseFilter('eq(attributes/n,7)') })).toBe(0);
    expect(await runtime.count({ filter: parseFilter('eq(attributes/n,1)') })).toBe(2);
    expect(runtime.healthy).toBe(false);
    expect(() => put(runtime, 'ns:kept', 3)).toThrow(/Storage is failing/);
    // Still failing after the recovery delay: still refused.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(runtime.healthy).toBe(false);

    fail(false);
    await until(() => runtime.healthy);
    await put(runtime, 'ns:kept', 4);
    await create(runtime, 'ns:never', 8);
    expect(valueOf(runtime, 'ns:kept')).toBe(4);
    expect(runtime.getThing('ns:kept')?.meta.revision).toBe(2);
    await runtime.close();

    const reopened = new TwinRuntime({
      journal: new SqliteJournal({ path }),
      index: new MemoryTwinIndex(),
    });
    expect(await reopened.load()).toBe(3);
    expect(valueOf(reopened, 'ns:kept')).toBe(4);
    expect(valueOf(reopened, 'ns:never')).toBe(8);
    expect(reopened.getThing('ns:never')?.meta.revision).toBe(1);
    const history = await reopened.history('ns:kept', {});
    expect(history?.map((e) => e.revision)).toEqual([1, 2]);
    await reopened.close();
  });

  it('never publishes the events of a failed commit, and numbers the next ones without a gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-fault-'));
    dirs.push(dir);
    const { journal, fail } = failingJournal(join(dir, 'journal.db'));
    const runtime = new TwinRuntime({ journal, index: new MemoryTwinIndex(), recoveryDelayMs: 20 });
    await runtime.load();
    const subscription = runtime.events.subscribe();
    await create(runtime, 'ns:s', 1);
    fail(true);
    await expect(put(runtime, 'ns:s', 2)).rejects.toThrow(TwinfoldError);
    fail(false);
    await until(() => runtime.healthy);
    await put(runtime, 'ns:s', 3);
    const seen = [await subscription.next(), await subscription.next()].map((r) => r.value);
    expect(seen.map((e) => [e?.seq, e?.revision, e?.value])).toEqual([
      [1, 1, { attributes: { n: 1 }, thingId: 'ns:s', policyId: 'ns:s' }],
      [2, 2, 3],
    ]);
    await runtime.close();
  });
});

describe('twin runtime: a failed checkpoint commit', () => {
  it('leaves a deleted twin deleted when the commit that checkpointed its tombstone failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-fault-'));
    dirs.push(dir);
    const inner = new SqliteJournal({ path: join(dir, 'journal.db') });
    let failNext = false;
    let refused = false;
    let release!: () => void;
    const journal = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'commit') {
          return async (batch: CommitBatch) => {
            if (refused) throw new StorageUnavailableError('refused');
            if (failNext) {
              failNext = false;
              // Held while the next batch gathers, then failed: the later batch is refused.
              await new Promise<void>((resolve) => (release = resolve));
              refused = true;
              throw new StorageUnavailableError('disk full');
            }
            return target.commit(batch);
          };
        }
        if (key === 'recover') {
          return async () => {
            refused = false;
            return target.recover();
          };
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    let clock = 1_000_000;
    const runtime = new TwinRuntime({
      journal,
      index: new MemoryTwinIndex(),
      timerClock: () => clock,
      recoveryDelayMs: 10,
    });
    await runtime.load();
    await create(runtime, 'ns:x', 1);
    clock += 2000;
    await create(runtime, 'ns:y', 1); // a round checkpoints x live
    await runtime.flush();
    await runtime.write({ kind: 'delete', resource: resourceOf('ns:x', 'thing') });
    await runtime.flush();
    failNext = true;
    clock += 2000;
    const first = put(runtime, 'ns:y', 2).catch(() => 'refused'); // carries x's tombstone
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const second = create(runtime, 'ns:x', 3).catch(() => 'refused'); // marks x newly dirty
    release();
    expect([await first, await second]).toEqual(['refused', 'refused']);
    await until(() => runtime.healthy);
    clock += 2000;
    await create(runtime, 'ns:z', 1); // frees what is clean
    await runtime.flush();
    clock += 2000;
    await put(runtime, 'ns:z', 2);
    await runtime.flush();
    expect(await runtime.lifecycleOf('ns:x')).toMatchObject({ revision: 2, live: false });
    expect(runtime.getThing('ns:x')).toBeNull();
    expect((await create(runtime, 'ns:x', 4)).revision).toBe(3);
    await runtime.close();
  });
});

/**
 * A real SQLite journal whose next commit's answer is "lost", as on PostgreSQL: it calls `inDoubt`,
 * waits for `settle`, then commits the batch for real and either answers (`landed`) or rejects
 * with CommitOutcomeUnknownError (`unknown`: it landed, but the journal could not tell), refusing
 * later commits until `recover`.
 */
function doubtfulJournal(path: string) {
  const inner = new SqliteJournal({ path, writerThread: true });
  let next: 'landed' | 'unknown' | null = null;
  let refused = false;
  let settle: () => void = () => undefined;
  let doubting = false;
  const journal = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'commit') {
        return async (batch: CommitBatch, inDoubt?: () => void) => {
          if (refused) throw new JournalRefusedError('refused: an earlier write failed');
          const outcome = next;
          next = null;
          if (outcome === null) return target.commit(batch);
          inDoubt?.();
          doubting = true;
          await new Promise<void>((resolve) => (settle = resolve));
          doubting = false;
          await target.commit(batch);
          if (outcome === 'landed') return;
          refused = true;
          throw new CommitOutcomeUnknownError('whether it landed could not be learned in time');
        };
      }
      if (key === 'recover') {
        return async () => {
          refused = false;
          return target.recover();
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return {
    journal,
    loseNextAnswer: (outcome: 'landed' | 'unknown') => (next = outcome),
    get doubting() {
      return doubting;
    },
    settle: () => settle(),
  };
}

describe('twin runtime: a commit whose answer was lost', () => {
  const open = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-doubt-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const doubtful = doubtfulJournal(path);
    const runtime = new TwinRuntime({
      journal: doubtful.journal,
      index: new MemoryTwinIndex(),
      recoveryDelayMs: 50,
    });
    await runtime.load();
    await create(runtime, 'ns:a', 0);
    await create(runtime, 'ns:b', 0);
    return { path, doubtful, runtime };
  };

  it('holds its writes until the journal knows, refuses new ones meanwhile, and acknowledges them when it landed', async () => {
    const { doubtful, runtime } = await open();
    doubtful.loseNextAnswer('landed');
    let acknowledged = false;
    const held = put(runtime, 'ns:a', 1).then(() => (acknowledged = true));
    await until(() => doubtful.doubting);
    expect(runtime.healthy).toBe(false);
    expect(() => put(runtime, 'ns:b', 1)).toThrow(
      /Storage is failing.*finding out whether it landed/,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(acknowledged).toBe(false);

    doubtful.settle();
    await held;
    expect(runtime.healthy).toBe(true);
    expect(valueOf(runtime, 'ns:a')).toBe(1);
    await put(runtime, 'ns:b', 2);
    expect(runtime.getThing('ns:b')?.meta.revision).toBe(2);
    expect(runtime.events.position).toBe(4);
    await runtime.close();
  });

  it('is healthy again when a commit of checkpoint states only was in doubt and landed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-doubt-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const doubtful = doubtfulJournal(path);
    const runtime = new TwinRuntime({
      journal: doubtful.journal,
      index: new MemoryTwinIndex(),
      recoveryDelayMs: 50,
      checkpointEveryMs: 60_000,
    });
    await runtime.load();
    await create(runtime, 'ns:c', 0);
    // Closing writes the checkpoint of ns:c in a commit of its own, with no events.
    doubtful.loseNextAnswer('landed');
    const closed = runtime.close();
    await until(() => doubtful.doubting);
    expect(runtime.healthy).toBe(false);
    expect(() => put(runtime, 'ns:c', 1)).toThrow(/finding out whether it landed/);
    doubtful.settle();
    await closed;
    expect(runtime.healthy).toBe(true);
    const journal = new SqliteJournal({ path });
    expect(await journal.dirtyThings()).toEqual([]);
    expect((await journal.checkpointed('ns:c'))?.revision).toBe(1);
    await journal.close();
  });

  it('answers storage.outcome.unknown when the journal cannot tell, then serves what the journal holds', async () => {
    const { path, doubtful, runtime } = await open();
    const seen: number[] = [];
    const subscription = runtime.events.subscribe();
    void (async () => {
      for await (const event of subscription) seen.push(event.seq as number);
    })();
    doubtful.loseNextAnswer('unknown');
    const unknown = put(runtime, 'ns:a', 1).catch((e: unknown) => e);
    await until(() => doubtful.doubting);
    doubtful.settle();
    const reason = (await unknown) as TwinfoldError;
    expect(reason).toBeInstanceOf(TwinfoldError);
    expect([reason.status, reason.code]).toEqual([503, 'storage.outcome.unknown']);
    expect(reason.description).toMatch(/will not be undone later/);
    // Undone in memory while the outcome is unknown…
    expect(valueOf(runtime, 'ns:a')).toBe(0);
    expect(runtime.healthy).toBe(false);

    // …and, once storage works again, what the journal holds: the commit did land.
    await until(() => runtime.healthy);
    expect(valueOf(runtime, 'ns:a')).toBe(1);
    expect(runtime.getThing('ns:a')?.meta.revision).toBe(2);
    expect(await runtime.count({ filter: parseFilter('eq(attributes/n,1)') })).toBe(1);
    expect(runtime.events.position).toBe(3);
    await put(runtime, 'ns:a', 2);
    expect(runtime.getThing('ns:a')?.meta.revision).toBe(3);
    await until(() => seen.length === 2);
    expect(seen).toEqual([3, 4]);
    await subscription.return();
    await runtime.close();

    const reopened = new TwinRuntime({
      journal: new SqliteJournal({ path }),
      index: new MemoryTwinIndex(),
    });
    await reopened.load();
    expect(valueOf(reopened, 'ns:a')).toBe(2);
    expect((await reopened.history('ns:a', {}))?.map((e) => e.revision)).toEqual([1, 2, 3]);
    await reopened.close();
  });
});
