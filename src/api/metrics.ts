// Prometheus metrics: requests by route and status, latency, events appended, journal commits.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'twinfold_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'twinfold_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly eventsAppended = new Counter({
    name: 'twinfold_events_appended_total',
    help: 'Events appended to the journal',
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
  readonly twins = new Gauge({
    name: 'twinfold_twins',
    help: 'Live twins held by this node',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'twinfold_' });
  }

  /**
   * Records the requests of one route: its label children are kept per method and status, because
   * finding them by labels hashes on every call.
   */
  requestObserver(route: string): (method: string, status: number, seconds: number) => void {
    type Series = { count: { inc(): void }; latency: { observe(seconds: number): void } };
    const byMethod = new Map<string, Map<number, Series>>();
    return (method, status, seconds) => {
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let series = byStatus.get(status);
      if (!series) {
        series = {
          count: this.requests.labels(method, route, String(status)),
          latency: this.latency.labels(method, route),
        };
        byStatus.set(status, series);
      }
      series.count.inc();
      series.latency.observe(seconds);
    };
  }

  observeCommit(events: number, seconds: number): void {
    this.commitLatency.observe(seconds);
    this.commitBatch.observe(events);
  }
}
