// HTTP ingest end to end: specs over the API, messages to twins, dead letters and redrive.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let fx: AppFixture;
beforeAll(async () => {
  // Configured with MQTT so MQTT specs are served; the tests inject requests and never listen.
  fx = await createAppFixture({}, {}, { mqttPort: 18830 });
});
afterAll(() => fx.close());

const TRUCKS = {
  source: { http: {} },
  thingId: 'fleet:{{$.vin}}',
  timestamp: { path: '$.ts', format: 'epoch-ms' },
  values: {
    'features/speed/properties/value': '$.speed',
    'features/fuel/properties/level': '$.fuel',
    'features/door/properties/open': '$.door',
  },
  create: { definition: 'acme:truck:1', attributes: { kind: 'truck' } },
};

const ndjson = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

function post(specId: string, payload: string, type = 'application/json') {
  return fx.request({
    method: 'POST',
    url: `/api/2/ingest/${specId}`,
    payload,
    headers: { 'content-type': type },
  });
}

async function thing(id: string) {
  const response = await fx.request({ method: 'GET', url: `/api/2/things/${id}` });
  return response.statusCode === 200 ? response.json() : null;
}

async function purgeAll() {
  await fx.request({ method: 'DELETE', url: '/api/2/ingest/deadletters' });
}

