// Nothing lost: a server killed with SIGKILL under write load keeps every acknowledged write.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'twinfold-crash-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const WRITERS = 48;
const thingId = (w: number) => `crash.test:dev-${w}`;

async function put(url: string, body: unknown, method = 'PUT'): Promise<Response> {
  return adminFetch(url, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

describe('durability', () => {
  it('keeps every acknowledged write after kill -9 under write load', async () => {
    const server = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(server);
    for (let w = 0; w < WRITERS; w++) {
      const res = await put(`${server.url}/api/2/things/${thingId(w)}`, {
        features: { f: { properties: { n: 0 } } },
      });
      expect(res.status).toBe(201);
    }
    const acked = new Array<number>(WRITERS).fill(0);
    let stop = false;
    let failures = 0;
    const writer = async (w: number) => {
      for (let n = 1; !stop; n++) {
        try {
          const res = await put(
            `${server.url}/api/2/things/${thingId(w)}/features/f/properties/n`,
            n,
          );
          if (res.status !== 204) throw new Error(`unexpected ${res.status}`);
          acked[w] = n;
        } catch {
          failures++;
          return; // the server died mid-request: this write was never acknowledged
        }
      }
    };
    const load = Array.from({ length: WRITERS }, (_, w) => writer(w));
    // Kill once the load has really run (500 acknowledged writes), however busy the machine is.
    const loaded = Date.now() + 30_000;
    while (acked.reduce((a, b) => a + b, 0) <= 500 && Date.now() < loaded)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await server.kill('SIGKILL');
    stop = true;
    await Promise.all(load);
    const total = acked.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(500); // the load really ran before the kill
    expect(failures).toBeGreaterThan(0); // and the kill really interrupted writes in flight

    const restarted = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(restarted);
    for (let w = 0; w < WRITERS; w++) {
      const thing = await (
        await adminFetch(`${restarted.url}/api/2/things/${thingId(w)}?fields=features,_revision`)
      ).json();
      // One more write than acknowledged may have committed just before the kill; never fewer.
      expect(thing.features.f.properties.n).toBeGreaterThanOrEqual(acked[w]);
      expect(thing.features.f.properties.n).toBeLessThanOrEqual(acked[w] + 1);
      expect(thing._revision).toBe(thing.features.f.properties.n + 1);
      const history = await (
        await adminFetch(
          `${restarted.url}/api/2/things/${thingId(w)}/history?from-revision=2&limit=10000`,
        )
      ).json();
      const values = history.map((e: { value: number }) => e.value);
      expect(values.slice(0, acked[w])).toEqual(Array.from({ length: acked[w] }, (_, i) => i + 1));
    }
    await restarted.kill('SIGTERM');
  }, 90_000);

  it('drains and flushes on SIGTERM, exiting 0', async () => {
    const server = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(server);
    const writes = Array.from({ length: 200 }, (_, i) =>
      put(`${server.url}/api/2/things/crash.test:term-${i}`, { attributes: { i } }).then(
        (r) => r.status,
      ),
    );
    const statuses = await Promise.all(writes);
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect(await server.kill('SIGTERM')).toBe(0);
    expect(server.logs.some((l) => l.msg === 'twinfold stopped')).toBe(true);
    const again = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(again);
    const count = await (
      await adminFetch(`${again.url}/api/2/search/things/count?namespaces=crash.test`)
    ).json();
    expect(count).toBe(WRITERS + 200);
    await again.kill('SIGTERM');
  }, 60_000);
});
