// Models, scenarios and runs through the real application: CRUD, registered runs and their series,
// compare against actual series with known answers, every bad input refused naming its field and
// changing nothing, access rules, and forecast runs through an injected forecaster. Compares read
// the platform's series store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Forecaster } from '../src/models/model-service.js';
import { expectError } from './support/ditto-error.js';
import { ownerEntry } from './support/policy-entries.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

const V = 'features/f/properties/v';
let fx: SecureFixture;
let bob: string;
let carol: string;
let readOnly: string;

beforeAll(async () => {
  // Compares read the platform's own series store: the actual points are backfilled into it.
  fx = await createSecureFixture();
  bob = await fx.addUser('bob');
  carol = await fx.addUser('carol');
  const minted = await fx.send('POST', '/api/2/tokens', bob, { name: 'ro', readOnly: true });
  readOnly = fx.bearer(minted.json().token as string);
  // bob may read only features/f/properties/v of models:shared; models:secret is the admin's alone.
  await ok('PUT', '/api/2/policies/models:shared', fx.admin, {
    entries: {
      admin: ownerEntry('carol'),
      bob: {
        subjects: { 'user:bob': { type: 'user' } },
        resources: { [`thing:/${V}`]: { grant: ['READ'], revoke: [] } },
      },
    },
  });
  await ok('PUT', '/api/2/things/models:shared', fx.admin, {
    policyId: 'models:shared',
    features: { f: { properties: { v: 1, w: 2 } } },
  });
  await ok('PUT', '/api/2/things/models:secret', fx.admin, {
    features: { f: { properties: { v: 1 } } },
  });
  await ok('POST', `/api/2/timeseries/things/models:shared/${V}`, fx.admin, {
    t: [1000, 2500, 4000, 5000, 6000],
    v: [1, 4, 1, 5, 100],
  });
  await ok('POST', `/api/2/timeseries/things/models:secret/${V}`, fx.admin, {
    t: [1000, 3000],
    v: [10, 30],
  });
});
afterAll(async () => {
  await fx?.close();
});

