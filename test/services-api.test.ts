// Scheduled services through the real platform: the API (create, replace, read, delete, bad input),
// on-demand and scheduled runs against real local HTTP servers, a pull through a real ingest spec,
// the answer of an http service ingested or registered as a model run, the run log, and access.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../src/core/json.js';
import type { ForecastRequest, ServiceEffects } from '../src/scheduler/service-jobs.js';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP server whose answers a test sets; it records what it was sent. */
class Upstream {
  readonly hits: Hit[] = [];
  private server: Server | null = null;
  answer: (hit: Hit, res: ServerResponse) => void = (_hit, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  };

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        this.hits.push(hit);
        this.answer(hit, res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const registered: { owner: string; modelId: string; body: JsonObject }[] = [];
const forecasts: { owner: string; request: ForecastRequest }[] = [];
const effects: ServiceEffects = {
  async registerRun(owner, modelId, body) {
    registered.push({ owner: owner.id, modelId, body });
    return { runId: `mr-${registered.length}` };
  },
  async forecast(owner, request) {
    forecasts.push({ owner: owner.id, request });
    return { runIds: ['fc-1', 'fc-2'] };
  },
};

let fx: SecureFixture;
let upstream: Upstream;
let base: string;
let alice: string;
let bob: string;

beforeAll(async () => {
  fx = await createSecureFixture({ serviceEffects: effects, servicePollMs: 50 });
  upstream = new Upstream();
  base = await upstream.start();
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
});
afterAll(async () => {
  await fx.close();
  await upstream.stop();
});

async function put(id: string, body: unknown, auth = fx.admin, status = 201) {
  const response = await fx.send('PUT', `/api/2/services/${id}`, auth, body);
  expect(response.statusCode, response.body).toBe(status);
  return response;
}

/** Polls the run until it is no longer queued or running (real time, up to 10 s). */
async function settled(serviceId: string, runId: string, auth = fx.admin): Promise<JsonObject> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await fx.send('GET', `/api/2/services/${serviceId}/runs/${runId}`, auth);
    expect(response.statusCode, response.body).toBe(200);
    const run = response.json() as JsonObject;
    if (run.status !== 'running' && run.status !== 'queued') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${String(run.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runNow(serviceId: string, body?: unknown, auth = fx.admin): Promise<JsonObject> {
  const response = await fx.send('POST', `/api/2/services/${serviceId}/run`, auth, body);
  expect(response.statusCode, response.body).toBe(202);
  const run = response.json() as JsonObject;
  expect(response.headers.location).toMatch(
    new RegExp(`/api/2/services/${serviceId}/runs/${String(run.runId)}$`),
  );
  return settled(serviceId, String(run.runId), auth);
}

describe('services API', () => {
  it('creates (201, Location), reads with nextRun, lists, replaces (204), deletes with its runs', async () => {
    const created = await put('crud', {
      kind: 'http',
      url: `${base}/crud`,
      schedule: { every: '5m' },
      headers: { Authorization: 'Bearer upstream-secret' },
      parameters: { site: 'a' },
      timeout: '10s',
      retries: 2,
      description: 'every five minutes',
    });
    expect(created.headers.location).toMatch(/\/api\/2\/services\/crud$/);
    const view = created.json() as JsonObject;
    const next = Date.parse(String(view.nextRun));
    expect(next % 300_000).toBe(0);
    expect(next - Date.now()).toBeGreaterThan(0);
    expect(next - Date.now()).toBeLessThanOrEqual(300_000);
    expect(view).toMatchObject({
      serviceId: 'crud',
      kind: 'http',
      url: `${base}/crud`,
      method: 'POST',
      headers: { authorization: '<hidden>' },
      schedule: { every: '5m' },
      parameters: { site: 'a' },
      timeoutMs: 10_000,
      retries: 2,
      retryDelayMs: 1000,
      description: 'every five minutes',
      revision: 1,
      owner: 'user:admin',
    });
    expect(JSON.stringify(view)).not.toContain('upstream-secret');
    expect((await fx.send('GET', '/api/2/services/crud', fx.admin)).json()).toEqual(view);
    const list = await fx.send('GET', '/api/2/services', fx.admin);
    expect((list.json() as JsonObject[]).map((s) => s.serviceId)).toContain('crud');
    const replaced = await put('crud', { kind: 'http', url: `${base}/crud2` }, fx.admin, 204);
    expect(replaced.body).toBe('');
    const after = (await fx.send('GET', '/api/2/services/crud', fx.admin)).json() as JsonObject;
    expect(after).toMatchObject({ url: `${base}/crud2`, revision: 2, nextRun: null, retries: 0 });
    await runNow('crud');
    const runs = await fx.send('GET', '/api/2/services/crud/runs', fx.admin);
    expect((runs.json() as { items: unknown[] }).items).toHaveLength(1);
    expect((await fx.send('DELETE', '/api/2/services/crud', fx.admin)).statusCode).toBe(204);
    expectError(
      await fx.send('GET', '/api/2/services/crud', fx.admin),
      404,
      'services:service.notfound',
    );
    expectError(
      await fx.send('GET', '/api/2/services/crud/runs', fx.admin),
      404,
      'services:service.notfound',
    );
    // A service made again under the same id has no runs of the one deleted.
    await put('crud', { kind: 'http', url: `${base}/crud` });
    const fresh = await fx.send('GET', '/api/2/services/crud/runs', fx.admin);
    expect(fresh.json()).toEqual({ items: [] });
  });

  it('bad input - a 400 naming the field, and nothing changes', async () => {
    const cases: [unknown, string, string][] = [
      [
        { kind: 'http', url: `${base}/x`, schedule: '*/5 * * *' },
        'services:schedule.invalid',
        "'schedule'",
      ],
      [
        { kind: 'http', url: `${base}/x`, schedule: '61 * * * *' },
        'services:schedule.invalid',
        "'schedule'",
      ],
      [
        { kind: 'http', url: `${base}/x`, schedule: '0 0 30 2 *' },
        'services:schedule.invalid',
        "'schedule'",
      ],
      [
        { kind: 'http', url: `${base}/x`, schedule: { every: '5 minutes' } },
        'services:schedule.invalid',
        "'schedule'",
      ],
      [
        { kind: 'http', url: `${base}/x`, schedule: '0 * * * *', timezone: 'Mars/Base' },
        'services:schedule.invalid',
        "'timezone'",
      ],
      [
        { kind: 'http', url: `${base}/x`, shedule: '0 * * * *' },
        'services:service.invalid',
        "'shedule'",
      ],
      [{ kind: 'http', url: 'ftp://example.com/x' }, 'services:service.invalid', "'url'"],
      [{ kind: 'http', url: 'not a url' }, 'services:service.invalid', "'url'"],
      [{ kind: 'pull', url: `${base}/x` }, 'services:service.invalid', "'specId'"],
      [{ kind: 'cron', url: `${base}/x` }, 'services:service.invalid', "'kind'"],
      [
        { kind: 'http', url: `${base}/x`, timeout: 'soon' },
        'services:service.invalid',
        "'timeout'",
      ],
      [
        { kind: 'http', url: `${base}/x`, timeout: '5s', timeoutMs: 5000 },
        'services:service.invalid',
        "'timeoutMs'",
      ],
      [{ kind: 'http', url: `${base}/x`, retries: 11 }, 'services:service.invalid', "'retries'"],
      [
        { kind: 'http', url: `${base}/x`, parameters: [1] },
        'services:service.invalid',
        "'parameters'",
      ],
      [{ kind: 'http', url: `${base}/x`, specId: 'w' }, 'services:service.invalid', "'specId'"],
      [
        { kind: 'forecast', filter: 'eq(', pointer: '/a', horizon: '1h' },
        'services:service.invalid',
        "'filter'",
      ],
      [
        { kind: 'forecast', filter: 'exists(attributes)', pointer: '/a' },
        'services:service.invalid',
        "'horizon'",
      ],
    ];
    for (const [body, code, field] of cases) {
      const response = await fx.send('PUT', '/api/2/services/bad', fx.admin, body);
      expectError(response, 400, code);
      expect(response.json().message, JSON.stringify(body)).toContain(field);
    }
    expectError(
      await fx.send('GET', '/api/2/services/bad', fx.admin),
      404,
      'services:service.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/services/bad%20id', fx.admin, {
        kind: 'http',
        url: `${base}/x`,
      }),
      400,
      'services:service.id.invalid',
    );
    // A refused replacement leaves the service as it was.
    await put('kept', { kind: 'http', url: `${base}/kept`, schedule: '0 6 * * *' });
    expectError(
      await fx.send('PUT', '/api/2/services/kept', fx.admin, {
        kind: 'http',
        url: `${base}/kept`,
        schedule: 'daily',
      }),
      400,
      'services:schedule.invalid',
    );
    const kept = (await fx.send('GET', '/api/2/services/kept', fx.admin)).json() as JsonObject;
    expect([kept.revision, kept.schedule]).toEqual([1, '0 6 * * *']);
    expect(new Date(String(kept.nextRun)).getUTCHours()).toBe(6);
    expectError(
      await fx.send('POST', '/api/2/services/kept/run', fx.admin, { params: {} }),
      400,
      'services:service.invalid',
    );
    expectError(
      await fx.send('GET', '/api/2/services/kept/runs?limit=0', fx.admin),
      400,
      'parameter.invalid',
    );
  });

  it('http - a run POSTs its JSON body, and the run log says what came back', async () => {
    upstream.hits.length = 0;
    upstream.answer = (_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ note: 'hello' }));
    };
    await put('caller', {
      kind: 'http',
      url: `${base}/model`,
      headers: { 'X-Api-Key': 'k1' },
      body: { model: 'm1' },
      parameters: { horizon: 3, site: 'a' },
    });
    const run = await runNow('caller', { parameters: { site: 'b' } });
    expect(run).toMatchObject({
      serviceId: 'caller',
      status: 'succeeded',
      trigger: 'demand',
      attempt: 1,
      output: { status: 200 },
      error: null,
    });
    expect(typeof run.durationMs).toBe('number');
    expect(upstream.hits).toHaveLength(1);
    const metrics = (await fx.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('twinfold_service_runs_total{service="caller",status="succeeded"} 1');
    const hit = upstream.hits[0];
    expect([hit.method, hit.url, hit.headers['x-api-key'], hit.headers['content-type']]).toEqual([
      'POST',
      '/model',
      'k1',
      'application/json',
    ]);
    expect(JSON.parse(hit.body)).toEqual({
      serviceId: 'caller',
      runId: run.runId,
      scheduledFor: run.scheduledFor,
      parameters: { horizon: 3, site: 'b' },
      model: 'm1',
    });
  });

  it('http - an answer with observations is ingested through the spec, one with a run is registered', async () => {
    const spec = await fx.send('PUT', '/api/2/ingest/specs/svc-obs', fx.admin, {
      source: { http: {} },
      thingId: 'svc:{{$.id}}',
      values: { 'features/t/properties/value': '$.t' },
      create: {},
    });
    expect(spec.statusCode, spec.body).toBe(201);
    upstream.answer = (_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          observations: { specId: 'svc-obs', documents: [{ id: 'room1', t: 21.5 }, { t: 3 }] },
          run: { modelId: 'heat', scenario: 'base', series: [{ t: 1, v: 2 }] },
        }),
      );
    };
    await put('answers', { kind: 'http', url: `${base}/answers` });
    const run = await runNow('answers');
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const output = run.output as JsonObject;
    expect(output).toMatchObject({
      status: 200,
      run: { modelId: 'heat', runId: expect.stringMatching(/^mr-\d+$/) },
      observations: { specId: 'svc-obs', documents: 2, accepted: 1, rejected: 1 },
    });
    expect((output.observations as { deadLetters: string[] }).deadLetters).toHaveLength(1);
    const twin = await fx.send(
      'GET',
      '/api/2/things/svc:room1/features/t/properties/value',
      fx.admin,
    );
    expect([twin.statusCode, twin.body]).toEqual([200, '21.5']);
    expect(registered.at(-1)).toEqual({
      owner: 'user:admin',
      modelId: 'heat',
      body: { scenario: 'base', series: [{ t: 1, v: 2 }] },
    });
  });

  it('pull - GETs the URL and feeds the answer through an http ingest spec; rejects become dead letters', async () => {
    const spec = await fx.send('PUT', '/api/2/ingest/specs/weather', fx.admin, {
      source: { http: {} },
      thingId: 'weather:{{$.station}}',
      values: { 'features/air/properties/temperature': '$.temp' },
      create: {},
    });
    expect(spec.statusCode, spec.body).toBe(201);
    upstream.hits.length = 0;
    upstream.answer = (_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify([{ station: 'ams', temp: 7.25 }, { station: 'rtm', temp: 8 }, { temp: 1 }]),
      );
    };
    await put('weather-pull', { kind: 'pull', url: `${base}/weather?city=nl`, specId: 'weather' });
    const run = await runNow('weather-pull');
    expect(run).toMatchObject({
      status: 'succeeded',
      output: { status: 200, specId: 'weather', documents: 3, accepted: 2, rejected: 1 },
    });
    expect([upstream.hits[0].method, upstream.hits[0].url]).toEqual(['GET', '/weather?city=nl']);
    const ams = await fx.send(
      'GET',
      '/api/2/things/weather:ams/features/air/properties/temperature',
      fx.admin,
    );
    expect([ams.statusCode, ams.body]).toEqual([200, '7.25']);
    const letters = await fx.send('GET', '/api/2/ingest/deadletters?spec=weather', fx.admin);
    expect(letters.statusCode, letters.body).toBe(200);
    const items = (letters.json() as { items: JsonObject[] }).items;
    expect(items.map((l) => [l.reason, l.payload])).toEqual([['thingid.unresolved', '{"temp":1}']]);
  });

  it('forecast - calls the forecaster with the settings and the owner', async () => {
    await put('fc', {
      kind: 'forecast',
      filter: 'like(thingId,"weather:*")',
      pointer: '/features/air/properties/temperature',
      horizon: '1d',
      step: '1h',
      method: 'linear',
    });
    const run = await runNow('fc');
    expect(run).toMatchObject({ status: 'succeeded', output: { runIds: ['fc-1', 'fc-2'] } });
    expect(forecasts.at(-1)).toEqual({
      owner: 'user:admin',
      request: {
        filter: 'like(thingId,"weather:*")',
        pointer: '/features/air/properties/temperature',
        horizonMs: 86_400_000,
        stepMs: 3_600_000,
        method: 'linear',
        parameters: {},
      },
    });
  });

  it('runs - a failure is logged with its error, a run under way refuses another (409), the log pages newest first', async () => {
    let release: () => void = () => undefined;
    upstream.answer = (hit, res) => {
      if (hit.url === '/slow') {
        release = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        };
        return;
      }
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream broke');
    };
    await put('failing', { kind: 'http', url: `${base}/broken` });
    const failed = await runNow('failing');
    expect(failed).toMatchObject({ status: 'failed', attempt: 1 });
    expect(failed.error).toContain('HTTP 500');
    expect(failed.error).toContain('upstream broke');
    await put('slow', { kind: 'http', url: `${base}/slow` });
    const first = await fx.send('POST', '/api/2/services/slow/run', fx.admin);
    expect(first.statusCode, first.body).toBe(202);
    expectError(
      await fx.send('POST', '/api/2/services/slow/run', fx.admin),
      409,
      'services:run.conflict',
    );
    while (upstream.hits.filter((h) => h.url === '/slow').length === 0)
      await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect((await settled('slow', String(first.json().runId))).status).toBe('succeeded');
    const again = await fx.send('POST', '/api/2/services/slow/run', fx.admin);
    expect(again.statusCode, again.body).toBe(202);
    const second = again.json() as JsonObject;
    expect(second.status).toBe('running');
    while (upstream.hits.filter((h) => h.url === '/slow').length < 2)
      await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect((await settled('slow', String(second.runId))).status).toBe('succeeded');
    const page1 = (await fx.send('GET', '/api/2/services/slow/runs?limit=1', fx.admin)).json();
    expect(page1.items.map((r: JsonObject) => r.runId)).toEqual([second.runId]);
    const page2 = (
      await fx.send('GET', `/api/2/services/slow/runs?limit=1&cursor=${page1.cursor}`, fx.admin)
    ).json();
    expect(page2.items.map((r: JsonObject) => r.runId)).toEqual([first.json().runId]);
    expectError(
      await fx.send('GET', '/api/2/services/slow/runs/run-missing', fx.admin),
      404,
      'services:run.notfound',
    );
  });

  it('schedule - the platform runs an {every} service on its own, at its instants', async () => {
    upstream.hits.length = 0;
    upstream.answer = (_hit, res) => {
      res.writeHead(204);
      res.end();
    };
    await put('ticker', { kind: 'http', url: `${base}/tick`, schedule: { every: '1s' } });
    const deadline = Date.now() + 8000;
    let items: JsonObject[] = [];
    while (Date.now() < deadline) {
      items = (await fx.send('GET', '/api/2/services/ticker/runs', fx.admin)).json().items;
      if (items.filter((r) => r.status === 'succeeded').length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await fx.send('DELETE', '/api/2/services/ticker', fx.admin);
    const done = items.filter((r) => r.status === 'succeeded');
    expect(done.length).toBeGreaterThanOrEqual(2);
    for (const run of done) {
      expect(run.trigger).toBe('schedule');
      expect(Date.parse(String(run.scheduledFor)) % 1000).toBe(0);
    }
    const instants = done.map((r) => r.scheduledFor);
    expect(new Set(instants).size).toBe(instants.length);
  });

  it("access - a service is its owner's (and administrators'); it runs with the owner's rights", async () => {
    await put('alices', { kind: 'pull', url: `${base}/weather`, specId: 'weather' }, alice);
    expectError(
      await fx.send('GET', '/api/2/services/alices', bob),
      404,
      'services:service.notfound',
    );
    expectError(
      await fx.send('POST', '/api/2/services/alices/run', bob),
      404,
      'services:service.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/services/alices', bob, { kind: 'http', url: `${base}/x` }),
      404,
      'services:service.notfound',
    );
    expectError(
      await fx.send('DELETE', '/api/2/services/alices', bob),
      404,
      'services:service.notfound',
    );
    const bobs = (await fx.send('GET', '/api/2/services', bob)).json() as JsonObject[];
    expect(bobs.map((s) => s.serviceId)).not.toContain('alices');
    expect((await fx.send('GET', '/api/2/services/alices', fx.admin)).json().owner).toBe(
      'user:alice',
    );
    // The spec is the admin's: alice may not send to it, so her pull fails and ingests nothing.
    const run = await runNow('alices', undefined, alice);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('weather');
  });
});
