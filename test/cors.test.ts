// Browsers on other origins (CORS): preflights without credentials, configured origins only, Ditto's headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../src/api/cors.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

const UI = 'http://127.0.0.1:5173';
const OTHER = 'https://evil.example';

/** The request headers Ditto's clients send (Ditto's DittoHeaderDefinition, read from HTTP). */
const DITTO_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'if-match',
  'if-none-match',
  'if-equal',
  'at-historical-revision',
  'at-historical-timestamp',
  'put-metadata',
  'get-metadata',
  'delete-metadata',
  'correlation-id',
  'timeout',
  'response-required',
  'requested-acks',
  'allow-policy-lockout',
  'merge-thing-patch-conditions',
  'condition',
  'live-channel-condition',
  'policy-view',
];

const listOf = (value: unknown) =>
  String(value ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');

function preflight(fx: SecureFixture, url: string, origin: string, method = 'PUT') {
  return fx.request({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type,if-match',
    },
  });
}

describe('cors - off by default', () => {
  let fx: SecureFixture;
  beforeAll(async () => {
    fx = await createSecureFixture();
  });
  afterAll(() => fx.close());

  it('a preflight needs credentials like any request and gets no CORS headers', async () => {
    const response = await preflight(fx, '/api/2/things/ns:x', UI);
    expect(response.statusCode).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const read = await fx.request({
      method: 'GET',
      url: '/api/2/whoami',
      headers: { origin: UI, authorization: fx.admin },
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect(read.headers['access-control-expose-headers']).toBeUndefined();
  });
});

describe('cors - configured origins', () => {
  let fx: SecureFixture;
  beforeAll(async () => {
    fx = await createSecureFixture({ corsOrigin: [UI, 'https://ui.example'] });
    const created = await fx.send('PUT', '/api/2/things/ns:lamp', fx.admin, {
      attributes: { on: true },
    });
    expect(created.statusCode).toBe(201);
  });
  afterAll(() => fx.close());

  it('answers a preflight from an allowed origin with 204 and no credentials', async () => {
    for (const url of ['/api/2/things/ns:lamp', '/api/2/policies/ns:lamp', '/api/2/no-such']) {
      const response = await preflight(fx, url, UI);
      expect(response.statusCode, url).toBe(204);
      expect(response.body).toBe('');
      expect(response.headers['access-control-allow-origin']).toBe(UI);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(listOf(response.headers.vary)).toContain('origin');
      expect(listOf(response.headers['access-control-allow-methods'])).toEqual(
        expect.arrayContaining(['get', 'head', 'put', 'patch', 'post', 'delete', 'options']),
      );
      expect(Number(response.headers['access-control-max-age'])).toBeGreaterThan(0);
    }
    const other = await preflight(fx, '/api/2/things/ns:lamp', 'https://ui.example', 'DELETE');
    expect(other.statusCode).toBe(204);
    expect(other.headers['access-control-allow-origin']).toBe('https://ui.example');
  });

  it("allows every request header of Ditto's and exposes ETag and Ditto's response headers", async () => {
    const response = await preflight(fx, '/api/2/things/ns:lamp', UI, 'PATCH');
    const allowed = listOf(response.headers['access-control-allow-headers']);
    expect(allowed).toEqual(expect.arrayContaining(DITTO_REQUEST_HEADERS));
    expect(allowed).toEqual([...CORS_ALLOWED_HEADERS]);

    const read = await fx.request({
      method: 'GET',
      url: '/api/2/things/ns:lamp',
      headers: { origin: UI, authorization: fx.admin },
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"rev:1"');
    expect(read.headers['access-control-allow-origin']).toBe(UI);
    expect(read.headers['access-control-allow-credentials']).toBe('true');
    const exposed = listOf(read.headers['access-control-expose-headers']);
    expect(exposed).toEqual(
      expect.arrayContaining(['etag', 'location', 'ditto-metadata', 'correlation-id']),
    );
    expect(exposed).toEqual([...CORS_EXPOSED_HEADERS]);
  });

  it('keeps the CORS headers on errors, so that the page can read a 401 or 404', async () => {
    const anonymous = await fx.request({
      method: 'GET',
      url: '/api/2/things/ns:lamp',
      headers: { origin: UI },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['access-control-allow-origin']).toBe(UI);
    expect(anonymous.json()).toMatchObject({ status: 401, error: 'gateway:authentication.failed' });
    const missing = await fx.request({
      method: 'GET',
      url: '/api/2/things/ns:missing',
      headers: { origin: UI, authorization: fx.admin },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe(UI);
    expect(listOf(missing.headers['access-control-expose-headers'])).toContain('etag');
  });

  it('a write from an allowed origin goes through authentication and policies as always', async () => {
    const write = await fx.request({
      method: 'PATCH',
      url: '/api/2/things/ns:lamp',
      headers: {
        origin: UI,
        authorization: fx.admin,
        'content-type': 'application/merge-patch+json',
        'if-match': '"rev:1"',
      },
      payload: JSON.stringify({ attributes: { on: false } }),
    });
    expect(write.statusCode).toBe(204);
    expect(write.headers.etag).toBe('"rev:2"');
    expect(write.headers['access-control-allow-origin']).toBe(UI);
    const stranger = await fx.request({
      method: 'PUT',
      url: '/api/2/things/ns:lamp/attributes/on',
      headers: { origin: UI, 'content-type': 'application/json' },
      payload: 'true',
    });
    expect(stranger.statusCode).toBe(401);
    const after = await fx.send('GET', '/api/2/things/ns:lamp/attributes/on', fx.admin);
    expect(after.json()).toBe(false);
  });

  it('serves other origins as without CORS, and an OPTIONS that is no preflight still needs credentials', async () => {
    const foreign = await preflight(fx, '/api/2/things/ns:lamp', OTHER);
    expect(foreign.statusCode).toBe(401);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(listOf(foreign.headers.vary)).toContain('origin');
    const foreignRead = await fx.request({
      method: 'GET',
      url: '/api/2/things/ns:lamp',
      headers: { origin: OTHER, authorization: fx.admin },
    });
    expect(foreignRead.statusCode).toBe(200);
    expect(foreignRead.headers['access-control-allow-origin']).toBeUndefined();
    expect(foreignRead.headers['access-control-expose-headers']).toBeUndefined();
    // A look-alike of an allowed origin is another origin.
    const lookAlike = await preflight(fx, '/api/2/things/ns:lamp', `${UI}.evil.example`);
    expect(lookAlike.headers['access-control-allow-origin']).toBeUndefined();

    const plainOptions = await fx.request({
      method: 'OPTIONS',
      url: '/api/2/things/ns:lamp',
      headers: { origin: UI },
    });
    expect(plainOptions.statusCode).toBe(401);
    const noOrigin = await fx.request({
      method: 'OPTIONS',
      url: '/api/2/things/ns:lamp',
      headers: { 'access-control-request-method': 'PUT' },
    });
    expect(noOrigin.statusCode).toBe(401);
  });
});

describe('cors - any origin', () => {
  let fx: SecureFixture;
  beforeAll(async () => {
    fx = await createSecureFixture({ corsOrigin: ['*'] });
  });
  afterAll(() => fx.close());

  it('answers every origin with *, without credentials mode', async () => {
    const response = await preflight(fx, '/api/2/things/ns:x', OTHER);
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers.vary).toBeUndefined();
    const read = await fx.request({
      method: 'GET',
      url: '/api/2/whoami',
      headers: { origin: UI, authorization: fx.admin },
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe('*');
    expect(listOf(read.headers['access-control-expose-headers'])).toContain('etag');
  });
});
