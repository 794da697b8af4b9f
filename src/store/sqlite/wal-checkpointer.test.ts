// WAL checkpoints off the writers: the logs of the journal's writer thread and of the series thread
// stay bounded under continuous writes, a log pinned by a reader is emptied once it lets go, and
// closing still checkpoints the log away.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TwinEvent } from '../../core/events.js';
import { SqliteJournal } from './sqlite-journal.js';
import { ThreadedSeriesStore } from './threaded-series-store.js';
import { WalCheckpointer, type WalCheckpointOptions } from './wal-checkpointer.js';
import { WalIndex } from './wal-index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshPath(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-wal-'));
  dirs.push(dir);
  return join(dir, name);
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);
const MB = 1024 * 1024;
/** Small thresholds, so that a few MB of writes need many checkpoints. */
const QUICK: WalCheckpointOptions = {
  frames: 100,
  everyMs: 50,
  pollMs: 5,
  restartFrames: 1000,
  restartSlack: 100,
};
/** About 1 KB of JSON per event. */
const PAYLOAD = 'x'.repeat(1000);

/** A batch of `count` events, one per twin, each twin at revision `round`. */
function batch(round: number, count: number): { events: TwinEvent[]; dirty: string[] } {
  const events: TwinEvent[] = [];
  for (let i = 0; i < count; i++)
    events.push({
      thingId: `ns:t${i}`,
      revision: round,
      timestamp: round,
      action: round === 1 ? 'created' : 'modified',
      path: round === 1 ? [] : ['attributes', 'payload'],
      value: round === 1 ? {} : `${round}:${PAYLOAD}`,
    });
  return { events, dirty: round === 1 ? events.map((e) => e.thingId) : [] };
}

/** Commits `rounds` batches, one after the other; resolves to the largest log seen after each. */
async function writeRounds(
  journal: SqliteJournal,
  path: string,
  from: number,
  rounds: number,
): Promise<number> {
  let largest = 0;
  for (let round = from; round < from + rounds; round++) {
    await journal.commit({ ...batch(round, 100), snapshots: [] });
    largest = Math.max(largest, sizeOf(`${path}-wal`));
  }
  return largest;
}

/**
 * Telemetry as the live path writes it: batches of 100 events of about 100 bytes, each batch for
 * the next 100 of 10,000 twins. Resolves to the largest log seen after each batch.
 */
async function writeTelemetry(journal: SqliteJournal, path: string, batches: number) {
  let largest = 0;
  for (let b = 0; b < batches; b++) {
    const events: TwinEvent[] = Array.from({ length: 100 }, (_, i) => {
      const n = b * 100 + i;
      return {
        thingId: `ns:t${n % 10_000}`,
        revision: Math.floor(n / 10_000) + 1,
        timestamp: n,
        action: 'modified',
        path: ['attributes', 'v'],
        value: `${n}:${PAYLOAD.slice(0, 100)}`,
      };
    });
    await journal.commit({ events, dirty: [], snapshots: [] });
    largest = Math.max(largest, sizeOf(`${path}-wal`));
  }
  return largest;
}

/** Resolves once `check` holds, or fails after `ms`. */
async function eventually(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WAL checkpoints off the writer', () => {
  it('the checkpoint thread copies the log of a writer that never checkpoints', async () => {
    const path = freshPath('plain.db');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE t (v TEXT)');
    const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run(`${i}:${PAYLOAD}`);
    const index = new WalIndex(path);
    const before = index.progress();
    expect(before?.frames).toBeGreaterThan(500);
    expect(before?.backfilled).toBe(0);
    const checkpointer = WalCheckpointer.start(path, 'NORMAL', QUICK);
    try {
      await eventually(() => index.progress()?.backfilled === before?.frames, 5_000);
      expect(checkpointer.lastError).toBeNull();
    } finally {
      await checkpointer.close();
      index.close();
      writer.close();
    }
  });

  it('journal - the log of the writer thread stays bounded under continuous writes, and close removes it', async () => {
    const path = freshPath('journal.db');
    const journal = new SqliteJournal({ path, writerThread: true, walCheckpoints: QUICK });
    // 160,000 events, with eight moves into the keyed table: about 96 MB of log were nothing
    // copied (the writer itself never checkpoints); a log started anew every 1,000 pages stays near
    // 4 MB, and below 4,000 pages and a step when the checkpoint thread falls behind.
    const largest = await writeTelemetry(journal, path, 1600);
    expect(sizeOf(path)).toBeGreaterThan(4 * MB);
    expect(largest).toBeLessThan(24 * MB);
    await journal.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = new SqliteJournal({ path });
    expect((await reopened.readEvents('ns:t7', {})).map((e) => e.revision)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ]);
    await reopened.close();
  });

  it('journal - a log a reader kept growing is emptied (TRUNCATE) once the reader lets go', async () => {
    const path = freshPath('journal.db');
    const journal = new SqliteJournal({
      path,
      writerThread: true,
      walCheckpoints: { ...QUICK, truncateBytes: 4 * MB, waitMs: 20 },
    });
    await writeRounds(journal, path, 1, 1);
    const reader = new Database(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM things').get();
    // The reader's snapshot pins the log: nothing past it can be copied, so it grows, and commits
    // go on meanwhile (TRUNCATE waits for the reader only briefly).
    const pinned = await writeRounds(journal, path, 2, 100);
    expect(pinned).toBeGreaterThan(8 * MB);
    reader.exec('COMMIT');
    reader.close();
    // Copied in full, the log would be used again from its start but keep its size.
    await eventually(() => sizeOf(`${path}-wal`) < 1 * MB, 5_000);
    await writeRounds(journal, path, 102, 10);
    expect((await journal.readEvents('ns:t3', {})).map((e) => e.revision).at(-1)).toBe(111);
    await journal.close();
  });

  it('series - the log of the series thread stays bounded under continuous appends, and close removes it', async () => {
    const path = freshPath('series.db');
    const store = await ThreadedSeriesStore.open(path, QUICK);
    let largest = 0;
    // 400 appends of 1,000 numbers over 10,000 twins: about 72 MB of log were nothing copied;
    // about 4 MB with the checkpoints, below 4,000 pages and an append when they fall behind.
    for (let round = 0; round < 400; round++) {
      const points = Array.from({ length: 1000 }, (_, i) => ({
        thingId: `ns:s${(round * 1000 + i) % 10_000}`,
        pointer: 'features/power/properties/watts',
        t: 1_700_000_000_000 + round * 1000 + i,
        value: round + i / 1000,
      }));
      await store.append(points);
      largest = Math.max(largest, sizeOf(`${path}-wal`));
    }
    expect(sizeOf(path)).toBeGreaterThan(4 * MB);
    expect(largest).toBeLessThan(24 * MB);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = await ThreadedSeriesStore.open(path);
    expect(await reopened.countRaw('ns:s7', 'features/power/properties/watts', 0, 2e12)).toBe(40);
    await reopened.close();
  });
});
