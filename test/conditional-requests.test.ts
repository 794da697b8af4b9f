// Conditional requests: ETag, If-Match, If-None-Match, if-equal and condition, on things and sub-resources.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
const ID = 'org.example:c1';
const THING = `/api/2/things/${ID}`;
beforeEach(async () => {
  f = await createAppFixture();
  await f.send('PUT', THING, { attributes: { color: 'red', n: 1 } });
});
afterEach(async () => {
  await f.close();
});

describe('conditional requests - If-Match', () => {
  it('writes succeed when the tag matches and fail with 412 when it does not', async () => {
    const tag = (await f.request({ url: `${THING}/attributes/n` })).headers.etag as string;
    const ok = await f.send('PUT', `${THING}/attributes/n`, 2, { 'if-match': tag });
    expect(ok.statusCode).toBe(204);
    const stale = await f.send('PUT', `${THING}/attributes/n`, 3, { 'if-match': tag });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ status: 412, error: 'things:precondition.failed' });
    expect(stale.json().message).toContain('actual entity-tag: \'"hash:');
    expect((await f.request({ url: `${THING}/attributes/n` })).json()).toBe(2);
  });

  it('thing-level writes compare the revision tag; a list of tags matches any of them', async () => {
    expect(
      (await f.send('PATCH', THING, { attributes: { n: 5 } }, { 'if-match': '"rev:9", "rev:1"' }))
        .statusCode,
    ).toBe(204);
    expect(
      (await f.send('PATCH', THING, { attributes: { n: 6 } }, { 'if-match': '"rev:1"' }))
        .statusCode,
    ).toBe(412);
  });

  it('If-Match: * needs the resource to exist (no accidental create)', async () => {
    const create = await f.send('PUT', '/api/2/things/org.example:new', {}, { 'if-match': '*' });
    expect(create.statusCode).toBe(412);
    expect((await f.request({ url: '/api/2/things/org.example:new' })).statusCode).toBe(404);
    expect((await f.send('PUT', THING, {}, { 'if-match': '*' })).statusCode).toBe(204);
  });

  it('sub-resource ETags are content hashes that change with the content', async () => {
    const before = (await f.request({ url: `${THING}/attributes` })).headers.etag as string;
    expect(before).toMatch(/^"hash:[0-9a-f]{8}"$/);
    await f.send('PUT', `${THING}/attributes/n`, 9);
    const after = (await f.request({ url: `${THING}/attributes` })).headers.etag;
    expect(after).not.toBe(before);
    expect(
      (await f.send('PUT', `${THING}/attributes`, {}, { 'if-match': before })).statusCode,
    ).toBe(412);
    expect(
      (await f.send('PUT', `${THING}/attributes`, {}, { 'if-match': after as string })).statusCode,
    ).toBe(204);
  });

  it('GET with a non-matching If-Match is 412', async () => {
    expect((await f.request({ url: THING, headers: { 'if-match': '"rev:7"' } })).statusCode).toBe(
      412,
    );
  });

  it('a malformed entity tag is a 400 header.invalid', async () => {
    const response = await f.send('PUT', `${THING}/attributes/n`, 2, { 'if-match': 'rev:1' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('header.invalid');
  });
});

describe('conditional requests - If-None-Match', () => {
  it('GET answers 304 without a body when the tag matches', async () => {
    const response = await f.request({ url: THING, headers: { 'if-none-match': '"rev:1"' } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
    expect(
      (await f.request({ url: THING, headers: { 'if-none-match': '"rev:0"' } })).statusCode,
    ).toBe(200);
  });

  it('PUT with If-None-Match: * creates only (412 on an existing thing)', async () => {
    const exists = await f.send('PUT', THING, { attributes: {} }, { 'if-none-match': '*' });
    expect(exists.statusCode).toBe(412);
    expect((await f.request({ url: `${THING}/attributes/color` })).json()).toBe('red');
    expect(
      (await f.send('PUT', '/api/2/things/org.example:fresh', {}, { 'if-none-match': '*' }))
        .statusCode,
    ).toBe(201);
  });
});

describe('conditional requests - if-equal', () => {
  it('skip: an equal write is not applied and answers 412 (as Ditto); a different one applies', async () => {
    const same = await f.send('PUT', `${THING}/attributes/color`, 'red', { 'if-equal': 'skip' });
    expect(same.statusCode).toBe(412);
    expect((await f.request({ url: THING })).headers.etag).toBe('"rev:1"');
    const differs = await f.send('PUT', `${THING}/attributes/color`, 'blue', {
      'if-equal': 'skip',
    });
    expect(differs.statusCode).toBe(204);
    const equalMerge = await f.send(
      'PATCH',
      THING,
      { attributes: { color: 'blue' } },
      { 'if-equal': 'skip' },
    );
    expect(equalMerge.statusCode).toBe(412);
  });

  it('update (the default) applies equal writes and bumps the revision', async () => {
    await f.send('PUT', `${THING}/attributes/color`, 'red', { 'if-equal': 'update' });
    expect((await f.request({ url: THING })).headers.etag).toBe('"rev:2"');
  });
});

describe('conditional requests - condition', () => {
  it('applies a write only when the RQL condition holds (412 things:condition.failed otherwise)', async () => {
    const cond = encodeURIComponent('eq(attributes/color,"red")');
    expect((await f.send('PUT', `${THING}/attributes/n?condition=${cond}`, 2)).statusCode).toBe(
      204,
    );
    const failing = await f.send('PUT', `${THING}/attributes/n`, 3, {
      condition: 'eq(attributes/color,"blue")',
    });
    expect(failing.statusCode).toBe(412);
    expect(failing.json().error).toBe('things:condition.failed');
    expect((await f.request({ url: `${THING}/attributes/n` })).json()).toBe(2);
  });

  it('conditions apply to reads and can use the special fields', async () => {
    expect(
      (await f.request({ url: `${THING}?condition=${encodeURIComponent('gt(_revision,5)')}` }))
        .statusCode,
    ).toBe(412);
    expect(
      (await f.request({ url: `${THING}?condition=${encodeURIComponent('eq(_revision,1)')}` }))
        .statusCode,
    ).toBe(200);
  });

  it('an unparseable condition is a 400 things:condition.invalid', async () => {
    const response = await f.send('PUT', `${THING}/attributes/n`, 3, {
      condition: 'eq(attributes/color',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('things:condition.invalid');
  });

  it('a condition on a missing thing is a 404', async () => {
    const response = await f.send('PUT', '/api/2/things/org.example:none/attributes/a', 1, {
      condition: 'exists(thingId)',
    });
    expect(response.statusCode).toBe(404);
  });
});