describe('ingest specs', () => {
  it('PUT creates (201) and replaces (204), GET reads and lists, DELETE removes', async () => {
    const created = await fx.send('PUT', '/api/2/ingest/specs/s1', TRUCKS);
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/\/api\/2\/ingest\/specs\/s1$/);
    expect(created.json()).toMatchObject({
      specId: 's1',
      revision: 1,
      owner: 'anonymous',
      spec: TRUCKS,
    });
    expect(
      (await fx.send('PUT', '/api/2/ingest/specs/s1', { ...TRUCKS, create: false })).statusCode,
    ).toBe(204);
    const read = await fx.request({ method: 'GET', url: '/api/2/ingest/specs/s1' });
    expect(read.json()).toMatchObject({ revision: 2, spec: { ...TRUCKS, create: false } });
    const listed = await fx.request({ method: 'GET', url: '/api/2/ingest/specs' });
    expect(listed.json().map((s: { specId: string }) => s.specId)).toContain('s1');
    expect((await fx.request({ method: 'DELETE', url: '/api/2/ingest/specs/s1' })).statusCode).toBe(
      204,
    );
    const gone = await fx.request({ method: 'GET', url: '/api/2/ingest/specs/s1' });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ status: 404, error: 'ingest:spec.notfound' });
  });

  it('a bad spec is a 400 that says where, and is not stored', async () => {
    const bad = await fx.send('PUT', '/api/2/ingest/specs/bad', {
      ...TRUCKS,
      values: { 'features/speed/properties/value': '$.speed[?(@>1)]' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 400, error: 'ingest:spec.invalid' });
    expect(bad.json().message).toMatch(
      /at \/values\/features~1speed~1properties~1value: .*not supported/,
    );
    const unknown = await fx.send('PUT', '/api/2/ingest/specs/bad', {
      ...TRUCKS,
      source: { ftp: {} },
    });
    expect(unknown.json().message).toMatch(/at \/source\/ftp: 'ftp' is not a known source/);
    const notJson = await fx.request({
      method: 'PUT',
      url: '/api/2/ingest/specs/bad',
      payload: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    expect((await fx.request({ method: 'GET', url: '/api/2/ingest/specs/bad' })).statusCode).toBe(
      404,
    );
    const badId = await fx.send('PUT', '/api/2/ingest/specs/deadletters', TRUCKS);
    expect(badId.json()).toMatchObject({ status: 400, error: 'ingest:spec.id.invalid' });
  });
});

describe('HTTP ingest', () => {
  beforeEach(async () => {
    await fx.send('PUT', '/api/2/ingest/specs/trucks', TRUCKS);
    await purgeAll();
  });

  it('NDJSON creates twins and sets every value, 0/false/null kept, one revision per message', async () => {
    const response = await post(
      'trucks',
      ndjson([
        { vin: 'A1', speed: 0, fuel: 0.5, door: false, ts: 1 },
        { vin: 'A2', speed: 80, fuel: null, door: true },
      ]),
      'application/x-ndjson',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ accepted: 2, rejected: 0, deadLetters: [] });
    const a1 = await thing('fleet:A1');
    expect(a1).toMatchObject({
      thingId: 'fleet:A1',
      definition: 'acme:truck:1',
      attributes: { kind: 'truck' },
      features: {
        speed: { properties: { value: 0 } },
        fuel: { properties: { level: 0.5 } },
        door: { properties: { open: false } },
      },
    });
    const a2 = await fx.request({
      method: 'GET',
      url: '/api/2/things/fleet:A2?fields=_revision,features',
    });
    expect(a2.json()).toEqual({
      _revision: 1,
      features: {
        speed: { properties: { value: 80 } },
        fuel: { properties: { level: null } },
        door: { properties: { open: true } },
      },
    });
    // An existing twin: one more revision holding all three changes.
    await post('trucks', JSON.stringify({ vin: 'A2', speed: 81, fuel: 0.4, door: false }));
    const after = await fx.request({
      method: 'GET',
      url: '/api/2/things/fleet:A2?fields=_revision,features',
    });
    expect(after.json()).toEqual({
      _revision: 2,
      features: {
        speed: { properties: { value: 81 } },
        fuel: { properties: { level: 0.4 } },
        door: { properties: { open: false } },
      },
    });
    // The search index sees the merged values (re-indexed value by value, in place).
    const found = await fx.request({
      method: 'GET',
      url: '/api/2/search/things?filter=and(eq(features/speed/properties/value,81),eq(features/door/properties/open,false))&fields=thingId,_revision',
    });
    expect(found.json().items).toEqual([{ thingId: 'fleet:A2', _revision: 2 }]);
    const stale = await fx.request({
      method: 'GET',
      url: '/api/2/search/things?filter=eq(features/speed/properties/value,80)&fields=thingId',
    });
    expect(stale.json().items).toEqual([]);
  });

  it('a JSON array is many messages; each rejected one is a dead letter, the rest are applied', async () => {
    const response = await post(
      'trucks',
      JSON.stringify([{ vin: 'B1', speed: 1 }, { speed: 2 }, { vin: 'B3', speed: 3, ts: 'noon' }]),
    );
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(body.deadLetters).toHaveLength(2);
    const first = await fx.request({
      method: 'GET',
      url: `/api/2/ingest/deadletters/${body.deadLetters[0]}`,
    });
    expect(first.json()).toMatchObject({
      spec: 'trucks',
      transport: 'http',
      topic: null,
      reason: 'thingid.unresolved',
      payload: '{"speed":2}',
      attempts: 0,
    });
    expect(first.json().detail).toMatch(/\$\.vin is missing/);
    const second = await fx.request({
      method: 'GET',
      url: `/api/2/ingest/deadletters/${body.deadLetters[1]}`,
    });
    expect(second.json()).toMatchObject({ reason: 'timestamp.invalid' });
    expect(await thing('fleet:B3')).toBeNull();
    expect((await thing('fleet:B1')).features.speed.properties.value).toBe(1);
  });

  it('a request whose every message is rejected is still a 200 with accepted 0', async () => {
    const response = await post('trucks', 'not json\n{"speed":1}\n', 'application/x-ndjson');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 0, rejected: 2 });
    const letters = await fx.request({
      method: 'GET',
      url: '/api/2/ingest/deadletters?spec=trucks',
    });
    expect(letters.json().items.map((l: { reason: string }) => l.reason)).toEqual([
      'payload.invalid',
      'thingid.unresolved',
    ]);
    expect(letters.json().items[0].payload).toBe('not json');
  });

  it('a malformed body is a 400 and changes nothing; other media types are a 415', async () => {
    const before = await fx.request({ method: 'GET', url: '/api/2/ingest/deadletters' });
    const malformed = await post('trucks', '[{"vin":"C1","speed":1},');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ status: 400, error: 'ingest:body.invalid' });
    expect(await thing('fleet:C1')).toBeNull();
    const form = await post('trucks', 'vin=C1', 'application/x-www-form-urlencoded');
    expect(form.statusCode).toBe(415);
    const empty = await post('trucks', '\n\n', 'application/x-ndjson');
    expect(empty.statusCode).toBe(400);
    const after = await fx.request({ method: 'GET', url: '/api/2/ingest/deadletters' });
    expect(after.json()).toEqual(before.json());
    const unknownParam = await fx.request({
      method: 'POST',
      // (timeout is a processing parameter every route honours; this one is no parameter at all)
      url: '/api/2/ingest/trucks?dryRun=5',
      payload: JSON.stringify({ vin: 'C1', speed: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(unknownParam.statusCode).toBe(400);
    expect(await thing('fleet:C1')).toBeNull();
    const unknownSpec = await post('nope', '{}');
    expect(unknownSpec.json()).toMatchObject({ status: 404, error: 'ingest:spec.notfound' });
  });

  it('without create a message for an unknown twin is a dead letter thing.notfound; redrive after fixing the spec', async () => {
    await fx.send('PUT', '/api/2/ingest/specs/strict', { ...TRUCKS, create: false });
    const response = await post('strict', JSON.stringify({ vin: 'D1', speed: 5 }));
    expect(response.json()).toMatchObject({ accepted: 0, rejected: 1 });
    const [id] = response.json().deadLetters;
    expect(
      (await fx.request({ method: 'GET', url: `/api/2/ingest/deadletters/${id}` })).json(),
    ).toMatchObject({
      reason: 'thing.notfound',
    });
    // Redriven as the spec still is: fails again, one more attempt.
    const again = await fx.request({
      method: 'POST',
      url: `/api/2/ingest/deadletters/${id}/redrive`,
    });
    expect(again.json()).toEqual({ redriven: 0, failed: 1, deadLetters: [id] });
    expect(
      (await fx.request({ method: 'GET', url: `/api/2/ingest/deadletters/${id}` })).json(),
    ).toMatchObject({
      attempts: 1,
    });
    await fx.send('PUT', '/api/2/ingest/specs/strict', TRUCKS);
    const fixed = await fx.request({
      method: 'POST',
      url: '/api/2/ingest/deadletters/redrive?spec=strict',
    });
    expect(fixed.json()).toEqual({ redriven: 1, failed: 0, deadLetters: [] });
    expect((await thing('fleet:D1')).features.speed.properties.value).toBe(5);
    expect(
      (await fx.request({ method: 'GET', url: `/api/2/ingest/deadletters/${id}` })).statusCode,
    ).toBe(404);
  });

  it('a changed spec takes effect for the next message', async () => {
    await post('trucks', JSON.stringify({ vin: 'E1', speed: 1 }));
    await fx.send('PUT', '/api/2/ingest/specs/trucks', {
      ...TRUCKS,
      values: { 'features/speed/properties/kmh': '$.speed' },
    });
    await post('trucks', JSON.stringify({ vin: 'E1', speed: 2 }));
    expect((await thing('fleet:E1')).features.speed.properties).toEqual({ value: 1, kmh: 2 });
  });

  it('1,000 NDJSON messages in one request are accepted', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => ({
      vin: `F${i % 100}`,
      speed: i,
      fuel: 0.5,
      door: i % 2 === 0,
      note: 'x'.repeat(300),
    }));
    const response = await post('trucks', ndjson(lines), 'application/x-ndjson');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ accepted: 1000, rejected: 0, deadLetters: [] });
    expect((await thing('fleet:F99')).features.speed.properties.value).toBe(999);
  });

  it('the test endpoint returns observations or errors with where, and changes nothing', async () => {
    const ok = await fx.request({
      method: 'POST',
      url: '/api/2/ingest/specs/trucks/test',
      payload: JSON.stringify({ vin: 'G1', speed: 0, ts: 1700000000000 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.json()).toEqual({
      ok: true,
      observations: [
        {
          thingId: 'fleet:G1',
          timestamp: 1700000000000,
          values: [['features/speed/properties/value', 0]],
        },
      ],
    });
    const failing = await fx.request({
      method: 'POST',
      url: '/api/2/ingest/specs/trucks/test',
      payload: JSON.stringify({ speed: 0 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(failing.json()).toMatchObject({
      ok: false,
      errors: [{ reason: 'thingid.unresolved', at: '/thingId' }],
    });
    expect(await thing('fleet:G1')).toBeNull();
    const letters = await fx.request({
      method: 'GET',
      url: '/api/2/ingest/deadletters?spec=trucks',
    });
    expect(letters.json().items).toEqual([]);
  });

  it('the test endpoint fills topic placeholders from the topic parameter', async () => {
    await fx.send('PUT', '/api/2/ingest/specs/devices', {
      source: { mqtt: { topic: 'devices/+thingId/telemetry' } },
      thingId: '{{topic.thingId}}',
      values: { 'features/temperature/properties/value': '$.temperature' },
    });
    const response = await fx.request({
      method: 'POST',
      url: '/api/2/ingest/specs/devices/test?topic=devices/com.example:s1/telemetry',
      payload: '{"temperature": 25.5}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.json()).toMatchObject({
      ok: true,
      observations: [
        { thingId: 'com.example:s1', values: [['features/temperature/properties/value', 25.5]] },
      ],
    });
    const mismatch = await fx.request({
      method: 'POST',
      url: '/api/2/ingest/specs/devices/test?topic=other/x',
      payload: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(mismatch.statusCode).toBe(400);
    const overHttp = await post('devices', '{"temperature": 1}');
    expect(overHttp.json()).toMatchObject({ status: 400, error: 'ingest:source.mismatch' });
  });
});

describe('dead letters', () => {
  beforeEach(async () => {
    await fx.send('PUT', '/api/2/ingest/specs/trucks', TRUCKS);
    await purgeAll();
  });

  it('pages with limit and cursor, filters by reason and time, purges by filter, and counts in metrics', async () => {
    const lines = ['x1', 'x2', 'x3', '{"speed":1}'].join('\n');
    await post('trucks', lines, 'application/x-ndjson');
    const first = await fx.request({ method: 'GET', url: '/api/2/ingest/deadletters?limit=2' });
    expect(first.json().items).toHaveLength(2);
    const next = await fx.request({
      method: 'GET',
      url: `/api/2/ingest/deadletters?limit=2&cursor=${first.json().cursor}`,
    });
    expect(next.json().items.map((l: { payload: string }) => l.payload)).toEqual([
      'x3',
      '{"speed":1}',
    ]);
    const byReason = await fx.request({
      method: 'GET',
      url: '/api/2/ingest/deadletters?reason=payload.invalid',
    });
    expect(byReason.json().items).toHaveLength(3);
    const future = await fx.request({
      method: 'GET',
      url: '/api/2/ingest/deadletters?since=2999-01-01T00:00:00Z',
    });
    expect(future.json().items).toEqual([]);
    const badTime = await fx.request({
      method: 'GET',
      url: '/api/2/ingest/deadletters?since=yesterday',
    });
    expect(badTime.statusCode).toBe(400);
    const unknownParam = await fx.request({
      method: 'GET',
      url: '/api/2/ingest/deadletters?colour=red',
    });
    expect(unknownParam.statusCode).toBe(400);
    const metrics = await fx.request({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /twinfold_ingest_dead_letters_total\{spec="trucks",reason="payload.invalid"\} [3-9]/,
    );
    const purged = await fx.request({
      method: 'DELETE',
      url: '/api/2/ingest/deadletters?reason=payload.invalid',
    });
    expect(purged.json()).toEqual({ purged: 3 });
    const left = await fx.request({ method: 'GET', url: '/api/2/ingest/deadletters' });
    expect(left.json().items.map((l: { reason: string }) => l.reason)).toEqual([
      'thingid.unresolved',
    ]);
    const id = left.json().items[0].id;
    expect(
      (await fx.request({ method: 'DELETE', url: `/api/2/ingest/deadletters/${id}` })).statusCode,
    ).toBe(204);
    expect(
      (await fx.request({ method: 'DELETE', url: `/api/2/ingest/deadletters/${id}` })).statusCode,
    ).toBe(404);
  });

  it('specs and dead letters survive a restart', async () => {
    const response = await post('trucks', 'garbage', 'application/x-ndjson');
    const [id] = response.json().deadLetters;
    await fx.restart();
    expect(
      (await fx.request({ method: 'GET', url: '/api/2/ingest/specs/trucks' })).statusCode,
    ).toBe(200);
    expect(
      (await fx.request({ method: 'GET', url: `/api/2/ingest/deadletters/${id}` })).json(),
    ).toMatchObject({
      payload: 'garbage',
    });
  });
});
