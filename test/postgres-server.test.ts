// The real server on PostgreSQL: the things API end to end, nothing acknowledged lost to kill -9,
// a PostgreSQL restart under write load ridden out without a restart of Twinfold, commits whose
// answer the network lost (answered truthfully, also across kill -9), and one server per schema.
// Runs against a private cluster of its own (test/support/private-postgres.ts), which it stops and
// starts, through a proxy that loses messages where a test needs it (test/support/postgres-proxy.ts);
// the machine's shared PostgreSQL is never touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgresProxy, type PostgresProxy } from './support/postgres-proxy.js';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const cluster = await startPrivatePostgres();
const whyNot = typeof cluster === 'string' ? cluster : '';
if (whyNot && process.env.CI === 'true') throw new Error(`postgres-server test: ${whyNot}`);
const pg = typeof cluster === 'string' ? null : cluster;

const dataDir = mkdtempSync(join(tmpdir(), 'twinfold-pg-server-'));
const servers: ServerProcess[] = [];
const proxies: PostgresProxy[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  for (const p of proxies) await p.close();
  await pg?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts Twinfold on `schema` of the private cluster (at `store`: through a proxy, say). */
async function serve(schema: string, store = (pg as PrivatePostgres).url): Promise<ServerProcess> {
  const server = await startServerProcess([
    '--store',
    store,
    '--store-schema',
    schema,
    '--data',
    join(dataDir, schema),
    '--mqtt-port',
    '0',
  ]);
  servers.push(server);
  return server;
}

function send(url: string, body: unknown, method = 'PUT', type = 'application/json') {
  return adminFetch(url, { method, body: JSON.stringify(body), headers: { 'content-type': type } });
}

async function json(response: Promise<Response>): Promise<unknown> {
  return (await response).json();
}

/** Waits until `/ready` answers 200 (true), or gives up after `ms` (false). */
async function readyWithin(server: ServerProcess, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await fetch(`${server.url}/ready`)).status === 200) return true;
    await sleep(100);
  }
  return false;
}

/** The attribute `v` of a thing and its revision, as the server serves them. */
async function served(server: ServerProcess, thingId: string) {
  return json(adminFetch(`${server.url}/api/2/things/${thingId}?fields=attributes,_revision`));
}

/** True once the server logged that a commit's answer was lost. */
function doubted(server: ServerProcess): boolean {
  return server.logs.some((l) =>
    String(l.msg).startsWith('the answer to a journal commit was lost'),
  );
}

