// Roll-ups through the real application: a parent's values computed over its children along a
// relation, kept up to date as children change, join, leave, move and go; through several levels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

let fx: SecureFixture;

const HALL_TYPE = {
  rollups: {
    'features/power/properties/totalWatts': {
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'sum',
    },
    'features/power/properties/racks': {
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'count',
    },
    'features/power/properties/peak': {
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'max',
    },
    'features/power/properties/mean': {
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'avg',
    },
  },
};
const SITE_TYPE = {
  rollups: {
    'attributes/allWatts': {
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'sum',
      depth: 2,
    },
  },
};

beforeAll(async () => {
  fx = await createSecureFixture();
  for (const [id, body] of [
    ['rlp:hall:1', HALL_TYPE],
    ['rlp:site:1', SITE_TYPE],
  ] as const) {
    const response = await fx.send('PUT', `/api/2/types/${id}`, fx.admin, body);
    expect(response.statusCode, response.body).toBe(201);
  }
});
afterAll(async () => {
  await fx.close();
});

async function put(url: string, body: unknown): Promise<void> {
  const response = await fx.send('PUT', url, fx.admin, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
}

async function twin(id: string, body: object): Promise<void> {
  await put(`/api/2/things/${id}`, body);
}

async function rack(id: string, watts: number, parent?: string): Promise<void> {
  await twin(id, { features: { power: { properties: { watts } } } });
  if (parent) await put(`/api/2/things/${id}/relations/partOf/${parent}`, {});
}

/** Waits (up to 3 s) until the twin's value at `pointer` is `expected` (undefined: absent). */
async function eventually(thingId: string, pointer: string, expected: unknown): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    const response = await fx.send('GET', `/api/2/things/${thingId}/${pointer}`, fx.admin);
    last = response.statusCode === 200 ? response.json() : undefined;
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(last, `${thingId} /${pointer}`).toEqual(expected);
}

const power = (id: string) => `features/power/properties/${id}`;

describe('roll-ups', () => {
  it('sum, count, max and avg over children, through changes, joins, leaves and moves', async () => {
    await twin('rlp:hall-a', { definition: 'rlp:hall:1', features: { power: { properties: {} } } });
    await twin('rlp:hall-b', { definition: 'rlp:hall:1', features: { power: { properties: {} } } });
    await rack('rlp:r1', 100, 'rlp:hall-a');
    await rack('rlp:r2', 250, 'rlp:hall-a');
    await rack('rlp:r3', 50, 'rlp:hall-a');
    await eventually('rlp:hall-a', power('totalWatts'), 400);
    await eventually('rlp:hall-a', power('racks'), 3);
    await eventually('rlp:hall-a', power('peak'), 250);
    await eventually('rlp:hall-a', power('mean'), 400 / 3);
    await eventually('rlp:hall-b', power('totalWatts'), 0);

    // A child changes.
    await put(`/api/2/things/rlp:r2/${power('watts')}`, 10);
    await eventually('rlp:hall-a', power('totalWatts'), 160);
    await eventually('rlp:hall-a', power('peak'), 100);

    // A child leaves.
    expect(
      (await fx.send('DELETE', '/api/2/things/rlp:r3/relations/partOf/rlp:hall-a', fx.admin))
        .statusCode,
    ).toBe(204);
    await eventually('rlp:hall-a', power('totalWatts'), 110);
    await eventually('rlp:hall-a', power('racks'), 2);

    // A child moves to another parent.
    expect(
      (await fx.send('DELETE', '/api/2/things/rlp:r1/relations/partOf/rlp:hall-a', fx.admin))
        .statusCode,
    ).toBe(204);
    await put('/api/2/things/rlp:r1/relations/partOf/rlp:hall-b', {});
    await eventually('rlp:hall-a', power('totalWatts'), 10);
    await eventually('rlp:hall-b', power('totalWatts'), 100);

    // A child goes: avg, max of nothing are absent, sum and count 0.
    expect((await fx.send('DELETE', '/api/2/things/rlp:r2', fx.admin)).statusCode).toBe(204);
    await eventually('rlp:hall-a', power('totalWatts'), 0);
    await eventually('rlp:hall-a', power('racks'), 0);
    await eventually('rlp:hall-a', power('peak'), undefined);
    await eventually('rlp:hall-a', power('mean'), undefined);
  });

  it('through several levels, and a roll-up value cannot be written by clients', async () => {
    await twin('rlp:site-1', { definition: 'rlp:site:1', attributes: {} });
    await twin('rlp:hall-c', { features: { power: { properties: {} } } });
    await put('/api/2/things/rlp:hall-c/relations/partOf/rlp:site-1', {});
    await rack('rlp:r4', 7, 'rlp:hall-c');
    await rack('rlp:r5', 5, 'rlp:hall-c');
    await eventually('rlp:site-1', 'attributes/allWatts', 12);
    // The hall moves away with its racks.
    expect(
      (await fx.send('DELETE', '/api/2/things/rlp:hall-c/relations/partOf/rlp:site-1', fx.admin))
        .statusCode,
    ).toBe(204);
    await eventually('rlp:site-1', 'attributes/allWatts', 0);
    await put('/api/2/things/rlp:hall-c/relations/partOf/rlp:site-1', {});
    await eventually('rlp:site-1', 'attributes/allWatts', 12);
    expectError(
      await fx.send('PUT', '/api/2/things/rlp:site-1/attributes/allWatts', fx.admin, 1),
      400,
      'types:output.notmodifiable',
    );
  });
});
