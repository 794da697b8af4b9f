// Twin behaviour across a restart: types are compiled again, alerts are kept (listed, acknowledged,
// still resolvable: an assessment carries on from the alert its twin holds), roll-ups are made again.
import { afterEach, beforeEach, expect, it } from 'vitest';
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
