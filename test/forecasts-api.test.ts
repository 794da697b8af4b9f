// The built-in forecaster through the real application: POST /api/2/forecasts on a twin's own
// series, its run read back and compared, a scheduled forecast service, and every bad request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

let fx: SecureFixture;
const POWER = 'features/power/properties/watts';
const STEP = 300_000;
/** Three days of 5-minute points ending now: a daily wave around 200 W. */
const END = Math.floor(Date.now() / STEP) * STEP;
const T = Array.from({ length: 864 }, (_, i) => END - (863 - i) * STEP);
const V = T.map((t) => 200 + 50 * Math.sin((2 * Math.PI * (t % 86_400_000)) / 86_400_000));

beforeAll(async () => {
  fx = await createSecureFixture();
  for (const id of ['fc:h1', 'fc:h2']) {
    const put = await fx.send('PUT', `/api/2/things/${id}`, fx.admin, {
      attributes: { kind: 'fc-host' },
      features: { power: { properties: {} } },
    });
    expect(put.statusCode, put.body).toBe(201);
    const backfill = await fx.send('POST', `/api/2/timeseries/things/${id}/${POWER}`, fx.admin, {
      t: T,
      v: V,
    });
    expect(backfill.statusCode, backfill.body).toBe(200);
  }
});
afterAll(async () => {
  await fx.close();
});

