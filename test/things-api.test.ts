// Ditto HTTP API v2 on /things: every resource and method, status codes, bodies and errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
beforeEach(async () => {
  f = await createAppFixture();
});
afterEach(async () => {
  await f.close();
});

const LAMP = {
  definition: 'org.example:lamp:1.0.0',
  attributes: { location: { lat: 52.1, lon: 4.3 }, room: 'kitchen' },
  features: {
    light: {
      definition: ['org.example:light:1.0.0'],
      properties: { on: false, brightness: 40 },
      desiredProperties: { on: true },
    },
  },
};

async function createLamp(id = 'org.example:lamp-1') {
  const response = await f.send('PUT', `/api/2/things/${id}`, LAMP);
  expect(response.statusCode).toBe(201);
  return id;
}

describe('things - the thing resource', () => {
  it('PUT creates with 201, body, Location and ETag; policyId defaults to the thingId', async () => {
    const response = await f.send('PUT', '/api/2/things/org.example:lamp-1', LAMP);
    expect(response.statusCode).toBe(201);
    expect(response.headers.etag).toBe('"rev:1"');
    expect(response.headers.location).toMatch(/\/api\/2\/things\/org\.example:lamp-1$/);
    expect(response.json()).toEqual({
      thingId: 'org.example:lamp-1',
      policyId: 'org.example:lamp-1',
      ...LAMP,
    });
  });

  it('PUT on an existing thing replaces it with 204 and keeps its policyId', async () => {
    const id = await createLamp();
    await f.send('PUT', `/api/2/things/${id}/policyId`, 'org.example:custom');
    const response = await f.send('PUT', `/api/2/things/${id}`, { attributes: { a: 1 } });
    expect(response.statusCode).toBe(204);
    expect(response.headers.etag).toBe('"rev:3"');
    const thing = (await f.request({ url: `/api/2/things/${id}` })).json();
    expect(thing).toEqual({ thingId: id, policyId: 'org.example:custom', attributes: { a: 1 } });
  });

  it('GET returns the thing with its revision ETag; 404 things:thing.notfound when absent', async () => {
    const id = await createLamp();
    const response = await f.request({ url: `/api/2/things/${id}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"rev:1"');
    expect(response.json().attributes.room).toBe('kitchen');
    const missing = await f.request({ url: '/api/2/things/org.example:nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 404, error: 'things:thing.notfound' });
    expect(missing.json().message).toContain("'org.example:nope'");
    expect(typeof missing.json().description).toBe('string');
  });

  it('PATCH merges with null deleting, and creates a missing thing with 201', async () => {
    const id = await createLamp();
    const response = await f.send('PATCH', `/api/2/things/${id}`, {
      attributes: { room: null, floor: 2 },
      features: { light: { properties: { on: true } } },
    });
    expect(response.statusCode).toBe(204);
    const thing = (await f.request({ url: `/api/2/things/${id}` })).json();
    expect(thing.attributes).toEqual({ location: { lat: 52.1, lon: 4.3 }, floor: 2 });
    expect(thing.features.light.properties).toEqual({ on: true, brightness: 40 });
    const created = await f.send('PATCH', '/api/2/things/org.example:new', {
      attributes: { x: 1 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      thingId: 'org.example:new',
      policyId: 'org.example:new',
      attributes: { x: 1 },
    });
  });

  it('PATCH needs application/merge-patch+json (415 otherwise)', async () => {
    const id = await createLamp();
    const response = await f.request({
      method: 'PATCH',
      url: `/api/2/things/${id}`,
      payload: '{"attributes":{"x":1}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toBe('mediatype.unsupported');
  });

  it('DELETE removes the thing (204) and a second DELETE is 404', async () => {
    const id = await createLamp();
    expect((await f.request({ method: 'DELETE', url: `/api/2/things/${id}` })).statusCode).toBe(
      204,
    );
    expect((await f.request({ url: `/api/2/things/${id}` })).statusCode).toBe(404);
    expect((await f.request({ method: 'DELETE', url: `/api/2/things/${id}` })).statusCode).toBe(
      404,
    );
  });

  it('a deleted thing can be created again and its revision continues', async () => {
    const id = await createLamp();
    await f.request({ method: 'DELETE', url: `/api/2/things/${id}` });
    const again = await f.send('PUT', `/api/2/things/${id}`, { attributes: { v: 2 } });
    expect(again.statusCode).toBe(201);
    expect(again.headers.etag).toBe('"rev:3"');
  });

  it('rejects a body thingId that differs from the URL (things:id.notsettable)', async () => {
    const response = await f.send('PUT', '/api/2/things/org.example:a', {
      thingId: 'org.example:b',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('things:id.notsettable');
  });

  it('rejects invalid thing ids with things:id.invalid', async () => {
    for (const id of ['no-colon', '1ns:x', 'ns:', 'a..b:c', `ns:${'x'.repeat(260)}`]) {
      const response = await f.send('PUT', `/api/2/things/${encodeURIComponent(id)}`, {});
      expect(response.statusCode, id).toBe(400);
      expect(response.json().error, id).toBe('things:id.invalid');
    }
  });

  it('rejects things over the size limit with 413 things:thing.toolarge', async () => {
    const response = await f.send('PUT', '/api/2/things/org.example:big', {
      attributes: { blob: 'x'.repeat(110 * 1024) },
    });
    expect(response.statusCode).toBe(413);
    expect((await f.request({ url: '/api/2/things/org.example:big' })).statusCode).toBe(404);
  });

  it('accepts an empty namespace (":name") as Ditto does', async () => {
    expect((await f.send('PUT', '/api/2/things/:plain', {})).statusCode).toBe(201);
  });
});

describe('things - collection', () => {
  it('POST creates a thing with a generated id in the namespace', async () => {
    const response = await f.send('POST', '/api/2/things?namespace=org.example', {
      attributes: { a: 1 },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.thingId).toMatch(/^org\.example:[0-9a-f-]{36}$/);
    expect(body.policyId).toBe(body.thingId);
    expect(response.headers.location).toContain(`/api/2/things/${body.thingId}`);
    // Without a namespace, Ditto's default namespace (--default-namespace changes it).
    const withoutNamespace = await f.send('POST', '/api/2/things', {});
    expect(withoutNamespace.json().thingId).toMatch(/^org\.eclipse\.ditto:[0-9a-f-]{36}$/);
  });

  it('POST with a thingId in the body is rejected', async () => {
    const response = await f.send('POST', '/api/2/things', { thingId: 'org.example:x' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('things:id.notsettable');
  });

  it('GET ?ids returns the existing things in the order asked, with fields', async () => {
    await createLamp('org.example:a');
    await createLamp('org.example:b');
    const response = await f.request({
      url: '/api/2/things?ids=org.example:b,org.example:zzz,org.example:a&fields=thingId,_revision',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([
      { thingId: 'org.example:b', _revision: 1 },
      { thingId: 'org.example:a', _revision: 1 },
    ]);
    expect((await f.request({ url: '/api/2/things?ids=' })).json().error).toBe(
      'things:things.ids.missing',
    );
    expect((await f.request({ url: '/api/2/things?ids=bad' })).json().error).toBe(
      'things:id.invalid',
    );
  });

  it('GET ?ids honours option=sort(+thingId) and sort(-thingId), as the Explorer UI sends, and refuses other options', async () => {
    for (const id of ['org.example:b', 'org.example:c', 'org.example:a']) await createLamp(id);
    const listed = async (option: string) => {
      const response = await f.request({
        url: `/api/2/things?ids=org.example:b,org.example:c,org.example:a&fields=thingId&option=${encodeURIComponent(option)}`,
      });
      return response.statusCode === 200
        ? (response.json() as { thingId: string }[]).map((t) => t.thingId)
        : response.json().error;
    };
    expect(await listed('sort(+thingId)')).toEqual([
      'org.example:a',
      'org.example:b',
      'org.example:c',
    ]);
    expect(await listed('sort(-thingId)')).toEqual([
      'org.example:c',
      'org.example:b',
      'org.example:a',
    ]);
    for (const option of ['sort(+attributes/x)', 'size(2)', 'sort(+thingId),size(2)'])
      expect(await listed(option)).toBe('parameter.invalid');
  });

  it('GET without ids lists things page by page with a Link to the next page', async () => {
    for (const n of [1, 2, 3]) await createLamp(`org.example:l${n}`);
    const first = await f.request({ url: '/api/2/things?option=size(2)&fields=thingId' });
    expect(first.json()).toEqual([{ thingId: 'org.example:l1' }, { thingId: 'org.example:l2' }]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link as string)?.[1];
    expect(next).toBeDefined();
    const second = await f.request({ url: `${next}&fields=thingId` });
    expect(second.json()).toEqual([{ thingId: 'org.example:l3' }]);
  });
});

describe('things - sub-resources', () => {
  it('policyId: GET, PUT (204), PATCH, invalid id rejected, DELETE not allowed', async () => {
    const id = await createLamp();
    expect((await f.request({ url: `/api/2/things/${id}/policyId` })).json()).toBe(id);
    expect((await f.send('PUT', `/api/2/things/${id}/policyId`, 'org.example:p2')).statusCode).toBe(
      204,
    );
    expect((await f.request({ url: `/api/2/things/${id}/policyId` })).json()).toBe(
      'org.example:p2',
    );
    expect(
      (await f.send('PATCH', `/api/2/things/${id}/policyId`, 'org.example:p3')).statusCode,
    ).toBe(204);
    expect((await f.send('PATCH', `/api/2/things/${id}/policyId`, null)).statusCode).toBe(400);
    const invalid = await f.send('PUT', `/api/2/things/${id}/policyId`, 42);
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toBe('policies:id.invalid');
    expect(
      (await f.request({ method: 'DELETE', url: `/api/2/things/${id}/policyId` })).statusCode,
    ).toBe(405);
  });

  it('definition: GET, PUT, PATCH, DELETE, invalid identifiers rejected', async () => {
    const id = await createLamp();
    expect((await f.request({ url: `/api/2/things/${id}/definition` })).json()).toBe(
      'org.example:lamp:1.0.0',
    );
    expect((await f.send('PUT', `/api/2/things/${id}/definition`, 'a:b:2')).statusCode).toBe(204);
    expect((await f.send('PATCH', `/api/2/things/${id}/definition`, 'a:b:3')).statusCode).toBe(204);
    expect((await f.request({ url: `/api/2/things/${id}/definition` })).json()).toBe('a:b:3');
    const bad = await f.send('PUT', `/api/2/things/${id}/definition`, 'not a definition');
    expect(bad.json().error).toBe('things:definition.identifier.invalid');
    expect(
      (await f.request({ method: 'DELETE', url: `/api/2/things/${id}/definition` })).statusCode,
    ).toBe(204);
    const gone = await f.request({ url: `/api/2/things/${id}/definition` });
    expect(gone.json().error).toBe('things:definition.notfound');
    expect((await f.send('PUT', `/api/2/things/${id}/definition`, 'a:b:4')).statusCode).toBe(201);
  });

  it('attributes: GET with fields, PUT, PATCH, DELETE, 404 when absent', async () => {
    const id = await createLamp();
    const fields = await f.request({ url: `/api/2/things/${id}/attributes?fields=location/lat` });
    expect(fields.json()).toEqual({ location: { lat: 52.1 } });
    expect(
      (await f.send('PATCH', `/api/2/things/${id}/attributes`, { room: 'hall' })).statusCode,
    ).toBe(204);
    expect((await f.send('PUT', `/api/2/things/${id}/attributes`, { only: true })).statusCode).toBe(
      204,
    );
    expect((await f.request({ url: `/api/2/things/${id}/attributes` })).json()).toEqual({
      only: true,
    });
    expect((await f.send('PUT', `/api/2/things/${id}/attributes`, [1])).statusCode).toBe(400);
    expect(
      (await f.request({ method: 'DELETE', url: `/api/2/things/${id}/attributes` })).statusCode,
    ).toBe(204);
    expect((await f.request({ url: `/api/2/things/${id}/attributes` })).json().error).toBe(
      'things:attributes.notfound',
    );
    expect((await f.send('PUT', `/api/2/things/${id}/attributes`, { a: 1 })).statusCode).toBe(201);
  });

  it('attributes/{path}: nested create (201), replace (204), read, delete, 404 with the pointer', async () => {
    const id = await createLamp();
    const created = await f.send('PUT', `/api/2/things/${id}/attributes/meta/vendor/name`, 'acme');
    expect(created.statusCode).toBe(201);
    expect(created.json()).toBe('acme');
    expect(created.headers.etag).toMatch(/^"hash:[0-9a-f]{8}"$/);
    expect(
      (await f.send('PUT', `/api/2/things/${id}/attributes/location/lat`, 1.5)).statusCode,
    ).toBe(204);
    expect((await f.request({ url: `/api/2/things/${id}/attributes/location` })).json()).toEqual({
      lat: 1.5,
      lon: 4.3,
    });
    expect(
      (await f.send('PATCH', `/api/2/things/${id}/attributes/location`, { lon: null })).statusCode,
    ).toBe(204);
    expect((await f.request({ url: `/api/2/things/${id}/attributes/location` })).json()).toEqual({
      lat: 1.5,
    });
    expect(
      (await f.request({ method: 'DELETE', url: `/api/2/things/${id}/attributes/room` }))
        .statusCode,
    ).toBe(204);
    const missing = await f.request({ url: `/api/2/things/${id}/attributes/room` });
    expect(missing.json().error).toBe('things:attribute.notfound');
    expect(missing.json().message).toContain("'/room'");
    expect((await f.request({ url: `/api/2/things/${id}/attributes/a//b` })).json().error).toBe(
      'json.pointer.invalid',
    );
  });

  it('features and features/{id}: GET, PUT, PATCH, DELETE, 404s', async () => {
    const id = await createLamp();
    expect(Object.keys((await f.request({ url: `/api/2/things/${id}/features` })).json())).toEqual([
      'light',
    ]);
    const created = await f.send('PUT', `/api/2/things/${id}/features/fan`, {
      properties: { rpm: 900 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ properties: { rpm: 900 } });
    expect(
      (await f.send('PATCH', `/api/2/things/${id}/features/fan`, { properties: { rpm: 1000 } }))
        .statusCode,
    ).toBe(204);
    expect(
      (await f.request({ url: `/api/2/things/${id}/features/fan/properties/rpm` })).json(),
    ).toBe(1000);
    const badFeature = await f.send('PUT', `/api/2/things/${id}/features/fan`, { props: {} });
    expect(badFeature.statusCode).toBe(400);
    expect(
      (await f.request({ method: 'DELETE', url: `/api/2/things/${id}/features/fan` })).statusCode,
    ).toBe(204);
    expect((await f.request({ url: `/api/2/things/${id}/features/fan` })).json().error).toBe(
      'things:feature.notfound',
    );
    expect((await f.send('PUT', `/api/2/things/${id}/features`, {})).statusCode).toBe(204);
    expect(
      (await f.request({ method: 'DELETE', url: `/api/2/things/${id}/features` })).statusCode,
    ).toBe(204);
    expect((await f.request({ url: `/api/2/things/${id}/features` })).json().error).toBe(
      'things:features.notfound',
    );
  });

  it('feature definition: GET, PUT, PATCH, DELETE; empty or invalid rejected', async () => {
    const id = await createLamp();
    const url = `/api/2/things/${id}/features/light/definition`;
    expect((await f.request({ url })).json()).toEqual(['org.example:light:1.0.0']);
    expect((await f.send('PUT', url, ['a:b:1', 'a:c:1'])).statusCode).toBe(204);
    expect((await f.send('PATCH', url, ['a:b:2'])).statusCode).toBe(204);
    expect((await f.request({ url })).json()).toEqual(['a:b:2']);
    expect((await f.send('PUT', url, [])).statusCode).toBe(400);
    expect((await f.send('PUT', url, ['bad'])).statusCode).toBe(400);
    expect((await f.request({ method: 'DELETE', url })).statusCode).toBe(204);
    expect((await f.request({ url })).json().error).toBe('things:feature.definition.notfound');
  });

  it('properties and properties/{path}: all methods; a missing feature is feature.notfound', async () => {
    const id = await createLamp();
    const base = `/api/2/things/${id}/features/light/properties`;
    expect((await f.request({ url: base })).json()).toEqual({ on: false, brightness: 40 });
    expect((await f.send('PUT', `${base}/on`, true)).statusCode).toBe(204);
    expect((await f.send('PUT', `${base}/color/r`, 255)).statusCode).toBe(201);
    expect((await f.send('PATCH', base, { brightness: null })).statusCode).toBe(204);
    expect((await f.request({ url: base })).json()).toEqual({ on: true, color: { r: 255 } });
    expect((await f.send('PATCH', `${base}/color`, { g: 1 })).statusCode).toBe(204);
    expect((await f.request({ url: `${base}/color` })).json()).toEqual({ r: 255, g: 1 });
    expect((await f.request({ method: 'DELETE', url: `${base}/color/r` })).statusCode).toBe(204);
    const missing = await f.request({ url: `${base}/color/r` });
    expect(missing.json().error).toBe('things:feature.property.notfound');
    expect((await f.send('PUT', base, { fresh: 1 })).statusCode).toBe(204);
    expect((await f.request({ method: 'DELETE', url: base })).statusCode).toBe(204);
    expect((await f.request({ url: base })).json().error).toBe(
      'things:feature.properties.notfound',
    );
    const noFeature = await f.send('PUT', `/api/2/things/${id}/features/ghost/properties/x`, 1);
    expect(noFeature.statusCode).toBe(404);
    expect(noFeature.json().error).toBe('things:feature.notfound');
  });

  it('desiredProperties and desiredProperties/{path}: all methods with their own error codes', async () => {
    const id = await createLamp();
    const base = `/api/2/things/${id}/features/light/desiredProperties`;
    expect((await f.request({ url: base })).json()).toEqual({ on: true });
    expect((await f.send('PUT', `${base}/brightness`, 80)).statusCode).toBe(201);
    expect((await f.send('PATCH', base, { on: false })).statusCode).toBe(204);
    expect((await f.request({ url: `${base}/on` })).json()).toBe(false);
    expect((await f.request({ method: 'DELETE', url: `${base}/on` })).statusCode).toBe(204);
    expect((await f.request({ url: `${base}/on` })).json().error).toBe(
      'things:feature.desiredProperty.notfound',
    );
    expect((await f.send('PUT', base, { a: 1 })).statusCode).toBe(204);
    expect((await f.request({ method: 'DELETE', url: base })).statusCode).toBe(204);
    expect((await f.request({ url: base })).json().error).toBe(
      'things:feature.desiredProperties.notfound',
    );
  });

  it('sub-resources of a missing thing answer things:thing.notfound', async () => {
    const response = await f.send('PUT', '/api/2/things/org.example:none/attributes/a', 1);
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toBe('things:thing.notfound');
  });

  it('rejects keys with control characters and keys longer than 256 (json.key.invalid)', async () => {
    const id = await createLamp();
    const control = await f.send('PUT', `/api/2/things/${id}/attributes`, { 'a\u0001b': 1 });
    expect(control.json().error).toBe('json.key.invalid');
    const long = await f.send('PUT', `/api/2/things/${id}/attributes/${'k'.repeat(300)}`, 1);
    expect(long.json().error).toBe('json.key.invalid');
  });
});

describe('things - fields', () => {
  it('selects pointers, groups, wildcards and the special fields', async () => {
    const id = await createLamp();
    await f.send('PUT', `/api/2/things/${id}/features/fan`, { properties: { on: true, rpm: 1 } });
    const url = `/api/2/things/${id}?fields=${encodeURIComponent(
      'thingId,attributes/location(lat),features/*/properties/on,_revision,_created,_modified,_namespace',
    )}`;
    const body = (await f.request({ url })).json();
    expect(body).toMatchObject({
      thingId: id,
      attributes: { location: { lat: 52.1 } },
      features: { light: { properties: { on: false } }, fan: { properties: { on: true } } },
      _revision: 2,
      _namespace: 'org.example',
    });
    expect(Object.keys(body.attributes.location)).toEqual(['lat']);
    expect(Date.parse(body._created)).toBeLessThanOrEqual(Date.parse(body._modified));
    expect(body._created).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
  });

  it('rejects unbalanced selectors with json.fieldselector.invalid', async () => {
    const id = await createLamp();
    const response = await f.request({ url: `/api/2/things/${id}?fields=attributes(a` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('json.fieldselector.invalid');
  });
});

describe('things - inline policies', () => {
  it('refuses _policy and _copyPolicyFrom on a thing that exists, changing nothing', async () => {
    const fx = await createAppFixture();
    try {
      expect(
        (await fx.send('PUT', '/api/2/things/ns:ip', { attributes: { a: 1 } })).statusCode,
      ).toBe(201);
      for (const method of ['PUT', 'PATCH'] as const) {
        const answer = await fx.send(method, '/api/2/things/ns:ip', {
          attributes: { a: 2 },
          _policy: { entries: {} },
        });
        expect([method, answer.statusCode, answer.json().error]).toEqual([
          method,
          400,
          'things:policy.notallowed',
        ]);
      }
      for (const method of ['PUT', 'PATCH'] as const) {
        const copied = await fx.send(method, '/api/2/things/ns:ip', {
          attributes: { a: 3 },
          _copyPolicyFrom: 'ns:ip',
        });
        expect([method, copied.statusCode, copied.json().error]).toEqual([
          method,
          400,
          'things:policy.notallowed',
        ]);
      }
      const thing = (await fx.request({ method: 'GET', url: '/api/2/things/ns:ip' })).json();
      expect(thing.attributes).toEqual({ a: 1 });
    } finally {
      await fx.close();
    }
  });
});

describe('things - DELETE with a JSON content type', () => {
  it('deletes when a client sends Content-Type: application/json without a body (as Ditto’s client does)', async () => {
    await createLamp('org.example:ct');
    const response = await f.request({
      method: 'DELETE',
      url: '/api/2/things/org.example:ct/attributes/room',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(204);
    const malformed = await f.request({
      method: 'PUT',
      url: '/api/2/things/org.example:ct/attributes/room',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect([malformed.statusCode, malformed.json().error]).toEqual([400, 'json.invalid']);
    const room = await f.request({ url: '/api/2/things/org.example:ct/attributes/room' });
    expect(room.statusCode).toBe(404);
  });
});
