// Webhooks as an application service: create, read, replace, delete, pause and resume webhooks,
// with the access rules of ingest specs, and one delivery loop per active webhook.
import type { Identity } from '../auth/identity.js';
import type { ThingGuard } from '../auth/thing-guard.js';
import { errors } from '../core/error-registry.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { TwinRuntime } from '../runtime/twin-runtime.js';
import { SubscriberView } from '../streams/subscriber-view.js';
import {
  webhookId,
  type DeliveryPage,
  type DeliveryRecord,
  type WebhookOwnerRecord,
  type WebhookRecord,
  type WebhookStore,
} from '../store/webhook-store.js';
import { parseWebhookConfig, selectionOf, type WebhookConfig } from './webhook-config.js';
import {
  DEFAULT_TIMING,
  WebhookDispatcher,
  type AttemptOutcome,
  type DeliveryTiming,
} from './webhook-dispatcher.js';

export interface WebhookServiceOptions {
  store: WebhookStore;
  runtime: Pick<TwinRuntime, 'events' | 'getThing' | 'policyIdOf'>;
  guard: ThingGuard;
  timing?: Partial<DeliveryTiming>;
  now?: () => number;
  /** Told of every delivery attempt (metrics). */
  attempted?: (webhookId: string, outcome: AttemptOutcome) => void;
  /** Told when a delivery loop cannot write its progress or read the journal (logs). */
  failed?: (webhookId: string, error: unknown) => void;
}

interface Loaded {
  record: WebhookRecord;
  config: WebhookConfig;
  dispatcher: WebhookDispatcher | null;
}

const ID = /^wh-[0-9a-z]{19}$/;

function ownerIdentity(owner: WebhookOwnerRecord): Identity {
  return { ...owner, readOnly: false, via: 'token' };
}