async function ok(method: 'PUT' | 'POST' | 'DELETE', url: string, auth: string, body?: unknown) {
  const response = await fx.send(method, url, auth, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

/** A valid series of models:shared with bounds (the compare's known answers). */
function sharedSeries(extra: Record<string, unknown> = {}) {
  return {
    thingId: 'models:shared',
    pointer: V,
    t: [1000, 2000, 3000, 4000, 5000],
    mean: [1, 2, 3, 4, 5],
    lower: [0, 2.5, 2, 0, 6],
    upper: [2, 3.5, 4, 2, 6],
    level: 0.9,
    ...extra,
  };
}

describe('models API', () => {
  it('models - create (201, Location), read, list, replace (204), delete (204), then 404', async () => {
    const created = await fx.send('PUT', '/api/2/models/power-v1', fx.admin, {
      kind: 'external',
      parameters: { source: 'opendc', racks: [1, 2] },
      description: 'OpenDC power',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.location).toMatch(/\/api\/2\/models\/power-v1$/);
    expect(created.json()).toMatchObject({
      modelId: 'power-v1',
      kind: 'external',
      parameters: { source: 'opendc', racks: [1, 2] },
      description: 'OpenDC power',
      revision: 1,
    });
    const replaced = await fx.send('PUT', '/api/2/models/power-v1', fx.admin, {
      kind: 'simulation',
    });
    expect(replaced.statusCode).toBe(204);
    expect(replaced.body).toBe('');
    const read = (await fx.send('GET', '/api/2/models/power-v1', bob)).json();
    expect(read).toMatchObject({ modelId: 'power-v1', kind: 'simulation', parameters: {} });
    expect(read.revision).toBe(2);
    expect(read.description).toBeUndefined();
    expect(read.created).toBe(created.json().created);
    const listed = (await fx.send('GET', '/api/2/models', bob)).json() as { modelId: string }[];
    expect(listed.map((m) => m.modelId)).toContain('power-v1');
    expect((await fx.send('DELETE', '/api/2/models/power-v1', fx.admin)).statusCode).toBe(204);
    for (const method of ['GET', 'DELETE'] as const)
      expectError(
        await fx.send(method, '/api/2/models/power-v1', fx.admin),
        404,
        'models:model.notfound',
      );
  });

  it('models - refuse bad ids and bodies with a 400 naming the field, changing nothing', async () => {
    await ok('PUT', '/api/2/models/kept', fx.admin, { kind: 'external', parameters: { a: 1 } });
    const before = (await fx.send('GET', '/api/2/models', fx.admin)).body;
    const cases: [string, unknown, string][] = [
      ['kept', { kind: 'external', extra: 1 }, "'extra'"],
      ['kept', { parameters: {} }, "'kind'"],
      ['kept', { kind: 'crystal-ball' }, "'kind'"],
      ['kept', { kind: 'external', parameters: [1] }, "'parameters'"],
      ['kept', { kind: 'external', description: 5 }, "'description'"],
      ['kept', [], "'body'"],
      ['kept', { kind: 'forecast' }, "'parameters/horizonMs'"],
      ['kept', { kind: 'forecast', parameters: { horizonMs: -1 } }, "'parameters/horizonMs'"],
      ['kept', { kind: 'forecast', parameters: { horizonMs: 1, alpha: 2 } }, "'parameters/alpha'"],
      ['kept', { kind: 'forecast', parameters: { horizonMs: 1, level: 1 } }, "'parameters/level'"],
      ['-bad', { kind: 'external' }, "'modelId'"],
      ['a%20b', { kind: 'external' }, "'modelId'"],
    ];
    for (const [id, body, field] of cases) {
      const response = await fx.send('PUT', `/api/2/models/${id}`, fx.admin, body);
      expectError(response, 400, 'models:model.invalid');
      expect(response.json().message, JSON.stringify(body)).toContain(field);
    }
    expect((await fx.send('GET', '/api/2/models', fx.admin)).body).toBe(before);
  });

  it('scenarios - CRUD, bad bodies refused, and 409 while a run uses one', async () => {
    const created = await fx.send('PUT', '/api/2/scenarios/hot-summer', bob, {
      parameters: { inletC: 30 },
      description: 'what if the inlet is 30 °C',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      scenarioId: 'hot-summer',
      parameters: { inletC: 30 },
      owner: 'user:bob',
    });
    expect(
      (await fx.send('PUT', '/api/2/scenarios/hot-summer', bob, { parameters: { inletC: 35 } }))
        .statusCode,
    ).toBe(204);
    const before = (await fx.send('GET', '/api/2/scenarios', bob)).body;
    for (const [body, field] of [
      [{}, "'parameters'"],
      [{ parameters: 3 }, "'parameters'"],
      [{ parameters: {}, name: 'x' }, "'name'"],
    ] as const) {
      const response = await fx.send('PUT', '/api/2/scenarios/hot-summer', bob, body);
      expectError(response, 400, 'models:scenario.invalid');
      expect(response.json().message).toContain(field);
    }
    // Only its creator or an administrator may change it; anyone may read it.
    expectError(
      await fx.send('PUT', '/api/2/scenarios/hot-summer', carol, { parameters: {} }),
      403,
      'models:scenario.notmodifiable',
    );
    expectError(
      await fx.send('DELETE', '/api/2/scenarios/hot-summer', carol),
      403,
      'models:scenario.notmodifiable',
    );
    expect((await fx.send('GET', '/api/2/scenarios', carol)).body).toBe(before);
    expect((await fx.send('GET', '/api/2/scenarios/hot-summer', carol)).json().parameters).toEqual({
      inletC: 35,
    });

    await ok('PUT', '/api/2/models/scenario-user', fx.admin, { kind: 'external' });
    const run = await ok('POST', '/api/2/models/scenario-user/runs', fx.admin, {
      scenario: 'hot-summer',
      series: [sharedSeries()],
    });
    expect(run.json().scenario).toBe('hot-summer');
    expectError(
      await fx.send('DELETE', '/api/2/scenarios/hot-summer', bob),
      409,
      'models:scenario.inuse',
    );
    await ok('DELETE', `/api/2/runs/${String(run.json().runId)}`, fx.admin);
    expect((await fx.send('DELETE', '/api/2/scenarios/hot-summer', bob)).statusCode).toBe(204);
    expectError(
      await fx.send('GET', '/api/2/scenarios/hot-summer', bob),
      404,
      'models:scenario.notfound',
    );
  });

  it('runs - register (201 with runId), read, list, series as raw arrays, compare with known answers, delete', async () => {
    await ok('PUT', '/api/2/models/ext', fx.admin, { kind: 'external' });
    const created = await fx.send('POST', '/api/2/models/ext/runs', fx.admin, {
      series: [
        sharedSeries(),
        // No bounds; 7000 lies after the last actual point, so it is unmatched.
        { thingId: 'models:secret', pointer: `/${V}`, t: [1000, 2000, 7000], mean: [12, 18, 0] },
      ],
    });
    expect(created.statusCode, created.body).toBe(201);
    const run = created.json();
    expect(run.runId).toMatch(/^run-[0-9a-z]{19}$/);
    expect(created.headers.location).toMatch(new RegExp(`/api/2/runs/${String(run.runId)}$`));
    expect(run).toMatchObject({
      modelId: 'ext',
      scenario: null,
      owner: expect.any(String) as string,
      from: 1000,
      to: 7000,
      series: [
        { thingId: 'models:secret', pointer: V, points: 3, bounds: false, level: null },
        { thingId: 'models:shared', pointer: V, points: 5, bounds: true, level: 0.9 },
      ],
    });
    expect((await fx.send('GET', `/api/2/runs/${String(run.runId)}`, fx.admin)).json()).toEqual(
      run,
    );
    const listed = (await fx.send('GET', '/api/2/models/ext/runs', fx.admin)).json() as {
      runId: string;
    }[];
    expect(listed.map((r) => r.runId)).toEqual([run.runId]);

    const series = await fx.send(
      'GET',
      `/api/2/runs/${String(run.runId)}/series?thingId=models:shared&pointer=${V}`,
      fx.admin,
    );
    expect(series.statusCode, series.body).toBe(200);
    expect(series.json()).toEqual({ runId: run.runId, ...sharedSeries() });
    const secret = await fx.send(
      'GET',
      `/api/2/runs/${String(run.runId)}/series?thingId=models:secret&pointer=/${V}`,
      fx.admin,
    );
    expect(secret.json()).toEqual({
      runId: run.runId,
      thingId: 'models:secret',
      pointer: V,
      t: [1000, 2000, 7000],
      mean: [12, 18, 0],
    });

    const compare = await fx.send('GET', `/api/2/runs/${String(run.runId)}/compare`, fx.admin);
    expect(compare.statusCode, compare.body).toBe(200);
    const [secretCompare, shared] = compare.json().series as Record<string, unknown>[];
    // Actual (1000,1) (2500,4) (4000,1) (5000,5): interpolated 1, 3, 3, 1, 5 at the run's instants;
    // the point at 6000 lies outside the run's range and is not used.
    expect(shared.aligned).toEqual({
      t: [1000, 2000, 3000, 4000, 5000],
      actual: [1, 3, 3, 1, 5],
      mean: [1, 2, 3, 4, 5],
      lower: [0, 2.5, 2, 0, 6],
      upper: [2, 3.5, 4, 2, 6],
    });
    expect(shared).toMatchObject({ matched: 5, unmatched: 0, level: 0.9, mapeSkipped: 0 });
    expect(shared.mae).toBeCloseTo(0.8, 12);
    expect(shared.rmse).toBeCloseTo(Math.SQRT2, 12);
    expect(shared.mape).toBeCloseTo(200 / 3, 10);
    expect(shared.mase).toBeCloseTo(0.4, 12);
    expect(shared.coverage).toBeCloseTo(0.8, 12);
    // Actual (1000,10) (3000,30): 10 and 20; 7000 has no actual point after it.
    expect(secretCompare).toMatchObject({
      thingId: 'models:secret',
      matched: 2,
      unmatched: 1,
      mae: 2,
      rmse: 2,
      coverage: null,
      level: null,
      aligned: { t: [1000, 2000, 7000], actual: [10, 20, null], mean: [12, 18, 0] },
    });
    expect(secretCompare.mape).toBeCloseTo(100 * ((2 / 10 + 2 / 20) / 2), 12);
    // Naive one-step MAE of 10, 20 is 10.
    expect(secretCompare.mase).toBeCloseTo(0.2, 12);

    expect((await fx.send('DELETE', `/api/2/runs/${String(run.runId)}`, fx.admin)).statusCode).toBe(
      204,
    );
    for (const path of ['', '/compare', `/series?thingId=models:shared&pointer=${V}`])
      expectError(
        await fx.send('GET', `/api/2/runs/${String(run.runId)}${path}`, fx.admin),
        404,
        'models:run.notfound',
      );
  });

  it('runs - refuse every bad body with a 400 naming the field, keeping nothing', async () => {
    await ok('PUT', '/api/2/models/strict', fx.admin, { kind: 'external' });
    const cases: [unknown, string][] = [
      [{ series: [sharedSeries({ mean: [1, 2, 3] })] }, "'series/0/mean'"],
      [{ series: [sharedSeries({ t: [1000, 2000, 2000, 4000, 5000] })] }, "'series/0/t'"],
      [{ series: [sharedSeries({ t: [1000, 3000, 2000, 4000, 5000] })] }, "'series/0/t'"],
      [{ series: [sharedSeries({ t: [1000.5, 2000, 3000, 4000, 5000] })] }, "'series/0/t/0'"],
      [{ series: [sharedSeries({ t: [], mean: [], lower: [], upper: [] })] }, "'series/0/t'"],
      [{ series: [sharedSeries({ mean: [1, 2, 'x', 4, 5] })] }, "'series/0/mean/2'"],
      [{ series: [sharedSeries({ lower: [0, 2.5, 5, 0, 6] })] }, "'series/0/lower'"],
      [{ series: [sharedSeries({ lower: [0, 1] })] }, "'series/0/lower'"],
      [{ series: [sharedSeries({ upper: undefined })] }, "'series/0/upper'"],
      [{ series: [sharedSeries({ level: 0 })] }, "'series/0/level'"],
      [{ series: [sharedSeries({ level: 1 })] }, "'series/0/level'"],
      [{ series: [sharedSeries({ level: 1.5 })] }, "'series/0/level'"],
      [{ series: [{ ...sharedSeries(), lower: undefined, upper: undefined }] }, "'series/0/level'"],
      [{ series: [sharedSeries({ color: 'red' })] }, "'series/0/color'"],
      [{ series: [sharedSeries({ thingId: 'no-namespace' })] }, "'series/0/thingId'"],
      [{ series: [sharedSeries({ pointer: 'features/f' })] }, "'series/0/pointer'"],
      [{ series: [sharedSeries({ pointer: 'attributes//x' })] }, "'series/0/pointer'"],
      [{ series: [sharedSeries({ thingId: 'models:nothing-here' })] }, "'series/0/thingId'"],
      [{ series: [sharedSeries(), sharedSeries({ pointer: `/${V}` })] }, "'series/1'"],
      [{ series: [] }, "'series'"],
      [{}, "'series'"],
      [{ series: [sharedSeries()], scenario: 'no-such-scenario' }, "'scenario'"],
      [{ series: [sharedSeries()], scenario: 7 }, "'scenario'"],
      [{ series: [sharedSeries()], runId: 'mine' }, "'runId'"],
    ];
    for (const [body, field] of cases) {
      const response = await fx.send('POST', '/api/2/models/strict/runs', fx.admin, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expectError(response, 400, 'models:run.invalid');
      expect(response.json().message, JSON.stringify(body)).toContain(field);
    }
    expect((await fx.send('GET', '/api/2/models/strict/runs', fx.admin)).json()).toEqual([]);
    expectError(
      await fx.send('POST', '/api/2/models/nope/runs', fx.admin, { series: [sharedSeries()] }),
      404,
      'models:model.notfound',
    );
    expectError(
      await fx.send('GET', '/api/2/models/nope/runs', fx.admin),
      404,
      'models:model.notfound',
    );
  });

  it('runs - a simulation model has no built-in runner: refused with a 400 that says so', async () => {
    await ok('PUT', '/api/2/models/sim', fx.admin, { kind: 'simulation' });
    for (const id of ['sim']) {
      const response = await fx.send('POST', `/api/2/models/${id}/runs`, fx.admin, {
        series: [sharedSeries()],
      });
      expectError(response, 400, 'models:run.unsupported');
      expect(response.json().message).toContain('no built-in runner');
      expect((await fx.send('GET', `/api/2/models/${id}/runs`, fx.admin)).json()).toEqual([]);
    }
  });

  it('query parameters - the series needs a pointer (a twin when several), and anything unknown is refused', async () => {
    await ok('PUT', '/api/2/models/q', fx.admin, { kind: 'external' });
    const runId = (
      await ok('POST', '/api/2/models/q/runs', fx.admin, { series: [sharedSeries()] })
    ).json().runId as string;
    for (const url of [
      `/api/2/runs/${runId}/series?thingId=models:shared`,
      `/api/2/runs/${runId}/series?thingId=models:shared&pointer=${V}&step=1m`,
      `/api/2/runs/${runId}/series?thingId=models:shared&pointer=${V}&colour=red`,
      `/api/2/runs/${runId}/compare?thingId=models:shared`,
      `/api/2/runs/${runId}?fields=series`,
      '/api/2/models?kind=external',
    ])
      expect((await fx.send('GET', url, fx.admin)).statusCode, url).toBe(400);
    // Buckets of the run's mean, as a series read gives them (bounds averaged).
    const buckets = await fx.send(
      'GET',
      `/api/2/runs/${runId}/series?pointer=${V}&from=0&to=5999&step=2s&agg=avg,max,count`,
      fx.admin,
    );
    expect(buckets.statusCode, buckets.body).toBe(200);
    expect(buckets.json()).toMatchObject({
      step: '2s',
      t: [0, 2000, 4000],
      avg: [1, 2.5, 4.5],
      max: [1, 3, 5],
      count: [1, 2, 2],
      lower: [0, 2.25, 3],
      upper: [2, 3.75, 4],
    });
    // The run predicts that pointer of one twin only: the pointer alone names it.
    const alone = await fx.send('GET', `/api/2/runs/${runId}/series?pointer=${V}`, fx.admin);
    expect(alone.statusCode, alone.body).toBe(200);
    expect(alone.json().thingId).toBe('models:shared');
    expectError(
      await fx.send(
        'GET',
        `/api/2/runs/${runId}/series?thingId=models:shared&pointer=attributes/x`,
        fx.admin,
      ),
      404,
      'models:run.series.notfound',
    );
    expectError(
      await fx.send(
        'GET',
        `/api/2/runs/${runId}/series?thingId=models:shared&pointer=nowhere`,
        fx.admin,
      ),
      400,
      'models:run.invalid',
    );
  });

  it("access - series need READ on the twin's property; changes need the creator or an administrator", async () => {
    await ok('PUT', '/api/2/models/admins', fx.admin, { kind: 'external' });
    const runId = (
      await ok('POST', '/api/2/models/admins/runs', fx.admin, {
        series: [
          sharedSeries(),
          { thingId: 'models:secret', pointer: V, t: [1000], mean: [1] },
          { thingId: 'models:shared', pointer: 'features/f/properties/w', t: [1000], mean: [2] },
        ],
      })
    ).json().runId as string;
    // bob reads models and runs, but only the series he may read.
    const seen = (await fx.send('GET', `/api/2/runs/${runId}`, bob)).json();
    expect(seen.series).toEqual([
      { thingId: 'models:shared', pointer: V, points: 5, bounds: true, level: 0.9 },
    ]);
    expect(
      (await fx.send('GET', `/api/2/runs/${runId}/series?thingId=models:shared&pointer=${V}`, bob))
        .statusCode,
    ).toBe(200);
    for (const [thingId, pointer] of [
      ['models:secret', V],
      ['models:shared', 'features/f/properties/w'],
    ])
      expectError(
        await fx.send(
          'GET',
          `/api/2/runs/${runId}/series?thingId=${thingId}&pointer=${pointer}`,
          bob,
        ),
        404,
        'models:run.series.notfound',
      );
    const compared = (await fx.send('GET', `/api/2/runs/${runId}/compare`, bob)).json();
    expect((compared.series as { thingId: string }[]).map((s) => s.thingId)).toEqual([
      'models:shared',
    ]);
    expect(JSON.stringify(compared)).not.toContain('models:secret');
    // bob may not change the administrator's model or run, nor register series he may not read.
    expectError(
      await fx.send('PUT', '/api/2/models/admins', bob, { kind: 'external' }),
      403,
      'models:model.notmodifiable',
    );
    expectError(
      await fx.send('DELETE', '/api/2/models/admins', bob),
      403,
      'models:model.notmodifiable',
    );
    expectError(
      await fx.send('DELETE', `/api/2/runs/${runId}`, bob),
      403,
      'models:run.notmodifiable',
    );
    const hidden = await fx.send('POST', '/api/2/models/admins/runs', bob, {
      series: [{ thingId: 'models:secret', pointer: V, t: [1], mean: [1] }],
    });
    expectError(hidden, 400, 'models:run.invalid');
    expect(hidden.json().message).toContain("'series/0/thingId'");
    // The same refusal for a thing that does not exist: nothing tells the two apart.
    const missing = await fx.send('POST', '/api/2/models/admins/runs', bob, {
      series: [{ thingId: 'models:nothing', pointer: V, t: [1], mean: [1] }],
    });
    expect(missing.json().message.replace('nothing', 'secret')).toBe(hidden.json().message);
    // bob may run the administrator's model on what he may read; he (or the model's creator) may delete it.
    const bobs = await ok('POST', '/api/2/models/admins/runs', bob, {
      series: [{ thingId: 'models:shared', pointer: V, t: [1], mean: [1] }],
    });
    expect(bobs.json().owner).toBe('user:bob');
    expectError(
      await fx.send('DELETE', `/api/2/runs/${String(bobs.json().runId)}`, carol),
      403,
      'models:run.notmodifiable',
    );
    await ok('DELETE', `/api/2/runs/${String(bobs.json().runId)}`, bob);
    // A read-only credential reads but changes nothing.
    expect((await fx.send('GET', '/api/2/models/admins', readOnly)).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['PUT', '/api/2/models/ro-model', { kind: 'external' }],
      ['PUT', '/api/2/scenarios/ro-scenario', { parameters: {} }],
      ['POST', '/api/2/models/admins/runs', { series: [sharedSeries()] }],
    ] as const)
      expect((await fx.send(method, url, readOnly, body)).statusCode).toBe(403);
    expectError(
      await fx.send('GET', '/api/2/models/ro-model', fx.admin),
      404,
      'models:model.notfound',
    );
    // Without credentials, nothing.
    expect((await fx.send('GET', '/api/2/models', undefined)).statusCode).toBe(401);
  });

  it('deleting a model deletes its runs', async () => {
    await ok('PUT', '/api/2/models/doomed', bob, { kind: 'external' });
    const runId = (
      await ok('POST', '/api/2/models/doomed/runs', bob, {
        series: [{ thingId: 'models:shared', pointer: V, t: [1], mean: [1] }],
      })
    ).json().runId as string;
    await ok('DELETE', '/api/2/models/doomed', bob);
    expectError(await fx.send('GET', `/api/2/runs/${runId}`, bob), 404, 'models:run.notfound');
    await ok('PUT', '/api/2/models/doomed', bob, { kind: 'external' });
    expect((await fx.send('GET', '/api/2/models/doomed/runs', bob)).json()).toEqual([]);
  });
});

describe('forecast runs', () => {
  let f: SecureFixture;
  const calls: { history: { t: number[]; v: number[] }; options: object }[] = [];
  /** The naive forecaster: the last value at every step, with a band of ±1. */
  const naive: Forecaster = {
    methods: ['naive'],
    forecast(history, options) {
      calls.push({ history, options });
      if (history.t.length === 0) throw new Error('no history to forecast from');
      const last = history.t[history.t.length - 1];
      const value = history.v[history.v.length - 1];
      const step = options.stepMs ?? options.horizonMs;
      const t: number[] = [];
      for (let at = last + step; at <= last + options.horizonMs; at += step) t.push(at);
      return {
        t,
        mean: t.map(() => value),
        lower: t.map(() => value - 1),
        upper: t.map(() => value + 1),
        level: options.levels?.[0],
      };
    },
  };
  const now = Date.now();

  beforeAll(async () => {
    f = await createSecureFixture({
      forecaster: naive,
      modelActual: async (thingId, pointer, from, to) => {
        calls.push({ history: { t: [from, to], v: [] }, options: { thingId, pointer } });
        return thingId === 'fc:t' ? { t: [now - 2000, now - 1000], v: [3, 4] } : { t: [], v: [] };
      },
    });
    await f.send('PUT', '/api/2/things/fc:t', f.admin, {
      features: { f: { properties: { v: 4 } } },
    });
    await f.send('PUT', '/api/2/things/fc:empty', f.admin, { features: {} });
  });
  afterAll(async () => {
    await f?.close();
  });

  it("runs the forecaster on the twin's history with the model's parameters, a scenario's overriding them", async () => {
    await f.send('PUT', '/api/2/models/naive', f.admin, {
      kind: 'forecast',
      parameters: { horizonMs: 3000, stepMs: 1000, level: 0.8, historyMs: 60_000 },
    });
    await f.send('PUT', '/api/2/scenarios/coarse', f.admin, { parameters: { stepMs: 3000 } });
    calls.length = 0;
    const plain = await f.send('POST', '/api/2/models/naive/runs', f.admin, {
      series: [{ thingId: 'fc:t', pointer: V }],
    });
    expect(plain.statusCode, plain.body).toBe(201);
    const history = calls[0].history.t;
    expect(history[1] - history[0]).toBe(60_000);
    expect(calls[1].options).toEqual({
      horizonMs: 3000,
      stepMs: 1000,
      method: undefined,
      levels: [0.8],
    });
    const runId = plain.json().runId as string;
    const series = (
      await f.send('GET', `/api/2/runs/${runId}/series?thingId=fc:t&pointer=${V}`, f.admin)
    ).json();
    expect(series).toMatchObject({
      t: [now, now + 1000, now + 2000],
      mean: [4, 4, 4],
      lower: [3, 3, 3],
      upper: [5, 5, 5],
      level: 0.8,
    });
    const coarse = await f.send('POST', '/api/2/models/naive/runs', f.admin, {
      scenario: 'coarse',
      series: [{ thingId: 'fc:t', pointer: V }],
    });
    expect(coarse.json()).toMatchObject({ scenario: 'coarse', from: now + 2000, to: now + 2000 });
  });

  it('refuses forecast models with methods the forecaster lacks or a horizon off the step grid', async () => {
    for (const [parameters, field] of [
      [{ horizonMs: 3000, method: 'holt' }, "'parameters/method'"],
      [{ horizonMs: 3000, stepMs: 2000 }, "'parameters/horizonMs'"],
    ] as const) {
      const response = await f.send('PUT', '/api/2/models/off-grid', f.admin, {
        kind: 'forecast',
        parameters,
      });
      expectError(response, 400, 'models:model.invalid');
      expect(response.json().message).toContain(field);
    }
    expectError(
      await f.send('GET', '/api/2/models/off-grid', f.admin),
      404,
      'models:model.notfound',
    );
    expect(
      (
        await f.send('PUT', '/api/2/models/on-grid', f.admin, {
          kind: 'forecast',
          parameters: { horizonMs: 3000, method: 'naive' },
        })
      ).statusCode,
    ).toBe(201);
  });

  it('refuses forecast bodies with registered columns, bad scenarios and series it cannot forecast', async () => {
    await f.send('PUT', '/api/2/scenarios/wrong', f.admin, { parameters: { racks: 3 } });
    await f.send('PUT', '/api/2/scenarios/off-grid', f.admin, { parameters: { stepMs: 2000 } });
    for (const [body, field] of [
      [{ series: [{ thingId: 'fc:t', pointer: V, t: [1], mean: [1] }] }, "'series/0/t'"],
      [{ series: [{ thingId: 'fc:t', pointer: V }], scenario: 'wrong' }, "'scenario'"],
      [{ series: [{ thingId: 'fc:t', pointer: V }], scenario: 'off-grid' }, "'scenario'"],
      [{ series: [{ thingId: 'fc:empty', pointer: V }] }, "'series/0'"],
    ] as const) {
      const response = await f.send('POST', '/api/2/models/naive/runs', f.admin, body);
      expectError(response, 400, 'models:run.invalid');
      expect(response.json().message).toContain(field);
    }
    expect((await f.send('GET', '/api/2/models/naive/runs', f.admin)).json()).toHaveLength(2);
  });
});

describe('large runs', () => {
  it('registers a series of 100,000 instants (beyond a thing body) and reads it back whole', async () => {
    await ok('PUT', '/api/2/models/big', fx.admin, { kind: 'external' });
    const n = 100_000;
    const t = Array.from({ length: n }, (_, i) => 1_600_000_000_000 + i * 1000);
    // (+ 0 turns -0, which JSON cannot carry, into 0)
    const mean = t.map((_, i) => Math.round(Math.sin(i / 100) * 1e4) / 100 + 0);
    const body = { series: [{ thingId: 'models:shared', pointer: V, t, mean }] };
    const started = performance.now();
    const created = await fx.send('POST', '/api/2/models/big/runs', fx.admin, body);
    const registered = performance.now() - started;
    expect(created.statusCode, created.body.slice(0, 200)).toBe(201);
    expect(created.json().series[0].points).toBe(n);
    const read = await fx.send(
      'GET',
      `/api/2/runs/${String(created.json().runId)}/series?thingId=models:shared&pointer=${V}`,
      fx.admin,
    );
    const readBack = performance.now() - started - registered;
    expect(read.json().t).toEqual(t);
    expect(read.json().mean).toEqual(mean);
    console.info(
      `a ${n}-instant run (${(JSON.stringify(body).length / 1e6).toFixed(1)} MB): registered in ${registered.toFixed(0)} ms, read back in ${readBack.toFixed(0)} ms`,
    );
  });
});
