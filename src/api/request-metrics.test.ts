// Request metrics as Prometheus reads them: counts per status, cumulative latency buckets per route.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestMetrics } from './request-metrics.js';

describe('request metrics', () => {
  it('renders counts by status and one cumulative histogram per method and route', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(
      registry,
      { requests: 'req_total', latency: 'lat' },
      [0.01, 0.1],
    );
    const things = metrics.observer('/things/:id');
    things('GET', 200, 0.005);
    things('GET', 200, 0.05);
    things('GET', 404, 0.5);
    things('PUT', 204, 0.01);
    metrics.observer('unmatched')('GET', 401, 0.001);
    const text = await registry.metrics();
    const lines = text.split('\n');
    expect(lines).toContain('# TYPE req_total counter');
    expect(lines).toContain('req_total{method="GET",route="/things/:id",status="200"} 2');
    expect(lines).toContain('req_total{method="GET",route="/things/:id",status="404"} 1');
    expect(lines).toContain('req_total{method="GET",route="unmatched",status="401"} 1');
    expect(lines).toContain('# TYPE lat histogram');
    expect(lines).toContain('lat_bucket{le="0.01",method="GET",route="/things/:id"} 1');
    expect(lines).toContain('lat_bucket{le="0.1",method="GET",route="/things/:id"} 2');
    expect(lines).toContain('lat_bucket{le="+Inf",method="GET",route="/things/:id"} 3');
    expect(lines).toContain('lat_sum{method="GET",route="/things/:id"} 0.555');
    expect(lines).toContain('lat_count{method="GET",route="/things/:id"} 3');
    // A latency equal to a bound falls in that bucket, as Prometheus defines `le`.
    expect(lines).toContain('lat_bucket{le="0.01",method="PUT",route="/things/:id"} 1');
    expect(lines).toContain('lat_count{method="GET",route="unmatched"} 1');
  });

  it('keeps one series per route however often its recorder is asked for, and resets', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry, { requests: 'req_total', latency: 'lat' }, [1]);
    metrics.observer('/a')('GET', 200, 0.1);
    metrics.observer('/a')('GET', 200, 0.1);
    const counted = (await registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith('req_total{'));
    expect(counted).toEqual(['req_total{method="GET",route="/a",status="200"} 2']);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('req_total{method="GET",route="/a",status="200"} 0');
  });
});
