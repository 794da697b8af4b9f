// Twin behaviour through the real application: types over the API (immutable versions, in use),
// schemas enforced on writes, derived values and windows in the change's own revision, assessments
// raising (after `for`, by a timer) and resolving alerts with hysteresis, acknowledging them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

let fx: SecureFixture;

const TYPE_ID = 'bhv:rack:1.0.0';
const RACK_TYPE = {
  schema: {
    attributes: { type: 'object', properties: { rack: { type: 'string' } } },
    features: {
      power: { type: 'object', properties: { watts: { type: 'number', minimum: 0 } } },
    },
  },
  derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
  windows: {
    'features/power/properties/avg5m': {
      of: 'features/power/properties/watts',
      op: 'avg',
      window: '5m',
    },
    'features/power/properties/peak': {
      of: 'features/power/properties/watts',
      op: 'max',
      samples: 3,
    },
  },
  assessments: {
    overload: {
      when: 'features.power.properties.watts > 250.0',
      clear: 'features.power.properties.watts < 200.0',
      for: '300ms',
      severity: 'warning',
    },
  },
};

beforeAll(async () => {
  fx = await createSecureFixture();
  const response = await fx.send('PUT', `/api/2/types/${TYPE_ID}`, fx.admin, RACK_TYPE);
  expect(response.statusCode, response.body).toBe(201);
});
afterAll(async () => {
  await fx.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rack(name: string, watts: number): Promise<string> {
  const thingId = `bhv:${name}`;
  const response = await fx.send('PUT', `/api/2/things/${thingId}`, fx.admin, {
    definition: TYPE_ID,
    attributes: { rack: 'r1' },
    features: { power: { properties: { watts } } },
  });
  expect(response.statusCode, response.body).toBe(201);
  return thingId;
}

async function setWatts(thingId: string, watts: unknown): Promise<number> {
  const response = await fx.send(
    'PUT',
    `/api/2/things/${thingId}/features/power/properties/watts`,
    fx.admin,
    watts,
  );
  return response.statusCode;
}

async function power(thingId: string): Promise<Record<string, unknown>> {
  const response = await fx.send(
    'GET',
    `/api/2/things/${thingId}/features/power/properties`,
    fx.admin,
  );
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function alertsOf(thingId: string, query = ''): Promise<Record<string, unknown>[]> {
  const response = await fx.send(
    'GET',
    `/api/2/alerts?thingId=${encodeURIComponent(thingId)}${query}`,
    fx.admin,
  );
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

describe('types', () => {
  it('a version never changes: the same content is a 204, other content a 409', async () => {
    expect((await fx.send('PUT', `/api/2/types/${TYPE_ID}`, fx.admin, RACK_TYPE)).statusCode).toBe(
      204,
    );
    const other = {
      ...RACK_TYPE,
      derived: { 'features/power/properties/kw': 'features.power.properties.watts / 100.0' },
    };
    expectError(
      await fx.send('PUT', `/api/2/types/${TYPE_ID}`, fx.admin, other),
      409,
      'types:type.conflict',
    );
    const got = await fx.send('GET', `/api/2/types/${TYPE_ID}`, fx.admin);
    expect(got.statusCode).toBe(200);
    expect(got.json().derived).toEqual(RACK_TYPE.derived);
    const list = await fx.send('GET', '/api/2/types', fx.admin);
    expect(list.json().map((t: { typeId: string }) => t.typeId)).toContain(TYPE_ID);
  });

  it('refuses an invalid CEL expression naming it and its position, and keeps nothing', async () => {
    const response = await fx.send('PUT', '/api/2/types/bhv:broken:1', fx.admin, {
      derived: { 'attributes/x': 'attributes.a +* 2' },
    });
    expectError(response, 400, 'types:type.invalid');
    expect(response.json().message).toContain('attributes.a +* 2');
    expect(response.json().message).toMatch(/position|column/i);
    expectError(
      await fx.send('GET', '/api/2/types/bhv:broken:1', fx.admin),
      404,
      'types:type.notfound',
    );
  });

  it('refuses a malformed type id', async () => {
    expectError(
      await fx.send('PUT', '/api/2/types/no-version', fx.admin, {}),
      400,
      'types:id.invalid',
    );
  });

  it('cannot be deleted while a twin uses it', async () => {
    await fx.send('PUT', '/api/2/types/bhv:spare:1', fx.admin, {
      derived: { 'attributes/b': 'attributes.a * 2' },
    });
    const response = await fx.send('PUT', '/api/2/things/bhv:spare-user', fx.admin, {
      definition: 'bhv:spare:1',
      attributes: { a: 2 },
    });
    expect(response.statusCode).toBe(201);
    expectError(
      await fx.send('DELETE', '/api/2/types/bhv:spare:1', fx.admin),
      409,
      'types:type.inuse',
    );
    expect((await fx.send('DELETE', '/api/2/things/bhv:spare-user', fx.admin)).statusCode).toBe(
      204,
    );
    expect((await fx.send('DELETE', '/api/2/types/bhv:spare:1', fx.admin)).statusCode).toBe(204);
    expectError(
      await fx.send('GET', '/api/2/types/bhv:spare:1', fx.admin),
      404,
      'types:type.notfound',
    );
  });
});

describe('a twin governed by a type', () => {
  it('gets its derived values and window outputs in the revision of the change', async () => {
    const thingId = await rack('derive', 100);
    expect(await power(thingId)).toMatchObject({ watts: 100, kw: 0.1, avg5m: 100, peak: 100 });
    const before = await fx.send('GET', `/api/2/things/${thingId}`, fx.admin);
    const revision =
      before.json()._revision ?? Number(String(before.headers.etag).match(/\d+/)?.[0]);
    expect(await setWatts(thingId, 200)).toBe(204);
    expect(await power(thingId)).toMatchObject({ watts: 200, kw: 0.2, avg5m: 150, peak: 200 });
    expect(await setWatts(thingId, 60)).toBe(204);
    expect(await setWatts(thingId, 30)).toBe(204);
    // The last 3 samples: 200, 60, 30.
    expect(await power(thingId)).toMatchObject({ watts: 30, kw: 0.03, avg5m: 97.5, peak: 200 });
    const after = await fx.send('GET', `/api/2/things/${thingId}`, fx.admin);
    expect(String(after.headers.etag)).toBe(`"rev:${Number(revision) + 3}"`);
  });

  it('refuses a write its schema does not allow, naming the pointer, and changes nothing', async () => {
    const thingId = await rack('schema', 10);
    const response = await fx.send(
      'PUT',
      `/api/2/things/${thingId}/features/power/properties/watts`,
      fx.admin,
      -5,
    );
    expectError(response, 400, 'wot:payload.validation.error');
    expect(response.json().message).toContain('/features/power/properties/watts');
    expect(await setWatts(thingId, 'lots')).toBe(400);
    expect(await power(thingId)).toMatchObject({ watts: 10, kw: 0.01 });
  });

  it('refuses a client write of a value the type computes', async () => {
    const thingId = await rack('output', 10);
    const response = await fx.send(
      'PUT',
      `/api/2/things/${thingId}/features/power/properties/kw`,
      fx.admin,
      99,
    );
    expectError(response, 400, 'types:output.notmodifiable');
    expect((await power(thingId)).kw).toBe(0.01);
  });

  it('does not show its alerts as values of the thing, nor lose them to a thing-level PUT', async () => {
    const thingId = await rack('hidden', 300);
    await sleep(700);
    expect(await alertsOf(thingId, '&state=active')).toHaveLength(1);
    const thing = (await fx.send('GET', `/api/2/things/${thingId}`, fx.admin)).json();
    expect(thing).not.toHaveProperty('_alerts');
    const all = (await fx.send('GET', `/api/2/things/${thingId}?fields=_alerts`, fx.admin)).json();
    expect(all).not.toHaveProperty('_alerts');
    const put = await fx.send('PUT', `/api/2/things/${thingId}`, fx.admin, {
      definition: TYPE_ID,
      attributes: { rack: 'r2' },
      features: { power: { properties: { watts: 150 } } },
    });
    expect(put.statusCode, put.body).toBe(204);
    // The replacement resolved the alert: it was there to resolve.
    const [alert] = await alertsOf(thingId);
    expect(alert).toMatchObject({ state: 'resolved' });
  });
});

describe('assessments and alerts', () => {
  it('raise once the condition held for `for` (by a timer), keep with hysteresis, resolve on clear', async () => {
    const thingId = await rack('alerting', 100);
    expect(await setWatts(thingId, 300)).toBe(204);
    expect(await alertsOf(thingId)).toEqual([]);
    await sleep(700);
    const raised = await alertsOf(thingId);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      thingId,
      type: TYPE_ID,
      assessment: 'overload',
      severity: 'warning',
      state: 'active',
    });
    // Between clear (< 200) and when (> 250): hysteresis keeps it active.
    expect(await setWatts(thingId, 220)).toBe(204);
    expect((await alertsOf(thingId))[0].state).toBe('active');
    expect(await setWatts(thingId, 150)).toBe(204);
    const resolved = await alertsOf(thingId);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ state: 'resolved', alertId: raised[0].alertId });
    expect(typeof resolved[0].resolved).toBe('string');
  });

  it('a condition dropping before `for` elapses raises nothing', async () => {
    const thingId = await rack('blip', 100);
    expect(await setWatts(thingId, 300)).toBe(204);
    expect(await setWatts(thingId, 100)).toBe(204);
    await sleep(600);
    expect(await alertsOf(thingId)).toEqual([]);
  });

  it('acknowledging an active alert is an event on its twin; a resolved one cannot be', async () => {
    const thingId = await rack('ack', 300);
    await sleep(700);
    const [alert] = await alertsOf(thingId, '&state=active');
    expect(alert).toBeDefined();
    const id = encodeURIComponent(alert.alertId as string);
    const before = (await fx.send('GET', `/api/2/things/${thingId}`, fx.admin)).headers.etag;
    const acked = await fx.send('POST', `/api/2/alerts/${id}/ack`, fx.admin, { note: 'on it' });
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json()).toMatchObject({ state: 'acknowledged', acknowledged: { note: 'on it' } });
    const after = (await fx.send('GET', `/api/2/things/${thingId}`, fx.admin)).headers.etag;
    expect(after).not.toBe(before);
    expect((await fx.send('GET', `/api/2/alerts/${id}`, fx.admin)).json().state).toBe(
      'acknowledged',
    );
    expectError(
      await fx.send('POST', `/api/2/alerts/${id}/ack`, fx.admin, { colour: 'red' }),
      400,
      'alerts:query.invalid',
    );
    expect(await setWatts(thingId, 100)).toBe(204);
    expect((await fx.send('GET', `/api/2/alerts/${id}`, fx.admin)).json().state).toBe('resolved');
    expectError(
      await fx.send('POST', `/api/2/alerts/${id}/ack`, fx.admin, {}),
      409,
      'alerts:alert.resolved',
    );
  });

  it('raising, acknowledging and resolving are merge patches; events show the alert whole', async () => {
    const thingId = await rack('patched', 300);
    await sleep(700);
    const [alert] = await alertsOf(thingId, '&state=active');
    const id = encodeURIComponent(alert.alertId as string);
    expect((await fx.send('POST', `/api/2/alerts/${id}/ack`, fx.admin, {})).statusCode).toBe(200);
    expect(await setWatts(thingId, 100)).toBe(204);
    const history = await fx.send('GET', `/api/2/things/${thingId}/history`, fx.admin);
    expect(history.statusCode, history.body).toBe(200);
    const changing = (history.json() as { topic: string; value?: Record<string, unknown> }[])
      .filter((e) => e.value !== undefined && '_alerts' in e.value)
      .map((e) => [e.topic.slice(e.topic.lastIndexOf('/') + 1), e.value?._alerts]);
    const whole = {
      id: alert.alertId,
      type: TYPE_ID,
      assessment: 'overload',
      severity: 'warning',
      raisedAt: expect.any(Number),
      raisedRevision: alert.raisedRevision,
    };
    const unacknowledged = {
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgedRevision: null,
      note: null,
    };
    const acknowledged = {
      acknowledgedAt: expect.any(Number),
      acknowledgedBy: expect.any(String),
      acknowledgedRevision: expect.any(Number),
      // Acknowledged without a note: null, as before.
      note: null,
    };
    expect(changing).toEqual([
      [
        'merged',
        {
          overload: {
            ...whole,
            state: 'active',
            resolvedAt: null,
            resolvedRevision: null,
            ...unacknowledged,
          },
        },
      ],
      [
        'merged',
        {
          overload: {
            ...whole,
            state: 'acknowledged',
            resolvedAt: null,
            resolvedRevision: null,
            ...acknowledged,
          },
        },
      ],
      [
        'merged',
        {
          overload: {
            ...whole,
            state: 'resolved',
            resolvedAt: expect.any(Number),
            resolvedRevision: expect.any(Number),
            ...acknowledged,
          },
        },
      ],
    ]);
  });

  it('filters the list and refuses unknown or malformed parameters', async () => {
    expectError(
      await fx.send('GET', '/api/2/alerts?state=burning', fx.admin),
      400,
      'alerts:query.invalid',
    );
    expectError(
      await fx.send('GET', '/api/2/alerts?limit=0', fx.admin),
      400,
      'alerts:query.invalid',
    );
    expectError(
      await fx.send('GET', '/api/2/alerts?from=yesterday', fx.admin),
      400,
      'alerts:query.invalid',
    );
    expect((await fx.send('GET', '/api/2/alerts?colour=red', fx.admin)).statusCode).toBe(400);
    const active = await fx.send('GET', '/api/2/alerts?state=resolved&severity=warning', fx.admin);
    expect(active.statusCode).toBe(200);
    for (const alert of active.json().items)
      expect(alert).toMatchObject({ state: 'resolved', severity: 'warning' });
    expectError(
      await fx.send('GET', '/api/2/alerts/bhv:nobody:overload:1', fx.admin),
      404,
      'alerts:alert.notfound',
    );
  });
});

