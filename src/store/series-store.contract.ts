// The contract every SeriesStore adapter passes: run it for each backend (see series-store.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import {
  AGGREGATIONS,
  SeriesKindError,
  type Aggregation,
  type BucketQuery,
  type Buckets,
  type Retention,
  type SeriesPoint,
  type SeriesStore,
  type SeriesValue,
} from './series-store.js';
import type { Storage } from './storage.js';
import type { StorageFixture } from './test-backends.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const point = (
  t: number,
  value: SeriesValue,
  thingId = 'fleet:t1',
  pointer = 'p/v',
): SeriesPoint => ({
  thingId,
  pointer,
  t,
  value,
});

/** The buckets of `points` as the port defines them, computed here by brute force. */
function reference(points: readonly SeriesPoint[], q: BucketQuery): Omit<Buckets, 'source'> {
  const inRange = points.filter(
    (p) => p.thingId === q.thingId && p.pointer === q.pointer && p.t >= q.from && p.t < q.to,
  );
  const groups = new Map<number, SeriesPoint[]>();
  for (const p of inRange) {
    const b = p.t - (((p.t % q.step) + q.step) % q.step);
    groups.set(b, [...(groups.get(b) ?? []), p]);
  }
  const starts = [...groups.keys()].sort((a, b) => a - b);
  const values: Buckets['values'] = {};
  for (const a of q.aggregations) {
    values[a] = starts.map((b) => {
      const ps = groups.get(b) as SeriesPoint[];
      const kind = typeof ps[0].value;
      const nums = ps.map((p) => (typeof p.value === 'boolean' ? (p.value ? 1 : 0) : p.value));
      const byTime = [...ps.keys()].sort((i, j) => ps[i].t - ps[j].t || i - j);
      const back = (v: number) => (kind === 'boolean' ? v === 1 : v);
      const sum = () => (nums as number[]).reduce((x, y) => x + y, 0);
      switch (a) {
        case 'count':
          return ps.length;
        case 'first':
          return ps[byTime[0]].value;
        case 'last':
          return ps[byTime[byTime.length - 1]].value;
        default:
          if (kind === 'string') return null;
          if (a === 'sum') return sum();
          if (a === 'avg') return sum() / ps.length;
          return back(
            a === 'min' ? Math.min(...(nums as number[])) : Math.max(...(nums as number[])),
          );
      }
    });
  }
  return { t: starts, values };
}

const ALL: Aggregation[] = [...AGGREGATIONS];

