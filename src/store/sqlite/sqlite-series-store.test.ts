// The SQLite series store's deferred tiers: what a crash leaves unaggregated is rebuilt on open,
// exactly once, from the raw rows past the mark.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../series-store.js';
import { SqliteSeriesStore } from './sqlite-series-store.js';

const dirs: string[] = [];
const open: SqliteSeriesStore[] = [];

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-series-'));
  dirs.push(dir);
  return dir;
}

function store(path: string): SqliteSeriesStore {
  const s = new SqliteSeriesStore(path);
  open.push(s);
  return s;
}

/** The files of a store as a crash at this instant leaves them (its memory is lost). */
function crashCopy(from: string): string {
  const to = join(freshDir(), 'series.db');
  for (const suffix of ['', '-wal'])
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  return to;
}

const points = (from: number, n: number, thingId = 'ns:a'): SeriesPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    thingId,
    pointer: 'features/p/properties/v',
    t: from + i * 7_000,
    value: (i * 37) % 101,
  }));

async function minuteAndHour(s: SqliteSeriesStore, thingId = 'ns:a') {
  const query = { thingId, pointer: 'features/p/properties/v', from: 0, to: 10 * 3_600_000 };
  const aggregations = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;
  const answer = async (step: number, tiers: boolean) => {
    const b = await s.buckets({ ...query, step, aggregations, tiers });
    return { t: b.t, values: b.values };
  };
  return {
    minute: await answer(60_000, true),
    minuteRaw: await answer(60_000, false),
    hour: await answer(3_600_000, true),
    hourRaw: await answer(3_600_000, false),
  };
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite series store - deferred tiers', () => {
  it('a crash before the tiers were written: opening rebuilds them from the raw rows', async () => {
    const path = join(freshDir(), 'series.db');
    const a = store(path);
    await a.append(points(0, 3000), 10);
    const survivor = store(crashCopy(path));
    const answers = await minuteAndHour(survivor);
    expect(answers.minute.t.length).toBeGreaterThan(300);
    expect(answers.minute).toEqual(answers.minuteRaw);
    expect(answers.hour).toEqual(answers.hourRaw);
    expect(await survivor.position()).toBe(10);
    expect((await survivor.describe('ns:a', 'features/p/properties/v'))?.points).toBe(3000);
  });

  it('written tiers are not counted again: only what came after the mark is rebuilt', async () => {
    const path = join(freshDir(), 'series.db');
    const a = store(path);
    await a.append(points(0, 1000));
    // A read writes what is pending; the next points (in the same buckets, and later) wait.
    await a.describe('ns:a', 'features/p/properties/v');
    await a.append(points(3_500_000, 1000));
    await a.append(points(10_000, 5));
    const survivor = store(crashCopy(path));
    const answers = await minuteAndHour(survivor);
    expect(answers.minute).toEqual(answers.minuteRaw);
    expect(answers.hour).toEqual(answers.hourRaw);
    expect((await survivor.describe('ns:a', 'features/p/properties/v'))?.points).toBe(2005);
    // And the store that did not crash answers the same.
    expect(await minuteAndHour(a)).toEqual(answers);
  });

  it('raw rows after a prune that emptied the table are rebuilt after a crash (ids never reused)', async () => {
    const path = join(freshDir(), 'series.db');
    const a = store(path);
    await a.append(points(0, 100));
    await a.putRetention('ns', { raw: 1, tiers: { '1m': 1, '1h': 1 } });
    expect(await a.prune(100 * 86_400_000)).toBeGreaterThan(0);
    await a.deleteRetention('ns');
    // New points, far from the pruned ones, wait in memory when the crash comes.
    await a.append(points(5 * 3_600_000, 40));
    const survivor = store(crashCopy(path));
    const answers = await minuteAndHour(survivor);
    expect(answers.minute.values.count?.reduce((x, y) => (x as number) + (y as number), 0)).toBe(
      40,
    );
    expect(answers.minute).toEqual(answers.minuteRaw);
    expect(answers.hour).toEqual(answers.hourRaw);
  });

  it('a refused append leaves the pending aggregates as they were', async () => {
    const path = join(freshDir(), 'series.db');
    const a = store(path);
    await a.append(points(0, 50));
    await expect(
      a.append([
        ...points(400_000, 10),
        { thingId: 'ns:a', pointer: 'features/p/properties/v', t: 1, value: 'x' },
      ]),
    ).rejects.toThrow(/holds number values/);
    const answers = await minuteAndHour(a);
    expect(answers.minute).toEqual(answers.minuteRaw);
    expect(answers.minute.values.count?.reduce((x, y) => (x as number) + (y as number), 0)).toBe(
      50,
    );
  });
});