describe('alerts streamed', () => {
  it('a webhook of "events": ["alerts"] gets the events that raise, acknowledge and resolve alerts, and no other', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      const hook = await fx.send('POST', '/api/2/webhooks', fx.admin, {
        url: receiver.url,
        events: ['alerts'],
        namespaces: ['bhv'],
      });
      expect(hook.statusCode, hook.body).toBe(201);
      const thingId = await rack('hooked', 100);
      expect(await setWatts(thingId, 120)).toBe(204);
      expect(await setWatts(thingId, 300)).toBe(204);
      await receiver.until(() => receiver.received.length >= 1);
      const [alert] = await alertsOf(thingId, '&state=active');
      const id = encodeURIComponent(alert.alertId as string);
      expect((await fx.send('POST', `/api/2/alerts/${id}/ack`, fx.admin, {})).statusCode).toBe(200);
      expect(await setWatts(thingId, 100)).toBe(204);
      await receiver.until(() => receiver.received.length >= 3);
      await sleep(200);
      const mine = receiver.received.filter((r) => r.thingId === thingId);
      expect(mine).toHaveLength(3);
      const states = mine.map((r) => {
        const value = r.json.value as Record<string, unknown>;
        const alerts = (r.json.path === '/' ? value._alerts : { overload: value }) as Record<
          string,
          { state: string }
        >;
        return alerts.overload.state;
      });
      expect(states).toEqual(['active', 'acknowledged', 'resolved']);
    } finally {
      await receiver.stop();
    }
  });
});

