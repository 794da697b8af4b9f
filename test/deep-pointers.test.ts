// Deep JSON pointers and deep values: a thing nests at most 500 levels, whatever the pointer a value is written at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
const THING = '/api/2/things/org.deep:x';

/** `n` segments `a/a/…/a`. */
const pointer = (n: number) => Array.from({ length: n }, () => 'a').join('/');
/** An object nesting `n` levels: `{"a":{"a":…1…}}`. */
function nestedObject(n: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < n; i++) value = { a: value };
  return value;
}
const bodyOf = (res: { body: string }) => JSON.parse(res.body) as Record<string, unknown>;

beforeAll(async () => {
  f = await createAppFixture();
  const created = await f.send('PUT', THING, {
    attributes: { keep: 1 },
    features: { f: { properties: { p: 1 } } },
  });
  expect(created.statusCode).toBe(201);
});

afterAll(async () => {
  await f.close();
});

describe('deep JSON pointers', () => {
  it('a pointer of 5,000 segments is a 400 json.pointer.invalid on every method, not a 500', async () => {
    for (const url of [
      `${THING}/attributes/${pointer(5000)}`,
      `${THING}/features/f/properties/${pointer(5000)}`,
      `${THING}/features/f/desiredProperties/${pointer(5000)}`,
    ]) {
      for (const method of ['PUT', 'PATCH'] as const) {
        const res = await f.send(method, url, 1);
        expect(res.statusCode).toBe(400);
        expect(bodyOf(res)).toMatchObject({ status: 400, error: 'json.pointer.invalid' });
        expect(bodyOf(res).message).toContain('it has 5000 segments, at most 500 are allowed');
      }
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await f.request({ method, url });
        expect(res.statusCode).toBe(400);
        expect(bodyOf(res).error).toBe('json.pointer.invalid');
      }
    }
  });

  it('a value may not make the thing nest deeper than 500 levels through its pointer', async () => {
    // A body of 400 levels at a pointer of 3,600 levels was stored 4,000 levels deep.
    const deep = await f.send('PUT', `${THING}/attributes/${pointer(3600)}`, nestedObject(400));
    expect(deep.statusCode).toBe(400);
    expect(bodyOf(deep).error).toBe('json.pointer.invalid');
    // attributes + 100 segments + 400 levels: 501.
    for (const method of ['PUT', 'PATCH'] as const) {
      const over = await f.send(method, `${THING}/attributes/${pointer(100)}`, nestedObject(400));
      expect(over.statusCode).toBe(400);
      expect(bodyOf(over)).toMatchObject({ status: 400, error: 'json.invalid' });
      expect(bodyOf(over).message).toContain(
        'deeper than 500 levels in the thing: the value nests 400 levels at a pointer 101 levels deep',
      );
    }
    const property = await f.send(
      'PUT',
      `${THING}/features/f/properties/${pointer(100)}`,
      nestedObject(398),
    );
    expect(property.statusCode).toBe(400); // features, f, properties + 100 + 398 = 501
    // Exactly 500 levels is accepted, and the thing can be written back as it is read.
    const limit = await f.send('PUT', `${THING}/attributes/${pointer(100)}`, nestedObject(399));
    expect(limit.statusCode).toBe(201);
    const read = await f.request({ method: 'GET', url: THING });
    expect(read.statusCode).toBe(200);
    const { thingId: _id, ...thing } = bodyOf(read);
    expect((await f.send('PUT', THING, thing)).statusCode).toBe(204);
  });

  it('after refused deep writes the thing still takes patches and reads', async () => {
    const patch = await f.send('PATCH', THING, { attributes: { z: 2 } });
    expect(patch.statusCode).toBe(204);
    const read = await f.request({ method: 'GET', url: `${THING}/attributes/z` });
    expect(read.body).toBe('2');
    const search = await f.request({
      method: 'GET',
      url: '/api/2/search/things?filter=eq(attributes/z,2)&fields=thingId',
    });
    expect(bodyOf(search)).toEqual({ items: [{ thingId: 'org.deep:x' }] });
  });

  it('fields, condition, filter and sort with deep paths are 4xx, never 500', async () => {
    const deepFields = await f.request({
      method: 'GET',
      url: `${THING}?fields=attributes/${pointer(4900)}`,
    });
    expect(deepFields.statusCode).toBeLessThan(500);
    const path = `attributes/${pointer(5000)}`;
    const condition = await f.request({
      method: 'GET',
      url: `${THING}?condition=${encodeURIComponent(`exists(${path})`)}`,
    });
    expect(condition.statusCode).toBe(400);
    expect(bodyOf(condition).error).toBe('things:condition.invalid');
    const filter = await f.request({
      method: 'GET',
      url: `/api/2/search/things?filter=${encodeURIComponent(`exists(${path})`)}`,
    });
    expect(filter.statusCode).toBe(400);
    expect(bodyOf(filter).message).toContain('has 5001 segments, at most 500 are allowed');
    const sort = await f.request({
      method: 'GET',
      url: `/api/2/search/things?option=${encodeURIComponent(`sort(+${path})`)}`,
    });
    expect(sort.statusCode).toBe(400);
    expect(bodyOf(sort).error).toBe('thing-search:search.option.invalid');
  });
});
