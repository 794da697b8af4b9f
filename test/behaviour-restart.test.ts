// Twin behaviour across a restart: types are compiled again, alerts are kept (listed, acknowledged,
// still resolvable: an assessment carries on from the alert its twin holds), roll-ups are made again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
beforeEach(async () => {
  f = await createAppFixture();
});
afterEach(async () => {
  await f.close();
});

const TYPE = {
  assessments: {
    overload: { when: 'attributes.watts > 250.0', clear: 'attributes.watts < 200.0' },
  },
};
const HALL = {
  rollups: {
    'attributes/total': { relation: 'partOf', from: 'children', of: 'attributes/watts', op: 'sum' },
  },
};

async function ok(
  method: 'PUT' | 'POST',
  url: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await f.send(method, url, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.body ? response.json() : {};
}

async function alerts(): Promise<Record<string, unknown>[]> {
  const response = await f.request({ method: 'GET', url: '/api/2/alerts?thingId=rs:rack' });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

async function total(): Promise<unknown> {
  for (let i = 0; i < 60; i++) {
    const response = await f.request({
      method: 'GET',
      url: '/api/2/things/rs:hall/attributes/total',
    });
    if (response.statusCode === 200) return response.json();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

it('keeps types, alerts and their state, and roll-ups', async () => {
  await ok('PUT', '/api/2/types/rs:rack:1', TYPE);
  await ok('PUT', '/api/2/types/rs:hall:1', HALL);
  await ok('PUT', '/api/2/things/rs:hall', { definition: 'rs:hall:1', attributes: {} });
  await ok('PUT', '/api/2/things/rs:rack', { definition: 'rs:rack:1', attributes: { watts: 300 } });
  await ok('PUT', '/api/2/things/rs:rack/relations/partOf/rs:hall', {});
  const [raised] = await alerts();
  expect(raised).toMatchObject({ state: 'active' });
  await ok('POST', `/api/2/alerts/${raised.alertId as string}/ack`, { note: 'seen' });
  expect(await total()).toBe(300);

  await f.restart();
  await f.runtime.indexed;

  expect((await f.request({ method: 'GET', url: '/api/2/types/rs:rack:1' })).statusCode).toBe(200);
  expect(await alerts()).toEqual([
    expect.objectContaining({ alertId: raised.alertId, state: 'acknowledged' }),
  ]);
  // Between clear and when: the alert the twin holds stays active (no second alert is raised).
  await ok('PUT', '/api/2/things/rs:rack/attributes/watts', 260);
  expect(await alerts()).toHaveLength(1);
  await ok('PUT', '/api/2/things/rs:rack/attributes/watts', 100);
  expect(await alerts()).toEqual([
    expect.objectContaining({ alertId: raised.alertId, state: 'resolved' }),
  ]);
  for (let i = 0; i < 60 && (await total()) !== 100; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await total()).toBe(100);
});

describe('windows across a restart', () => {
  const T0 = Date.UTC(2025, 0, 1);
  const P = 'features/power/properties';
  const WINDOWED = {
    windows: {
      [`${P}/avg10s`]: { of: `${P}/watts`, op: 'avg', window: '10s' },
      [`${P}/peak3`]: { of: `${P}/watts`, op: 'max', samples: 3 },
      [`${P}/energy20s`]: { of: `${P}/watts`, op: 'integral', window: '20s' },
      [`${P}/smooth`]: { of: `${P}/watts`, op: 'ewma', halfLife: '500ms' },
    },
  };
  const watts = (i: number) => (i * 37) % 101;

  async function setUp(fixture: AppFixture): Promise<void> {
    const put = async (url: string, body: unknown) => {
      const response = await fixture.send('PUT', url, body);
      expect(response.statusCode, response.body).toBeLessThan(300);
    };
    await put('/api/2/types/rw:meter:1', WINDOWED);
    await put('/api/2/ingest/specs/meter', {
      source: { http: {} },
      thingId: '{{$.id}}',
      timestamp: { path: '$.ts', format: 'epoch-ms' },
      values: { [`${P}/watts`]: '$.w' },
    });
    await put('/api/2/things/rw:m', { definition: 'rw:meter:1', features: { power: {} } });
  }

  async function sample(fixture: AppFixture, i: number): Promise<void> {
    const response = await fixture.send('POST', '/api/2/ingest/meter', {
      id: 'rw:m',
      ts: T0 + i * 1000,
      w: watts(i),
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
  }

  async function outputs(fixture: AppFixture): Promise<Record<string, number>> {
    const response = await fixture.request({ method: 'GET', url: `/api/2/things/rw:m/${P}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  it('a window after a restart takes up the samples before it, as an uninterrupted run does', async () => {
    const uninterrupted = await createAppFixture();
    try {
      await setUp(f);
      await setUp(uninterrupted);
      for (let i = 1; i <= 100; i++) {
        await sample(f, i);
        await sample(uninterrupted, i);
      }
      await f.restart();
      await sample(f, 101);
      await sample(uninterrupted, 101);
      const restarted = await outputs(f);
      const range = (from: number, to: number) =>
        Array.from({ length: to - from + 1 }, (_, k) => watts(from + k));
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      const last20 = range(82, 101);
      expect(restarted).toMatchObject({
        watts: watts(101),
        avg10s: sum(range(92, 101)) / 10,
        peak3: Math.max(...range(99, 101)),
        // Trapezoids of one second between the samples of (t − 20s, t].
        energy20s: sum(last20.slice(1).map((w, k) => (w + last20[k]) / 2)),
      });
      expect(restarted).toEqual(await outputs(uninterrupted));
      // Rebuilt from the last 64 revisions: they cover every window (the EWMA's 32 s too).
      expect(f.platform.behaviours.rebuilds).toEqual({ twins: 1, events: 64 });
    } finally {
      await uninterrupted.close();
    }
  });
});
