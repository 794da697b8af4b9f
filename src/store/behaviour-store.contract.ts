// The contract every BehaviourStore adapter passes: run it for each backend (see behaviour-store.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { TwinfoldError } from '../core/errors.js';
import type {
  AlertQuery,
  AlertRecord,
  BehaviourStore,
  JobRow,
  PendingAssessment,
  TwinPendingAssessments,
  TypeRecord,
} from './behaviour-store.js';
import type { Storage } from './storage.js';
import { StorageError } from './storage-errors.js';
import type { StorageFixture } from './test-backends.js';

function type(id: string, document: object = { schema: {} }, created = 1000): TypeRecord {
  return { id, namespace: id.split(':')[0], document: JSON.stringify(document), created };
}

function alert(
  thingId: string,
  assessment: string,
  raisedRevision: number,
  extra: Partial<AlertRecord> = {},
): AlertRecord {
  return {
    id: `${thingId}:${assessment}:${raisedRevision}`,
    thingId,
    namespace: thingId.split(':')[0],
    type: 'dc:rack:1.0.0',
    assessment,
    severity: 'warning',
    state: 'active',
    raisedAt: 10_000 + raisedRevision,
    raisedRevision,
    resolvedAt: null,
    resolvedRevision: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    note: null,
    ...extra,
  };
}

function pending(assessment: string, since: number, type = 'dc:rack:1'): PendingAssessment {
  return { assessment, type, since, due: since + 60_000 };
}

const all = (extra: Partial<AlertQuery> = {}): AlertQuery => ({
  namespaces: null,
  limit: 1000,
  ...extra,
});

/** Every page of a query, following cursors; `between` runs after each page but the last. */
async function pages(
  store: BehaviourStore,
  query: AlertQuery,
  between: (page: number) => Promise<void> = async () => undefined,
): Promise<{ ids: string[]; count: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await store.listAlerts({ ...query, cursor });
    count++;
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((a) => a.id));
    cursor = page.cursor;
    if (cursor !== undefined) await between(count);
  } while (cursor !== undefined && count < 100);
  return { ids, count };
}

