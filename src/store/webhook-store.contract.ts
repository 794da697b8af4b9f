// The contract every WebhookStore adapter passes: run it for each backend (see webhook-store.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from './storage.js';
import type { StorageFixture } from './test-backends.js';
import { webhookId, type DeliveryRecord, type WebhookRecord } from './webhook-store.js';

function hook(extra: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: webhookId(),
    revision: 1,
    created: 1000,
    modified: 1000,
    owner: { id: 'user:alice', subjects: ['user:alice'], admin: false, namespaces: ['fleet'] },
    paused: false,
    config: JSON.stringify({ url: 'http://127.0.0.1:9/hook', secret: 's \u0000 \u{1F600}' }),
    position: 10,
    ...extra,
  };
}

function delivery(
  webhook: string,
  seq: number,
  extra: Partial<DeliveryRecord> = {},
): DeliveryRecord {
  return {
    webhookId: webhook,
    seq,
    thingId: `fleet:t${seq % 3}`,
    state: 'delivered',
    attempts: 1,
    firstAttempt: 2000 + seq,
    lastAttempt: 2000 + seq,
    nextAttempt: null,
    status: 200,
    error: null,
    ...extra,
  };
}

/** Registers the WebhookStore contract for one backend. */
export function webhookStoreContract(name: string, storages: StorageFixture): void {
  describe(`WebhookStore contract (${name})`, () => {
    let storage: Storage;
    afterEach(async () => {
      await storage?.close();
    });

    it('webhooks - put, get, list in id order, replace keeping the position, delete, across a restart', async () => {
      storage = await storages.open();
      const store = storage.webhooks;
      expect(await store.listWebhooks()).toEqual([]);
      const a = hook();
      const b = hook({ position: 0 });
      await store.putWebhook(b.id < a.id ? a : b);
      await store.putWebhook(b.id < a.id ? b : a);
      expect((await store.listWebhooks()).map((w) => w.id)).toEqual([a.id, b.id].sort());
      // A replacement changes the settings, never the position (only progress moves it).
      await store.putWebhook({
        ...a,
        revision: 2,
        paused: true,
        config: '{"url":"x"}',
        position: 0,
      });
      storage = await storages.reopen(storage);
      expect(await storage.webhooks.getWebhook(a.id)).toEqual({
        ...a,
        revision: 2,
        paused: true,
        config: '{"url":"x"}',
        position: 10,
      });
      expect(await storage.webhooks.getWebhook('wh-missing')).toBeNull();
      expect(await storage.webhooks.deleteWebhook(a.id)).toBe(true);
      expect(await storage.webhooks.deleteWebhook(a.id)).toBe(false);
      expect((await storage.webhooks.listWebhooks()).map((w) => w.id)).toEqual([b.id]);
    });

    it('progress - records deliveries and moves the position forward only, across a restart', async () => {
      storage = await storages.open();
      const w = hook({ position: 5 });
      await storage.webhooks.putWebhook(w);
      const failing = delivery(w.id, 7, {
        state: 'pending',
        status: 503,
        error: 'HTTP 503',
        nextAttempt: 9000,
      });
      await storage.webhooks.recordProgress(w.id, [delivery(w.id, 6), failing], 6);
      await storage.webhooks.recordProgress(w.id, [], 4);
      storage = await storages.reopen(storage);
      expect((await storage.webhooks.getWebhook(w.id))?.position).toBe(6);
      expect(await storage.webhooks.listDeliveries(w.id, { limit: 10 })).toEqual([
        delivery(w.id, 6),
        failing,
      ]);
      // The retry that succeeds replaces the pending state.
      const done = {
        ...failing,
        state: 'delivered' as const,
        attempts: 2,
        status: 204,
        error: null,
      };
      await storage.webhooks.recordProgress(w.id, [done], 7);
      expect(await storage.webhooks.listDeliveries(w.id, { state: 'pending', limit: 10 })).toEqual(
        [],
      );
      expect(await storage.webhooks.listDeliveries(w.id, { afterSeq: 6, limit: 10 })).toEqual([
        done,
      ]);
      expect((await storage.webhooks.getWebhook(w.id))?.position).toBe(7);
    });

    it('progress - nothing is recorded for a deleted webhook, and deleting drops its deliveries', async () => {
      storage = await storages.open();
      const w = hook();
      await storage.webhooks.putWebhook(w);
      await storage.webhooks.recordProgress(w.id, [delivery(w.id, 11)], 11);
      await storage.webhooks.deleteWebhook(w.id);
      expect(await storage.webhooks.listDeliveries(w.id, { limit: 10 })).toEqual([]);
      await storage.webhooks.recordProgress(w.id, [delivery(w.id, 12)], 12);
      expect(await storage.webhooks.listDeliveries(w.id, { limit: 10 })).toEqual([]);
      expect(await storage.webhooks.getWebhook(w.id)).toBeNull();
    });

    it('deliveries - filtered by state, paged by seq, pruned to the newest delivered', async () => {
      storage = await storages.open();
      const w = hook({ position: 0 });
      const other = hook({ position: 0 });
      await storage.webhooks.putWebhook(w);
      await storage.webhooks.putWebhook(other);
      const made = Array.from({ length: 10 }, (_, i) =>
        delivery(w.id, i + 1, i % 4 === 3 ? { state: 'dead', status: null, error: 'refused' } : {}),
      );
      await storage.webhooks.recordProgress(w.id, made, 10);
      await storage.webhooks.recordProgress(other.id, [delivery(other.id, 3)], 3);
      const seqs = (list: DeliveryRecord[]) => list.map((d) => d.seq);
      expect(
        seqs(await storage.webhooks.listDeliveries(w.id, { state: 'dead', limit: 10 })),
      ).toEqual([4, 8]);
      const first = await storage.webhooks.listDeliveries(w.id, { limit: 4 });
      const second = await storage.webhooks.listDeliveries(w.id, { limit: 4, afterSeq: 4 });
      expect([...seqs(first), ...seqs(second)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await storage.webhooks.pruneDelivered(w.id, 3)).toBe(5);
      expect(seqs(await storage.webhooks.listDeliveries(w.id, { limit: 20 }))).toEqual([
        4, 7, 8, 9, 10,
      ]);
      expect(await storage.webhooks.pruneDelivered(w.id, 3)).toBe(0);
      expect(seqs(await storage.webhooks.listDeliveries(other.id, { limit: 20 }))).toEqual([3]);
    });
  });
}
