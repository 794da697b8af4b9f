// Observation times survive a crash: a server killed with SIGKILL right after an ingest was
// acknowledged (before its series keeper kept the points) rebuilds the series from the journal at
// the times the payload gave, not at the times the events were committed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../src/store/sqlite/sqlite-storage.js';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'twinfold-observed-at-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const WATTS = 'features/power/properties/watts';
const HOUR = 3_600_000;

async function send(url: string, method: string, body: unknown): Promise<Response> {
  const response = await adminFetch(url, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return response;
}

describe('observation times across a crash', () => {
  it('after kill -9 right after an acknowledged ingest, the series hold the points at the payload times', async () => {
    const server = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(server);
    await send(`${server.url}/api/2/ingest/specs/meter`, 'PUT', {
      source: { http: {} },
      thingId: '{{$.id}}',
      timestamp: { path: '$.ts', format: 'epoch-ms' },
      values: { [WATTS]: '$.w' },
    });
    await send(`${server.url}/api/2/things/oc:m1`, 'PUT', {
      features: { power: { properties: {} } },
    });
    // Observed an hour ago, a minute apart; committed now.
    const observed = Date.now() - HOUR;
    const times = [observed, observed + 60_000, observed + 120_000];
    const sent = Date.now();
    await send(
      `${server.url}/api/2/ingest/meter`,
      'POST',
      times.map((ts, i) => ({ id: 'oc:m1', ts, w: i + 1 })),
    );
    // Acknowledged once durable; the series keeper gathers for a second before it keeps points.
    await server.kill('SIGKILL');
    const killed = Date.now();

    // The points were not kept before the kill (else the restart below proves nothing), and the
    // journal holds the events.
    const storage = await openSqliteStorage({ dataDir: dir });
    try {
      const journaled = await storage.journal.readEvents('oc:m1', { fromRevision: 2 });
      expect(journaled.map((e) => e.observedAt)).toEqual(times);
      expect(journaled.every((e) => e.timestamp >= sent && e.timestamp <= killed)).toBe(true);
      expect(await storage.series.position()).toBeLessThan(await storage.journal.lastSeq());
    } finally {
      await storage.close();
    }

    const restarted = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(restarted);
    const response = await adminFetch(
      `${restarted.url}/api/2/timeseries/things/oc:m1/${WATTS}?from=${observed - HOUR}&to=${Date.now() + HOUR}`,
    );
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).series).toEqual({ t: times, value: [1, 2, 3] });
    expect(await restarted.kill('SIGTERM')).toBe(0);
  }, 90_000);
});
