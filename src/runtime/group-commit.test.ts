// Group commit against a journal whose commits complete when the test says: batching, the bound on
// commits in flight, acknowledgement only after durability, and drain.
import { describe, expect, it } from 'vitest';
import type { TwinEvent } from '../core/events.js';
import type { CommitBatch, Journal } from '../store/journal.js';
import { GroupCommit } from './group-commit.js';

/** A journal that records batches and leaves each commit pending until `complete` is called. */
class ManualJournal {
  readonly batches: CommitBatch[] = [];
  private readonly pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  commit(batch: CommitBatch): Promise<void> {
    this.batches.push(batch);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  get outstanding(): number {
    return this.pending.length;
  }
  /** Completes the oldest outstanding commit. */
  complete(): void {
    this.pending.shift()?.resolve();
  }
  /** Fails the oldest outstanding commit. */
  fail(): void {
    this.pending.shift()?.reject(new Error('disk full'));
  }
}

const event = (thingId: string, revision: number): TwinEvent => ({
  thingId,
  revision,
  timestamp: revision,
  action: 'modified',
  path: ['attributes', 'n'],
  value: revision,
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

function groupCommit(journal: ManualJournal, maxInFlight: number) {
  return new GroupCommit(
    journal as unknown as Journal,
    { committed: () => {}, failed: () => {} },
    {
      stateOf: (thingId) => ({ thingId, revision: 1, created: 1, modified: 1, json: '{}' }),
      checkpointEveryMs: 1e9,
      maxInFlight,
    },
  );
}

describe('group commit', () => {
  it('batches the writes of one turn and acknowledges them only once their batch is durable', async () => {
    const journal = new ManualJournal();
    const commits = groupCommit(journal, 2);
    const acked: number[] = [];
    for (let r = 1; r <= 3; r++)
      void commits.append(event('ns:a', r), null).then(() => acked.push(r));
    await turn();
    expect(journal.batches.map((b) => b.events.length)).toEqual([3]);
    expect(acked).toEqual([]);
    journal.complete();
    await turn();
    expect(acked).toEqual([1, 2, 3]);
  });

  it('keeps at most maxInFlight commits outstanding and sends the rest once one completes', async () => {
    const journal = new ManualJournal();
    const commits = groupCommit(journal, 2);
    const acked: number[] = [];
    for (let r = 1; r <= 4; r++) {
      void commits.append(event('ns:a', r), null).then(() => acked.push(r));
      await turn();
    }
    expect(journal.outstanding).toBe(2);
    expect(journal.batches.map((b) => b.events.map((e) => e.revision))).toEqual([[1], [2]]);
    journal.complete();
    await turn();
    await turn();
    expect(acked).toEqual([1]);
    expect(journal.batches.map((b) => b.events.map((e) => e.revision))).toEqual([[1], [2], [3, 4]]);
    const drained = commits.drain();
    journal.complete();
    journal.complete();
    await drained;
    expect(acked).toEqual([1, 2, 3, 4]);
  });

  it('writes a checkpoint round in chunks, one per commit, and finishes it without new writes', async () => {
    const journal = new ManualJournal();
    const commits = new GroupCommit(
      journal as unknown as Journal,
      { committed: () => {}, failed: () => {} },
      {
        stateOf: (thingId) => ({ thingId, revision: 1, created: 1, modified: 1, json: '{}' }),
        checkpointEveryMs: 0,
        checkpointChunk: 3,
        maxInFlight: 1,
      },
    );
    const ids = Array.from({ length: 7 }, (_, i) => `ns:t${i}`);
    for (const id of ids) void commits.append(event(id, 1), null);
    const checkpointed = () =>
      journal.batches.map((b) => (b.checkpoint ?? []).map((s) => s.thingId));
    await turn();
    expect(journal.batches[0].events).toHaveLength(7);
    expect(journal.batches[0].dirty).toEqual(ids);
    expect(checkpointed()).toEqual([['ns:t0', 'ns:t1', 'ns:t2']]);
    for (let i = 0; i < 3; i++) {
      journal.complete();
      await turn();
      await turn();
    }
    expect(checkpointed()).toEqual([
      ['ns:t0', 'ns:t1', 'ns:t2'],
      ['ns:t3', 'ns:t4', 'ns:t5'],
      ['ns:t6'],
    ]);
    expect(journal.batches.slice(1).every((b) => b.events.length === 0)).toBe(true);
    expect(journal.outstanding).toBe(0);
  });

  it('stops a checkpoint round once a commit failed, and drain still returns', async () => {
    const journal = new ManualJournal();
    const failures: unknown[] = [];
    const commits = new GroupCommit(
      journal as unknown as Journal,
      { committed: () => {}, failed: (error) => failures.push(error) },
      {
        stateOf: (thingId) => ({ thingId, revision: 1, created: 1, modified: 1, json: '{}' }),
        checkpointEveryMs: 0,
        checkpointChunk: 2,
      },
    );
    const written = Promise.allSettled(
      ['ns:a', 'ns:b', 'ns:c', 'ns:d'].map((id) => commits.append(event(id, 1), null)),
    );
    await turn();
    expect(journal.batches).toHaveLength(1);
    journal.fail();
    expect((await written).map((r) => r.status)).toEqual(Array(4).fill('rejected'));
    await turn();
    await turn();
    expect(journal.batches).toHaveLength(1);
    expect(failures).toHaveLength(1);
    await commits.drain(true);
    expect(journal.batches).toHaveLength(1);
  });

  it('drain waits for every outstanding commit', async () => {
    const journal = new ManualJournal();
    const commits = groupCommit(journal, 4);
    void commits.append(event('ns:a', 1), null);
    await turn();
    void commits.append(event('ns:a', 2), null);
    let drained = false;
    const draining = commits.drain().then(() => (drained = true));
    await turn();
    expect(journal.outstanding).toBe(2);
    journal.complete();
    await turn();
    expect(drained).toBe(false);
    journal.complete();
    await draining;
    expect(drained).toBe(true);
  });

  it('settled waits for the events queued so far only, and settles when their commit fails', async () => {
    const journal = new ManualJournal();
    const commits = groupCommit(journal, 1);
    void commits.append(event('ns:a', 1), null);
    let settled = 0;
    const first = commits.settled().then(() => settled++);
    await turn();
    // Queued after: not waited for (it stays queued behind the commit in flight).
    void commits.append(event('ns:a', 2), null).catch(() => undefined);
    journal.complete();
    await first;
    expect(settled).toBe(1);
    expect(journal.outstanding).toBe(0);
    const second = commits.settled().then(() => settled++);
    await turn();
    expect(journal.outstanding).toBe(1);
    expect(settled).toBe(1);
    journal.fail();
    await second;
    expect(settled).toBe(2);
    // Nothing queued: settled at once.
    await commits.settled();
  });
});
