// Ids with bidi controls or other invisible characters are refused over HTTP with Ditto's id errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
const RLO = '\u202E';
const enc = (s: string) => encodeURIComponent(s).replace(/%3A/gi, ':');
const errorOf = (res: { body: string }) => (JSON.parse(res.body) as { error: string }).error;

beforeAll(async () => {
  f = await createAppFixture();
});

afterAll(async () => {
  await f.close();
});

describe('invisible characters in ids', () => {
  it('a thing id with U+202E or another bidi/invisible character is a 400 things:id.invalid', async () => {
    for (const ch of [RLO, '\u2066', '\u200F', '\u200B', '\uFEFF']) {
      const res = await f.send('PUT', `/api/2/things/${enc(`org.x:abc${ch}gpj.exe`)}`, {});
      expect(res.statusCode).toBe(400);
      expect(errorOf(res)).toBe('things:id.invalid');
    }
  });

  it('a policy id with U+202E is a 400 policies:id.invalid, in a thing and on the policy route', async () => {
    const inThing = await f.send('PUT', '/api/2/things/org.x:t1', { policyId: `org.x:p${RLO}` });
    expect(inThing.statusCode).toBe(400);
    expect(errorOf(inThing)).toBe('policies:id.invalid');
    const route = await f.request({
      method: 'GET',
      url: `/api/2/policies/${enc(`org.x:p${RLO}`)}`,
    });
    expect(route.statusCode).toBe(400);
    expect(errorOf(route)).toBe('policies:id.invalid');
  });

  it('a feature id with U+202E is a 400 json.key.invalid, in the URL and in a body', async () => {
    expect((await f.send('PUT', '/api/2/things/org.x:t2', {})).statusCode).toBe(201);
    const url = await f.send('PUT', `/api/2/things/org.x:t2/features/${enc(`lamp${RLO}`)}`, {});
    expect(url.statusCode).toBe(400);
    expect(errorOf(url)).toBe('json.key.invalid');
    for (const [method, path] of [
      ['PUT', '/api/2/things/org.x:t2'],
      ['PUT', '/api/2/things/org.x:t2/features'],
      ['PATCH', '/api/2/things/org.x:t2'],
    ] as const) {
      const body = path.endsWith('features')
        ? { [`lamp${RLO}`]: {} }
        : { features: { [`lamp${RLO}`]: {} } };
      const res = await f.send(method, path, body);
      expect(res.statusCode, `${method} ${path}`).toBe(400);
      expect(errorOf(res)).toBe('json.key.invalid');
    }
  });

  it('ordinary ids beyond Latin-1 are still accepted', async () => {
    const res = await f.send('PUT', `/api/2/things/${enc('org.x:ポンプ-🙂')}`, {
      features: { 'ファン-1': { properties: { on: true } } },
    });
    expect(res.statusCode).toBe(201);
  });
});
