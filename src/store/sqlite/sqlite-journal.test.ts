// Runs the Journal contract against the SQLite adapter, plus SQLite-specific checks.
import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../../core/events.js';
import { journalContract } from '../journal.contract.js';
import type { Journal } from '../journal.js';
import {
  RevisionConflictError,
  StorageCorruptError,
  StorageUnavailableError,
} from '../storage-errors.js';
import { SqliteJournal } from './sqlite-journal.js';
import { ARCHIVE_STEP, type BatchRows } from './sqlite-journal-writer.js';

const dirs: string[] = [];
const paths = new WeakMap<Journal, string>();

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const VARIANTS = [
  { durability: 'process', writerThread: false },
  { durability: 'power', writerThread: false },
  { durability: 'process', writerThread: true },
  { durability: 'power', writerThread: true },
] as const;

for (const { durability, writerThread } of VARIANTS) {
  journalContract(`sqlite (${durability}${writerThread ? ', writer thread' : ''})`, {
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
      dirs.push(dir);
      const path = join(dir, 'journal.db');
      const journal = new SqliteJournal({ path, durability, writerThread });
      paths.set(journal, path);
      return journal;
    },
    async reopen(journal) {
      const path = paths.get(journal) as string;
      await journal.close();
      const reopened = new SqliteJournal({ path, durability, writerThread });
      paths.set(reopened, path);
      return reopened;
    },
  });
}

describe('sqlite journal: recent events and the keyed table', () => {
  for (const writerThread of [false, true]) {
    it(`moves recent events into the keyed table in bulk and reads across both (${writerThread ? 'writer thread' : 'inline'})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
      dirs.push(dir);
      const path = join(dir, 'journal.db');
      const journal = new SqliteJournal({ path, writerThread });
      const things = 100;
      const perThing = 250;
      for (let revision = 1; revision <= perThing; revision++) {
        const events: TwinEvent[] = [];
        for (let t = 0; t < things; t++)
          events.push({
            thingId: `ns:t${t}`,
            revision,
            timestamp: revision,
            action: revision === 1 ? 'created' : 'modified',
            path: revision === 1 ? [] : ['attributes', 'n'],
            value: revision === 1 ? { thingId: `ns:t${t}` } : revision,
          });
        await journal.commit({ events, dirty: [], snapshots: [] });
        if (!writerThread && revision === 205) {
          // Moved in steps of ARCHIVE_STEP, one after each commit from the 20,000th event on: six
          // steps so far. Every event is read once, wherever it is.
          expect(counts()).toEqual({ keyed: 6 * ARCHIVE_STEP, recent: 20_500 - 6 * ARCHIVE_STEP });
          const midway = await journal.readEvents('ns:t7', {});
          expect(midway.map((e) => e.revision)).toEqual(
            Array.from({ length: 205 }, (_, i) => i + 1),
          );
        }
      }
      function counts() {
        const db = new Database(path, { readonly: true });
        const count = (table: string) =>
          db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
        const result = { keyed: count('events'), recent: count('recent_events') };
        db.close();
        return result;
      }
      if (!writerThread) {
        // 25,000 events: the first 20,000 have been moved, the rest are still recent.
        expect(counts()).toEqual({ keyed: 20_000, recent: 5_000 });
      }
      const history = await journal.readEvents('ns:t7', {});
      expect(history.map((e) => e.revision)).toEqual(
        Array.from({ length: perThing }, (_, i) => i + 1),
      );
      expect(history[perThing - 1].value).toBe(perThing);
      await journal.close();
      expect(counts()).toEqual({ keyed: things * perThing, recent: 0 });
    });
  }
});

describe('sqlite journal: reads of twins not written since opening', () => {
  const event = (thingId: string, revision: number): TwinEvent => ({
    thingId,
    revision,
    timestamp: revision,
    action: revision === 1 ? 'created' : 'modified',
    path: revision === 1 ? [] : ['attributes', 'n'],
    value: revision === 1 ? { thingId } : revision,
  });
  for (const tracked of [1_000, 2]) {
    it(`reads every event whether the twin was written before, since or both (${tracked} twins told apart)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
      dirs.push(dir);
      const path = join(dir, 'journal.db');
      const before = new SqliteJournal({ path, writerThread: true });
      for (let revision = 1; revision <= 3; revision++)
        await before.commit({
          events: ['ns:old', 'ns:both'].map((id) => event(id, revision)),
          dirty: [],
          snapshots: [],
        });
      await before.close();
      const journal = new SqliteJournal({ path, writerThread: true, recentTwinsTracked: tracked });
      for (let revision = 4; revision <= 5; revision++)
        await journal.commit({ events: [event('ns:both', revision)], dirty: [], snapshots: [] });
      for (let revision = 1; revision <= 2; revision++)
        await journal.commit({
          events: ['ns:new', 'ns:new2', 'ns:new3'].map((id) => event(id, revision)),
          dirty: [],
          snapshots: [],
        });
      const revisions = async (id: string) =>
        (await journal.readEvents(id, {})).map((e) => e.revision);
      expect(await revisions('ns:old')).toEqual([1, 2, 3]);
      expect(await revisions('ns:both')).toEqual([1, 2, 3, 4, 5]);
      expect(await revisions('ns:new')).toEqual([1, 2]);
      expect(await revisions('ns:new3')).toEqual([1, 2]);
      expect(await journal.readEvents('ns:both', { fromRevision: 3, toRevision: 4 })).toHaveLength(
        2,
      );
      expect(await journal.revisionAt('ns:both', 4)).toBe(4);
      expect(await journal.revisionAt('ns:old', 2)).toBe(2);
      expect(await journal.revisionAt('ns:new2', 9)).toBe(2);
      await journal.close();
    });
  }
});

