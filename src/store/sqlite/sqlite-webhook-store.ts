// The embedded WebhookStore: webhooks, their positions and deliveries in `webhooks.db` beside the journal.
import type Database from 'better-sqlite3';
import type {
  DeliveryPage,
  DeliveryRecord,
  WebhookRecord,
  WebhookStore,
} from '../webhook-store.js';
import { openStoreFile, storeWrite } from './sqlite-store-file.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, position INTEGER NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_deliveries (webhook_id TEXT NOT NULL, seq INTEGER NOT NULL,
  state TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (webhook_id, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_state ON webhook_deliveries (webhook_id, state, seq);
`;

const storing = <T>(write: () => T): T => storeWrite('webhook store', write);

function recordOf(row: { position: number; record: string }): WebhookRecord {
  return { ...(JSON.parse(row.record) as Omit<WebhookRecord, 'position'>), position: row.position };
}

function withoutPosition(webhook: WebhookRecord): string {
  const { position: _position, ...rest } = webhook;
  return JSON.stringify(rest);
}

export class SqliteWebhookStore implements WebhookStore {
  private readonly db: Database.Database;
  private readonly upsertDelivery: Database.Statement;
  private readonly advance: Database.Statement;
  private readonly exists: Database.Statement;

  constructor(path: string) {
    this.db = openStoreFile(path, SCHEMA);
    this.upsertDelivery = this.db.prepare(
      'INSERT OR REPLACE INTO webhook_deliveries (webhook_id, seq, state, record) VALUES (?, ?, ?, ?)',
    );
    this.advance = this.db.prepare('UPDATE webhooks SET position = max(position, ?) WHERE id = ?');
    this.exists = this.db.prepare('SELECT 1 FROM webhooks WHERE id = ?').pluck();
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    const rows = this.db.prepare('SELECT position, record FROM webhooks ORDER BY id').all() as {
      position: number;
      record: string;
    }[];
    return rows.map(recordOf);
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const row = this.db.prepare('SELECT position, record FROM webhooks WHERE id = ?').get(id) as
      { position: number; record: string } | undefined;
    return row === undefined ? null : recordOf(row);
  }

  async putWebhook(webhook: WebhookRecord): Promise<void> {
    storing(() =>
      this.db
        .prepare(
          `INSERT INTO webhooks (id, position, record) VALUES (?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET record = excluded.record`,
        )
        .run(webhook.id, webhook.position, withoutPosition(webhook)),
    );
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return storing(() =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM webhook_deliveries WHERE webhook_id = ?').run(id);
        return this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0;
      })(),
    );
  }

  async recordProgress(
    webhookId: string,
    deliveries: DeliveryRecord[],
    position: number,
  ): Promise<void> {
    storing(() =>
      this.db.transaction(() => {
        if (this.exists.get(webhookId) === undefined) return;
        for (const d of deliveries)
          this.upsertDelivery.run(webhookId, d.seq, d.state, JSON.stringify(d));
        this.advance.run(position, webhookId);
      })(),
    );
  }

  async listDeliveries(webhookId: string, page: DeliveryPage): Promise<DeliveryRecord[]> {
    const clauses = ['webhook_id = ?', 'seq > ?'];
    const values: unknown[] = [webhookId, page.afterSeq ?? -1];
    if (page.state !== undefined) {
      clauses.push('state = ?');
      values.push(page.state);
    }
    const rows = this.db
      .prepare(
        `SELECT record FROM webhook_deliveries WHERE ${clauses.join(' AND ')} ORDER BY seq LIMIT ?`,
      )
      .pluck()
      .all(...values, page.limit) as string[];
    return rows.map((r) => JSON.parse(r) as DeliveryRecord);
  }

  async pruneDelivered(webhookId: string, keep: number): Promise<number> {
    return storing(
      () =>
        this.db
          .prepare(
            `DELETE FROM webhook_deliveries WHERE webhook_id = ? AND state = 'delivered' AND seq <
               (SELECT seq FROM webhook_deliveries WHERE webhook_id = ? AND state = 'delivered'
                ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
          )
          .run(webhookId, webhookId, Math.max(0, keep - 1)).changes,
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
