// The contract every IngestStore adapter passes: run it for each backend (see ingest-store.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { deadLetterId, type DeadLetterRecord, type IngestSpecRecord } from './ingest-store.js';
import type { Storage } from './storage.js';
import type { StorageFixture } from './test-backends.js';

function spec(specId: string, extra: Partial<IngestSpecRecord> = {}): IngestSpecRecord {
  return {
    specId,
    revision: 1,
    created: 1000,
    modified: 1000,
    owner: { id: 'user:alice', subjects: ['user:alice'], admin: false, namespaces: ['fleet'] },
    spec: JSON.stringify({ source: { http: {} }, thingId: 'fleet:{{$.vin}}', values: {} }),
    ...extra,
  };
}

function letter(extra: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  const received = extra.received ?? 5000;
  return {
    id: deadLetterId(received),
    specId: 'trucks',
    transport: 'http',
    topic: null,
    headers: {},
    received,
    reason: 'thing.notfound',
    detail: 'no such thing',
    payload: '{"vin":"X"}',
    encoding: 'utf8',
    attempts: 0,
    ...extra,
  };
}

/** Registers the IngestStore contract for one backend. */
export function ingestStoreContract(name: string, storages: StorageFixture): void {
  describe(`IngestStore contract (${name})`, () => {
    let storage: Storage;
    afterEach(async () => {
      await storage?.close();
    });

    it('specs - put, list in id order, replace, delete, and keep them across a restart', async () => {
      storage = await storages.open();
      const store = storage.ingest;
      expect(await store.listSpecs()).toEqual([]);
      await store.putSpec(spec('zeta'));
      await store.putSpec(spec('alpha'));
      await store.putSpec(spec('zeta', { revision: 2, modified: 2000, spec: '{"changed":true}' }));
      expect((await store.listSpecs()).map((s) => [s.specId, s.revision])).toEqual([
        ['alpha', 1],
        ['zeta', 2],
      ]);
      storage = await storages.reopen(storage);
      const listed = await storage.ingest.listSpecs();
      expect(listed.find((s) => s.specId === 'zeta')).toEqual(
        spec('zeta', { revision: 2, modified: 2000, spec: '{"changed":true}' }),
      );
      expect(await storage.ingest.deleteSpec('zeta')).toBe(true);
      expect(await storage.ingest.deleteSpec('zeta')).toBe(false);
      expect((await storage.ingest.listSpecs()).map((s) => s.specId)).toEqual(['alpha']);
    });

    it('dead letters - kept whole, read by id, listed in order, across a restart', async () => {
      storage = await storages.open();
      const made = [
        letter({ received: 1000, payload: 'not json \u0000 \u{1F600}' }),
        letter({ received: 1000, specId: 'buses', reason: 'payload.invalid' }),
        letter({ received: 3000, topic: 'devices/x', transport: 'mqtt', headers: { a: 'b' } }),
      ];
      await storage.ingest.putDeadLetters(made);
      await storage.ingest.putDeadLetters([]);
      storage = await storages.reopen(storage);
      expect(await storage.ingest.getDeadLetter(made[0].id)).toEqual(made[0]);
      expect(await storage.ingest.getDeadLetter('dl-missing')).toBeNull();
      const all = await storage.ingest.listDeadLetters({ limit: 10 });
      expect(all).toEqual(made);
    });

    it('dead letters - filter by spec, reason and time, page with after and limit', async () => {
      storage = await storages.open();
      const made = Array.from({ length: 7 }, (_, i) =>
        letter({
          received: 1000 + i * 1000,
          specId: i % 2 === 0 ? 'trucks' : 'buses',
          reason: i < 3 ? 'thing.notfound' : 'value.missing',
        }),
      );
      await storage.ingest.putDeadLetters(made);
      const ids = (letters: DeadLetterRecord[]) => letters.map((l) => l.id);
      const store = storage.ingest;
      expect(ids(await store.listDeadLetters({ specId: 'trucks', limit: 10 }))).toEqual(
        ids(made.filter((_, i) => i % 2 === 0)),
      );
      expect(ids(await store.listDeadLetters({ reason: 'value.missing', limit: 10 }))).toEqual(
        ids(made.slice(3)),
      );
      expect(ids(await store.listDeadLetters({ since: 2000, until: 4000, limit: 10 }))).toEqual(
        ids(made.slice(1, 3)),
      );
      const first = await store.listDeadLetters({ limit: 3 });
      const second = await store.listDeadLetters({ limit: 3, after: first[2].id });
      expect([...ids(first), ...ids(second)]).toEqual(ids(made.slice(0, 6)));
    });

    it('dead letters - delete by ids or by filter, counting what went', async () => {
      storage = await storages.open();
      const made = Array.from({ length: 5 }, (_, i) =>
        letter({ received: 1000 + i, specId: i < 2 ? 'buses' : 'trucks' }),
      );
      await storage.ingest.putDeadLetters(made);
      const store = storage.ingest;
      expect(await store.deleteDeadLetters({ ids: [made[4].id, 'dl-none'] })).toBe(1);
      expect(await store.deleteDeadLetters({ ids: [] })).toBe(0);
      expect(await store.deleteDeadLetters({ specId: 'buses' })).toBe(2);
      expect((await store.listDeadLetters({ limit: 10 })).map((l) => l.id)).toEqual([
        made[2].id,
        made[3].id,
      ]);
      expect(await store.deleteDeadLetters({})).toBe(2);
      expect(await store.listDeadLetters({ limit: 10 })).toEqual([]);
    });

    it('dead letters - putting one again replaces it (a redrive counts an attempt)', async () => {
      storage = await storages.open();
      const one = letter();
      await storage.ingest.putDeadLetters([one]);
      await storage.ingest.putDeadLetters([{ ...one, attempts: 1, reason: 'value.missing' }]);
      expect(await storage.ingest.getDeadLetter(one.id)).toEqual({
        ...one,
        attempts: 1,
        reason: 'value.missing',
      });
      expect(await storage.ingest.listDeadLetters({ reason: 'thing.notfound', limit: 5 })).toEqual(
        [],
      );
    });
  });
}
