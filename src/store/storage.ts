// Port: one storage backend, opened as a whole: every store of the platform on one database.
import type { BehaviourStore } from './behaviour-store.js';
import type { Catalog } from './catalog.js';
import type { IngestStore } from './ingest-store.js';
import type { Journal } from './journal.js';
import type { ModelStore } from './model-store.js';
import type { SeriesStore } from './series-store.js';
import type { ServiceStore } from './service-store.js';
import type { TwinIndex } from './twin-index.js';
import type { WebhookStore } from './webhook-store.js';

/** The stores of one backend (SQLite files in the data directory, or one PostgreSQL database). */
export interface Storage {
  /** `sqlite` or `postgres`, for logs and metrics. */
  readonly kind: string;
  journal: Journal;
  catalog: Catalog;
  /** Ingest specs and dead letters. */
  ingest: IngestStore;
  /** Webhooks, their positions and deliveries. */
  webhooks: WebhookStore;
  /** Models, scenarios, runs and their predicted series. */
  models: ModelStore;
  /** Series of twin properties: raw points, tiers, the stream position they follow, retention. */
  series: SeriesStore;
  /** Scheduled services, their leases and run log. */
  services: ServiceStore;
  /** Twin types and the alerts their assessments raise (a projection of the journal). */
  behaviour: BehaviourStore;
  /**
   * Checks that storage answers (a cheap read); rejects with StorageUnavailableError when it does
   * not. Readiness asks it, so an outage shows even while no write is failing.
   */
  probe(): Promise<void>;
  /**
   * Opens the search index kept in this storage's database (SQLite: `index.db` in the data
   * directory; PostgreSQL: a table of the schema), emptied: it is a projection of the journal that
   * the runtime fills at start. Closed with the storage; open it once.
   */
  openTwinIndex(): Promise<TwinIndex>;
  /** Closes every store (the journal last, after its writes are flushed). */
  close(): Promise<void>;
}