// Skipped only outside CI when no private PostgreSQL cluster can be started; the reason is in the
// title. Under CI the file fails instead (see the throw above).
describe.skipIf(pg === null)(`twinfold on PostgreSQL${pg ? '' : ` (skipped: ${whyNot})`}`, () => {
  it('serves the things API end to end: create, read, patch, search, history, time travel', async () => {
    const server = await serve('api');
    const thing = `${server.url}/api/2/things/pg.test:lamp`;
    const createdRes = await send(thing, {
      attributes: { room: 'hall', floor: 1 },
      features: { light: { properties: { on: false, lux: 10 } } },
    });
    expect(createdRes.status).toBe(201);
    expect(
      (await send(`${server.url}/api/2/things/pg.test:fan`, { attributes: { room: 'attic' } }))
        .status,
    ).toBe(201);
    expect((await send(`${thing}/features/light/properties/on`, true)).status).toBe(204);
    const patched = await send(
      thing,
      { attributes: { floor: 2 }, features: { light: { properties: { lux: 300 } } } },
      'PATCH',
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(204);

    expect(await json(adminFetch(`${thing}?fields=attributes,features,_revision`))).toEqual({
      attributes: { room: 'hall', floor: 2 },
      features: { light: { properties: { on: true, lux: 300 } } },
      _revision: 3,
    });
    const found = (await json(
      adminFetch(`${server.url}/api/2/search/things?filter=eq(attributes/floor,2)&fields=thingId`),
    )) as { items: { thingId: string }[] };
    expect(found.items).toEqual([{ thingId: 'pg.test:lamp' }]);
    expect(
      await json(adminFetch(`${server.url}/api/2/search/things/count?namespaces=pg.test`)),
    ).toBe(2);

    const history = (await json(adminFetch(`${thing}/history`))) as {
      revision: number;
      topic: string;
    }[];
    expect(history.map((e) => [e.revision, e.topic.split('/').pop()])).toEqual([
      [1, 'created'],
      [2, 'modified'],
      [3, 'merged'],
    ]);
    const atTwo = await adminFetch(`${thing}?fields=attributes,features`, {
      headers: { 'at-historical-revision': '2' },
    });
    expect(atTwo.status).toBe(200);
    expect(await atTwo.json()).toEqual({
      attributes: { room: 'hall', floor: 1 },
      features: { light: { properties: { on: true, lux: 10 } } },
    });

    // And all of it comes back from PostgreSQL after a restart of Twinfold.
    await server.kill('SIGTERM');
    const again = await serve('api');
    expect(
      await json(adminFetch(`${again.url}/api/2/things/pg.test:lamp?fields=attributes,_revision`)),
    ).toEqual({ attributes: { room: 'hall', floor: 2 }, _revision: 3 });
    expect(
      (await json(adminFetch(`${again.url}/api/2/things/pg.test:lamp/history`))) as unknown[],
    ).toHaveLength(3);
    await again.kill('SIGTERM');
  });

  it('keeps every acknowledged write after kill -9 under a 16-connection write load', async () => {
    const WRITERS = 16;
    const id = (w: number) => `pg.crash:dev-${w}`;
    const server = await serve('crash');
    for (let w = 0; w < WRITERS; w++) {
      const res = await send(`${server.url}/api/2/things/${id(w)}`, {
        features: { f: { properties: { n: 0 } } },
      });
      expect(res.status).toBe(201);
    }
    const acked = new Array<number>(WRITERS).fill(0);
    let stop = false;
    let interrupted = 0;
    const writer = async (w: number) => {
      for (let n = 1; !stop && n <= 20_000; n++) {
        try {
          const res = await send(`${server.url}/api/2/things/${id(w)}/features/f/properties/n`, n);
          if (res.status !== 204) throw new Error(`unexpected ${res.status}`);
          acked[w] = n;
        } catch {
          interrupted++;
          return; // the server died mid-request: this write was never acknowledged
        }
      }
    };
    const load = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await sleep(2500);
    await server.kill('SIGKILL');
    stop = true;
    await Promise.all(load);
    expect(acked.reduce((a, b) => a + b, 0)).toBeGreaterThan(200); // the load really ran
    expect(interrupted).toBeGreaterThan(0); // and the kill really cut writes in flight

    const restarted = await serve('crash');
    for (let w = 0; w < WRITERS; w++) {
      const thing = (await json(
        adminFetch(`${restarted.url}/api/2/things/${id(w)}?fields=features,_revision`),
      )) as { features: { f: { properties: { n: number } } }; _revision: number };
      // One more write than acknowledged may have committed just before the kill; never fewer.
      const n = thing.features.f.properties.n;
      expect([w, n >= acked[w] && n <= acked[w] + 1]).toEqual([w, true]);
      expect(thing._revision).toBe(n + 1);
      const history = (await json(
        adminFetch(`${restarted.url}/api/2/things/${id(w)}/history?from-revision=2&limit=10000`),
      )) as { value: number }[];
      expect(history.map((e) => e.value)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
    await restarted.kill('SIGTERM');
  }, 90_000);

  it('rides out a PostgreSQL restart under write load: 503 while it is down, then recovers by itself', async () => {
    const WRITERS = 16;
    const id = (w: number) => `pg.outage:dev-${w}`;
    const server = await serve('outage');
    for (let w = 0; w < WRITERS; w++) {
      const res = await send(`${server.url}/api/2/things/${id(w)}`, {
        features: { f: { properties: { n: 0 } } },
      });
      expect(res.status).toBe(201);
    }
    /** Per twin, the values written and answered 204, in order. */
    const acked: number[][] = Array.from({ length: WRITERS }, () => [0]);
    /** Per twin, the values refused with 503. */
    const refused: Set<number>[] = Array.from({ length: WRITERS }, () => new Set());
    const unexpected: string[] = [];
    const ackTimes: number[] = [];
    /** Per twin, when its last write was acknowledged. */
    const lastAck = new Array<number>(WRITERS).fill(0);
    let stop = false;
    const deadline = Date.now() + 40_000;
    const writer = async (w: number) => {
      for (let n = 1; !stop && n <= 50_000 && Date.now() < deadline; n++) {
        let res: Response;
        try {
          res = await send(`${server.url}/api/2/things/${id(w)}/features/f/properties/n`, n);
        } catch (error) {
          unexpected.push(`twin ${w} value ${n}: ${(error as Error).message}`);
          return;
        }
        if (res.status === 204) {
          acked[w].push(n);
          ackTimes.push(Date.now());
          lastAck[w] = Date.now();
        } else if (res.status === 503) {
          const body = (await res.json()) as { error?: string };
          if (body.error !== 'storage.unavailable' || res.headers.get('retry-after') !== '1') {
            unexpected.push(`twin ${w} value ${n}: 503 ${JSON.stringify(body)}`);
          }
          refused[w].add(n);
          await sleep(20);
        } else {
          unexpected.push(`twin ${w} value ${n}: ${res.status} ${await res.text()}`);
          await sleep(20);
        }
      }
    };
    const load = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const ready = () => fetch(`${server.url}/ready`).then((r) => r.status);

    await sleep(1500);
    const before = ackTimes.length;
    await (pg as PrivatePostgres).stop('immediate');
    const down = Date.now();
    // While PostgreSQL is away Twinfold says it is not ready; keep it down ~2 s.
    const readyWhileDown: number[] = [];
    while (Date.now() - down < 2000) {
      readyWhileDown.push(await ready());
      await sleep(100);
    }
    const ackedWhileDown = ackTimes.filter((t) => t > down + 1000).length;
    await (pg as PrivatePostgres).start();
    const up = Date.now();
    // Writes succeed again by themselves: wait until every twin has one acknowledged after `up`.
    const recoveredBy = up + 15_000;
    const ackedAfter = () => lastAck.every((t) => t > up);
    while (Date.now() < recoveredBy && !ackedAfter()) await sleep(50);
    const recovered = Date.now();
    stop = true;
    await Promise.all(load);

    expect(before).toBeGreaterThan(50); // the load really ran before the outage
    expect(unexpected).toEqual([]);
    expect(readyWhileDown).toContain(503);
    expect(ackedWhileDown).toBe(0);
    expect(refused.some((values) => values.size > 0)).toBe(true);
    expect(ackedAfter()).toBe(true);
    expect(recovered - up).toBeLessThan(15_000);
    expect(await ready()).toBe(200);
    const after = await send(`${server.url}/api/2/things/${id(0)}/features/f/properties/n`, -1);
    expect(after.status).toBe(204);
    acked[0].push(-1);

    // Every acknowledged write survives a kill -9, no refused one appears, in order.
    await server.kill('SIGKILL');
    const restarted = await serve('outage');
    for (let w = 0; w < WRITERS; w++) {
      const values = acked[w];
      const thing = (await json(
        adminFetch(`${restarted.url}/api/2/things/${id(w)}?fields=features,_revision`),
      )) as { features: { f: { properties: { n: number } } }; _revision: number };
      expect([w, thing.features.f.properties.n]).toEqual([w, values[values.length - 1]]);
      expect([w, thing._revision]).toEqual([w, values.length]);
      const history = (await json(
        adminFetch(`${restarted.url}/api/2/things/${id(w)}/history?from-revision=2&limit=10000`),
      )) as { value: number }[];
      expect([w, history.map((e) => e.value)]).toEqual([w, values.slice(1)]);
    }
    await restarted.kill('SIGTERM');
  }, 120_000);

  it('acknowledges a write whose commit answer was lost when the commit landed, and it is there', async () => {
    const proxy = await startPostgresProxy((pg as PrivatePostgres).url);
    proxies.push(proxy);
    const server = await serve('doubt_landed', proxy.url);
    const thing = `${server.url}/api/2/things/pg.doubt:landed`;
    expect((await send(thing, { attributes: { v: 'first' } })).status).toBe(201);

    // PostgreSQL gets the commit and commits it; its answer is lost with the connection.
    const fired = proxy.arm('mark-landed-7781', 'answer');
    const write = await send(`${thing}/attributes/v`, 'mark-landed-7781');
    await fired;
    expect(doubted(server)).toBe(true);
    expect(write.status).toBe(204);
    expect(await served(server, 'pg.doubt:landed')).toEqual({
      attributes: { v: 'mark-landed-7781' },
      _revision: 2,
    });
    expect(await readyWithin(server, 5000)).toBe(true);
    expect((await send(`${thing}/attributes/w`, 'after')).status).toBe(201);

    await server.kill('SIGKILL');
    const restarted = await serve('doubt_landed');
    expect(await served(restarted, 'pg.doubt:landed')).toEqual({
      attributes: { v: 'mark-landed-7781', w: 'after' },
      _revision: 3,
    });
    await restarted.kill('SIGTERM');
  }, 60_000);

  it('refuses with 503 a write whose commit never reached PostgreSQL, and it is absent, also after a restart', async () => {
    const proxy = await startPostgresProxy((pg as PrivatePostgres).url);
    proxies.push(proxy);
    const server = await serve('doubt_lost', proxy.url);
    const thing = `${server.url}/api/2/things/pg.doubt:lost`;
    expect((await send(thing, { attributes: { v: 'first' } })).status).toBe(201);

    // The connection breaks as the commit is sent: PostgreSQL never gets it.
    const fired = proxy.arm('mark-lost-5523', 'request');
    const write = await send(`${thing}/attributes/v`, 'mark-lost-5523');
    await fired;
    expect(doubted(server)).toBe(true);
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toBe('1');
    const body = (await write.json()) as { error: string; message: string };
    expect(body.error).toBe('storage.unavailable');
    expect(body.message).toMatch(/nothing of this request was stored/);
    expect(await served(server, 'pg.doubt:lost')).toEqual({
      attributes: { v: 'first' },
      _revision: 1,
    });
    // Writes resume by themselves; the refused one never appears.
    expect(await readyWithin(server, 10_000)).toBe(true);
    expect((await send(`${thing}/attributes/w`, 'after')).status).toBe(201);

    await server.kill('SIGKILL');
    const restarted = await serve('doubt_lost');
    expect(await served(restarted, 'pg.doubt:lost')).toEqual({
      attributes: { v: 'first', w: 'after' },
      _revision: 2,
    });
    const history = (await json(
      adminFetch(`${restarted.url}/api/2/things/pg.doubt:lost/history`),
    )) as { value: unknown }[];
    expect(JSON.stringify(history)).not.toContain('mark-lost-5523');
    await restarted.kill('SIGTERM');
  }, 60_000);

  it('killed -9 while a commit is in doubt: after the restart what PostgreSQL has is served, and no client was told it was not written', async () => {
    const proxy = await startPostgresProxy((pg as PrivatePostgres).url);
    proxies.push(proxy);
    const cases = [
      { lose: 'answer' as const, thingId: 'pg.doubt:killed-landed', marker: 'mark-kill-3301' },
      { lose: 'request' as const, thingId: 'pg.doubt:killed-lost', marker: 'mark-kill-3302' },
    ];
    for (const { lose, thingId, marker } of cases) {
      const server = await serve('doubt_killed', proxy.url);
      const thing = `${server.url}/api/2/things/${thingId}`;
      expect((await send(thing, { attributes: { v: 'first' } })).status).toBe(201);
      // The message is lost and the network is cut: the commit stays in doubt while Twinfold asks.
      const fired = proxy.arm(marker, lose, { partition: true });
      const answer = send(`${thing}/attributes/v`, marker).then(
        (r) => r.status,
        () => 'no answer',
      );
      await fired;
      await sleep(1500);
      expect(doubted(server)).toBe(true);
      await server.kill('SIGKILL');
      expect([lose, await answer]).toEqual([lose, 'no answer']);
      proxy.heal();

      const restarted = await serve('doubt_killed');
      const expected = lose === 'answer' ? { v: marker } : { v: 'first' };
      expect([lose, await served(restarted, thingId)]).toEqual([
        lose,
        { attributes: expected, _revision: lose === 'answer' ? 2 : 1 },
      ]);
      await restarted.kill('SIGTERM');
    }
  }, 90_000);

  it('answers 503 storage.outcome.unknown when PostgreSQL cannot be asked in time; the write stands and is served once it can', async () => {
    const proxy = await startPostgresProxy((pg as PrivatePostgres).url);
    proxies.push(proxy);
    const server = await serve('doubt_unknown', proxy.url);
    const thing = `${server.url}/api/2/things/pg.doubt:unknown`;
    const other = `${server.url}/api/2/things/pg.doubt:other`;
    expect((await send(thing, { attributes: { v: 'first' } })).status).toBe(201);
    expect((await send(other, { attributes: { v: 'first' } })).status).toBe(201);

    // PostgreSQL commits; the answer is lost and the network stays cut past the 10 s bound.
    const fired = proxy.arm('mark-unknown-9127', 'answer', { partition: true });
    const started = Date.now();
    const write = send(`${thing}/attributes/v`, 'mark-unknown-9127');
    await fired;
    // Meanwhile other writes are refused at once, as not written (they are not).
    await sleep(300);
    const meanwhile = await send(`${other}/attributes/v`, 'meanwhile');
    expect(meanwhile.status).toBe(503);
    expect(((await meanwhile.json()) as { error: string }).error).toBe('storage.unavailable');
    const answer = await write;
    expect(Date.now() - started).toBeGreaterThanOrEqual(9000);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body.status).toBe(503);
    expect(body.error).toBe('storage.outcome.unknown');
    expect(body.message).toMatch(/did not confirm whether this request was stored/);
    expect(body.description).toMatch(/read the thing: its revision/);
    expect(body.description).toMatch(/will not be undone later/);

    // The network comes back: Twinfold recovers by itself and serves what PostgreSQL holds.
    proxy.heal();
    expect(await readyWithin(server, 15_000)).toBe(true);
    expect(await served(server, 'pg.doubt:unknown')).toEqual({
      attributes: { v: 'mark-unknown-9127' },
      _revision: 2,
    });
    const history = (await json(
      adminFetch(`${server.url}/api/2/things/pg.doubt:unknown/history`),
    )) as { revision: number; value: unknown }[];
    expect(history.map((e) => e.revision)).toEqual([1, 2]);
    expect(
      await json(
        adminFetch(
          `${server.url}/api/2/search/things/count?filter=eq(attributes/v,"mark-unknown-9127")`,
        ),
      ),
    ).toBe(1);
    expect(await served(server, 'pg.doubt:other')).toEqual({
      attributes: { v: 'first' },
      _revision: 1,
    });
    const next = await send(`${thing}/attributes/w`, 'next');
    expect(next.status).toBe(201);

    await server.kill('SIGKILL');
    const restarted = await serve('doubt_unknown');
    expect(await served(restarted, 'pg.doubt:unknown')).toEqual({
      attributes: { v: 'mark-unknown-9127', w: 'next' },
      _revision: 3,
    });
    await restarted.kill('SIGTERM');
  }, 90_000);

  it('says it is not ready while PostgreSQL is away, even with no write failing, and ready after', async () => {
    const server = await serve('idle');
    const ready = () => fetch(`${server.url}/ready`).then((r) => r.status);
    expect(await ready()).toBe(200);
    await (pg as PrivatePostgres).stop('immediate');
    const until = async (status: number) => {
      const end = Date.now() + 10_000;
      while (Date.now() < end) {
        if ((await ready()) === status) return true;
        await sleep(100);
      }
      return false;
    };
    const notReady = await until(503);
    await (pg as PrivatePostgres).start();
    expect(notReady).toBe(true);
    expect(await until(200)).toBe(true);
    const write = await send(`${server.url}/api/2/things/pg.idle:t`, {});
    expect(write.status).toBe(201);
    await server.kill('SIGTERM');
  }, 60_000);

  it('refuses a second server on the same schema, naming the holder, also after PostgreSQL restarted', async () => {
    const first = await serve('locked');
    const refusal = async () => {
      const error = await serve('locked').then(
        () => new Error('the second server started'),
        (e: unknown) => e as Error,
      );
      return error.message;
    };
    expect(await refusal()).toMatch(
      /Schema "locked" of PostgreSQL at .* is in use by another Twinfold server \(backend pid \d+ from 127\.0\.0\.1\/32\)/,
    );

    // PostgreSQL restarts: the lock's session ends with it; the first server takes it again.
    await (pg as PrivatePostgres).restart('fast');
    const until = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < until) {
      status = (await send(`${first.url}/api/2/things/pg.lock:t`, { attributes: {} })).status;
      if (status < 300) break;
      await sleep(200);
    }
    expect(status).toBeLessThan(300);
    expect(await refusal()).toMatch(/is in use by another Twinfold server/);
    await first.kill('SIGTERM');
  }, 90_000);
});
