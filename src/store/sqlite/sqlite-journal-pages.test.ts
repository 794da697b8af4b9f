// The SQLite journal pages read one snapshot: events moved or committed meanwhile change nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../../core/events.js';
import { SqliteJournalPages } from './sqlite-journal-pages.js';
import { SqliteJournal } from './sqlite-journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function events(thingId: string, from: number, to: number): TwinEvent[] {
  const out: TwinEvent[] = [];
  for (let revision = from; revision <= to; revision++) {
    out.push(
      revision === 1
        ? { thingId, revision, timestamp: 1000, action: 'created', path: [], value: { thingId } }
        : {
            thingId,
            revision,
            timestamp: 1000 * revision,
            action: 'modified',
            path: ['attributes', 'n'],
            value: revision,
          },
    );
  }
  return out;
}

async function revisionsRead(pages: SqliteJournalPages, thingId: string): Promise<number[]> {
  const range = { thingId, afterRevision: 0, beforeTimestamp: Number.MAX_SAFE_INTEGER };
  const revisions: number[] = [];
  for await (const page of pages.pages(range, 7)) for (const e of page) revisions.push(e.revision);
  return revisions;
}

describe('sqlite journal pages', () => {
  it('journal pages - read the snapshot of their first read, across a move of recent events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-pages-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    let journal = new SqliteJournal({ path, durability: 'process' });
    // Moved ones for a, recent ones for a and b.
    await journal.commit({ events: events('ns:a', 1, 10), dirty: [], snapshots: [] });
    await journal.close();
    journal = new SqliteJournal({ path, durability: 'process' });
    await journal.commit({
      events: [...events('ns:a', 11, 30), ...events('ns:b', 1, 3)],
      dirty: [],
      snapshots: [],
    });
    const pages = new SqliteJournalPages(path);
    const range = { thingId: 'ns:a', afterRevision: 0, beforeTimestamp: Number.MAX_SAFE_INTEGER };
    expect(await pages.count(range)).toBe(30);
    expect(await pages.count({ ...range, afterRevision: 12, beforeTimestamp: 20_500 })).toBe(8);
    // Where a twin started: moved events, then recent ones of the same twin.
    const at15 = { afterRevision: 15, start: { thingId: 'ns:a', attributes: { n: 15 } } };
    expect(await pages.startOf('ns:a', 15_500)).toEqual(at15);
    expect(await pages.startOf('ns:a', 5_001)).toMatchObject({ afterRevision: 5 });
    expect(await pages.startOf('ns:b', 1_000)).toEqual({ afterRevision: 0, start: null });
    // Meanwhile: the recent events are moved (at open) and more are committed.
    await journal.close();
    journal = new SqliteJournal({ path, durability: 'process' });
    await journal.commit({ events: events('ns:a', 31, 35), dirty: [], snapshots: [] });
    await journal.close();
    journal = new SqliteJournal({ path, durability: 'process' });
    const all = Array.from({ length: 30 }, (_, i) => i + 1);
    expect(await revisionsRead(pages, 'ns:a')).toEqual(all);
    expect(await revisionsRead(pages, 'ns:b')).toEqual([1, 2, 3]);
    expect(await pages.startOf('ns:a', 15_500)).toEqual(at15);
    expect(await pages.startOf('ns:a', 40_000)).toMatchObject({ afterRevision: 30 });
    await pages.close();
    const later = new SqliteJournalPages(path);
    expect(await revisionsRead(later, 'ns:a')).toEqual([...all, 31, 32, 33, 34, 35]);
    await later.close();
    await journal.close();
  });
});