describe('sqlite journal: the writer thread', () => {
  it('fails commits at once, and closes, once the writer thread has stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
    dirs.push(dir);
    const journal = new SqliteJournal({ path: join(dir, 'journal.db'), writerThread: true });
    const event: TwinEvent = {
      thingId: 'ns:w',
      revision: 1,
      timestamp: 1,
      action: 'created',
      path: [],
      value: {},
    };
    await journal.commit({ events: [event], dirty: [], snapshots: [] });
    const { worker } = (journal as unknown as { writer: { worker: Worker } }).writer;
    await worker.terminate();
    await expect(
      journal.commit({ events: [{ ...event, revision: 2 }], dirty: [], snapshots: [] }),
    ).rejects.toThrow(/writer thread stopped/);
    await journal.close();
  });

  it('starts a new writer thread on recover, keeping what the old one committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
    dirs.push(dir);
    const journal = new SqliteJournal({ path: join(dir, 'journal.db'), writerThread: true });
    const event = (revision: number): TwinEvent => ({
      thingId: 'ns:w',
      revision,
      timestamp: revision,
      action: revision === 1 ? 'created' : 'modified',
      path: revision === 1 ? [] : ['attributes', 'n'],
      value: revision === 1 ? {} : revision,
    });
    await journal.commit({ events: [event(1)], dirty: [], snapshots: [] });
    const { worker } = (journal as unknown as { writer: { worker: Worker } }).writer;
    await worker.terminate();
    await expect(journal.commit({ events: [event(2)], dirty: [], snapshots: [] })).rejects.toThrow(
      StorageUnavailableError,
    );
    await journal.recover();
    const next = [event(2)];
    await journal.commit({ events: next, dirty: [], snapshots: [] });
    expect(next[0].seq).toBe(2);
    expect((await journal.readEvents('ns:w', {})).map((e) => e.revision)).toEqual([1, 2]);
    await journal.close();
  });

  it('reports a revision that does not grow as a RevisionConflictError, from the thread too', async () => {
    for (const writerThread of [false, true]) {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
      dirs.push(dir);
      const journal = new SqliteJournal({ path: join(dir, 'journal.db'), writerThread });
      const created: TwinEvent = {
        thingId: 'ns:c',
        revision: 1,
        timestamp: 1,
        action: 'created',
        path: [],
        value: {},
      };
      await journal.commit({ events: [created], dirty: [], snapshots: [] });
      await expect(
        journal.commit({ events: [{ ...created, timestamp: 2 }], dirty: [], snapshots: [] }),
      ).rejects.toThrow(RevisionConflictError);
      await journal.close();
    }
  });
});

