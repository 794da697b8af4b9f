// The JournalPages contract: what a reader of its own sees of the events a journal committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../core/events.js';
import type { JournalPages } from './journal-pages.js';
import { openJournalPages } from './open-journal-pages.js';
import type { Storage } from './storage.js';
import type { TestBackend } from './test-backends.js';

function event(thingId: string, revision: number, timestamp: number, x: number): TwinEvent {
  return revision === 1
    ? { thingId, revision, timestamp, action: 'created', path: [], value: { attributes: { x } } }
    : {
        thingId,
        revision,
        timestamp,
        action: 'modified',
        path: ['attributes', 'x'],
        value: x,
        ...(x % 2 === 0 ? { observedAt: timestamp - 5 } : {}),
      };
}

export function journalPagesContract(name: string, backend: TestBackend): void {
  describe(`journal pages (${name})`, () => {
    let storage: Storage;
    let pages: JournalPages;
    beforeAll(async () => {
      storage = await backend.open();
      const events: TwinEvent[] = [];
      for (let r = 1; r <= 25; r++) events.push(event('ns:a', r, 1000 * r, r));
      events.push(event('ns:b', 1, 500, 0));
      await storage.journal.commit({ events, dirty: ['ns:a', 'ns:b'], snapshots: [] });
      // ns:c has a snapshot at revision 10 (marked, to tell it was read), then is deleted at 20.
      const c: TwinEvent[] = [];
      for (let r = 1; r < 20; r++) c.push(event('ns:c', r, 1000 * r, r));
      c.push({ thingId: 'ns:c', revision: 20, timestamp: 20_000, action: 'deleted', path: [] });
      const snapshot = { attributes: { x: 10, snapshot: true } };
      await storage.journal.commit({
        events: c,
        dirty: ['ns:c'],
        snapshots: [
          {
            thingId: 'ns:c',
            revision: 10,
            created: 1000,
            modified: 10_000,
            json: JSON.stringify(snapshot),
          },
        ],
      });
      pages = await openJournalPages(backend.journalLocation(storage));
    });
    afterAll(async () => {
      await pages?.close();
      await backend.cleanup();
    });

    const all = async (range: Parameters<JournalPages['pages']>[0], size: number) => {
      const read: TwinEvent[][] = [];
      for await (const page of pages.pages(range, size)) read.push(page);
      return read;
    };

    it('journal pages - reads a twin after a revision and before a time, in revision order, in pages', async () => {
      const range = { thingId: 'ns:a', afterRevision: 3, beforeTimestamp: 20_000 };
      expect(await pages.count(range)).toBe(16);
      const read = await all(range, 5);
      expect(read.map((page) => page.length)).toEqual([5, 5, 5, 1]);
      const revisions = read.flat().map((e) => e.revision);
      expect(revisions).toEqual(Array.from({ length: 16 }, (_, i) => i + 4));
    });

    it('journal pages - events come back as committed, with their observation time', async () => {
      const [[first, second]] = await all(
        { thingId: 'ns:a', afterRevision: 0, beforeTimestamp: 2_001 },
        10,
      );
      expect(first).toMatchObject({ action: 'created', path: [], value: { attributes: { x: 1 } } });
      expect(first.observedAt).toBeUndefined();
      expect(second).toMatchObject({
        thingId: 'ns:a',
        revision: 2,
        timestamp: 2_000,
        action: 'modified',
        path: ['attributes', 'x'],
        value: 2,
        observedAt: 1_995,
      });
    });

    it('journal pages - where a twin started: its last revision before a time and its state then', async () => {
      // Before a time: ns:a's revision 7 is at 7000, so 7000 starts after revision 6.
      expect(await pages.startOf('ns:a', 7_000)).toEqual({
        afterRevision: 6,
        start: { attributes: { x: 6 } },
      });
      expect(await pages.startOf('ns:a', 1e15)).toEqual({
        afterRevision: 25,
        start: { attributes: { x: 25 } },
      });
      expect(await pages.startOf('ns:a', 1_000)).toEqual({ afterRevision: 0, start: null });
      expect(await pages.startOf('ns:none', 1e15)).toEqual({ afterRevision: 0, start: null });
      // From the snapshot at 10 on, then its events.
      expect(await pages.startOf('ns:c', 10_500)).toEqual({
        afterRevision: 10,
        start: { attributes: { x: 10, snapshot: true } },
      });
      expect(await pages.startOf('ns:c', 15_500)).toEqual({
        afterRevision: 15,
        start: { attributes: { x: 15, snapshot: true } },
      });
      expect(await pages.startOf('ns:c', 9_500)).toEqual({
        afterRevision: 9,
        start: { attributes: { x: 9 } },
      });
      // Deleted by then: its revision, no state.
      expect(await pages.startOf('ns:c', 30_000)).toEqual({ afterRevision: 20, start: null });
    });

    it('journal pages - a twin or range without events reads nothing', async () => {
      const none = { thingId: 'ns:none', afterRevision: 0, beforeTimestamp: 1e15 };
      expect(await pages.count(none)).toBe(0);
      expect(await all(none, 10)).toEqual([]);
      expect(await pages.count({ thingId: 'ns:b', afterRevision: 1, beforeTimestamp: 1e15 })).toBe(
        0,
      );
    });
  });
}