describe('ingest into twins of a type', () => {
  it('dead-letters an observation the schema refuses, with the reason, and applies the others', async () => {
    const thingId = await rack('ingested', 10);
    const spec = await fx.send('PUT', '/api/2/ingest/specs/bhv-power', fx.admin, {
      source: { http: {} },
      thingId: 'bhv:{{$.id}}',
      values: { 'features/power/properties/watts': '$.w' },
    });
    expect(spec.statusCode, spec.body).toBe(201);
    const response = await fx.request({
      method: 'POST',
      url: '/api/2/ingest/bhv-power',
      headers: { authorization: fx.admin, 'content-type': 'application/x-ndjson' },
      payload: '{"id":"ingested","w":40}\n{"id":"ingested","w":-3}\n',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 1, rejected: 1 });
    expect(await power(thingId)).toMatchObject({ watts: 40, kw: 0.04 });
    const letters = await fx.send('GET', '/api/2/ingest/deadletters?spec=bhv-power', fx.admin);
    expect(letters.json().items[0]).toMatchObject({ reason: 'payload.validation.error' });
    expect(letters.json().items[0].detail).toContain('/features/power/properties/watts');
  });
});

describe('WoT', () => {
  const LAMP_TM = {
    '@context': 'https://www.w3.org/2022/wot/td/v1.1',
    '@type': 'tm:ThingModel',
    title: 'Lamp',
    properties: { colour: { type: 'string', enum: ['red', 'green'] } },
    'tm:submodels': {
      light: {
        '@type': 'tm:ThingModel',
        title: 'Light',
        properties: { on: { type: 'boolean' } },
      },
    },
  };

  it('a Thing Model becomes a type whose schemas are enforced, and things of it are described', async () => {
    const put = await fx.send('PUT', '/api/2/types/bhv:lamp:1.0.0', fx.admin, LAMP_TM);
    expect(put.statusCode, put.body).toBe(201);
    expect(put.json().schema.attributes.properties.colour).toMatchObject({
      enum: ['red', 'green'],
    });
    const created = await fx.send('PUT', '/api/2/things/bhv:lamp-1', fx.admin, {
      definition: 'bhv:lamp:1.0.0',
      attributes: { colour: 'red' },
      features: { light: { properties: { on: true } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    expectError(
      await fx.send('PUT', '/api/2/things/bhv:lamp-1/attributes/colour', fx.admin, 'blue'),
      400,
      'wot:payload.validation.error',
    );
    const td = await fx.request({
      method: 'GET',
      url: '/api/2/things/bhv:lamp-1',
      headers: { authorization: fx.admin, accept: 'application/td+json' },
    });
    expect(td.statusCode, td.body).toBe(200);
    expect(td.headers['content-type']).toContain('application/td+json');
    const description = td.json();
    expect(description).toMatchObject({ '@type': 'Thing', id: 'urn:bhv:lamp-1', title: 'Lamp' });
    expect(Object.keys(description.properties)).toContain('colour');
    const feature = await fx.request({
      method: 'GET',
      url: '/api/2/things/bhv:lamp-1/features/light',
      headers: { authorization: fx.admin, accept: 'application/td+json' },
    });
    expect(feature.statusCode, feature.body).toBe(200);
    expect(Object.keys(feature.json().properties)).toContain('on');
  });

  it('a thing of no known type has no Thing Description', async () => {
    await fx.send('PUT', '/api/2/things/bhv:plain', fx.admin, { attributes: {} });
    const response = await fx.request({
      method: 'GET',
      url: '/api/2/things/bhv:plain',
      headers: { authorization: fx.admin, accept: 'application/td+json' },
    });
    expectError(response, 404, 'wot:thingdescription.notfound');
  });
});
