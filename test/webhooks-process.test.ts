// A webhook receiver down for 60 s, then back, gets every event in order per twin, none lost, across
// kill -9 of the server both while the receiver is down and while it catches up; a redrive of dead
// letters survives kill -9 too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'twinfold-webhook-crash-'));
const servers: ServerProcess[] = [];
const receiver = new WebhookReceiver();
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

const TWINS = 6;
const DOWN_MS = 60_000;
const thingId = (t: number) => `crash.hooks:dev-${t}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(data = dir): Promise<ServerProcess> {
  // Retries at most 2 s apart, so that the test sees the receiver back soon after it is.
  const server = await startServerProcess([
    '--data',
    data,
    '--mqtt-port',
    '0',
    '--webhook-retry-max-ms',
    '2000',
  ]);
  servers.push(server);
  return server;
}

describe('webhook durability', () => {
  it('delivers every event in order per twin after 60 s of receiver downtime and two kill -9', async () => {
    await receiver.start();
    await receiver.stop(); // down from the start: its port refuses connections
    const downSince = Date.now();
    let server = await start();
    const created = await adminFetch(`${server.url}/api/2/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, namespaces: ['crash.hooks'], maxAttempts: 10_000 }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    for (let t = 0; t < TWINS; t++) {
      const res = await adminFetch(`${server.url}/api/2/things/${thingId(t)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ features: { f: { properties: { n: 0 } } } }),
      });
      expect(res.status).toBe(201);
    }
    const acked = new Array<number>(TWINS).fill(0);
    let stop = false;
    const writer = async (t: number, url: string) => {
      while (!stop) {
        const n = acked[t] + 1;
        try {
          const res = await adminFetch(
            `${url}/api/2/things/${thingId(t)}/features/f/properties/n`,
            {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: String(n),
            },
          );
          if (res.status !== 204) throw new Error(`unexpected ${res.status}`);
          acked[t] = n;
        } catch {
          return; // the server died mid-request: not acknowledged
        }
        await sleep(50);
      }
    };
    // Write while the receiver is down; kill -9 half-way; restart and write on.
    let load = Array.from({ length: TWINS }, (_, t) => writer(t, server.url));
    await sleep(DOWN_MS / 2 - (Date.now() - downSince));
    await server.kill('SIGKILL');
    await Promise.all(load);
    const beforeKill = acked.reduce((a, b) => a + b, 0);
    expect(beforeKill).toBeGreaterThan(100);
    server = await start();
    load = Array.from({ length: TWINS }, (_, t) => writer(t, server.url));
    await sleep(DOWN_MS - (Date.now() - downSince));
    stop = true;
    await Promise.all(load);
    expect(receiver.received).toHaveLength(0);
    const finalRevision: number[] = [];
    for (let t = 0; t < TWINS; t++) {
      const thing = await (
        await adminFetch(`${server.url}/api/2/things/${thingId(t)}?fields=_revision,features`)
      ).json();
      // One more write than acknowledged may have committed just before the kill.
      expect(thing.features.f.properties.n).toBeGreaterThanOrEqual(acked[t]);
      finalRevision.push(thing._revision as number);
    }
    const expected = finalRevision.reduce((a, b) => a + b, 0);
    expect(Date.now() - downSince).toBeGreaterThanOrEqual(DOWN_MS);

    // The receiver is back; kill -9 again while it catches up.
    await receiver.start();
    await receiver.until(() => receiver.received.length >= expected / 3, 30_000);
    await server.kill('SIGKILL');
    server = await start();
    const firstSeen = () => {
      const seen = new Set<string>();
      const revisions = new Map<string, number[]>();
      for (const d of receiver.received) {
        if (seen.has(d.eventId)) continue; // a redelivery (at least once): receivers dedupe
        seen.add(d.eventId);
        const list = revisions.get(d.thingId) ?? [];
        list.push(d.json.revision);
        revisions.set(d.thingId, list);
      }
      return revisions;
    };
    await receiver.until(
      () => [...firstSeen().values()].reduce((a, l) => a + l.length, 0) >= expected,
      60_000,
    );
    const revisions = firstSeen();
    for (let t = 0; t < TWINS; t++) {
      // Every revision, from the creation on, once and in order: none lost, none out of order.
      expect(revisions.get(thingId(t))).toEqual(
        Array.from({ length: finalRevision[t] }, (_, i) => i + 1),
      );
    }
    // A redelivered event keeps its id, and every id belongs to this webhook.
    for (const d of receiver.received) expect(d.eventId).toMatch(new RegExp(`^\\d+-${id}$`));
    await sleep(500);
    const log = await (
      await adminFetch(`${server.url}/api/2/webhooks/${id}/deliveries?state=dead`)
    ).json();
    expect(log.items).toEqual([]);
    const hook = await (await adminFetch(`${server.url}/api/2/webhooks/${id}`)).json();
    expect(hook.backlog).toBe(0);
  }, 300_000);

  it('keeps a redrive of dead letters across kill -9: the re-driven events are sent once resumed', async () => {
    const data = mkdtempSync(join(tmpdir(), 'twinfold-webhook-redrive-'));
    const refusing = await new WebhookReceiver().start();
    refusing.answer = () => 500;
    try {
      let server = await start(data);
      const json = { 'content-type': 'application/json' };
      const created = await adminFetch(`${server.url}/api/2/webhooks`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ url: refusing.url, namespaces: ['redrive.crash'], maxAttempts: 1 }),
      });
      const { id } = (await created.json()) as { id: string };
      for (const n of [1, 2]) {
        const res = await adminFetch(`${server.url}/api/2/things/redrive.crash:t${n}`, {
          method: 'PUT',
          headers: json,
          body: JSON.stringify({ attributes: { n } }),
        });
        expect(res.status).toBe(201);
      }
      const dead = async () =>
        (
          (await (
            await adminFetch(`${server.url}/api/2/webhooks/${id}/deliveries?state=dead`)
          ).json()) as { items: { eventId: string }[] }
        ).items;
      for (let i = 0; i < 200 && (await dead()).length < 2; i++) await sleep(25);
      const letters = await dead();
      expect(letters).toHaveLength(2);
      const post = (path: string) =>
        adminFetch(`${server.url}/api/2/webhooks/${id}${path}`, { method: 'POST' });
      expect((await post('/pause')).status).toBe(200);
      expect(await (await post('/deliveries/redrive')).json()).toEqual({ redriven: 2 });
      await server.kill('SIGKILL');

      refusing.answer = () => 200;
      refusing.received.length = 0;
      server = await start(data);
      expect(await dead()).toEqual([]);
      await sleep(300);
      expect(refusing.received).toHaveLength(0); // still paused
      expect((await post('/resume')).status).toBe(200);
      await refusing.until(() => refusing.received.length >= 2);
      expect(refusing.received.map((d) => d.eventId)).toEqual(letters.map((d) => d.eventId));
      await server.kill('SIGKILL');
    } finally {
      await refusing.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
