// Load generators: autocannon (open or rate-limited, many connections) and sequential keep-alive requests.
import autocannon, { type AutocannonOptions, type AutocannonRequest } from 'autocannon';
import { AUTH_HEADERS } from './processes.js';
import { percentile } from './report.js';

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  ok: number;
  /** Non-2xx responses, connection errors and timeouts together. */
  failed: number;
  p50: number;
  p99: number;
}

/**
 * Runs autocannon and measures latency itself from every 2xx response (autocannon's own histogram
 * has 1 ms resolution, too coarse for a 5 ms bar).
 */
export async function cannon(options: AutocannonOptions): Promise<LoadResult> {
  const samples: number[] = [];
  let failed = 0;
  let firstFailure = 0;
  const instance = autocannon({ timeout: 10, ...options });
  instance.on('response', (_client: unknown, status: number, _bytes: number, time: number) => {
    if (status >= 200 && status < 300) samples.push(time);
    else {
      failed++;
      firstFailure ||= status;
    }
  });
  const result = await instance;
  if (samples.length === 0) {
    throw new Error(
      `no request to ${options.url} succeeded: ${failed} non-2xx (first: ${firstFailure}), ` +
        `${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    rps: samples.length / result.duration,
    ok: samples.length,
    failed: failed + result.errors + result.timeouts,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
  };
}

/**
 * PUT requests on feature property `featureId/value` of `things` ids, round-robin, each a new
 * number; as the bootstrap admin unless other headers are given.
 */
export function propertyPuts(
  ids: string[],
  featureId: string,
  headers: Record<string, string> = AUTH_HEADERS,
): AutocannonRequest[] {
  let n = 0;
  return [
    {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      setupRequest(request) {
        const i = n++;
        request.path = `/api/2/things/${ids[i % ids.length]}/features/${featureId}/properties/value`;
        request.body = String((i % 10_000) / 100);
        return request;
      },
    },
  ];
}

/** GET requests on whole things, round-robin over `ids`. */
export function thingGets(ids: string[]): AutocannonRequest[] {
  let n = 0;
  return [
    {
      method: 'GET',
      headers: AUTH_HEADERS,
      setupRequest(request) {
        request.path = `/api/2/things/${ids[n++ % ids.length]}`;
        return request;
      },
    },
  ];
}

export interface SequentialResult {
  p50: number;
  p99: number;
  /** The body of the last response, parsed. */
  last: unknown;
}

/**
 * Sends `count` GETs one after another over a keep-alive connection (after `warmup` unmeasured
 * ones) and measures each round trip. Throws on a non-200 answer.
 */
export async function sequential(
  url: string,
  count: number,
  warmup = 20,
): Promise<SequentialResult> {
  const samples: number[] = [];
  let last: unknown = null;
  for (let i = 0; i < warmup + count; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: AUTH_HEADERS });
    const text = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text}`);
    if (i >= warmup) samples.push(elapsed);
    if (i === warmup + count - 1) last = JSON.parse(text);
  }
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), last };
}
