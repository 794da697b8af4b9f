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
