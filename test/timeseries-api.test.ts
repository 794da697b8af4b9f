// Time series through the real application: series kept from API writes and from ingest (with
// observation times and late observations), reads raw and in buckets with every fill, CSV,
// backfill, several series at once, read rights, retention, and every bad request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { ownerEntry } from './support/policy-entries.js';
import { sendOk } from './support/fixture-requests.js';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';

let fx: SecureFixture;
let alice: string;
let bob: string;

const T0 = Date.UTC(2020, 0, 1); // a minute-aligned instant long before the tests run
const WATTS = 'features/power/properties/watts';

beforeAll(async () => {
  fx = await createSecureFixture({ maxSeriesPoints: 1000, seriesPruneEveryMs: 50 });
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
});
afterAll(async () => {
  await fx.close();
});

async function ok(
  method: 'PUT' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  auth = fx.admin,
) {
  const response = await fx.send(method, url, auth, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

async function host(
  thingId: string,
  watts = 0,
  attributes: object = { kind: 'host' },
): Promise<void> {
  await ok('PUT', `/api/2/things/${thingId}`, {
    attributes,
    features: { power: { properties: { watts } } },
  });
}

function get(url: string, auth = fx.admin) {
  return fx.send('GET', url, auth);
}

describe('time series API', () => {
  it('keeps every number, boolean and string a write sets, at its commit time', async () => {
    const before = Date.now();
    await host('ts:h1', 100);
    await ok('PUT', `/api/2/things/ts:h1/${WATTS}`, 0);
    await ok('PATCH', '/api/2/things/ts:h1', {
      features: { power: { properties: { watts: 250.5, on: true, mode: 'eco' } } },
    });
    const after = Date.now();
    const raw = await get(`/api/2/timeseries/things/ts:h1/${WATTS}`);
    expect(raw.statusCode, raw.body).toBe(200);
    const body = raw.json();
    expect(body).toMatchObject({ thingId: 'ts:h1', pointer: WATTS, step: null, kind: 'number' });
    expect(body.series.value).toEqual([100, 0, 250.5]);
    for (const t of body.series.t as number[]) {
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThanOrEqual(after);
    }
    const list = await get('/api/2/timeseries/things/ts:h1');
    expect(
      list
        .json()
        .map((s: { pointer: string; kind: string; points: number }) => [
          s.pointer,
          s.kind,
          s.points,
        ]),
    ).toEqual(
      expect.arrayContaining([
        ['attributes/kind', 'string', 1],
        [WATTS, 'number', 3],
        ['features/power/properties/on', 'boolean', 1],
        ['features/power/properties/mode', 'string', 1],
      ]),
    );
    const on = await get('/api/2/timeseries/things/ts:h1/features/power/properties/on');
    expect(on.json().series.value).toEqual([true]);
  });

  it('backfill - historical points, then buckets with every aggregation and fill, JSON and CSV', async () => {
    await host('ts:h2', 5);
    // Minute buckets from T0: [0] 10, 20 · [1] empty · [2] empty · [3] 40 · [4] empty
    const t = [T0 + 1000, T0 + 59_000, T0 + 3 * 60_000 + 5000];
    const backfill = await ok('POST', `/api/2/timeseries/things/ts:h2/${WATTS}`, {
      t,
      v: [10, 20, 40],
    });
    expect(backfill.json()).toEqual({ points: 3, current: false });
    // Older than the twin's value: the twin keeps 5.
    expect((await get(`/api/2/things/ts:h2/${WATTS}`)).json()).toBe(5);
    const range = `from=${T0}&to=${T0 + 4 * 60_000 + 1}`;
    const aggs = await get(
      `/api/2/timeseries/things/ts:h2/${WATTS}?${range}&step=1m&agg=avg,min,max,sum,count,first,last`,
    );
    expect(aggs.statusCode, aggs.body).toBe(200);
    expect(aggs.json()).toMatchObject({ step: '1m' });
    expect(aggs.json().series).toEqual({
      t: [0, 1, 2, 3, 4].map((i) => T0 + i * 60_000),
      avg: [15, null, null, 40, null],
      min: [10, null, null, 40, null],
      max: [20, null, null, 40, null],
      sum: [30, null, null, 40, null],
      count: [2, 0, 0, 1, 0],
      first: [10, null, null, 40, null],
      last: [20, null, null, 40, null],
    });
    const series = (fill: string) =>
      get(`/api/2/timeseries/things/ts:h2/${WATTS}?${range}&step=1m&fill=${fill}`).then(
        (r) => r.json().series,
      );
    expect((await series('previous')).avg).toEqual([15, 15, 15, 40, 40]);
    expect((await series('linear')).avg).toEqual([15, 15 + 25 / 3, 15 + 50 / 3, 40, null]);
    expect(await series('none')).toEqual({ t: [T0, T0 + 180_000], avg: [15, 40] });
    const csv = await fx.request({
      method: 'GET',
      url: `/api/2/timeseries/things/ts:h2/${WATTS}?${range}&step=1m&agg=avg,count`,
      headers: { authorization: fx.admin, accept: 'text/csv' },
    });
    expect(csv.headers['content-type'], csv.body).toMatch(/^text\/csv/);
    expect(csv.body).toBe(
      `t,avg,count\n${T0},15,2\n${T0 + 60_000},,0\n${T0 + 120_000},,0\n${T0 + 180_000},40,1\n${T0 + 240_000},,0\n`,
    );
    // Parquet holds the same columns and values (nulls as nulls).
    const parquet = await fx.request({
      method: 'GET',
      url: `/api/2/timeseries/things/ts:h2/${WATTS}?${range}&step=1m&agg=avg,count`,
      headers: { authorization: fx.admin, accept: 'application/vnd.apache.parquet' },
    });
    expect(parquet.headers['content-type'], parquet.body).toBe('application/vnd.apache.parquet');
    const bytes = parquet.rawPayload;
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer,
    });
    expect(rows.map((r) => [Number(r.t), r.avg, Number(r.count)])).toEqual([
      [T0, 15, 2],
      [T0 + 60_000, null, 0],
      [T0 + 120_000, null, 0],
      [T0 + 180_000, 40, 1],
      [T0 + 240_000, null, 0],
    ]);
    // The list of a twin's series answers in JSON only: CSV is not acceptable there.
    const listCsv = await fx.request({
      method: 'GET',
      url: '/api/2/timeseries/things/ts:h2',
      headers: { authorization: fx.admin, accept: 'text/csv' },
    });
    expectError(listCsv, 406, 'mediatype.notacceptable');
    // Raw points in CSV are the same data as the JSON.
    const rawCsv = await fx.request({
      method: 'GET',
      url: `/api/2/timeseries/things/ts:h2/${WATTS}?${range}`,
      headers: { authorization: fx.admin, accept: 'text/csv' },
    });
    expect(rawCsv.body).toBe(`t,value\n${t[0]},10\n${t[1]},20\n${t[2]},40\n`);
  });

  it('backfill - a newest point newer than the series also becomes the twin value; CSV uploads', async () => {
    await host('ts:h3', 1);
    const future = Date.now() + 60_000;
    const upload = await fx.request({
      method: 'POST',
      url: `/api/2/timeseries/things/ts:h3/${WATTS}`,
      headers: { authorization: fx.admin, 'content-type': 'text/csv' },
      payload: `timestamp,value\n2020-01-01T00:00:00Z,7\n${future},9.5\n`,
    });
    expect(upload.statusCode, upload.body).toBe(200);
    expect(upload.json()).toEqual({ points: 2, current: true });
    expect((await get(`/api/2/things/ts:h3/${WATTS}`)).json()).toBe(9.5);
    const raw = (
      await get(`/api/2/timeseries/things/ts:h3/${WATTS}?from=${T0}&to=${future}`)
    ).json();
    expect(raw.series.value).toEqual([7, 1, 9.5]);
    expect(raw.series.t[0]).toBe(T0);
    expect(raw.series.t[2]).toBe(future);
  });

  it('backfill - a Parquet upload, read back the same; a broken one is a 400 that keeps nothing', async () => {
    await host('ts:pq', 1);
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'timestamp', data: [BigInt(T0), BigInt(T0 + 5000)], type: 'INT64' },
        { name: 'value', data: [3.5, 4.5], type: 'DOUBLE' },
      ],
    });
    const upload = await fx.request({
      method: 'POST',
      url: `/api/2/timeseries/things/ts:pq/${WATTS}`,
      headers: { authorization: fx.admin, 'content-type': 'application/vnd.apache.parquet' },
      payload: Buffer.from(file),
    });
    expect(upload.statusCode, upload.body).toBe(200);
    const raw = (
      await get(`/api/2/timeseries/things/ts:pq/${WATTS}?from=${T0}&to=${T0 + 10_000}`)
    ).json();
    expect(raw.series).toEqual({ t: [T0, T0 + 5000], value: [3.5, 4.5] });
    const broken = await fx.request({
      method: 'POST',
      url: `/api/2/timeseries/things/ts:pq/${WATTS}`,
      headers: { authorization: fx.admin, 'content-type': 'application/vnd.apache.parquet' },
      payload: Buffer.from('not parquet at all'),
    });
    expectError(broken, 400, 'timeseries:body.invalid');
  });

  it('ingest - values at their observation time; a late observation joins the series, not the twin', async () => {
    await ok('PUT', '/api/2/ingest/specs/ts-meter', {
      source: { http: {} },
      thingId: '{{$.id}}',
      timestamp: { path: '$.ts', format: 'epoch-ms' },
      values: { [WATTS]: '$.w' },
    });
    // No watts yet: a value set now through the API would make every 2020 observation late.
    await ok('PUT', '/api/2/things/ts:m1', { features: { power: { properties: {} } } });
    const send = (ts: number, w: number) =>
      ok('POST', '/api/2/ingest/ts-meter', { id: 'ts:m1', ts, w });
    await send(T0 + 1000, 1);
    await send(T0 + 3000, 3);
    await send(T0 + 2000, 2); // late
    expect((await get(`/api/2/things/ts:m1/${WATTS}`)).json()).toBe(3);
    const raw = (
      await get(`/api/2/timeseries/things/ts:m1/${WATTS}?from=${T0}&to=${T0 + 10_000}`)
    ).json();
    expect(raw.series).toEqual({ t: [T0 + 1000, T0 + 2000, T0 + 3000], value: [1, 2, 3] });
    // A late value of another kind is refused as the series' kind, and kept as a dead letter.
    const wrong = await fx.send('POST', '/api/2/ingest/ts-meter', fx.admin, {
      id: 'ts:m1',
      ts: T0 + 500,
      w: 'x',
    });
    expect(wrong.statusCode).toBeLessThan(500);
    const letters = (await get('/api/2/ingest/deadletters?spec=ts-meter')).json();
    expect(JSON.stringify(letters)).toContain('kind.mismatch');
  });

  it('query - listed series and a filter, combined per bucket', async () => {
    for (const [id, w] of [
      ['ts:q1', 10],
      ['ts:q2', 30],
    ] as const) {
      await host(id, 0, { kind: 'rack-q' });
      await ok('POST', `/api/2/timeseries/things/${id}/${WATTS}`, {
        t: [T0, T0 + 60_000],
        v: [w, w + 1],
      });
    }
    const body = { from: String(T0), to: String(T0 + 60_000), step: '1m', agg: 'avg,count' };
    const listed = await fx.send('POST', '/api/2/timeseries/query', fx.admin, {
      ...body,
      series: [
        { thingId: 'ts:q1', pointer: WATTS },
        { thingId: 'ts:q2', pointer: `/${WATTS}` },
      ],
      combine: 'sum',
    });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(
      listed
        .json()
        .series.map((s: { thingId: string; series: { avg: number[] } }) => [
          s.thingId,
          s.series.avg,
        ]),
    ).toEqual([
      ['ts:q1', [10, 11]],
      ['ts:q2', [30, 31]],
    ]);
    expect(listed.json().combined).toEqual({ t: [T0, T0 + 60_000], avg: [40, 42], count: [2, 2] });
    const filtered = await fx.send('POST', '/api/2/timeseries/query', fx.admin, {
      ...body,
      filter: 'eq(attributes/kind,"rack-q")',
      pointer: WATTS,
      combine: 'avg',
    });
    expect(filtered.statusCode, filtered.body).toBe(200);
    expect(filtered.json().combined.avg).toEqual([20, 21]);
    const missing = await fx.send('POST', '/api/2/timeseries/query', fx.admin, {
      ...body,
      series: [{ thingId: 'ts:nope', pointer: WATTS }],
    });
    expectError(missing, 404, 'timeseries:series.notfound');
  });

  it('reads need READ on the pointer under the twin policy; backfill needs WRITE', async () => {
    await ok('PUT', '/api/2/policies/ts:pol', {
      entries: {
        owner: ownerEntry('admin-fixture'),
        reader: {
          subjects: { 'user:alice': { type: 'user' } },
          resources: { [`thing:/${WATTS}`]: { grant: ['READ'], revoke: [] } },
        },
      },
    });
    await ok('PUT', '/api/2/things/ts:secret', {
      policyId: 'ts:pol',
      attributes: { secret: 42 },
      features: { power: { properties: { watts: 3 } } },
    });
    expect((await get(`/api/2/timeseries/things/ts:secret/${WATTS}`, alice)).statusCode).toBe(200);
    expectError(
      await get('/api/2/timeseries/things/ts:secret/attributes/secret', alice),
      404,
      'timeseries:series.notfound',
    );
    expectError(
      await get(`/api/2/timeseries/things/ts:secret/${WATTS}`, bob),
      404,
      'timeseries:series.notfound',
    );
    expect(
      (await get('/api/2/timeseries/things/ts:secret', alice))
        .json()
        .map((s: { pointer: string }) => s.pointer),
    ).toEqual([WATTS]);
    expect((await get('/api/2/timeseries/things/ts:secret', bob)).json()).toEqual([]);
    const write = await fx.send('POST', `/api/2/timeseries/things/ts:secret/${WATTS}`, alice, {
      t: [T0],
      v: [1],
    });
    expect(write.statusCode).toBe(404);
  });

  it('retention - set, read and removed by an administrator only', async () => {
    const put = await fx.send('PUT', '/api/2/timeseries/retention/ts', fx.admin, {
      raw: '7d',
      tiers: { '1m': '90d' },
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(put.json()).toEqual({ raw: '7d', tiers: { '1m': '90d', '1h': null } });
    expect((await get('/api/2/timeseries/retention/ts')).json()).toEqual({
      raw: '7d',
      tiers: { '1m': '90d', '1h': null },
    });
    expect(
      (await fx.send('PUT', '/api/2/timeseries/retention/ts', fx.admin, { raw: '14d' })).statusCode,
    ).toBe(200);
    expectError(
      await fx.send('PUT', '/api/2/timeseries/retention/ts', alice, { raw: '1d' }),
      403,
      'timeseries:retention.forbidden',
    );
    expectError(
      await fx.send('PUT', '/api/2/timeseries/retention/ts', fx.admin, { raw: '7 days' }),
      400,
      'timeseries:body.invalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/timeseries/retention/ts', fx.admin, { tiers: { '5m': '1d' } }),
      400,
      'timeseries:body.invalid',
    );
    expect((await get('/api/2/timeseries/retention/ts')).json().raw).toBe('14d');
    expect((await fx.send('DELETE', '/api/2/timeseries/retention/ts', fx.admin)).statusCode).toBe(
      204,
    );
    expectError(await get('/api/2/timeseries/retention/ts'), 404, 'timeseries:retention.notfound');
  });

  it('retention - raw points older than the namespace keeps are pruned; tiers and other namespaces stay', async () => {
    const now = Date.now();
    for (const id of ['tsr:a', 'ts:keep']) {
      await host(id, 1);
      await ok('POST', `/api/2/timeseries/things/${id}/${WATTS}`, {
        t: [T0, T0 + 1000],
        v: [5, 6],
      });
    }
    await ok('PUT', '/api/2/timeseries/retention/tsr', { raw: '1d' });
    const rawOf = async (id: string) =>
      (await get(`/api/2/timeseries/things/${id}/${WATTS}?from=${T0}&to=${now + 60_000}`)).json()
        .series.value;
    await expect.poll(() => rawOf('tsr:a'), { timeout: 5000 }).toEqual([1]);
    expect(await rawOf('ts:keep')).toEqual([5, 6, 1]);
    // The minute tier is kept for ever: the pruned minute still answers in buckets.
    const buckets = await get(
      `/api/2/timeseries/things/tsr:a/${WATTS}?from=${T0}&to=${T0 + 59_999}&step=1m&agg=sum,count`,
    );
    expect(buckets.json().series).toEqual({ t: [T0], sum: [11], count: [2] });
  });

  it('bad requests - 400 naming the parameter or field, 404 for an unknown series', async () => {
    await host('ts:bad', 1);
    const url = `/api/2/timeseries/things/ts:bad/${WATTS}`;
    const refused = async (query: string, name: string) => {
      const response = await get(`${url}?${query}`);
      expectError(response, 400, 'timeseries:parameter.invalid');
      expect(response.json().message).toContain(`'${name}'`);
    };
    await refused('from=now&to=now-1h', 'from');
    await refused('step=5m&agg=median', 'agg');
    await refused('step=fortnight', 'step');
    await refused('from=yesterday', 'from');
    await refused('from=9000000000000000', 'from');
    await refused('fill=linear', 'fill');
    await refused('step=1m&fill=zero', 'fill');
    expect((await get(`${url}?limit=3`)).statusCode).toBe(400);
    expectError(
      await get('/api/2/timeseries/things/ts:bad/features/power/properties/nothing'),
      404,
      'timeseries:series.notfound',
    );
    expectError(
      await get('/api/2/timeseries/things/ts:ghost/features/x/properties/y'),
      404,
      'timeseries:series.notfound',
    );
    const tooMany = await get(`${url}?from=0&to=${Date.now()}&step=1s`);
    expectError(tooMany, 400, 'timeseries:points.toomany');
    expect(tooMany.json().description).toMatch(/larger step/);
    const string = await get(
      '/api/2/timeseries/things/ts:h1/features/power/properties/mode?from=now-1h&step=1m&fill=linear',
    );
    expectError(string, 400, 'timeseries:parameter.invalid');
    const bodies: [unknown, string][] = [
      [{ t: [1, 2], v: [1] }, '/v'],
      [{ t: [], v: [] }, '/t'],
      [{ t: [1.5], v: [1] }, '/t/0'],
      [{ t: [1], v: [{}] }, '/v/0'],
      [{ t: [1], v: [1], extra: 1 }, '/extra'],
      [{ t: [1], v: ['text'] }, 'v[0]'],
    ];
    for (const [body, field] of bodies) {
      const response = await fx.send('POST', url, fx.admin, body);
      expectError(response, 400, 'timeseries:body.invalid');
      expect(response.json().message, JSON.stringify(body)).toContain(`'${field}'`);
    }
    expectError(
      await fx.send('POST', '/api/2/timeseries/things/ts:bad/definition', fx.admin, {
        t: [1],
        v: [1],
      }),
      400,
      'timeseries:body.invalid',
    );
    for (const body of [
      {},
      { series: [] },
      { filter: 'eq(a,1)' },
      { series: [{ thingId: 'x', pointer: 'p' }] },
      { series: [{ thingId: 'ts:bad', pointer: WATTS }], combine: 'sum' },
    ])
      expectError(
        await fx.send('POST', '/api/2/timeseries/query', fx.admin, body),
        400,
        'timeseries:body.invalid',
      );
    // Nothing of the refused backfills landed.
    expect((await get(url)).json().series.value).toEqual([1]);
  });
});

describe('time series off', () => {
  it('--series off keeps no series and has no time-series routes', async () => {
    const off = await createSecureFixture({ series: 'off' });
    try {
      await sendOk(off, 'PUT', '/api/2/things/ts:off', off.admin, { attributes: { a: 1 } });
      const response = await off.send(
        'GET',
        '/api/2/timeseries/things/ts:off/attributes/a',
        off.admin,
      );
      expect(response.statusCode).toBe(404);
      expect(response.json().error).not.toBe('timeseries:series.notfound');
      expect(await off.platform.storage.series.describe('ts:off', 'attributes/a')).toBeNull();
    } finally {
      await off.close();
    }
  });
});
