// The cluster WebhookStore: webhooks, their positions and deliveries in PostgreSQL, records as JSON text.
import type {
  DeliveryPage,
  DeliveryRecord,
  WebhookRecord,
  WebhookStore,
} from '../webhook-store.js';
import { PooledStore } from './pooled-store.js';
import type { PgPool } from './postgres-pool.js';

interface Row {
  position: number;
  record: string;
}

function recordOf(row: Row): WebhookRecord {
  return { ...(JSON.parse(row.record) as Omit<WebhookRecord, 'position'>), position: row.position };
}

/** The PostgreSQL {@link WebhookStore}, on the storage's pool (which it does not own). */
export class PostgresWebhookStore extends PooledStore implements WebhookStore {
  constructor(pool: PgPool) {
    super(pool, 'the webhook store');
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    const { rows } = await this.run<Row>(
      'SELECT position, record FROM webhooks ORDER BY id',
      [],
      'listing webhooks',
    );
    return rows.map(recordOf);
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const { rows } = await this.run<Row>(
      'SELECT position, record FROM webhooks WHERE id = $1',
      [id],
      'reading a webhook',
    );
    return rows.length === 0 ? null : recordOf(rows[0]);
  }

  async putWebhook(webhook: WebhookRecord): Promise<void> {
    const { position, ...rest } = webhook;
    await this.run(
      `INSERT INTO webhooks (id, position, record) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record`,
      [webhook.id, position, JSON.stringify(rest)],
      'writing a webhook',
    );
  }

  async deleteWebhook(id: string): Promise<boolean> {
    // One statement: the deliveries go with the webhook.
    const { rows } = await this.run<{ n: number }>(
      `WITH gone AS (DELETE FROM webhook_deliveries WHERE webhook_id = $1)
       , hook AS (DELETE FROM webhooks WHERE id = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM hook`,
      [id],
      'deleting a webhook',
    );
    return rows[0].n > 0;
  }

  async recordProgress(
    webhookId: string,
    deliveries: DeliveryRecord[],
    position: number,
  ): Promise<void> {
    // One statement, so all of it or none; nothing when the webhook is gone.
    await this.run(
      `WITH hook AS (UPDATE webhooks SET position = GREATEST(position, $2) WHERE id = $1 RETURNING id)
       INSERT INTO webhook_deliveries (webhook_id, seq, state, record)
         SELECT hook.id, u.seq, u.state, u.record
         FROM hook, unnest($3::bigint[], $4::text[], $5::text[]) AS u(seq, state, record)
       ON CONFLICT (webhook_id, seq) DO UPDATE SET state = excluded.state, record = excluded.record`,
      [
        webhookId,
        position,
        deliveries.map((d) => d.seq),
        deliveries.map((d) => d.state),
        deliveries.map((d) => JSON.stringify(d)),
      ],
      'recording webhook deliveries',
    );
  }

  async listDeliveries(webhookId: string, page: DeliveryPage): Promise<DeliveryRecord[]> {
    const values: unknown[] = [webhookId, page.afterSeq ?? -1];
    let state = '';
    if (page.state !== undefined) {
      values.push(page.state);
      state = ` AND state = $${values.length}`;
    }
    values.push(page.limit);
    return this.records<DeliveryRecord>(
      `SELECT record FROM webhook_deliveries WHERE webhook_id = $1 AND seq > $2${state}
       ORDER BY seq LIMIT $${values.length}`,
      values,
      'listing webhook deliveries',
    );
  }

  async pruneDelivered(webhookId: string, keep: number): Promise<number> {
    const result = await this.run(
      `DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'delivered' AND seq <
         (SELECT seq FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'delivered'
          ORDER BY seq DESC LIMIT 1 OFFSET $2)`,
      [webhookId, Math.max(0, keep - 1)],
      'pruning webhook deliveries',
    );
    return result.rowCount ?? 0;
  }
}