describe('sqlite journal: positions', () => {
  it('numbers the events of a journal written before positions existed, by time, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    // The schema of the previous version: no seq in events, recent_events numbered by rowid.
    const legacy = new Database(path);
    legacy.exec(`
      CREATE TABLE events (thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL,
        action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, originator TEXT,
        PRIMARY KEY (thing_id, revision)) WITHOUT ROWID;
      CREATE TABLE recent_events (seq INTEGER PRIMARY KEY, thing_id TEXT NOT NULL,
        revision INTEGER NOT NULL, ts INTEGER NOT NULL, action TEXT NOT NULL, path TEXT NOT NULL,
        value TEXT, originator TEXT);
      INSERT INTO events VALUES ('ns:b', 1, 1000, 'created', '/', '{}', NULL);
      INSERT INTO events VALUES ('ns:a', 1, 2000, 'created', '/', '{}', NULL);
      INSERT INTO recent_events (thing_id, revision, ts, action, path, value, originator)
        VALUES ('ns:b', 2, 3000, 'deleted', '/', NULL, 'u');`);
    legacy.close();
    let journal = new SqliteJournal({ path });
    const order = async () => {
      const seen: string[] = [];
      for await (const e of journal.readAll()) seen.push(`${e.seq} ${e.thingId} ${e.revision}`);
      return seen;
    };
    expect(await order()).toEqual(['1 ns:b 1', '2 ns:a 1', '3 ns:b 2']);
    expect(await journal.lastSeq()).toBe(3);
    const next: TwinEvent = {
      thingId: 'ns:a',
      revision: 2,
      timestamp: 4000,
      action: 'deleted',
      path: [],
    };
    await journal.commit({ events: [next], dirty: [], snapshots: [] });
    expect(next.seq).toBe(4);
    await journal.close();
    journal = new SqliteJournal({ path });
    expect(await order()).toEqual(['1 ns:b 1', '2 ns:a 1', '3 ns:b 2', '4 ns:a 2']);
    await journal.close();
  });

  it('never hands out a position twice, even after the newest events were pruned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    let journal = new SqliteJournal({ path });
    const gone: TwinEvent[] = [
      { thingId: 'ns:g', revision: 1, timestamp: 1, action: 'created', path: [], value: {} },
      { thingId: 'ns:g', revision: 2, timestamp: 2, action: 'deleted', path: [] },
    ];
    await journal.commit({
      events: gone,
      dirty: [],
      checkpoint: [{ thingId: 'ns:g', revision: 2, created: 1, modified: 2, json: null }],
      snapshots: [],
    });
    expect(await journal.pruneDeletedBefore(10)).toBe(1);
    await journal.close();
    journal = new SqliteJournal({ path });
    expect(await journal.lastSeq()).toBe(2);
    const next: TwinEvent = {
      thingId: 'ns:h',
      revision: 1,
      timestamp: 3,
      action: 'created',
      path: [],
      value: {},
    };
    await journal.commit({ events: [next], dirty: [], snapshots: [] });
    expect(next.seq).toBe(3);
    await journal.close();
  });
});

