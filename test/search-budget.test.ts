// A real server: like patterns cannot freeze it, and /health answers while a heavy search runs out of time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const SEARCH_TIMEOUT_MS = 1_500;
const LONG = 'a'.repeat(30_000);
const THINGS = 300;
const VALUE_LENGTH = 60_000;

let server: ServerProcess;
let dir: string;

const put = (id: string, body: unknown, query = '') =>
  adminFetch(`${server.url}/api/2/things/${id}${query}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const search = (filter: string, path = 'search/things') =>
  adminFetch(`${server.url}/api/2/${path}?filter=${encodeURIComponent(filter)}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'twinfold-search-budget-'));
  server = await startServerProcess([
    '--data',
    dir,
    '--search-timeout-ms',
    String(SEARCH_TIMEOUT_MS),
  ]);
  expect((await put('org.budget:long', { attributes: { x: LONG } })).status).toBe(201);
  // Many long values, written a few at a time: a scan over them takes seconds.
  for (let i = 0; i < THINGS; i += 10) {
    const batch = Array.from({ length: 10 }, (_, j) => {
      const n = i + j;
      const value = 'ab'.repeat(VALUE_LENGTH / 2 - 4) + String(n).padStart(8, '0');
      return put(`org.budget:heavy-${n}`, { attributes: { x: value } });
    });
    for (const response of await Promise.all(batch)) expect(response.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

async function timed(run: () => Promise<Response>): Promise<{ response: Response; ms: number }> {
  const started = performance.now();
  const response = await run();
  await response.arrayBuffer().catch(() => undefined);
  return { response, ms: performance.now() - started };
}

describe('search time budget (real server)', () => {
  const STARS = 'like(attributes/x,"*a*a*a*a*a*b")';

  it('a like with many stars over a 30,000-character value answers in well under a second', async () => {
    for (const run of [
      () => search(STARS),
      () => search(STARS, 'search/things/count'),
      () =>
        adminFetch(
          `${server.url}/api/2/things/org.budget:long?condition=${encodeURIComponent(STARS)}`,
        ),
      () =>
        put(
          'org.budget:long',
          { attributes: { x: LONG } },
          `?condition=${encodeURIComponent(STARS)}`,
        ),
    ]) {
      const { response, ms } = await timed(run);
      expect(response.status).toBeLessThan(500);
      expect(ms).toBeLessThan(1_000);
    }
    const found = await (await search(`and(${STARS},eq(thingId,"org.budget:long"))`)).json();
    expect(found).toEqual({ items: [] });
    const count = await (
      await search('like(attributes/x,"a*a*a*a*a*a")', 'search/things/count')
    ).json();
    expect(count).toBe(1);
  });

  it('/health answers while a heavy search runs, and the search ends with a 408 query.time.exceeded', async () => {
    // 20 patterns with wildcards (the most a filter may have), each scanning 300 values of 60,000 characters.
    const segment = 'a?'.repeat(19) + 'c';
    const clauses = Array.from(
      { length: 20 },
      (_, i) => `like(attributes/x,"*${segment}${i % 10}*")`,
    );
    const heavy = timed(() => search(`or(${clauses.join(',')})`));
    const healthLatencies: number[] = [];
    let searching = true;
    void heavy.finally(() => (searching = false));
    await new Promise((resolve) => setTimeout(resolve, 100));
    while (searching) {
      const { response, ms } = await timed(() => fetch(`${server.url}/health`));
      expect(response.status).toBe(200);
      healthLatencies.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { response, ms } = await heavy;
    expect(response.status).toBe(408);
    expect(ms).toBeGreaterThanOrEqual(SEARCH_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(SEARCH_TIMEOUT_MS + 3_000);
    const body = (await search(`or(${clauses.join(',')})`).then((r) => r.json())) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({ status: 408, error: 'thing-search:query.time.exceeded' });
    expect(body.message).toContain('took too long');
    expect(healthLatencies.length).toBeGreaterThan(3);
    // Slices are about 10 ms; generous for a shared machine, far below the search's 1.5 s.
    expect(Math.max(...healthLatencies)).toBeLessThan(750);
  }, 60_000);
});