describe('forecasts API', () => {
  it('forecasts a twin property: a run of twinfold.forecast with mean and an interval', async () => {
    const response = await fx.send('POST', '/api/2/forecasts', fx.admin, {
      thingId: 'fc:h1',
      pointer: POWER,
      horizon: '1h',
      step: '5m',
    });
    expect(response.statusCode, response.body).toBe(201);
    const run = response.json();
    expect(run).toMatchObject({ modelId: 'twinfold.forecast', scenario: null });
    expect(response.headers.location).toContain(`/api/2/runs/${run.runId}`);
    const series = await fx.send(
      'GET',
      `/api/2/runs/${run.runId}/series?thingId=fc:h1&pointer=${POWER}`,
      fx.admin,
    );
    expect(series.statusCode, series.body).toBe(200);
    const { t, mean, lower, upper } = series.json();
    expect(t).toEqual(Array.from({ length: 12 }, (_, i) => END + (i + 1) * STEP));
    for (let i = 0; i < t.length; i++) {
      expect(lower[i]).toBeLessThanOrEqual(mean[i]);
      expect(mean[i]).toBeLessThanOrEqual(upper[i]);
      // The wave continues: within 20 W of its true value an hour ahead.
      const truth = 200 + 50 * Math.sin((2 * Math.PI * (t[i] % 86_400_000)) / 86_400_000);
      expect(Math.abs(mean[i] - truth)).toBeLessThan(20);
    }
    // Actual and predicted together, for charting; the prediction alone as CSV, in a range.
    const both = await fx.send(
      'GET',
      `/api/2/timeseries/things/fc:h1/${POWER}?from=${END - 3_600_000}&to=${END + 3_600_000}&run=${run.runId}`,
      fx.admin,
    );
    expect(both.statusCode, both.body).toBe(200);
    expect(both.json().series.t.length).toBe(13);
    expect(both.json().predicted).toMatchObject({ runId: run.runId, t, mean, lower, upper });
    const csv = await fx.request({
      method: 'GET',
      url: `/api/2/runs/${run.runId}/series?thingId=fc:h1&pointer=${POWER}&from=${t[10]}`,
      headers: { authorization: fx.admin, accept: 'text/csv' },
    });
    expect(csv.body).toBe(
      `t,mean,lower,upper\n${[10, 11].map((i) => [t[i], mean[i], lower[i], upper[i]].join(',')).join('\n')}\n`,
    );
    expectError(
      await fx.send(
        'GET',
        `/api/2/timeseries/things/fc:h1/${POWER}?run=run-00000000000000000000`,
        fx.admin,
      ),
      404,
      'models:run.series.notfound',
    );
    const models = await fx.send('GET', '/api/2/models/twinfold.forecast', fx.admin);
    expect(models.json()).toMatchObject({ kind: 'forecast' });
  });

  it('a forecast model runs the built-in forecaster with its parameters', async () => {
    const put = await fx.send('PUT', '/api/2/models/fc-day', fx.admin, {
      kind: 'forecast',
      parameters: { horizonMs: 7_200_000, stepMs: STEP, method: 'seasonal-naive' },
    });
    expect(put.statusCode, put.body).toBe(201);
    const run = await fx.send('POST', '/api/2/models/fc-day/runs', fx.admin, {
      series: [{ thingId: 'fc:h2', pointer: POWER }],
    });
    expect(run.statusCode, run.body).toBe(201);
    const series = await fx.send(
      'GET',
      `/api/2/runs/${run.json().runId}/series?thingId=fc:h2&pointer=${POWER}`,
      fx.admin,
    );
    const { t, mean } = series.json();
    expect(t.length).toBe(24);
    // Seasonal-naive repeats the day before, point for point.
    expect(mean[0]).toBeCloseTo(V[T.indexOf(t[0] - 86_400_000)], 9);
  });

  it('bad requests - 400 naming the field, and nothing is kept', async () => {
    const before = (await fx.send('GET', '/api/2/models/twinfold.forecast/runs', fx.admin)).json()
      .length;
    const cases: [unknown, string][] = [
      [{ thingId: 'fc:h1', pointer: POWER }, 'horizon'],
      [{ thingId: 'fc:h1', pointer: POWER, horizon: 'a day' }, 'horizon'],
      [{ thingId: 'fc:h1', pointer: POWER, horizon: '1h', step: '7m' }, 'horizon'],
      [{ thingId: 'fc:h1', pointer: POWER, horizon: '1h', method: 'crystal-ball' }, 'method'],
      [{ thingId: 'fc:h1', pointer: POWER, horizon: '1h', level: 2 }, 'level'],
      [{ thingId: 'fc:h1', pointer: POWER, horizon: '1h', colour: 'red' }, 'colour'],
      [{ thingId: 'fc:nothing', pointer: POWER, horizon: '1h' }, 'thingId'],
      [{ thingId: 'fc:h1', pointer: 'features/power/properties/none', horizon: '1h' }, "'history'"],
    ];
    for (const [body, field] of cases) {
      const response = await fx.send('POST', '/api/2/forecasts', fx.admin, body);
      expectError(response, 400, 'models:forecast.invalid');
      expect(response.json().message, JSON.stringify(body)).toContain(field);
    }
    const after = (await fx.send('GET', '/api/2/models/twinfold.forecast/runs', fx.admin)).json()
      .length;
    expect(after).toBe(before);
  });

  it('a forecast service forecasts every twin its filter selects, on demand', async () => {
    const put = await fx.send('PUT', '/api/2/services/fc-hosts', fx.admin, {
      kind: 'forecast',
      filter: 'eq(attributes/kind,"fc-host")',
      pointer: `/${POWER}`,
      horizon: '1h',
      step: '5m',
    });
    expect(put.statusCode, put.body).toBe(201);
    const started = await fx.send('POST', '/api/2/services/fc-hosts/run', fx.admin);
    expect(started.statusCode, started.body).toBe(202);
    await expect
      .poll(async () => (await fx.send('GET', '/api/2/services/fc-hosts/runs', fx.admin)).json(), {
        timeout: 20_000,
      })
      .toMatchObject({ items: [{ status: 'succeeded' }] });
    const runs = (await fx.send('GET', '/api/2/models/twinfold.forecast/runs', fx.admin)).json();
    const things = runs.flatMap((r: { series: { thingId: string }[] }) =>
      r.series.map((s) => s.thingId),
    );
    expect(things).toEqual(expect.arrayContaining(['fc:h1', 'fc:h2']));
    expectError(
      await fx.send('POST', '/api/2/services/fc-none/run', fx.admin),
      404,
      'services:service.notfound',
    );
  });

  it('a service whose owner was deleted no longer runs: its run fails, saying why', async () => {
    const carol = await fx.addUser('carol');
    await fx.send('PUT', '/api/2/policies/fc:carol', fx.admin, {
      entries: {
        carol: {
          subjects: { 'user:carol': { type: 'user' } },
          resources: { 'thing:/': { grant: ['READ', 'WRITE'], revoke: [] } },
        },
      },
    });
    const put = await fx.send('PUT', '/api/2/services/fc-carol', carol, {
      kind: 'forecast',
      filter: 'eq(attributes/kind,"fc-host")',
      pointer: `/${POWER}`,
      horizon: '1h',
    });
    expect(put.statusCode, put.body).toBe(201);
    expect((await fx.send('DELETE', '/api/2/users/carol', fx.admin)).statusCode).toBe(204);
    expect((await fx.send('POST', '/api/2/services/fc-carol/run', fx.admin)).statusCode).toBe(202);
    await expect
      .poll(async () => (await fx.send('GET', '/api/2/services/fc-carol/runs', fx.admin)).json(), {
        timeout: 20_000,
      })
      .toMatchObject({
        items: [
          { status: 'failed', error: expect.stringMatching(/owner user:carol no longer exists/) },
        ],
      });
  });
});
