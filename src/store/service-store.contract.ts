// The contract every ServiceStore adapter passes: run it for each backend (see service-store.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { runId, type RunRecord, type ServiceRecord } from './service-store.js';
import type { Storage } from './storage.js';
import type { StorageFixture } from './test-backends.js';

let serial = 0;

function service(extra: Partial<ServiceRecord> = {}): ServiceRecord {
  serial++;
  return {
    id: `svc-${String(serial).padStart(4, '0')}`,
    revision: 1,
    created: 1000,
    modified: 1000,
    owner: { id: 'user:alice', subjects: ['user:alice'], admin: false, namespaces: ['fleet'] },
    config: JSON.stringify({ kind: 'http', url: 'http://127.0.0.1:9/x', note: 's \u{1F600}' }),
    nextDue: 300_000,
    ...extra,
  };
}

function run(serviceId: string, id: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    serviceId,
    runId: id,
    status: 'succeeded',
    trigger: 'schedule',
    scheduledFor: 300_000,
    started: 300_001,
    finished: 300_050,
    attempt: 1,
    output: { status: 200, body: { ok: true } },
    error: null,
    ...extra,
  };
}

/** Registers the ServiceStore contract for one backend. */
export function serviceStoreContract(name: string, storages: StorageFixture): void {
  describe(`ServiceStore contract (${name})`, () => {
    let storage: Storage;
    afterEach(async () => {
      await storage?.close();
    });

    it('services - put creates then replaces, get, list in id order, due, delete, across a restart', async () => {
      storage = await storages.open();
      const store = storage.services;
      expect(await store.listServices()).toEqual([]);
      const a = service();
      const b = service({ nextDue: null });
      expect(await store.putService(b)).toBe(true);
      expect(await store.putService(a)).toBe(true);
      expect((await store.listServices()).map((s) => s.id)).toEqual([a.id, b.id]);
      const replaced = { ...a, revision: 2, config: '{"kind":"pull"}', nextDue: 600_000 };
      expect(await store.putService(replaced)).toBe(false);
      storage = await storages.reopen(storage);
      expect(await storage.services.getService(a.id)).toEqual(replaced);
      expect(await storage.services.getService('svc-missing')).toBeNull();
      expect((await storage.services.dueServices(599_999)).map((s) => s.id)).toEqual([]);
      expect((await storage.services.dueServices(600_000)).map((s) => s.id)).toEqual([a.id]);
      expect(await storage.services.deleteService(a.id)).toBe(true);
      expect(await storage.services.deleteService(a.id)).toBe(false);
      expect((await storage.services.listServices()).map((s) => s.id)).toEqual([b.id]);
    });

    it('claim - takes an instant once, moves the schedule on, and respects an unexpired lease', async () => {
      storage = await storages.open();
      const store = storage.services;
      const s = service({ nextDue: 300_000 });
      await store.putService(s);
      expect(await store.claim(s.id, 'A', 300_000, 600_000, 300_010, 1000)).toBe(true);
      // The instant is gone (next_due moved) for every other claimer, even after the lease ends.
      expect(await store.claim(s.id, 'B', 300_000, 600_000, 300_020, 1000)).toBe(false);
      expect(await store.claim(s.id, 'B', 300_000, 600_000, 999_999, 1000)).toBe(false);
      expect((await store.getService(s.id))?.nextDue).toBe(600_000);
      // The next instant while A's lease (until 301_010) is held: refused; after it: taken.
      expect(await store.claim(s.id, 'B', 600_000, 900_000, 301_000, 1000)).toBe(false);
      expect(await store.lease(s.id, 'B', 301_000, 1000)).toBe(false);
      expect(await store.renew(s.id, 'A', 700_000)).toBe(true);
      expect(await store.claim(s.id, 'B', 600_000, 900_000, 650_000, 1000)).toBe(false);
      await store.release(s.id, 'B'); // not B's: nothing happens
      expect(await store.claim(s.id, 'B', 600_000, 900_000, 650_000, 1000)).toBe(false);
      await store.release(s.id, 'A');
      expect(await store.renew(s.id, 'A', 800_000)).toBe(false);
      expect(await store.claim(s.id, 'B', 600_000, 900_000, 650_000, 1000)).toBe(true);
      // An expired lease does not block a claim or an on-demand lease.
      expect(await store.lease(s.id, 'C', 651_001, 1000)).toBe(true);
      expect(await store.lease(s.id, 'D', 651_500, 1000)).toBe(false);
      // A replacement keeps the lease (the run under way finishes).
      await store.putService({ ...s, revision: 2, nextDue: 900_000 });
      expect(await store.lease(s.id, 'D', 651_500, 1000)).toBe(false);
      expect(await store.renew(s.id, 'C', 660_000)).toBe(true);
      expect(await store.claim('svc-missing', 'A', 0, 1, 0, 1)).toBe(false);
    });

    it('claim - of many concurrent claimers of one instant exactly one wins', async () => {
      storage = await storages.open();
      const s = service({ nextDue: 300_000 });
      await storage.services.putService(s);
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          storage.services.claim(s.id, `h${i}`, 300_000, 600_000, 300_000, 60_000),
        ),
      );
      expect(wins.filter((w) => w)).toHaveLength(1);
    });

    it('runs - put replaces by id, newest first, paged, gone with their service, never for a missing one', async () => {
      storage = await storages.open();
      const s = service();
      const other = service();
      await storage.services.putService(s);
      await storage.services.putService(other);
      const ids = Array.from({ length: 5 }, (_, i) => runId(10_000 + i));
      for (const id of ids)
        await storage.services.putRun(run(s.id, id, { status: 'running', finished: null }));
      await storage.services.putRun(run(other.id, runId(20_000)));
      const done = run(s.id, ids[2], { status: 'failed', error: 'HTTP 500', attempt: 3 });
      await storage.services.putRun(done);
      storage = await storages.reopen(storage);
      expect(await storage.services.getRun(s.id, ids[2])).toEqual(done);
      expect(await storage.services.getRun(other.id, ids[2])).toBeNull();
      const first = await storage.services.listRuns(s.id, { limit: 2 });
      const rest = await storage.services.listRuns(s.id, {
        limit: 10,
        beforeRunId: first[1].runId,
      });
      expect([...first, ...rest].map((r) => r.runId)).toEqual([...ids].reverse());
      expect(await storage.services.deleteService(s.id)).toBe(true);
      expect(await storage.services.listRuns(s.id, { limit: 10 })).toEqual([]);
      await storage.services.putRun(run(s.id, runId()));
      expect(await storage.services.listRuns(s.id, { limit: 10 })).toEqual([]);
      expect(await storage.services.listRuns(other.id, { limit: 10 })).toHaveLength(1);
    });
  });
}
