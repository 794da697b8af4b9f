// The contract every Journal adapter passes: run it from each adapter's test file.
import { describe, expect, it } from 'vitest';
import type { TwinEvent } from '../core/events.js';
import type { Journal, StoredThing } from './journal.js';
import type { Storage } from './storage.js';
import type { StorageFixture } from './test-backends.js';

export interface JournalFixture {
  open(): Promise<Journal>;
  /** Closes and reopens the same storage (a restart). */
  reopen(journal: Journal): Promise<Journal>;
}

/**
 * The journals of a storage backend as a {@link JournalFixture}: each journal is a fresh storage's,
 * closing it closes its storage, and a restart reopens the storage.
 */
export function storageJournalFixture(storages: StorageFixture): JournalFixture {
  const owners = new WeakMap<Journal, Storage>();
  const journalOf = (storage: Storage): Journal => {
    const j = storage.journal;
    const journal: Journal = {
      commit: (batch) => j.commit(batch),
      loadCurrent: (visit) => j.loadCurrent(visit),
      dirtyThings: () => j.dirtyThings(),
      checkpointed: (thingId) => j.checkpointed(thingId),
      lastSeq: () => j.lastSeq(),
      readAll: (range) => j.readAll(range),
      readEvents: (thingId, range) => j.readEvents(thingId, range),
      snapshotAtOrBefore: (thingId, revision) => j.snapshotAtOrBefore(thingId, revision),
      revisionAt: (thingId, timestamp) => j.revisionAt(thingId, timestamp),
      pruneDeletedBefore: (timestamp) => j.pruneDeletedBefore(timestamp),
      recover: () => j.recover(),
      close: () => storage.close(),
    };
    owners.set(journal, storage);
    return journal;
  };
  return {
    open: async () => journalOf(await storages.open()),
    async reopen(journal) {
      const storage = owners.get(journal);
      if (storage === undefined) throw new Error('reopen: not a journal of this fixture');
      return journalOf(await storages.reopen(storage));
    },
  };
}

function created(thingId: string, revision: number, timestamp: number, value: object): TwinEvent {
  return {
    thingId,
    revision,
    timestamp,
    action: 'created',
    path: [],
    value: { thingId, ...value },
  };
}

function state(thingId: string, revision: number, json: object | null, at = 1000): StoredThing {
  return {
    thingId,
    revision,
    created: 1000,
    modified: at,
    json: json === null ? null : JSON.stringify(json),
  };
}

