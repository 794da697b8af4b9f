// Port: webhooks (small, rarely written), the position each has consumed of the committed-event
// stream, and its deliveries (the attempt state of those being retried, and the delivery log).

/** Who made a webhook; its events are what these rights may read. */
export interface WebhookOwnerRecord {
  id: string;
  subjects: string[];
  admin: boolean;
  namespaces: string[] | null;
}

export interface WebhookRecord {
  id: string;
  revision: number;
  created: number;
  modified: number;
  owner: WebhookOwnerRecord;
  paused: boolean;
  /** The webhook's settings as JSON text, as validated (`url`, `filter`, `secret`, …). */
  config: string;
  /**
   * Every event at or before this position is done for the webhook: delivered, dead-lettered or
   * not selected. Moved only by {@link WebhookStore.recordProgress}; `putWebhook` sets it only for
   * a new webhook.
   */
  position: number;
}

/** `pending`: tried and failed, to be retried; `delivered`: a 2xx came back; `dead`: given up. */
export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** One event for one webhook: its attempts and how they went. */
export interface DeliveryRecord {
  webhookId: string;
  /** The event's position in the journal. */
  seq: number;
  thingId: string;
  state: DeliveryState;
  attempts: number;
  /** Epoch ms of the first and the last attempt. */
  firstAttempt: number;
  lastAttempt: number;
  /** Epoch ms of the next attempt, for a pending delivery. */
  nextAttempt: number | null;
  /** The receiver's last HTTP status; null when it did not answer (refused, timed out). */
  status: number | null;
  /** What went wrong with the last attempt, for a person; null when it succeeded. */
  error: string | null;
}

/** Which deliveries of a webhook: in seq order, after `afterSeq`. */
export interface DeliveryPage {
  state?: DeliveryState;
  afterSeq?: number;
  limit: number;
}

export interface WebhookStore {
  listWebhooks(): Promise<WebhookRecord[]>;
  getWebhook(id: string): Promise<WebhookRecord | null>;
  /** Creates a webhook, or replaces its settings (keeping the position it has reached). */
  putWebhook(webhook: WebhookRecord): Promise<void>;
  /** Deletes a webhook with its deliveries; false when there was no such webhook. */
  deleteWebhook(id: string): Promise<boolean>;
  /**
   * Stores delivery outcomes (replacing those of the same seq) and moves the webhook's position
   * forward to `position` (never back), all or none. Nothing happens for a deleted webhook.
   */
  recordProgress(webhookId: string, deliveries: DeliveryRecord[], position: number): Promise<void>;
  /** Deliveries in seq order. */
  listDeliveries(webhookId: string, page: DeliveryPage): Promise<DeliveryRecord[]>;
  /** Deletes the oldest delivered entries of a webhook beyond the newest `keep`; returns how many. */
  pruneDelivered(webhookId: string, keep: number): Promise<number>;
  close(): Promise<void>;
}

let lastMs = 0;
let counter = 0;

/** A new webhook id that sorts after every id made before it in this process: `wh-<ms><n><random>`. */
export function webhookId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else counter++;
  const random = Math.floor(Math.random() * 36 ** 4);
  return `wh-${lastMs.toString(36).padStart(11, '0')}${counter.toString(36).padStart(4, '0')}${random
    .toString(36)
    .padStart(4, '0')}`;
}
