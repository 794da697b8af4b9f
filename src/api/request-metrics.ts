// Request counts and latencies by route, kept in plain numbers and rendered for Prometheus at scrape
// time. prom-client's own counters and histograms hash their labels on every observation, which
// cost more than the rest of the metrics of a small request.
import type { Metric, Registry } from 'prom-client';

/** One method, route and status: its count, and a latency histogram (non-cumulative buckets). */
interface Series {
  method: string;
  route: string;
  status: number;
  count: number;
  sum: number;
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
  private readonly series: Series[] = [];
  /** One recorder per route, so that a route's series exist once however often it is asked for. */
  private readonly observers = new Map<string, Observer>();

  constructor(
    registry: Registry,
    private readonly names: { requests: string; latency: string },
    /** Upper bounds of the latency buckets, in seconds, ascending. */
    private readonly bounds: number[],
  ) {
    registry.registerMetric(
      this.metric(names.requests, 'counter', 'HTTP requests by method, route and status', () =>
        this.series.map((s) => ({
          labels: { method: s.method, route: s.route, status: s.status },
          value: s.count,
        })),
      ),
    );
    registry.registerMetric(
      this.metric(names.latency, 'histogram', 'HTTP request latency by method and route', () =>
        this.latencySamples(),
      ),
    );
  }

  /** The recorder of one route: finds its series by method and status without building a key. */
  observer(route: string): Observer {
    let observer = this.observers.get(route);
    if (!observer) {
      observer = this.newObserver(route);
      this.observers.set(route, observer);
    }
    return observer;
  }

  private newObserver(route: string): Observer {
    const byMethod = new Map<string, Map<number, Series>>();
    return (method, status, seconds) => {
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let series = byStatus.get(status);
      if (!series) {
        series = { method, route, status, count: 0, sum: 0, buckets: this.bounds.map(() => 0) };
        byStatus.set(status, series);
        this.series.push(series);
      }
      series.count++;
      series.sum += seconds;
      const { bounds } = this;
      for (let i = 0; i < bounds.length; i++) {
        if (seconds <= bounds[i]) {
          series.buckets[i]++;
          break;
        }
      }
    };
  }

  /** The histogram per method and route (summed over statuses), with cumulative buckets. */
  private latencySamples(): Sample[] {
    const groups = new Map<string, { method: string; route: string; parts: Series[] }>();
    for (const s of this.series) {
      const key = `${s.method} ${s.route}`;
      const group = groups.get(key) ?? { method: s.method, route: s.route, parts: [] };
      group.parts.push(s);
      groups.set(key, group);
    }
    const samples: Sample[] = [];
    const name = this.names.latency;
    for (const { method, route, parts } of groups.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        for (const s of parts) cumulative += s.buckets[i];
        samples.push({
          metricName: `${name}_bucket`,
          labels: { le, method, route },
          value: cumulative,
        });
      });
      const count = parts.reduce((n, s) => n + s.count, 0);
      const sum = parts.reduce((n, s) => n + s.sum, 0);
      samples.push({
        metricName: `${name}_bucket`,
        labels: { le: '+Inf', method, route },
        value: count,
      });
      samples.push({ metricName: `${name}_sum`, labels: { method, route }, value: sum });
      samples.push({ metricName: `${name}_count`, labels: { method, route }, value: count });
    }
    return samples;
  }

  /** Zeroes every series (as `registry.resetMetrics()` does to prom-client's own metrics). */
  private reset(): void {
    for (const s of this.series) {
      s.count = 0;
      s.sum = 0;
      s.buckets.fill(0);
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