export function journalContract(name: string, fixture: JournalFixture): void {
  describe(`${name} journal contract`, () => {
    it('journal - commits events and states atomically and reads them back in revision order', async () => {
      const journal = await fixture.open();
      await journal.commit({
        events: [
          created('ns:a', 1, 1000, { policyId: 'ns:a' }),
          {
            thingId: 'ns:a',
            revision: 2,
            timestamp: 2000,
            action: 'modified',
            path: ['attributes', 'x'],
            value: 5,
          },
          {
            thingId: 'ns:a',
            revision: 3,
            timestamp: 3000,
            action: 'deleted',
            path: ['attributes', 'x'],
            originator: 'u1',
          },
        ],
        dirty: [],
        checkpoint: [state('ns:a', 3, { thingId: 'ns:a', policyId: 'ns:a', attributes: {} }, 3000)],
        snapshots: [],
      });
      const events = await journal.readEvents('ns:a', {});
      expect(events.map((e) => [e.revision, e.action, e.path])).toEqual([
        [1, 'created', []],
        [2, 'modified', ['attributes', 'x']],
        [3, 'deleted', ['attributes', 'x']],
      ]);
      expect(events[1].value).toBe(5);
      expect(events[2].value).toBeUndefined();
      expect(events[2].originator).toBe('u1');
      await journal.close();
    });

    it('journal - keeps the observation time of an event that has one, and none for one without', async () => {
      let journal = await fixture.open();
      // Observed an hour before it was committed, to the millisecond; a time past 2^32 ms.
      const observed = 1_780_000_000_123;
      const observedEvent = (revision: number): TwinEvent => ({
        thingId: 'ns:o',
        revision,
        timestamp: observed + 3_600_000 + revision,
        observedAt: observed + revision,
        action: 'modified',
        path: ['features', 'f', 'properties', 'v'],
        value: revision,
      });
      await journal.commit({
        events: [created('ns:o', 1, 1000, {}), observedEvent(2)],
        dirty: ['ns:o'],
        snapshots: [],
      });
      const times = (events: TwinEvent[]) =>
        events.map((e) => [e.revision, e.observedAt, 'observedAt' in e]);
      const expected = [
        [1, undefined, false],
        [2, observed + 2, true],
      ];
      expect(times(await journal.readEvents('ns:o', {}))).toEqual(expected);
      const all = async () => {
        const events: TwinEvent[] = [];
        for await (const e of journal.readAll()) events.push(e);
        return events;
      };
      expect(times(await all())).toEqual(expected);
      // After a restart (SQLite: moved from the recent events into the keyed table), and mixed
      // with events committed after it.
      journal = await fixture.reopen(journal);
      await journal.commit({
        events: [
          observedEvent(3),
          {
            thingId: 'ns:o',
            revision: 4,
            timestamp: 9000,
            action: 'modified',
            path: ['attributes', 'n'],
            value: 4,
          },
        ],
        dirty: [],
        snapshots: [],
      });
      const after = [...expected, [3, observed + 3, true], [4, undefined, false]];
      expect(times(await journal.readEvents('ns:o', {}))).toEqual(after);
      expect(times(await all())).toEqual(after);
      expect(times(await journal.readEvents('ns:o', { fromRevision: 3, limit: 1 }))).toEqual([
        [3, observed + 3, true],
      ]);
      await journal.close();
    });

    it('journal - filters events by revision and time range with a limit', async () => {
      const journal = await fixture.open();
      const events: TwinEvent[] = [created('ns:r', 1, 1000, {})];
      for (let r = 2; r <= 10; r++) {
        events.push({
          thingId: 'ns:r',
          revision: r,
          timestamp: r * 1000,
          action: 'modified',
          path: ['attributes', 'n'],
          value: r,
        });
      }
      await journal.commit({
        events,
        dirty: [],
        checkpoint: [state('ns:r', 10, { thingId: 'ns:r' })],
        snapshots: [],
      });
      const byRevision = await journal.readEvents('ns:r', { fromRevision: 3, toRevision: 5 });
      expect(byRevision.map((e) => e.revision)).toEqual([3, 4, 5]);
      const byTime = await journal.readEvents('ns:r', { fromTimestamp: 7000, toTimestamp: 9000 });
      expect(byTime.map((e) => e.revision)).toEqual([7, 8, 9]);
      const limited = await journal.readEvents('ns:r', { fromRevision: 2, limit: 2 });
      expect(limited.map((e) => e.revision)).toEqual([2, 3]);
      expect(await journal.revisionAt('ns:r', 4500)).toBe(4);
      expect(await journal.revisionAt('ns:r', 500)).toBeNull();
      expect(await journal.readEvents('ns:other', {})).toEqual([]);
      await journal.close();
    });

    it('journal - keeps the current state and snapshots across a restart', async () => {
      let journal = await fixture.open();
      await journal.commit({
        events: [created('ns:s', 1, 1000, {}), created('ns:t', 1, 1000, {})],
        dirty: [],
        checkpoint: [state('ns:s', 1, { thingId: 'ns:s' }), state('ns:t', 1, { thingId: 'ns:t' })],
        snapshots: [state('ns:s', 1, { thingId: 'ns:s', v: 1 })],
      });
      await journal.commit({
        events: [{ thingId: 'ns:t', revision: 2, timestamp: 2000, action: 'deleted', path: [] }],
        dirty: [],
        checkpoint: [state('ns:t', 2, null, 2000)],
        snapshots: [],
      });
      journal = await fixture.reopen(journal);
      const loaded: StoredThing[] = [];
      const count = await journal.loadCurrent((t) => loaded.push(t));
      expect(count).toBe(2);
      const byId = Object.fromEntries(loaded.map((t) => [t.thingId, t]));
      expect(JSON.parse(byId['ns:s'].json as string)).toEqual({ thingId: 'ns:s' });
      expect(byId['ns:t']).toMatchObject({ revision: 2, json: null, modified: 2000 });
      const snapshot = await journal.snapshotAtOrBefore('ns:s', 5);
      expect(snapshot && JSON.parse(snapshot.json as string)).toEqual({ thingId: 'ns:s', v: 1 });
      expect(await journal.snapshotAtOrBefore('ns:s', 0)).toBeNull();
      await journal.close();
    });

    it('journal - rejects a second event with the same revision and writes nothing of that batch', async () => {
      const journal = await fixture.open();
      await journal.commit({
        events: [created('ns:d', 1, 1000, {})],
        dirty: [],
        checkpoint: [state('ns:d', 1, { a: 1 })],
        snapshots: [],
      });
      await expect(
        journal.commit({
          events: [
            { thingId: 'ns:e', revision: 1, timestamp: 1, action: 'created', path: [], value: {} },
            created('ns:d', 1, 2000, {}),
          ],
          dirty: [],
          checkpoint: [state('ns:d', 1, { a: 2 })],
          snapshots: [],
        }),
      ).rejects.toThrow();
      expect(await journal.readEvents('ns:e', {})).toEqual([]);
      const loaded: StoredThing[] = [];
      await journal.loadCurrent((t) => loaded.push(t));
      expect(loaded.find((t) => t.thingId === 'ns:d')?.json).toBe(JSON.stringify({ a: 1 }));
      await journal.close();
    });

    it('journal - applies commits made without waiting in the order they were made', async () => {
      const journal = await fixture.open();
      const commits = Array.from({ length: 20 }, (_, i) =>
        journal.commit({
          events: [
            i === 0
              ? created('ns:o', 1, 1000, {})
              : {
                  thingId: 'ns:o',
                  revision: i + 1,
                  timestamp: 1000 + i,
                  action: 'modified',
                  path: ['attributes', 'n'],
                  value: i,
                },
          ],
          dirty: i === 0 ? ['ns:o'] : [],
          checkpoint: i === 10 ? [state('ns:o', 11, { n: 10 })] : undefined,
          snapshots: [],
        }),
      );
      await Promise.all(commits);
      const events = await journal.readEvents('ns:o', {});
      expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await journal.dirtyThings()).toEqual([]);
      await journal.close();
    });

    it('journal - refuses every commit after a failed one, so nothing lands after a gap', async () => {
      const journal = await fixture.open();
      await journal.commit({ events: [created('ns:g', 1, 1000, {})], dirty: [], snapshots: [] });
      const failing = journal.commit({
        events: [created('ns:g', 1, 2000, {})],
        dirty: [],
        snapshots: [],
      });
      const later = journal.commit({
        events: [created('ns:h', 1, 3000, {})],
        dirty: [],
        snapshots: [],
      });
      await expect(failing).rejects.toThrow();
      await expect(later).rejects.toThrow(/refused/);
      expect(await journal.readEvents('ns:h', {})).toEqual([]);
      await journal.close();
    });

    it('journal - reads events written before and after a restart as one history', async () => {
      let journal = await fixture.open();
      const modified = (revision: number): TwinEvent => ({
        thingId: 'ns:r',
        revision,
        timestamp: revision * 1000,
        action: 'modified',
        path: ['attributes', 'n'],
        value: revision,
      });
      await journal.commit({
        events: [created('ns:r', 1, 1000, {}), modified(2), modified(3)],
        dirty: [],
        snapshots: [],
      });
      journal = await fixture.reopen(journal);
      await journal.commit({ events: [modified(4), modified(5)], dirty: [], snapshots: [] });
      const revisions = async (range: object) =>
        (await journal.readEvents('ns:r', range)).map((e) => e.revision);
      expect(await revisions({})).toEqual([1, 2, 3, 4, 5]);
      expect(await revisions({ fromRevision: 3, limit: 2 })).toEqual([3, 4]);
      expect(await revisions({ fromTimestamp: 2500, toTimestamp: 4500 })).toEqual([3, 4]);
      expect(await journal.revisionAt('ns:r', 4200)).toBe(4);
      expect(await journal.revisionAt('ns:r', 2999)).toBe(2);
      expect(await journal.revisionAt('ns:r', 999)).toBeNull();
      await expect(
        journal.commit({ events: [modified(3)], dirty: [], snapshots: [] }),
      ).rejects.toThrow();
      expect(await revisions({})).toEqual([1, 2, 3, 4, 5]);
      await journal.close();
    });

    it('journal - marks things dirty until a checkpoint writes their state', async () => {
      let journal = await fixture.open();
      await journal.commit({
        events: [created('ns:p', 1, 1000, {})],
        dirty: [],
        checkpoint: [state('ns:p', 1, { thingId: 'ns:p', v: 1 })],
        snapshots: [],
      });
      await journal.commit({
        events: [
          {
            thingId: 'ns:p',
            revision: 2,
            timestamp: 2000,
            action: 'modified',
            path: ['attributes'],
            value: {},
          },
        ],
        dirty: ['ns:p'],
        snapshots: [],
      });
      journal = await fixture.reopen(journal);
      expect(await journal.dirtyThings()).toEqual(['ns:p']);
      const before: StoredThing[] = [];
      await journal.loadCurrent((t) => before.push(t));
      expect(before[0]).toMatchObject({ thingId: 'ns:p', revision: 1 });
      await journal.commit({
        events: [],
        dirty: [],
        checkpoint: [state('ns:p', 2, { thingId: 'ns:p', attributes: {} }, 2000)],
        snapshots: [],
      });
      expect(await journal.dirtyThings()).toEqual([]);
      const after: StoredThing[] = [];
      await journal.loadCurrent((t) => after.push(t));
      expect(after[0]).toMatchObject({ thingId: 'ns:p', revision: 2 });
      await journal.close();
    });

    it('journal - a checkpoint cleans only the things it writes', async () => {
      let journal = await fixture.open();
      await journal.commit({
        events: [created('ns:q1', 1, 1000, {}), created('ns:q2', 1, 1000, {})],
        dirty: ['ns:q1', 'ns:q2'],
        snapshots: [],
      });
      await journal.commit({
        events: [],
        dirty: [],
        checkpoint: [state('ns:q1', 1, { thingId: 'ns:q1' })],
        snapshots: [],
      });
      journal = await fixture.reopen(journal);
      expect(await journal.dirtyThings()).toEqual(['ns:q2']);
      // Marked dirty and written in the same batch: clean after it.
      await journal.commit({
        events: [created('ns:q3', 1, 1000, {})],
        dirty: ['ns:q3'],
        checkpoint: [
          state('ns:q2', 1, { thingId: 'ns:q2' }),
          state('ns:q3', 1, { thingId: 'ns:q3' }),
        ],
        snapshots: [],
      });
      expect(await journal.dirtyThings()).toEqual([]);
      await journal.close();
    });

    it('journal - numbers committed events gap-free in commit order, across restarts', async () => {
      let journal = await fixture.open();
      expect(await journal.lastSeq()).toBe(0);
      const first = [created('ns:s1', 1, 1000, {}), created('ns:s2', 1, 1000, {})];
      const second = [created('ns:s3', 1, 1000, {})];
      const third: TwinEvent[] = [
        { thingId: 'ns:s1', revision: 2, timestamp: 2000, action: 'deleted', path: [] },
      ];
      await Promise.all([
        journal.commit({ events: first, dirty: [], snapshots: [] }),
        journal.commit({ events: second, dirty: [], snapshots: [] }),
      ]);
      expect([...first, ...second].map((e) => e.seq)).toEqual([1, 2, 3]);
      await journal.commit({ events: [], dirty: [], snapshots: [] });
      journal = await fixture.reopen(journal);
      expect(await journal.lastSeq()).toBe(3);
      await journal.commit({ events: third, dirty: [], snapshots: [] });
      expect(third[0].seq).toBe(4);
      const all: TwinEvent[] = [];
      for await (const event of journal.readAll()) all.push(event);
      expect(all.map((e) => [e.seq, e.thingId, e.revision])).toEqual([
        [1, 'ns:s1', 1],
        [2, 'ns:s2', 1],
        [3, 'ns:s3', 1],
        [4, 'ns:s1', 2],
      ]);
      expect(all[0].value).toEqual({ thingId: 'ns:s1' });
      // History reads carry the position too.
      expect((await journal.readEvents('ns:s1', {})).map((e) => e.seq)).toEqual([1, 4]);
      journal = await fixture.reopen(journal);
      const resumed: number[] = [];
      for await (const event of journal.readAll({ fromSeq: 3 })) resumed.push(event.seq as number);
      expect(resumed).toEqual([3, 4]);
      const limited: number[] = [];
      for await (const event of journal.readAll({ fromSeq: 2, limit: 2 }))
        limited.push(event.seq as number);
      expect(limited).toEqual([2, 3]);
      await journal.close();
    });

    it('journal - reads the whole sequence in pages, beyond one page', async () => {
      const journal = await fixture.open();
      const total = 2_500;
      for (let start = 0; start < total; start += 500) {
        const events: TwinEvent[] = [];
        for (let i = start; i < start + 500; i++) events.push(created(`ns:p${i}`, 1, 1000 + i, {}));
        await journal.commit({ events, dirty: [], snapshots: [] });
      }
      let expected = 1;
      for await (const event of journal.readAll()) {
        expect(event.seq).toBe(expected);
        expect(event.thingId).toBe(`ns:p${expected - 1}`);
        expected++;
      }
      expect(expected - 1).toBe(total);
      await journal.close();
    });

    it('journal - accepts commits again after recover, numbering on without a gap', async () => {
      const journal = await fixture.open();
      await journal.commit({ events: [created('ns:v', 1, 1000, {})], dirty: [], snapshots: [] });
      const failed = journal.commit({
        events: [created('ns:v', 1, 2000, {})],
        dirty: [],
        snapshots: [],
      });
      const refused = journal.commit({
        events: [created('ns:w', 1, 2000, {})],
        dirty: [],
        snapshots: [],
      });
      await expect(failed).rejects.toThrow();
      await expect(refused).rejects.toThrow();
      await journal.recover();
      const next = [created('ns:w', 1, 3000, {})];
      await journal.commit({ events: next, dirty: ['ns:w'], snapshots: [] });
      expect(next[0].seq).toBe(2);
      expect(await journal.dirtyThings()).toEqual(['ns:w']);
      const all: string[] = [];
      for await (const event of journal.readAll()) all.push(`${event.seq} ${event.thingId}`);
      expect(all).toEqual(['1 ns:v', '2 ns:w']);
      await journal.close();
    });

    it('journal - reads one checkpointed thing, deleted ones included', async () => {
      let journal = await fixture.open();
      await journal.commit({
        events: [
          created('ns:c1', 1, 1000, {}),
          created('ns:c2', 1, 1000, {}),
          { thingId: 'ns:c2', revision: 2, timestamp: 2000, action: 'deleted', path: [] },
        ],
        dirty: [],
        checkpoint: [state('ns:c1', 1, { thingId: 'ns:c1' }), state('ns:c2', 2, null, 2000)],
        snapshots: [],
      });
      journal = await fixture.reopen(journal);
      expect(await journal.checkpointed('ns:c1')).toEqual(state('ns:c1', 1, { thingId: 'ns:c1' }));
      expect(await journal.checkpointed('ns:c2')).toMatchObject({ revision: 2, json: null });
      expect(await journal.checkpointed('ns:none')).toBeNull();
      await journal.close();
    });

    it('journal - a refused batch takes no positions', async () => {
      const journal = await fixture.open();
      await journal.commit({ events: [created('ns:n', 1, 1000, {})], dirty: [], snapshots: [] });
      const refused = [created('ns:n', 1, 2000, {})];
      await expect(journal.commit({ events: refused, dirty: [], snapshots: [] })).rejects.toThrow();
      expect(refused[0].seq).toBeUndefined();
      expect(await journal.lastSeq()).toBe(1);
      const all: TwinEvent[] = [];
      for await (const event of journal.readAll()) all.push(event);
      expect(all.map((e) => e.seq)).toEqual([1]);
      await journal.close();
    });

    it('journal - prunes deleted things older than the retention, keeps the others', async () => {
      const journal = await fixture.open();
      await journal.commit({
        events: [
          created('ns:old', 1, 1000, {}),
          { thingId: 'ns:old', revision: 2, timestamp: 2000, action: 'deleted', path: [] },
          created('ns:new', 1, 1000, {}),
          { thingId: 'ns:new', revision: 2, timestamp: 9000, action: 'deleted', path: [] },
          created('ns:live', 1, 1000, {}),
        ],
        dirty: [],
        checkpoint: [
          state('ns:old', 2, null, 2000),
          state('ns:new', 2, null, 9000),
          state('ns:live', 1, {}, 1000),
        ],
        snapshots: [],
      });
      expect(await journal.pruneDeletedBefore(5000)).toBe(1);
      expect(await journal.readEvents('ns:old', {})).toEqual([]);
      const left: string[] = [];
      for await (const event of journal.readAll()) left.push(`${event.seq} ${event.thingId}`);
      expect(left).toEqual(['3 ns:new', '4 ns:new', '5 ns:live']);
      expect((await journal.readEvents('ns:new', {})).length).toBe(2);
      expect((await journal.readEvents('ns:live', {})).length).toBe(1);
      await journal.close();
    });

    it('journal - does not prune a deleted thing created again since the last checkpoint', async () => {
      const journal = await fixture.open();
      await journal.commit({
        events: [
          created('ns:back', 1, 1000, {}),
          { thingId: 'ns:back', revision: 2, timestamp: 2000, action: 'deleted', path: [] },
        ],
        dirty: [],
        checkpoint: [state('ns:back', 2, null, 2000)],
        snapshots: [],
      });
      await journal.commit({
        events: [created('ns:back', 3, 9000, { again: true })],
        dirty: ['ns:back'],
        snapshots: [],
      });
      expect(await journal.pruneDeletedBefore(5000)).toBe(0);
      expect((await journal.readEvents('ns:back', {})).map((e) => e.revision)).toEqual([1, 2, 3]);
      expect(await journal.dirtyThings()).toEqual(['ns:back']);
      await journal.close();
    });
  });
}