export class WebhookService {
  private readonly hooks = new Map<string, Loaded>();
  private readonly timing: DeliveryTiming;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: WebhookServiceOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.now = options.now ?? Date.now;
  }

  /** Loads the stored webhooks and starts delivering for those not paused. */
  async load(): Promise<void> {
    for (const record of await this.options.store.listWebhooks()) {
      const loaded: Loaded = {
        record,
        config: parseWebhookConfig(JSON.parse(record.config)),
        dispatcher: null,
      };
      this.hooks.set(record.id, loaded);
      if (!record.paused) await this.startDelivering(loaded);
    }
  }

  /** Stops every delivery loop, writing its progress. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.hooks.values()].map((h) => this.stopDelivering(h)));
  }

  private async startDelivering(loaded: Loaded): Promise<void> {
    if (this.closed) return;
    const { record, config } = loaded;
    const owner = ownerIdentity(record.owner);
    const dispatcher = new WebhookDispatcher({
      webhookId: record.id,
      config,
      position: record.position,
      stream: this.options.runtime.events,
      view: new SubscriberView(
        this.options.runtime,
        this.options.guard,
        () => owner,
        selectionOf(config),
      ),
      store: this.options.store,
      timing: this.timing,
      now: this.now,
      attempted: (outcome) => this.options.attempted?.(record.id, outcome),
      failed: (error) => this.options.failed?.(record.id, error),
    });
    loaded.dispatcher = dispatcher;
    await dispatcher.start();
  }

  /** Stops a webhook's loop; its position is carried into the record. */
  private async stopDelivering(loaded: Loaded): Promise<void> {
    const dispatcher = loaded.dispatcher;
    if (!dispatcher) return;
    loaded.dispatcher = null;
    await dispatcher.stop();
    loaded.record = { ...loaded.record, position: dispatcher.position };
  }

  // --- access ---

  /** The namespaces a webhook receives events of: its own, else those of its owner (null = any). */
  private static reach(config: WebhookConfig, owner: WebhookOwnerRecord): string[] | null {
    return config.namespaces ?? owner.namespaces;
  }

  /** As for ingest specs: an administrator, or the owner within the namespaces of its token. */
  private mayManage(identity: Identity, loaded: Loaded): boolean {
    if (identity.admin) return true;
    if (loaded.record.owner.id !== identity.id) return false;
    return this.withinScope(identity, WebhookService.reach(loaded.config, loaded.record.owner));
  }

  private withinScope(identity: Identity, namespaces: string[] | null): boolean {
    if (identity.admin || identity.namespaces === null) return true;
    return namespaces !== null && namespaces.every((ns) => identity.namespaces?.includes(ns));
  }

  private visible(identity: Identity, id: string): Loaded {
    const loaded = ID.test(id) ? this.hooks.get(id) : undefined;
    if (!loaded || !this.mayManage(identity, loaded)) throw errors.webhookNotFound(id);
    return loaded;
  }

  private checkScope(identity: Identity, config: WebhookConfig): void {
    if (config.namespaces === undefined || this.withinScope(identity, config.namespaces)) return;
    throw errors.webhookForbidden(
      `its namespaces '${config.namespaces.join("', '")}' are not all within the token's namespaces`,
    );
  }

  // --- the API ---

  view(loaded: Loaded): JsonObject {
    const { record, config } = loaded;
    const view: JsonObject = {
      id: record.id,
      url: config.url,
      events: config.events,
      maxAttempts: config.maxAttempts,
      maxAgeHours: config.maxAgeHours,
      // The secret is never shown; whether deliveries are signed is.
      signed: config.secret !== undefined,
      paused: record.paused,
      revision: record.revision,
      created: new Date(record.created).toISOString(),
      modified: new Date(record.modified).toISOString(),
      owner: record.owner.id,
      position: loaded.dispatcher?.position ?? record.position,
      backlog:
        loaded.dispatcher?.backlog ??
        Math.max(0, this.options.runtime.events.position - record.position),
    };
    if (config.filter !== undefined) view.filter = config.filter;
    if (config.extraFields !== undefined) view.extraFields = config.extraFields;
    if (config.namespaces !== undefined) view.namespaces = config.namespaces;
    return view;
  }

  list(identity: Identity): JsonObject[] {
    return [...this.hooks.values()]
      .filter((h) => this.mayManage(identity, h))
      .sort((a, b) => (a.record.id < b.record.id ? -1 : 1))
      .map((h) => this.view(h));
  }

  get(identity: Identity, id: string): JsonObject {
    return this.view(this.visible(identity, id));
  }

  /** Creates a webhook receiving the events committed from now on. */
  async create(identity: Identity, body: unknown): Promise<JsonObject> {
    if (identity.readOnly) throw errors.readOnlyIdentity();
    const config = parseWebhookConfig(body);
    this.checkScope(identity, config);
    const now = this.now();
    const owner: WebhookOwnerRecord = {
      id: identity.id,
      subjects: [...identity.subjects],
      admin: identity.admin,
      namespaces: identity.namespaces === null ? null : [...identity.namespaces],
    };
    const record: WebhookRecord = {
      id: webhookId(now),
      revision: 1,
      created: now,
      modified: now,
      owner,
      paused: false,
      config: JSON.stringify(config),
      position: this.options.runtime.events.position,
    };
    await this.options.store.putWebhook(record);
    const loaded: Loaded = { record, config, dispatcher: null };
    this.hooks.set(record.id, loaded);
    await this.startDelivering(loaded);
    return this.view(loaded);
  }

  /** Replaces a webhook's settings; delivery goes on from where it was, with the new settings. */
  async replace(identity: Identity, id: string, body: unknown): Promise<JsonObject> {
    const loaded = this.visible(identity, id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    const config = parseWebhookConfig(body);
    this.checkScope(identity, config);
    return this.change(loaded, { config, paused: loaded.record.paused });
  }

  async setPaused(identity: Identity, id: string, paused: boolean): Promise<JsonObject> {
    const loaded = this.visible(identity, id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    if (loaded.record.paused === paused) return this.view(loaded);
    return this.change(loaded, { config: loaded.config, paused });
  }

  private async change(
    loaded: Loaded,
    next: { config: WebhookConfig; paused: boolean },
  ): Promise<JsonObject> {
    await this.stopDelivering(loaded);
    const record: WebhookRecord = {
      ...loaded.record,
      revision: loaded.record.revision + 1,
      modified: this.now(),
      paused: next.paused,
      config: JSON.stringify(next.config),
    };
    try {
      await this.options.store.putWebhook(record);
      loaded.record = record;
      loaded.config = next.config;
    } finally {
      if (!loaded.record.paused) await this.startDelivering(loaded);
    }
    return this.view(loaded);
  }

  async delete(identity: Identity, id: string): Promise<void> {
    const loaded = this.visible(identity, id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    await this.stopDelivering(loaded);
    try {
      await this.options.store.deleteWebhook(id);
    } catch (error) {
      if (!loaded.record.paused) await this.startDelivering(loaded);
      throw error;
    }
    this.hooks.delete(id);
  }

  /**
   * Sends dead-lettered events again (every one of the webhook, or the one at `seq`), each from
   * a first attempt, before the webhook's newer events and in order per twin; resolves to how
   * many. Their event ids stay the same, so a receiver that got one after all can tell. A paused
   * webhook sends them once resumed.
   */
  async redrive(identity: Identity, id: string, seq?: number): Promise<number> {
    const loaded = this.visible(identity, id);
    if (identity.readOnly) throw errors.readOnlyIdentity();
    const dead: DeliveryRecord[] = [];
    if (seq !== undefined) {
      const [one] = await this.options.store.listDeliveries(id, {
        state: 'dead',
        afterSeq: seq - 1,
        limit: 1,
      });
      if (one?.seq !== seq) throw errors.webhookDeliveryNotDead(id, seq);
      dead.push(one);
    } else {
      for (let after = 0; ;) {
        const page = await this.options.store.listDeliveries(id, {
          state: 'dead',
          afterSeq: after,
          limit: 1000,
        });
        dead.push(...page);
        if (page.length < 1000) break;
        after = page[page.length - 1].seq;
      }
    }
    if (dead.length === 0) return 0;
    const now = this.now();
    const again = dead.map((d): DeliveryRecord => ({
      ...d,
      state: 'pending',
      attempts: 0,
      firstAttempt: 0,
      lastAttempt: now,
      nextAttempt: now,
      status: null,
      error: null,
    }));
    // The loop stops (writing its progress), the letters become pending, and it starts again.
    await this.stopDelivering(loaded);
    try {
      await this.options.store.recordProgress(id, again, loaded.record.position);
    } finally {
      if (!loaded.record.paused) await this.startDelivering(loaded);
    }
    return again.length;
  }

  /** The delivery log of a webhook (written every flush interval), in event order. */
  async deliveries(identity: Identity, id: string, page: DeliveryPage): Promise<DeliveryRecord[]> {
    this.visible(identity, id);
    return this.options.store.listDeliveries(id, page);
  }

  /** Backlog per webhook id (metrics). */
  backlogs(): { webhook: string; backlog: number }[] {
    return [...this.hooks.values()].map((h) => ({
      webhook: h.record.id,
      backlog:
        h.dispatcher?.backlog ??
        Math.max(0, this.options.runtime.events.position - h.record.position),
    }));
  }
}

/** A delivery as the API shows it. */
export function deliveryView(d: DeliveryRecord): JsonValue {
  return {
    eventId: `${d.seq}-${d.webhookId}`,
    seq: d.seq,
    thingId: d.thingId,
    state: d.state,
    attempts: d.attempts,
    firstAttempt: new Date(d.firstAttempt).toISOString(),
    lastAttempt: new Date(d.lastAttempt).toISOString(),
    nextAttempt: d.nextAttempt === null ? null : new Date(d.nextAttempt).toISOString(),
    status: d.status,
    error: d.error,
  };
}
