// Request counts and latencies by route, kept in plain numbers and rendered for Prometheus at scrape
// time. prom-client's own counters and histograms hash their labels on every observation, which
// cost more than the rest of the metrics of a small request.
import type { Metric, Registry } from 'prom-client';

/** The requests of one method on one route: a count per status and one latency histogram. */
interface RouteMethod {
  method: string;
  route: string;
  statuses: Map<number, { count: number }>;
  count: number;
  sum: number;
  /** Non-cumulative: how many latencies fell in each bucket. */
  buckets: number[];
}

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

type Observer = (method: string, status: number, seconds: number) => void;

/** What prom-client's registry reads from a metric: its name (which it may rewrite) and `get()`. */
interface ScrapedMetric {
  name: string;
  help: string;
  type: string;
  aggregator: 'sum';
  get(): { name: string; help: string; type: string; aggregator: 'sum'; values: Sample[] };
  reset(): void;
}

export class RequestMetrics {
  private readonly records: RouteMethod[] = [];
  /** One recorder per route, so that a route's records exist once however often it is asked for. */
  private readonly observers = new Map<string, Observer>();

  constructor(
    registry: Registry,
    private readonly names: { requests: string; latency: string },
    /** Upper bounds of the latency buckets, in seconds, ascending. */
    private readonly bounds: number[],
  ) {
    registry.registerMetric(
      this.metric(names.requests, 'counter', 'HTTP requests by method, route and status', () =>
        this.records.flatMap(({ method, route, statuses }) =>
          [...statuses].map(([status, { count }]) => ({
            labels: { method, route, status },
            value: count,
          })),
        ),
      ),
    );
    registry.registerMetric(
      this.metric(names.latency, 'histogram', 'HTTP request latency by method and route', () =>
        this.latencySamples(),
      ),
    );
  }

  /** The recorder of one route: finds its record by method and status without building a key. */
  observer(route: string): Observer {
    let observer = this.observers.get(route);
    if (!observer) {
      observer = this.newObserver(route);
      this.observers.set(route, observer);
    }
    return observer;
  }

  private newObserver(route: string): Observer {
    const byMethod = new Map<string, RouteMethod>();
    return (method, status, seconds) => {
      let record = byMethod.get(method);
      if (!record) {
        const buckets = this.bounds.map(() => 0);
        record = { method, route, statuses: new Map(), count: 0, sum: 0, buckets };
        byMethod.set(method, record);
        this.records.push(record);
      }
      const counter = record.statuses.get(status);
      if (counter) counter.count++;
      else record.statuses.set(status, { count: 1 });
      record.count++;
      record.sum += seconds;
      const { bounds } = this;
      for (let i = 0; i < bounds.length; i++) {
        if (seconds <= bounds[i]) {
          record.buckets[i]++;
          break;
        }
      }
    };
  }

  /** The histogram of each method and route, with cumulative buckets. */
  private latencySamples(): Sample[] {
    const name = this.names.latency;
    return this.records.flatMap(({ method, route, count, sum, buckets }) => {
      let cumulative = 0;
      const samples: Sample[] = this.bounds.map((le, i) => ({
        metricName: `${name}_bucket`,
        labels: { le, method, route },
        value: (cumulative += buckets[i]),
      }));
      samples.push(
        { metricName: `${name}_bucket`, labels: { le: '+Inf', method, route }, value: count },
        { metricName: `${name}_sum`, labels: { method, route }, value: sum },
        { metricName: `${name}_count`, labels: { method, route }, value: count },
      );
      return samples;
    });
  }

  /** Zeroes every record (as `registry.resetMetrics()` does to prom-client's own metrics). */
  private reset(): void {
    for (const record of this.records) {
      for (const counter of record.statuses.values()) counter.count = 0;
      record.count = 0;
      record.sum = 0;
      record.buckets.fill(0);
    }
  }

  /**
   * A metric as prom-client's registry reads it (`get()` at every scrape). The registry's type
   * names its own classes, hence the one cast.
   */
  private metric(name: string, type: string, help: string, values: () => Sample[]): Metric {
    const metric: ScrapedMetric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => ({ name: metric.name, help, type, aggregator: 'sum', values: values() }),
      reset: () => this.reset(),
    };
    return metric as unknown as Metric;
  }
}
