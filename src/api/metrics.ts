// Prometheus metrics: requests by route and status, latency, events appended, journal commits, webhooks.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new RequestMetrics(
    this.registry,
    { requests: 'twinfold_http_requests_total', latency: 'twinfold_http_request_duration_seconds' },
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly eventsAppended = new Counter({
    name: 'twinfold_events_appended_total',
    help: 'Events appended to the journal (counted once durable)',
    registers: [this.registry],
  });
  readonly commitLatency = new Histogram({
    name: 'twinfold_journal_commit_seconds',
    help: 'Latency of one group commit to the journal',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly commitBatch = new Histogram({
    name: 'twinfold_journal_commit_events',
    help: 'Events per group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024],
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'twinfold_auth_failures_total',
    help: 'Failed authentications and logins by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'twinfold_rate_limited_total',
    help: 'Requests refused with 429 by the per-identity rate limit',
    registers: [this.registry],
  });
  readonly ingestDeadLetters = new Counter({
    name: 'twinfold_ingest_dead_letters_total',
    help: 'Ingest messages that became dead letters, by spec and reason',
    labelNames: ['spec', 'reason'] as const,
    registers: [this.registry],
  });
  readonly ingestAccepted = new Counter({
    name: 'twinfold_ingest_accepted_total',
    help: 'Ingest messages accepted (their observations durable), by spec',
    labelNames: ['spec'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'twinfold_webhook_deliveries_total',
    help: 'Webhook delivery attempts by webhook and outcome (delivered, failed and retried, dead)',
    labelNames: ['webhook', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly serviceRuns = new Counter({
    name: 'twinfold_service_runs_total',
    help: 'Finished runs of scheduled services by service and status (succeeded, failed, timedout)',
    labelNames: ['service', 'status'] as const,
    registers: [this.registry],
  });
  private webhookBacklogs: () => { webhook: string; backlog: number }[] = () => [];
  readonly webhookBacklog = new Gauge({
    name: 'twinfold_webhook_backlog',
    help: 'Committed events a webhook has still to get through (delivered, dead-lettered or skipped)',
    labelNames: ['webhook'] as const,
    registers: [this.registry],
    collect: () => {
      this.webhookBacklog.reset();
      for (const { webhook, backlog } of this.webhookBacklogs())
        this.webhookBacklog.set({ webhook }, backlog);
    },
  });
  private connectionSources = new Map<string, () => number | null>();
  readonly connections = new Gauge({
    name: 'twinfold_connections',
    help: 'Open connections by kind: websocket (/ws/2 sessions), mqtt (clients of the embedded broker)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    collect: () => {
      this.connections.reset();
      for (const [kind, source] of this.connectionSources) {
        const open = source();
        if (open !== null) this.connections.set({ kind }, open);
      }
    },
  });
  readonly twins = new Gauge({
    name: 'twinfold_twins',
    help: 'Live twins held by this node',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'twinfold_' });
  }

  /** Where the webhook backlog gauge reads its values when scraped. */
  observeWebhookBacklogs(source: () => { webhook: string; backlog: number }[]): void {
    this.webhookBacklogs = source;
  }

  /** Where the connections gauge reads the open connections of one kind (null: none of that kind here). */
  observeConnections(kind: string, source: () => number | null): void {
    this.connectionSources.set(kind, source);
  }

  /** One group commit: its latency and size, and its events counted as appended. */
  observeCommit(events: number, seconds: number): void {
    this.eventsAppended.inc(events);
    this.commitLatency.observe(seconds);
    this.commitBatch.observe(events);
  }
}