/** Registers the BehaviourStore contract for one backend. */
export function behaviourStoreContract(name: string, storages: StorageFixture): void {
  describe(`BehaviourStore contract (${name})`, () => {
    let storage: Storage;
    afterEach(async () => {
      await storage?.close();
    });

    it('types - create, get, list in id order by namespace, delete, across a restart', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      expect(await store.listTypes()).toEqual([]);
      const rack = type('dc:rack:1.0.0', {
        schema: { attributes: { type: 'object' } },
        n: '\u{1F600}',
      });
      const rack2 = type('dc:rack:2.0.0', { schema: {} }, 2000);
      const pump = type('plant:pump:1', { derived: {} }, 3000);
      expect(await store.createType(rack2)).toBe(true);
      expect(await store.createType(pump)).toBe(true);
      expect(await store.createType(rack)).toBe(true);
      expect(await store.listTypes()).toEqual([rack, rack2, pump]);
      expect(await store.listTypes(null)).toEqual([rack, rack2, pump]);
      expect(await store.listTypes(['dc'])).toEqual([rack, rack2]);
      expect(await store.listTypes(['plant', 'none'])).toEqual([pump]);
      expect(await store.listTypes([])).toEqual([]);
      storage = await storages.reopen(storage);
      expect(await storage.behaviour.getType(rack.id)).toEqual(rack);
      expect(JSON.parse((await storage.behaviour.getType(rack.id))!.document)).toEqual({
        schema: { attributes: { type: 'object' } },
        n: '\u{1F600}',
      });
      expect(await storage.behaviour.getType('dc:rack:9')).toBeNull();
      expect(await storage.behaviour.deleteType(rack.id)).toBe(true);
      expect(await storage.behaviour.deleteType(rack.id)).toBe(false);
      expect(await storage.behaviour.getType(rack.id)).toBeNull();
      expect((await storage.behaviour.listTypes()).map((t) => t.id)).toEqual([rack2.id, pump.id]);
    });

    it('types - createType of an existing id is false and keeps the first content', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      const first = type('dc:rack:1.0.0', { schema: { first: true } }, 1000);
      expect(await store.createType(first)).toBe(true);
      expect(await store.createType({ ...first, document: '{"second":true}', created: 5 })).toBe(
        false,
      );
      expect(await store.getType(first.id)).toEqual(first);
      expect(await store.listTypes()).toEqual([first]);
    });

    it('alerts - applyAlerts upserts by id and moves the position; both survive a restart', async () => {
      storage = await storages.open();
      expect(await storage.behaviour.alertPosition()).toBe(0);
      const a = alert('dc:rack-1', 'overload', 3, { note: 'quote \' " \\ \u{1F600}' });
      const b = alert('dc:rack-2', 'overload', 5);
      await storage.behaviour.applyAlerts([a, b], 17);
      expect(await storage.behaviour.alertPosition()).toBe(17);
      const resolved: AlertRecord = {
        ...a,
        state: 'resolved',
        resolvedAt: 20_000,
        resolvedRevision: 9,
      };
      const acknowledged: AlertRecord = {
        ...b,
        state: 'acknowledged',
        acknowledgedAt: 15_000,
        acknowledgedBy: 'user:alice',
        note: 'on it',
      };
      // The same id twice in one batch: the last one given wins.
      await storage.behaviour.applyAlerts(
        [{ ...a, severity: 'critical' }, resolved, acknowledged],
        40,
      );
      storage = await storages.reopen(storage);
      expect(await storage.behaviour.alertPosition()).toBe(40);
      expect(await storage.behaviour.getAlert(a.id)).toEqual(resolved);
      expect(await storage.behaviour.getAlert(b.id)).toEqual(acknowledged);
      expect(await storage.behaviour.getAlert('dc:rack-1:overload:4')).toBeNull();
      // An empty batch still moves the position (events without alert changes were projected).
      await storage.behaviour.applyAlerts([], 41);
      expect(await storage.behaviour.alertPosition()).toBe(41);
      expect((await storage.behaviour.listAlerts(all())).items).toEqual([acknowledged, resolved]);
    });

    it('alerts - a failed batch changes neither the alerts nor the position', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      const a = alert('dc:rack-1', 'overload', 3);
      await store.applyAlerts([a], 10);
      const changed = { ...a, state: 'resolved' as const, resolvedAt: 11_000, resolvedRevision: 4 };
      const fresh = alert('dc:rack-3', 'overload', 1);
      // Not a valid record (thingId is NOT NULL): the whole batch must be refused.
      const broken = { ...alert('dc:rack-2', 'hot', 2), thingId: null } as unknown as AlertRecord;
      await expect(store.applyAlerts([changed, fresh, broken], 20)).rejects.toBeInstanceOf(
        StorageError,
      );
      expect(await store.alertPosition()).toBe(10);
      expect(await store.getAlert(a.id)).toEqual(a);
      expect(await store.getAlert(fresh.id)).toBeNull();
      // A state outside the three is refused as well.
      const odd = { ...fresh, state: 'sleeping' } as unknown as AlertRecord;
      await expect(store.applyAlerts([fresh, odd], 30)).rejects.toBeInstanceOf(StorageError);
      expect(await store.alertPosition()).toBe(10);
      expect((await store.listAlerts(all())).items).toEqual([a]);
    });

    it('alerts - listAlerts narrows by every filter, newest raised first, ties by id', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      const a = alert('dc:rack-1', 'overload', 1, { raisedAt: 1000 });
      const b = alert('dc:rack-1', 'hot', 2, { raisedAt: 2000, severity: 'critical' });
      const c = alert('dc:rack-2', 'overload', 3, {
        raisedAt: 2000,
        type: 'dc:rack:2.0.0',
        state: 'resolved',
        resolvedAt: 2500,
        resolvedRevision: 4,
      });
      const d = alert('plant:pump-1', 'overload', 1, {
        raisedAt: 3000,
        type: 'plant:pump:1',
        state: 'acknowledged',
        acknowledgedAt: 3100,
        acknowledgedBy: 'user:bob',
      });
      const e = alert('sim1.dc:rack-1', 'overload', 7, { raisedAt: 500 });
      await store.applyAlerts([a, b, c, d, e], 5);
      const ids = async (extra: Partial<AlertQuery>) =>
        (await store.listAlerts(all(extra))).items.map((x) => x.id);
      // b and c were raised at the same instant: the larger id first.
      expect(await ids({})).toEqual([d.id, c.id, b.id, a.id, e.id]);
      expect(c.id > b.id).toBe(true);
      expect(await ids({ thingId: 'dc:rack-1' })).toEqual([b.id, a.id]);
      expect(await ids({ type: 'dc:rack:2.0.0' })).toEqual([c.id]);
      expect(await ids({ assessment: 'hot' })).toEqual([b.id]);
      expect(await ids({ severity: 'critical' })).toEqual([b.id]);
      expect(await ids({ severity: 'warning' })).toEqual([d.id, c.id, a.id, e.id]);
      expect(await ids({ state: 'active' })).toEqual([b.id, a.id, e.id]);
      expect(await ids({ state: 'resolved' })).toEqual([c.id]);
      expect(await ids({ state: 'acknowledged' })).toEqual([d.id]);
      // from is inclusive, to exclusive.
      expect(await ids({ from: 2000 })).toEqual([d.id, c.id, b.id]);
      expect(await ids({ to: 2000 })).toEqual([a.id, e.id]);
      expect(await ids({ from: 1000, to: 3000 })).toEqual([c.id, b.id, a.id]);
      expect(await ids({ from: 3001 })).toEqual([]);
      expect(await ids({ namespaces: ['dc'] })).toEqual([c.id, b.id, a.id]);
      expect(await ids({ namespaces: ['plant', 'sim1.dc'] })).toEqual([d.id, e.id]);
      expect(await ids({ namespaces: ['other'] })).toEqual([]);
      expect(await ids({ namespaces: [] })).toEqual([]);
      expect(await store.listAlerts(all({ namespaces: [] }))).toEqual({ items: [] });
      // Filters combine.
      expect(
        await ids({ namespaces: ['dc'], assessment: 'overload', state: 'active', from: 500 }),
      ).toEqual([a.id]);
      expect(await ids({ thingId: 'dc:rack-1', severity: 'warning', to: 999 })).toEqual([]);
    });

    it('alerts - pages with a cursor over many pages, without duplicates or gaps', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      // 23 alerts, many sharing a raisedAt, so pages end inside runs of ties.
      const batch = Array.from({ length: 23 }, (_, i) =>
        alert(`dc:rack-${String(i).padStart(2, '0')}`, 'overload', i + 1, {
          raisedAt: 1000 + Math.floor(i / 4) * 10,
        }),
      );
      await store.applyAlerts(batch, 23);
      const everything = (await store.listAlerts(all())).items.map((a) => a.id);
      expect(everything).toHaveLength(23);
      expect(new Set(everything).size).toBe(23);
      const paged = await pages(store, all({ limit: 5 }));
      expect(paged.count).toBe(5);
      expect(paged.ids).toEqual(everything);
      // An exact multiple of the limit: the last full page says nothing more follows.
      const exact = await store.listAlerts(all({ limit: 23 }));
      expect(exact.items).toHaveLength(23);
      expect(exact.cursor).toBeUndefined();
      // Filtered pages keep the filter.
      const filtered = await pages(store, all({ limit: 2, from: 1020, to: 1050 }));
      expect(filtered.count).toBe(6);
      expect(filtered.ids).toEqual(
        everything.filter((id) => {
          const raisedAt = batch.find((a) => a.id === id)!.raisedAt;
          return raisedAt >= 1020 && raisedAt < 1050;
        }),
      );
    });

    it('alerts - pages stay whole while alerts are upserted between them', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      const batch = Array.from({ length: 12 }, (_, i) =>
        alert(`dc:rack-${String(i).padStart(2, '0')}`, 'overload', i + 1, {
          raisedAt: 1000 + Math.floor(i / 3) * 10,
        }),
      );
      await store.applyAlerts(batch, 12);
      const before = (await store.listAlerts(all())).items.map((a) => a.id);
      let position = 12;
      const paged = await pages(store, all({ limit: 4 }), async (page) => {
        // Every alert changes state, and a newer one (before the cursor) arrives.
        const changed = batch.map((a) => ({
          ...a,
          state: 'resolved' as const,
          resolvedAt: 5000 + page,
          resolvedRevision: 100 + page,
        }));
        position += 1;
        await store.applyAlerts(
          [...changed, alert('dc:late', 'overload', 200 + page, { raisedAt: 9000 + page })],
          position,
        );
      });
      expect(paged.count).toBe(3);
      expect(paged.ids).toEqual(before);
      expect(await store.alertPosition()).toBe(14);
    });

    it('alerts - a bad cursor or limit is a clear 400, a cursor is bound to its filters', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      await store.applyAlerts(
        [1, 2, 3].map((r) => alert('dc:rack-1', 'overload', r)),
        3,
      );
      const first = await store.listAlerts(all({ limit: 1 }));
      expect(first.cursor).toBeDefined();
      const refusal = async (query: AlertQuery) => {
        const error = await store.listAlerts(query).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TwinfoldError);
        return error as TwinfoldError;
      };
      for (const cursor of [
        'not a cursor!',
        'bm9wZQ',
        Buffer.from('{"h":1}').toString('base64url'),
      ]) {
        const e = await refusal(all({ limit: 1, cursor }));
        expect(e.status).toBe(400);
        expect(e.code).toBe('alerts:query.invalid');
        expect(e.message).toContain("'cursor'");
      }
      const other = await refusal(all({ limit: 1, cursor: first.cursor, severity: 'warning' }));
      expect(other.code).toBe('alerts:query.invalid');
      for (const limit of [0, -1, 1.5]) {
        const e = await refusal(all({ limit }));
        expect(e.status).toBe(400);
        expect(e.message).toContain("'limit'");
      }
      for (const bound of ['from', 'to'] as const) {
        const e = await refusal(all({ [bound]: Number.NaN }));
        expect(e.message).toContain(`'${bound}'`);
      }
      const second = await store.listAlerts(all({ limit: 1, cursor: first.cursor }));
      expect(second.items.map((a) => a.id)).toEqual(['dc:rack-1:overload:2']);
    });

    it('pending assessments - replaced twin by twin, none removes, listed by twin and name, across a restart', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      expect(await store.listPendingAssessments()).toEqual([]);
      await store.replacePendingAssessments([
        { thingId: 'dc:rack-2', assessments: [pending('overload', 5), pending('hot', 7)] },
        { thingId: 'dc:rack-1', assessments: [pending('overload', 3, 'dc:rack:2')] },
        { thingId: 'dc:rack-3', assessments: [pending('overload', 9)] },
      ]);
      // rack-2 loses `hot` and changes `overload`; rack-3 has none left; rack-1 is not given.
      await store.replacePendingAssessments([
        { thingId: 'dc:rack-2', assessments: [pending('overload', 11)] },
        { thingId: 'dc:rack-3', assessments: [] },
        { thingId: 'dc:rack-4', assessments: [] },
      ]);
      const expected: TwinPendingAssessments[] = [
        { thingId: 'dc:rack-1', assessments: [pending('overload', 3, 'dc:rack:2')] },
        { thingId: 'dc:rack-2', assessments: [pending('overload', 11)] },
      ];
      expect(await store.listPendingAssessments()).toEqual(expected);
      // The same twin twice in one batch: the last one given wins.
      await store.replacePendingAssessments([
        { thingId: 'dc:rack-5', assessments: [pending('overload', 1)] },
        { thingId: 'dc:rack-5', assessments: [pending('hot', 2), pending('cold', 4)] },
        { thingId: 'dc:rack-1', assessments: [] },
      ]);
      await store.replacePendingAssessments([]);
      storage = await storages.reopen(storage);
      expect(await storage.behaviour.listPendingAssessments()).toEqual([
        expected[1],
        { thingId: 'dc:rack-5', assessments: [pending('cold', 4), pending('hot', 2)] },
      ]);
    });

    it('pending assessments - a failed batch changes no twin', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      const before = [{ thingId: 'dc:rack-1', assessments: [pending('overload', 3)] }];
      await store.replacePendingAssessments(before);
      // Not a valid row (since is NOT NULL): the whole batch must be refused.
      const broken = { ...pending('hot', 1), since: null } as unknown as PendingAssessment;
      await expect(
        store.replacePendingAssessments([
          { thingId: 'dc:rack-1', assessments: [] },
          { thingId: 'dc:rack-2', assessments: [pending('overload', 5)] },
          { thingId: 'dc:rack-3', assessments: [broken] },
        ]),
      ).rejects.toBeInstanceOf(StorageError);
      expect(await store.listPendingAssessments()).toEqual(before);
    });

    it('forks - put replaces by namespace, list in namespace order, delete says whether it did', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      expect(await store.listForks()).toEqual([]);
      await store.putFork({ namespace: 'whatif.b', record: '{"n":1}' });
      await store.putFork({ namespace: 'whatif.a', record: '{"n":2}' });
      await store.putFork({ namespace: 'whatif.b', record: '{"n":3}' });
      expect(await store.listForks()).toEqual([
        { namespace: 'whatif.a', record: '{"n":2}' },
        { namespace: 'whatif.b', record: '{"n":3}' },
      ]);
      expect(await store.deleteFork('whatif.a')).toBe(true);
      expect(await store.deleteFork('whatif.a')).toBe(false);
      expect(await store.listForks()).toEqual([{ namespace: 'whatif.b', record: '{"n":3}' }]);
    });

    it('jobs - put replaces by kind and id keeping its place, get gives the detail, list leaves it out', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      expect(await store.listJobs('replay')).toEqual([]);
      expect(await store.getJob('replay', 'r1')).toBeNull();
      const job = (id: string, created: number, extra: Partial<JobRow> = {}): JobRow => ({
        kind: 'replay',
        id,
        owner: 'alice',
        created,
        record: JSON.stringify({ id, state: 'running' }),
        detail: null,
        ...extra,
      });
      await store.putJob(job('r1', 1000));
      await store.putJob(job('r2', 2000, { owner: 'bob' }));
      // Created in the same millisecond as r2, stored after it: newer.
      await store.putJob(job('r3', 2000));
      // The same id in another kind is another job.
      await store.putJob(job('r1', 500, { kind: 'migration', record: '{"m":1}' }));
      const summary = ({ detail: _detail, ...rest }: JobRow) => rest;
      expect(await store.listJobs('replay')).toEqual([
        summary(job('r3', 2000)),
        summary(job('r2', 2000, { owner: 'bob' })),
        summary(job('r1', 1000)),
      ]);
      // Replaced (state and detail): it keeps its place among jobs created in the same ms.
      const done = job('r2', 2000, {
        owner: 'bob',
        record: '{"state":"succeeded","n":"\u{1F600}"}',
        detail: JSON.stringify({ results: [1, 2, 3] }),
      });
      await store.putJob(done);
      expect((await store.listJobs('replay')).map((j) => j.id)).toEqual(['r3', 'r2', 'r1']);
      expect(await store.getJob('replay', 'r2')).toEqual(done);
      expect(await store.getJob('migration', 'r1')).toEqual(
        job('r1', 500, { kind: 'migration', record: '{"m":1}' }),
      );
      expect(await store.getJob('migration', 'r2')).toBeNull();
      storage = await storages.reopen(storage);
      expect(await storage.behaviour.getJob('replay', 'r2')).toEqual(done);
      expect((await storage.behaviour.listJobs('replay')).map((j) => j.id)).toEqual([
        'r3',
        'r2',
        'r1',
      ]);
    });

    it('jobs - trim keeps the newest of one kind only and counts what it deleted', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      const put = (kind: string, id: string, created: number) =>
        store.putJob({ kind, id, owner: 'a', created, record: '{}', detail: '[]' });
      // Stored out of creation order: trimming goes by creation time, then storing order.
      for (const [id, created] of [
        ['m4', 4000],
        ['m1', 1000],
        ['m3', 3000],
        ['m2', 3000],
        ['m5', 5000],
      ] as const)
        await put('migration', id, created);
      await put('replay', 'r1', 1);
      expect(await store.trimJobs('migration', 3)).toBe(2);
      expect((await store.listJobs('migration')).map((j) => j.id)).toEqual(['m5', 'm4', 'm2']);
      expect(await store.trimJobs('migration', 3)).toBe(0);
      expect((await store.listJobs('replay')).map((j) => j.id)).toEqual(['r1']);
      expect(await store.getJob('migration', 'm3')).toBeNull();
      expect(await store.trimJobs('migration', 0)).toBe(3);
      expect(await store.listJobs('migration')).toEqual([]);
      expect((await store.listJobs('replay')).map((j) => j.id)).toEqual(['r1']);
    });

    it('alerts - deleteAlertsOfNamespace removes only that namespace and counts them', async () => {
      storage = await storages.open();
      const store = storage.behaviour;
      await store.applyAlerts(
        [
          alert('sim1.dc:rack-1', 'overload', 1),
          alert('sim1.dc:rack-2', 'overload', 2),
          alert('dc:rack-1', 'overload', 3),
          alert('sim1.dcx:rack-1', 'overload', 4),
        ],
        4,
      );
      expect(await store.deleteAlertsOfNamespace('sim1.dc')).toBe(2);
      expect(await store.deleteAlertsOfNamespace('sim1.dc')).toBe(0);
      expect((await store.listAlerts(all())).items.map((a) => a.id)).toEqual([
        'sim1.dcx:rack-1:overload:4',
        'dc:rack-1:overload:3',
      ]);
      expect(await store.alertPosition()).toBe(4);
    });
  });
}
