// The dashboard's API client and session (ui/src/api) against the real app, through inject (no socket).
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  pathOf,
  type ApiPath,
  type ApiResponse,
  type CredentialSource,
} from '../ui/src/api/api-client.js';
import { ApiError, apiErrorOf } from '../ui/src/api/api-error.js';
import { diffJson } from '../ui/src/api/json-diff.js';
import { parsePrometheus, total } from '../ui/src/api/prometheus.js';
import { Session } from '../ui/src/api/session.js';
import {
  ADMIN_TOKEN,
  createSecureFixture,
  type SecureFixture,
} from './support/secure-app-fixture.js';

/** A fetch that answers from the app in-process. */
function injectFetch(app: FastifyInstance): typeof fetch {
  return async (input, init = {}) => {
    const answer = await app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: String(input),
      headers: init.headers as Record<string, string>,
      payload: init.body as string | undefined,
    });
    return new Response(answer.statusCode === 204 ? null : answer.body, {
      status: answer.statusCode,
      headers: answer.headers as Record<string, string>,
    });
  };
}

let f: SecureFixture;
let clock = Date.now();

beforeAll(async () => {
  f = await createSecureFixture({ now: () => clock });
  await f.addUser('erin', 'erin-password-123');
});
afterAll(() => f.close());

describe('dashboard API client', () => {
  it('turns a Ditto error body into an ApiError with its code, message, advice and RQL position', async () => {
    const api = new ApiClient(
      '',
      { authorization: () => `Bearer ${ADMIN_TOKEN}`, rejected: async () => false },
      injectFetch(f.app),
    );
    const error = await api
      .get('/search/things', { query: { filter: 'and(eq(attributes/a,1),gt(x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e.status).toBe(400);
    expect(e.error).toBe('rql.expression.invalid');
    expect(e.message).toContain('The RQL expression is invalid');
    expect(e.position).toBe(27);
    expect(e.description).toContain('parentheses');
  });

  it('a body that is no error body still gives a message with the status', () => {
    const e = apiErrorOf(502, '<html>Bad gateway</html>');
    expect(e.message).toBe('HTTP 502: <html>Bad gateway</html>');
    expect(e.position).toBeNull();
  });

  it('sends JSON (strings too), leaves out empty query parameters and returns the ETag', async () => {
    const api = new ApiClient(
      '',
      { authorization: () => `Bearer ${ADMIN_TOKEN}`, rejected: async () => false },
      injectFetch(f.app),
    );
    expect(api.url('/things', { ids: 'a:b', fields: '', option: undefined })).toBe(
      '/api/2/things?ids=a%3Ab',
    );
    const created = await api.request('PUT', '/things/client.test:t1', {
      body: { attributes: { s: 'x' } },
    });
    expect(created.status).toBe(201);
    expect(created.etag).toBe('"rev:1"');
    await api.request('PUT', '/things/client.test:t1/attributes/s', { body: 'a "quoted" string' });
    expect(await api.get('/things/client.test:t1/attributes/s')).toBe('a "quoted" string');
  });

  it('retries once after a 401 when the credential source renews, and not otherwise', async () => {
    let token = 'tft_not-a-real-token-000000000000';
    let renewals = 0;
    const source: CredentialSource = {
      authorization: () => `Bearer ${token}`,
      rejected: async () => {
        renewals++;
        token = ADMIN_TOKEN;
        return true;
      },
    };
    const api = new ApiClient('', source, injectFetch(f.app));
    expect(await api.get('/whoami')).toMatchObject({ defaultSubject: 'user:admin' });
    expect(renewals).toBe(1);
    const anonymous = await api
      .request('GET', '/whoami', { anonymous: true })
      .catch((e: unknown) => e);
    expect((anonymous as ApiError).status).toBe(401);
    expect(renewals).toBe(1);
  });
});

describe('dashboard session', () => {
  it('signs in with a password, renews its JWT on a 401, and expires when the refresh token is refused', async () => {
    const api = new ApiClient('', undefined, injectFetch(f.app));
    const session = new Session(api);
    const seen: [string | null, boolean][] = [];
    session.onCredential((token, renewal) => seen.push([token, renewal]));
    await session.signIn('erin', 'erin-password-123');
    expect(session.state.value).toEqual({ kind: 'signed-in', subject: 'user:erin', via: 'login' });
    const first = session.accessToken();
    expect(first).toMatch(/^eyJ/);

    // The JWT expires (the server's clock moves past its 15 minutes); the refresh token still works.
    clock += 16 * 60_000;
    expect(await api.get('/whoami')).toMatchObject({ defaultSubject: 'user:erin' });
    expect(session.accessToken()).not.toBe(first);
    expect(seen.at(-1)).toEqual([session.accessToken(), true]);

    await f.app.inject({
      method: 'DELETE',
      url: '/api/2/users/erin',
      headers: { authorization: f.admin },
    });
    const refused = await api.get('/whoami').catch((e: unknown) => e);
    expect((refused as ApiError).status).toBe(401);
    expect(session.state.value.kind).toBe('expired');
    expect(session.accessToken()).toBeNull();
  });

  it('an API token that the server refuses is no session', async () => {
    const session = new Session(new ApiClient('', undefined, injectFetch(f.app)));
    await expect(session.signInWithToken('tft_wrong-token-00000000000000')).rejects.toThrow(
      /Unauthorized/,
    );
    expect(session.state.value.kind).toBe('signed-out');
    await session.signInWithToken(ADMIN_TOKEN);
    expect(session.state.value).toEqual({ kind: 'signed-in', subject: 'user:admin', via: 'token' });
  });
});

describe('dashboard metrics reader', () => {
  it("reads the server's /metrics: counters, labels and a gauge", async () => {
    await f.send('PUT', '/api/2/things/client.test:m1', f.admin, { attributes: { a: 1 } });
    const text = (await f.request({ method: 'GET', url: '/metrics' })).body;
    const samples = parsePrometheus(text);
    expect(total(samples, 'twinfold_events_appended_total')).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'twinfold_twins')).toBe(f.runtime.size);
    expect(total(samples, 'no_such_metric')).toBeNull();
    const put = samples.find(
      (s) => s.name === 'twinfold_http_requests_total' && s.labels.method === 'PUT',
    );
    expect(put?.labels.status).toBe('201');
    expect(parsePrometheus('x{a="q\\"uote"} 2\n# c\n')).toEqual([
      { name: 'x', labels: { a: 'q"uote' }, value: 2 },
    ]);
  });
});

describe('dashboard revision diff', () => {
  it('lists changed, added and removed leaves by pointer, and nothing for equal values', () => {
    expect(
      diffJson(
        { a: { b: 1, 'c/d': [1, 2], gone: true }, same: { x: 'y' } },
        { a: { b: 2, 'c/d': [1, 2, 3], added: null }, same: { x: 'y' } },
      ),
    ).toEqual([
      { path: '/a/added', after: null },
      { path: '/a/b', before: 1, after: 2 },
      { path: '/a/c~1d', before: [1, 2], after: [1, 2, 3] },
      { path: '/a/gone', before: true },
    ]);
    expect(diffJson({ a: [1] }, { a: [1] })).toEqual([]);
    expect(diffJson({ a: { b: 1 } }, { a: 5 })).toEqual([
      { path: '/a', before: { b: 1 }, after: 5 },
    ]);
  });
});

describe('dashboard typed API client', () => {
  it('puts path parameters in: URL-encoded, a JSON pointer as it is', () => {
    expect(pathOf('/things/{thingId}', { thingId: 'a:b/c d' })).toBe('/things/a%3Ab%2Fc%20d');
    expect(pathOf('/things/{thingId}/attributes/{*}', { thingId: 'a:b', '*': '/loc/lat' })).toBe(
      '/things/a%3Ab/attributes/loc/lat',
    );
    expect(() => pathOf('/webhooks/{id}', {})).toThrow(/needs its id/);
  });

  it("answers what the OpenAPI document (the generated types' source) says each route answers", async () => {
    type OpenApi = {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content?: Record<string, { schema: object }> }> }
        >
      >;
    };
    const doc = JSON.parse(
      (await f.request({ method: 'GET', url: '/api/2/openapi.json' })).body,
    ) as OpenApi;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const checked: string[] = [];
    /** Checks an answer against the document's schema for its route and status. */
    const documented = <T>(method: string, path: ApiPath, answer: ApiResponse<T>): T => {
      const route = `${method.toUpperCase()} ${path} ${answer.status}`;
      const schema =
        doc.paths[`/api/2${path}`]?.[method]?.responses[String(answer.status)]?.content?.[
          'application/json'
        ]?.schema;
      expect(schema, `${route} has a documented body`).toBeDefined();
      const validate = ajv.compile(schema!);
      expect(validate(answer.body), `${route}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      checked.push(route);
      return answer.body;
    };
    const api = new ApiClient(
      '',
      { authorization: () => `Bearer ${ADMIN_TOKEN}`, rejected: async () => false },
      injectFetch(f.app),
    );
    const thingId = 'typed.client:t1';
    const params = { thingId };
    const thing = { attributes: { site: 'a' }, features: { t: { properties: { value: 1 } } } };
    documented(
      'put',
      '/things/{thingId}',
      await api.call('put', '/things/{thingId}', { params, body: thing }),
    );
    documented('get', '/things/{thingId}', await api.call('get', '/things/{thingId}', { params }));
    documented(
      'post',
      '/things',
      await api.call('post', '/things', { body: thing, query: { namespace: 'typed.client' } }),
    );
    documented(
      'get',
      '/things/{thingId}/history',
      await api.call('get', '/things/{thingId}/history', { params }),
    );
    const query = { filter: 'eq(attributes/site,"a")', namespaces: 'typed.client' };
    const page = documented(
      'get',
      '/search/things',
      await api.call('get', '/search/things', { query }),
    );
    expect(page.items.map((item) => item.thingId)).toContain(thingId);
    expect(
      documented(
        'get',
        '/search/things/count',
        await api.call('get', '/search/things/count', { query }),
      ),
    ).toBe(2);
    documented(
      'get',
      '/policies/{policyId}',
      await api.call('get', '/policies/{policyId}', { params: { policyId: thingId } }),
    );
    const verdicts = documented(
      'post',
      '/checkPermissions',
      await api.call('post', '/checkPermissions', {
        body: { read: { resource: 'thing:/', entityId: thingId, hasPermissions: ['READ'] } },
      }),
    );
    expect(verdicts.read).toBe(true);
    documented('get', '/whoami', await api.call('get', '/whoami'));
    documented('get', '/users', await api.call('get', '/users'));
    const token = documented(
      'post',
      '/tokens',
      await api.call('post', '/tokens', { body: { name: 'typed' } }),
    );
    expect(token.token).toMatch(/^tft_/);
    documented('get', '/tokens', await api.call('get', '/tokens'));
    const hook = documented(
      'post',
      '/webhooks',
      await api.call('post', '/webhooks', {
        body: { url: 'http://127.0.0.1:9/hook', filter: 'eq(attributes/site,"none")' },
      }),
    );
    documented('get', '/webhooks', await api.call('get', '/webhooks'));
    documented(
      'post',
      '/webhooks/{id}/pause',
      await api.call('post', '/webhooks/{id}/pause', { params: { id: hook.id } }),
    );
    documented(
      'get',
      '/webhooks/{id}/deliveries',
      await api.call('get', '/webhooks/{id}/deliveries', { params: { id: hook.id } }),
    );
    const spec = {
      source: { http: {} },
      thingId: 'typed.client:{{$.id}}',
      values: { 'features/t/properties/value': '$.t' },
      create: { attributes: {} },
    };
    const specId = 'typed-client';
    documented(
      'put',
      '/ingest/specs/{specId}',
      await api.call('put', '/ingest/specs/{specId}', { params: { specId }, body: spec }),
    );
    documented('get', '/ingest/specs', await api.call('get', '/ingest/specs'));
    const tested = await api.call('post', '/ingest/specs/{specId}/test', {
      params: { specId },
      body: '{"id":"d1","t":2}',
      contentType: 'application/json',
    });
    documented('post', '/ingest/specs/{specId}/test', tested);
    // A message without an id cannot name its twin: it becomes a dead letter.
    await api.request('POST', `/ingest/${specId}`, {
      body: '{"t":3}',
      contentType: 'application/json',
    });
    const letters = documented(
      'get',
      '/ingest/deadletters',
      await api.call('get', '/ingest/deadletters', { query: { spec: specId } }),
    );
    expect(letters.items).toHaveLength(1);
    const id = letters.items[0].id;
    documented(
      'get',
      '/ingest/deadletters/{id}',
      await api.call('get', '/ingest/deadletters/{id}', { params: { id } }),
    );
    documented(
      'post',
      '/ingest/deadletters/{id}/redrive',
      await api.call('post', '/ingest/deadletters/{id}/redrive', { params: { id } }),
    );
    documented(
      'delete',
      '/ingest/deadletters',
      await api.call('delete', '/ingest/deadletters', { query: { spec: specId } }),
    );
    expect(checked).toHaveLength(23);
  });
});