describe('sqlite journal: observation times', () => {
  for (const writerThread of [false, true]) {
    it(`opens a journal written before observation times were kept and keeps them from then on (${writerThread ? 'writer thread' : 'inline'})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
      dirs.push(dir);
      const path = join(dir, 'journal.db');
      // The schema of the previous version: no observed_at in either event table; one event
      // moved into the keyed table, one still recent (as a crash leaves it).
      const legacy = new Database(path);
      legacy.exec(`
        CREATE TABLE events (thing_id TEXT NOT NULL, revision INTEGER NOT NULL, ts INTEGER NOT NULL,
          action TEXT NOT NULL, path TEXT NOT NULL, value TEXT, originator TEXT, seq INTEGER,
          PRIMARY KEY (thing_id, revision)) WITHOUT ROWID;
        CREATE TABLE recent_events (seq INTEGER PRIMARY KEY, thing_id TEXT NOT NULL,
          revision INTEGER NOT NULL, ts INTEGER NOT NULL, action TEXT NOT NULL, path TEXT NOT NULL,
          value TEXT, originator TEXT);
        CREATE TABLE sequence (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
        INSERT INTO sequence (id, last) VALUES (1, 2);
        INSERT INTO events VALUES ('ns:a', 1, 1000, 'created', '/', '{}', NULL, 1);
        INSERT INTO recent_events VALUES (2, 'ns:a', 2, 2000, 'modified', '/attributes/n', '2', 'u');`);
      legacy.close();
      let journal = new SqliteJournal({ path, writerThread });
      const columns = (table: string) => {
        const db = new Database(path, { readonly: true });
        try {
          return db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table);
        } finally {
          db.close();
        }
      };
      expect(columns('events')).toContain('observed_at');
      expect(columns('recent_events')).toContain('observed_at');
      const read = async () =>
        (await journal.readEvents('ns:a', {})).map((e) => [e.seq, e.revision, e.observedAt]);
      expect(await read()).toEqual([
        [1, 1, undefined],
        [2, 2, undefined],
      ]);
      expect((await journal.readEvents('ns:a', {})).some((e) => 'observedAt' in e)).toBe(false);
      const observed: TwinEvent = {
        thingId: 'ns:a',
        revision: 3,
        timestamp: 5000,
        observedAt: 1500,
        action: 'modified',
        path: ['attributes', 'n'],
        value: 3,
      };
      await journal.commit({ events: [observed], dirty: [], snapshots: [] });
      expect(await read()).toEqual([
        [1, 1, undefined],
        [2, 2, undefined],
        [3, 3, 1500],
      ]);
      await journal.close();
      journal = new SqliteJournal({ path, writerThread });
      expect(await read()).toEqual([
        [1, 1, undefined],
        [2, 2, undefined],
        [3, 3, 1500],
      ]);
      await journal.close();
    });
  }
});

describe('sqlite journal: damaged files are refused at start', () => {
  /** A journal left as a kill -9 leaves it: commits in the write-ahead log, copied while open. */
  async function crashedJournal(events: number): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
    dirs.push(dir);
    const live = join(dir, 'live.db');
    const journal = new SqliteJournal({ path: live });
    for (let r = 1; r <= events; r++) {
      await journal.commit({
        events: [
          r === 1
            ? { thingId: 'ns:c', revision: 1, timestamp: 1, action: 'created', path: [], value: {} }
            : {
                thingId: 'ns:c',
                revision: r,
                timestamp: r,
                action: 'modified',
                path: ['attributes', 'n'],
                value: 'x'.repeat(200),
              },
        ],
        dirty: [],
        snapshots: [],
      });
    }
    const path = join(dir, 'journal.db');
    for (const suffix of ['', '-wal', '.seq']) copyFileSync(`${live}${suffix}`, `${path}${suffix}`);
    await journal.close();
    return path;
  }

  it('refuses an emptied journal.db whose write-ahead log still holds data, and keeps the log', async () => {
    const path = await crashedJournal(20);
    const walSize = statSync(`${path}-wal`).size;
    expect(walSize).toBeGreaterThan(0);
    truncateSync(path, 0);
    expect(() => new SqliteJournal({ path })).toThrow(StorageCorruptError);
    expect(() => new SqliteJournal({ path })).toThrow(/journal\.db is empty .*journal\.db-wal/);
    expect(statSync(`${path}-wal`).size).toBe(walSize);
  });

  it('refuses a journal whose write-ahead log was cut short, naming what is missing', async () => {
    const path = await crashedJournal(40);
    truncateSync(`${path}-wal`, Math.floor(statSync(`${path}-wal`).size / 2));
    expect(() => new SqliteJournal({ path })).toThrow(
      /ends at event \d+, but event 40 was committed/,
    );
    // Deleting the recorded position is the stated way to start with what is left.
    rmSync(`${path}.seq`);
    const journal = new SqliteJournal({ path });
    expect(await journal.lastSeq()).toBeLessThan(40);
    await journal.close();
  });

  it('says a power cut explains missing events only where --durability process allows it', async () => {
    const path = await crashedJournal(40);
    truncateSync(`${path}-wal`, Math.floor(statSync(`${path}-wal`).size / 2));
    expect(() => new SqliteJournal({ path })).toThrow(/lost power.*--durability process allows/);
    let refusal: unknown;
    try {
      new SqliteJournal({ path, durability: 'power' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StorageCorruptError);
    expect((refusal as Error).message).toMatch(/acknowledged events are missing/);
    expect((refusal as Error).message).not.toMatch(/lost power/);
  });

  it('refuses a damaged position file instead of reading it as 0, and starts once it is removed', async () => {
    const path = await crashedJournal(5);
    writeFileSync(`${path}.seq`, 'garbage\n');
    expect(() => new SqliteJournal({ path })).toThrow(StorageCorruptError);
    expect(() => new SqliteJournal({ path })).toThrow(/journal\.db\.seq does not hold a position/);
    rmSync(`${path}.seq`);
    const journal = new SqliteJournal({ path });
    expect(await journal.lastSeq()).toBe(5);
    await journal.close();
  });

  it('refuses a file that is not a database with a typed error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    writeFileSync(
      path,
      'this is not an SQLite database, but it is long enough to look like one'.repeat(100),
    );
    expect(() => new SqliteJournal({ path })).toThrow(StorageCorruptError);
    expect(() => new SqliteJournal({ path })).toThrow(/journal\.db is damaged/);
  });

  it('starts normally after a crash that left commits in the write-ahead log', async () => {
    const path = await crashedJournal(30);
    const journal = new SqliteJournal({ path });
    expect(await journal.lastSeq()).toBe(30);
    await journal.close();
  });
});

describe('sqlite journal: read failures', () => {
  it('turns a failing read into a StorageUnavailableError naming what was read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
    dirs.push(dir);
    const journal = new SqliteJournal({ path: join(dir, 'journal.db') });
    // A connection that fails every statement, as a disk that errors on every read would.
    (journal as unknown as { db: Database.Database }).db.close();
    await expect(journal.readEvents('ns:a', {})).rejects.toThrow(StorageUnavailableError);
    await expect(journal.checkpointed('ns:a')).rejects.toThrow(/reading a thing from the journal/);
  });
});

describe('the batch encoding of the writer thread', () => {
  it('gives back every row as it was: values with line breaks in strings, none, empty batches', async () => {
    const { decodeBatch, encodeBatch } = await import('./sqlite-journal-writer.js');
    const value = JSON.stringify({ text: 'two\nlines\r\n', quote: '"\\' });
    const batch: BatchRows = {
      events: [
        ['ns:a', 1, 10, 'created', '', value, 'me', null],
        ['ns:a', 2, 11, 'deleted', '', null, null, null],
        ['ns:b', 1, 12, 'merged', '/features/x', '3', null, 7],
      ],
      dirty: ['ns:a', 'ns:b'],
      checkpoint: [['ns:a', 2, 10, 11, null]],
      snapshots: [],
    };
    const copy = structuredClone(batch);
    expect(decodeBatch(encodeBatch(batch))).toEqual(copy);
    expect(batch).toEqual(copy);
    const empty = { events: [], dirty: [], checkpoint: null, snapshots: [] };
    expect(decodeBatch(encodeBatch(empty))).toEqual(empty);
  });
});