/** Registers the SeriesStore contract for one backend. */
export function seriesStoreContract(name: string, storages: StorageFixture): void {
  describe(`SeriesStore contract (${name})`, () => {
    let storage: Storage;
    let store: SeriesStore;
    const open = async () => {
      storage = await storages.open();
      store = storage.series;
    };
    const reopen = async () => {
      storage = await storages.reopen(storage);
      store = storage.series;
    };
    afterEach(async () => {
      await storage?.close();
    });
    const q = (
      from: number,
      to: number,
      step: number,
      extra: Partial<BucketQuery> = {},
    ): BucketQuery => ({
      thingId: 'fleet:t1',
      pointer: 'p/v',
      from,
      to,
      step,
      aggregations: ALL,
      ...extra,
    });

    it('latest times - the newest point of each series of the twins asked, late points not counted as newest', async () => {
      await open();
      await store.append([
        point(50, 1),
        point(70, 2),
        point(60, 3),
        point(40, 'x', 'fleet:t1', 'p/s'),
      ]);
      await store.append([point(10, 1, 'fleet:t2'), point(5, 1, 'fleet:t2')]);
      const times = await store.latestTimes(['fleet:t1', 'fleet:t2', 'fleet:none', 'fleet:t1']);
      expect(times).toEqual(
        new Map([
          [
            'fleet:t1',
            new Map([
              ['p/s', 40],
              ['p/v', 70],
            ]),
          ],
          ['fleet:t2', new Map([['p/v', 10]])],
        ]),
      );
      expect(await store.latestTimes([])).toEqual(new Map());
    });

    it('buckets - known answers for every aggregation, aligned to UTC multiples of step (negative and zero t too)', async () => {
      await open();
      // Appended out of time order; two points share t = 15 (the later-appended is `last`).
      await store.append([
        point(12, 4),
        point(-7, 3),
        point(0, 10),
        point(15, 1),
        point(-10, -2),
        point(15, 7),
        point(19, 2),
        point(25, 5.5),
      ]);
      const b = await store.buckets(q(-100, 100, 10));
      expect(b.source).toBe('raw');
      expect(b.t).toEqual([-10, 0, 10, 20]);
      expect(b.values).toEqual({
        count: [2, 1, 4, 1],
        sum: [1, 10, 14, 5.5],
        avg: [0.5, 10, 3.5, 5.5],
        min: [-2, 10, 1, 5.5],
        max: [3, 10, 7, 5.5],
        first: [-2, 10, 4, 5.5],
        last: [3, 10, 2, 5.5],
      });
      // Only what is asked comes back; a range cuts buckets at its ends; one point makes a bucket.
      const cut = await store.buckets(q(13, 20, 10, { aggregations: ['first', 'count'] }));
      expect(cut).toEqual({ t: [10], values: { first: [1], count: [3] }, source: 'raw' });
      const one = await store.buckets(q(25, 26, 1000, { aggregations: ['avg', 'first', 'last'] }));
      expect(one).toEqual({
        t: [0],
        values: { avg: [5.5], first: [5.5], last: [5.5] },
        source: 'raw',
      });
      expect(await store.buckets(q(100, 200, 10))).toEqual({
        t: [],
        values: { avg: [], min: [], max: [], sum: [], count: [], first: [], last: [] },
        source: 'raw',
      });
      await expect(store.buckets(q(0, 10, 0))).rejects.toThrow(RangeError);
      await expect(store.buckets(q(0, 10, 1.5))).rejects.toThrow(RangeError);
      expect((await store.buckets({ ...q(0, 10, 10), pointer: 'nope' })).t).toEqual([]);
    });

    it('buckets - booleans: avg is the fraction true, sum the count of true, min/max/first/last booleans', async () => {
      await open();
      await store.append(
        [point(1, true), point(2, false), point(3, true), point(4, true), point(11, true)],
        5,
      );
      const b = await store.buckets(q(0, 20, 10));
      expect(b.values).toEqual({
        count: [4, 1],
        sum: [3, 1],
        avg: [0.75, 1],
        min: [false, true],
        max: [true, true],
        first: [true, true],
        last: [true, true],
      });
      expect(
        await store.raw({ thingId: 'fleet:t1', pointer: 'p/v', from: 0, to: 3, limit: 10 }),
      ).toEqual({
        t: [1, 2],
        v: [true, false],
      });
      // From a tier alike.
      const tier = await store.buckets(q(0, HOUR, MIN));
      expect(tier.source).toBe('1m');
      expect(tier.values.min).toEqual([false]);
      expect(tier.values.last).toEqual([true]);
      expect(tier.values.avg).toEqual([0.8]);
    });

    it('buckets - strings: count, first and last by time; the others null, from raw and from tiers', async () => {
      await open();
      await store.append([point(5, 'b'), point(1, '12'), point(9, 'c'), point(MIN + 1, '')]);
      const expected = {
        count: [3, 1],
        sum: [null, null],
        avg: [null, null],
        min: [null, null],
        max: [null, null],
        first: ['12', ''],
        last: ['c', ''],
      };
      expect((await store.buckets(q(0, 2 * MIN, MIN, { tiers: false }))).values).toEqual(expected);
      const tier = await store.buckets(q(0, 2 * MIN, MIN));
      expect(tier.source).toBe('1m');
      expect(tier.values).toEqual(expected);
      expect((await store.buckets(q(0, HOUR, 5 * MIN))).values.last).toEqual(['']);
      expect((await store.describe('fleet:t1', 'p/v'))?.kind).toBe('string');
    });

    it('tiers - 30 s from raw, 5 min from the 1 min tier, 2 h from the 1 h tier, identical to the raw answer', async () => {
      await open();
      // Irregular points over ~7 h, starting before 0, with ties; values exact in doubles.
      const points: SeriesPoint[] = [];
      let t = -40 * MIN - 1234;
      for (let i = 0; i < 3000; i++) {
        t += ((i * 7919) % 13_000) + (i % 17 === 0 ? 0 : 1);
        points.push(point(t, ((i * 37) % 101) - 50 + (i % 4) * 0.25));
      }
      for (let i = 0; i < points.length; i += 500) await store.append(points.slice(i, i + 500));
      const from = -30 * MIN - 17;
      const to = t - 5 * MIN + 3;
      for (const [step, source] of [
        [30_000, 'raw'],
        [90_000, 'raw'],
        [MIN, '1m'],
        [5 * MIN, '1m'],
        [HOUR, '1h'],
        [2 * HOUR, '1h'],
      ] as const) {
        const fromStore = await store.buckets(q(from, to, step));
        const fromRaw = await store.buckets(q(from, to, step, { tiers: false }));
        expect(fromStore.source, `step ${step}`).toBe(source);
        expect(fromRaw.source).toBe('raw');
        expect(fromStore.t.length).toBeGreaterThan(1);
        expect({ t: fromStore.t, values: fromStore.values }, `step ${step}`).toEqual({
          t: fromRaw.t,
          values: fromRaw.values,
        });
        expect({ t: fromStore.t, values: fromStore.values }, `step ${step}`).toEqual(
          reference(points, q(from, to, step)),
        );
        // Aligned ends: every bucket from the tier.
        const aligned = q(-HOUR, 8 * HOUR, step);
        expect({ ...(await store.buckets(aligned)), source: 'x' }).toEqual({
          ...reference(points, aligned),
          source: 'x',
        });
      }
    });

    it('tiers - late points landing in aggregated buckets update count, sum, min, max, first and last', async () => {
      await open();
      const base = 10 * HOUR;
      const early = [point(base + 20_000, 5), point(base + 30_000, 6), point(base + 40_000, 7)];
      await store.append(early);
      const late = [
        point(base + 10_000, 1), // new first of the minute and of the hour
        point(base + 50_000, 9), // new last
        point(base + 30_000, 100), // a tie with a kept point: last among equals is not first
        point(base + 25_000, -3), // new min, in the middle
        point(base - 1, 42), // the hour before
      ];
      await store.append(late.slice(0, 2));
      await store.append(late.slice(2));
      const all = [...early, ...late];
      for (const step of [MIN, 5 * MIN, HOUR, 2 * HOUR]) {
        const b = await store.buckets(q(base - 2 * HOUR, base + 2 * HOUR, step));
        expect(b.source).not.toBe('raw');
        expect({ t: b.t, values: b.values }, `step ${step}`).toEqual(
          reference(all, q(base - 2 * HOUR, base + 2 * HOUR, step)),
        );
      }
      const minute = await store.buckets(q(base, base + MIN, MIN));
      expect(minute.values).toEqual({
        count: [7],
        sum: [125],
        avg: [125 / 7],
        min: [-3],
        max: [100],
        first: [1],
        last: [9],
      });
      // A late last at the very time of the kept last replaces it (appended after it).
      await store.append([point(base + 50_000, 8)]);
      expect((await store.buckets(q(base, base + HOUR, HOUR))).values.last).toEqual([8]);
      expect(
        (await store.buckets(q(base, base + HOUR, HOUR, { tiers: false }))).values.last,
      ).toEqual([8]);
    });

    it('position - moves with append, never back, survives a restart', async () => {
      await open();
      expect(await store.position()).toBe(0);
      await store.append([point(1, 1)], 10);
      expect(await store.position()).toBe(10);
      await store.append([point(2, 1)], 4);
      expect(await store.position()).toBe(10);
      await store.append([], 12);
      expect(await store.position()).toBe(12);
      await store.append([point(3, 1)]);
      expect(await store.position()).toBe(12);
      await reopen();
      expect(await store.position()).toBe(12);
      expect(await store.countRaw('fleet:t1', 'p/v', 0, 10)).toBe(3);
    });

    it('append - a kind mismatch rejects with SeriesKindError and keeps nothing of that append', async () => {
      await open();
      await store.append([point(1, 1)], 3);
      // Against the stored kind, with points of other series (one new) and a position in the batch.
      const mixed = [
        point(2, 2, 'fleet:t2', 'x'),
        point(3, 3),
        point(4, 'four'),
        point(5, 5, 'fleet:t3'),
      ];
      const error = await store.append(mixed, 9).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SeriesKindError);
      expect(error).toMatchObject({
        thingId: 'fleet:t1',
        pointer: 'p/v',
        expected: 'number',
        actual: 'string',
      });
      // Within one batch: a new series whose points disagree.
      await expect(
        store.append([point(6, true, 'fleet:t4'), point(7, 1, 'fleet:t4'), point(8, 8)], 11),
      ).rejects.toThrow(SeriesKindError);
      expect(await store.position()).toBe(3);
      expect(await store.countRaw('fleet:t1', 'p/v', 0, 100)).toBe(1);
      for (const thing of ['fleet:t2', 'fleet:t3', 'fleet:t4'])
        expect(await store.listSeries(thing)).toEqual([]);
      expect((await store.buckets(q(0, HOUR, MIN))).values.count).toEqual([1]);
      // The refused series can then be created with one kind; the store still works.
      await store.append([point(6, true, 'fleet:t4'), point(9, 9)], 12);
      expect((await store.describe('fleet:t4', 'p/v'))?.kind).toBe('boolean');
      expect(await store.countRaw('fleet:t1', 'p/v', 0, 100)).toBe(2);
      await expect(store.append([point(1.5, 1)])).rejects.toThrow(RangeError);
    });

    it('describe, listSeries, raw with limit and countRaw, across a restart', async () => {
      await open();
      expect(await store.describe('fleet:t1', 'p/v')).toBeNull();
      await store.append([
        point(30, 3),
        point(10, 1),
        point(20, 2),
        point(20, 22),
        point(5, 'on', 'fleet:t1', 'a/s'),
      ]);
      await store.append([point(40, 4), point(1, 0, 'fleet:other', 'p/v')]);
      await reopen();
      expect(await store.describe('fleet:t1', 'p/v')).toEqual({
        thingId: 'fleet:t1',
        pointer: 'p/v',
        kind: 'number',
        points: 5,
        first: 10,
        last: 40,
      });
      expect(await store.listSeries('fleet:t1')).toEqual([
        { thingId: 'fleet:t1', pointer: 'a/s', kind: 'string', points: 1, first: 5, last: 5 },
        { thingId: 'fleet:t1', pointer: 'p/v', kind: 'number', points: 5, first: 10, last: 40 },
      ]);
      expect(await store.listSeries('fleet:none')).toEqual([]);
      const raw = (from: number, to: number, limit: number) =>
        store.raw({ thingId: 'fleet:t1', pointer: 'p/v', from, to, limit });
      expect(await raw(0, 100, 100)).toEqual({ t: [10, 20, 20, 30, 40], v: [1, 2, 22, 3, 4] });
      expect(await raw(0, 100, 3)).toEqual({ t: [10, 20, 20], v: [1, 2, 22] });
      expect(await raw(20, 40, 100)).toEqual({ t: [20, 20, 30], v: [2, 22, 3] });
      expect(
        await store.raw({ thingId: 'fleet:t1', pointer: 'a/s', from: 0, to: 10, limit: 5 }),
      ).toEqual({
        t: [5],
        v: ['on'],
      });
      expect(await raw(0, 100, 0)).toEqual({ t: [], v: [] });
      expect(await store.countRaw('fleet:t1', 'p/v', 20, 40)).toBe(3);
      expect(await store.countRaw('fleet:t1', 'p/v', 41, 400)).toBe(0);
      expect(await store.countRaw('fleet:t1', 'nope', 0, 400)).toBe(0);
    });

    it('retention - put, get, delete; prune removes old raw points and ended tier buckets of its namespace only', async () => {
      await open();
      const retention: Retention = { raw: 2 * HOUR, tiers: { '1m': 5 * HOUR, '1h': null } };
      expect(await store.getRetention('fleet')).toBeNull();
      await store.putRetention('fleet', retention);
      await store.putRetention('gone', { raw: 1, tiers: { '1m': 1, '1h': 1 } });
      expect(await store.deleteRetention('gone')).toBe(true);
      expect(await store.deleteRetention('gone')).toBe(false);
      await reopen();
      expect(await store.getRetention('fleet')).toEqual(retention);
      expect(await store.getRetention('gone')).toBeNull();
      const now = 10 * HOUR + 30 * MIN;
      // One point every 10 min over 10 h, in `fleet` and in `other` (whose namespace has no retention).
      const points: SeriesPoint[] = [];
      for (let t = 0; t < 10 * HOUR; t += 10 * MIN)
        points.push(point(t, t / MIN), point(t, 1, 'other:t1'), point(t, 1, 'fleetx:t1'));
      await store.append(points);
      const removed = await store.prune(now);
      // Raw older than 8:30 (51 of 60 points); 1 min buckets ended before 5:30 (33 of 60 points).
      expect(removed).toBe(51 + 33);
      const raw = await store.raw({
        thingId: 'fleet:t1',
        pointer: 'p/v',
        from: 0,
        to: now,
        limit: 100,
      });
      expect(raw.t[0]).toBe(8 * HOUR + 30 * MIN);
      expect(raw.t).toHaveLength(9);
      expect(await store.describe('fleet:t1', 'p/v')).toMatchObject({
        points: 9,
        first: 0,
        last: 9 * HOUR + 50 * MIN,
      });
      for (const other of ['other:t1', 'fleetx:t1'])
        expect(await store.countRaw(other, 'p/v', 0, now)).toBe(60);
      // The 1 min tier keeps what ended at or after 5:30; the 1 h tier keeps everything.
      const minutes = await store.buckets(q(0, now, 10 * MIN, { aggregations: ['first'] }));
      expect(minutes.source).toBe('1m');
      expect(minutes.t[0]).toBe(5 * HOUR + 30 * MIN);
      expect(minutes.t).toHaveLength(27);
      const hours = await store.buckets(
        q(0, 10 * HOUR, HOUR, { aggregations: ['count', 'first'] }),
      );
      expect(hours.source).toBe('1h');
      expect(hours.values.count).toEqual(Array(10).fill(6));
      expect(hours.values.first).toEqual(Array.from({ length: 10 }, (_, i) => i * 60));
      // Pruning again removes nothing more; a restart keeps what is left.
      expect(await store.prune(now)).toBe(0);
      await reopen();
      expect(await store.countRaw('fleet:t1', 'p/v', 0, now)).toBe(9);
      // All of it pruned: the series is gone.
      await store.putRetention('fleet', { raw: 0, tiers: { '1m': 0, '1h': 0 } });
      expect(await store.prune(100 * HOUR)).toBe(9 + 27 + 10);
      expect(await store.describe('fleet:t1', 'p/v')).toBeNull();
      expect(await store.countRaw('other:t1', 'p/v', 0, now)).toBe(60);
    });

    it('buckets - a day from the 1 h tier; retention of a thing id without a colon is its own namespace', async () => {
      await open();
      const points: SeriesPoint[] = [];
      for (let t = -DAY; t < 2 * DAY; t += 7 * MIN)
        points.push(point(t, ((t / MIN) % 5) + 1, 'solo'));
      await store.append(points);
      const day = { ...q(-DAY, 2 * DAY, DAY), thingId: 'solo' };
      const fromTier = await store.buckets(day);
      expect(fromTier.source).toBe('1h');
      expect(fromTier.t).toEqual([-DAY, 0, DAY]);
      expect({ t: fromTier.t, values: fromTier.values }).toEqual(reference(points, day));
      await store.putRetention('solo', { raw: DAY, tiers: { '1m': null, '1h': null } });
      expect(await store.prune(2 * DAY)).toBe(points.filter((p) => p.t < DAY).length);
      expect((await store.describe('solo', 'p/v'))?.points).toBe(
        points.filter((p) => p.t >= DAY).length,
      );
    });

    it('retention - a tier pruned further back than raw points does not answer before its cut', async () => {
      await open();
      await store.putRetention('fleet', { raw: null, tiers: { '1m': null, '1h': 3 * HOUR } });
      const points: SeriesPoint[] = [];
      for (let t = 0; t < 10 * HOUR; t += 10 * MIN) points.push(point(t, 1));
      await store.append(points);
      await store.prune(10 * HOUR);
      // Before the 1 h tier's cut (7:00) the 1 min tier answers, with every point.
      const early = await store.buckets(q(0, 10 * HOUR, HOUR, { aggregations: ['count'] }));
      expect(early.source).toBe('1m');
      expect(early.values.count).toEqual(Array(10).fill(6));
      // From the cut on, the 1 h tier can.
      const late = await store.buckets(q(7 * HOUR, 10 * HOUR, HOUR, { aggregations: ['count'] }));
      expect(late).toEqual({
        t: [7 * HOUR, 8 * HOUR, 9 * HOUR],
        values: { count: [6, 6, 6] },
        source: '1h',
      });
      await store.putRetention('fleet', { raw: null, tiers: { '1m': 5 * HOUR, '1h': 3 * HOUR } });
      await store.prune(10 * HOUR);
      const fromRaw = await store.buckets(q(0, 10 * HOUR, 2 * HOUR, { aggregations: ['count'] }));
      expect(fromRaw).toEqual({
        t: [0, 2, 4, 6, 8].map((h) => h * HOUR),
        values: { count: [12, 12, 12, 12, 12] },
        source: 'raw',
      });
    });
  });
}
