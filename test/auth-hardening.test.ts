// Hardened credentials: chosen admin tokens, scoped administrators, revocation that persists and
// cascades, refresh-token reuse, brute-force limits per address and user, and a guarded /metrics.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFailureDelay, IdentityService } from '../src/auth/identity-service.js';
import { TwinfoldError } from '../src/core/errors.js';
import {
  ADMIN_TOKEN,
  createSecureFixture,
  type SecureFixture,
  type SecureFixtureOptions,
} from './support/secure-app-fixture.js';

const TTL = 600;
let f: SecureFixture;
let clock: number;

async function fixture(options: SecureFixtureOptions = {}): Promise<SecureFixture> {
  clock = Date.parse('2030-01-01T00:00:00Z');
  f = await createSecureFixture({ accessTtlSeconds: TTL, now: () => clock, ...options });
  return f;
}

afterEach(async () => {
  await f?.close();
});

interface Tokens {
  access_token: string;
  refresh_token: string;
}

interface TokenBody {
  id: string;
  name: string;
  token: string;
  namespaces: string[] | null;
  expires: string | null;
  revoked: boolean;
}

/** A JSON request from a given client address. */
function from(
  address: string,
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  url: string,
  auth?: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return f.app.inject({
    method,
    url,
    remoteAddress: address,
    payload: body === undefined ? undefined : JSON.stringify(body),
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
  });
}

const whoami = (auth: string | undefined) => f.send('GET', '/api/2/whoami', auth);
const loginFrom = (address: string, username: string, password: string) =>
  from(address, 'POST', '/api/2/auth/login', undefined, { username, password });

async function login(username: string, password = `${username}-password`): Promise<Tokens> {
  const response = await f.send('POST', '/api/2/auth/login', undefined, { username, password });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Tokens>();
}

async function mint(auth: string, body: object): Promise<TokenBody> {
  const response = await f.send('POST', '/api/2/tokens', auth, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<TokenBody>();
}

const refreshWith = (refreshToken: string) =>
  f.send('POST', '/api/2/auth/refresh', undefined, { refresh_token: refreshToken });

/** An identity service over the fixture's catalog and keys: what a restarted server loads. */
async function restarted(adminToken = ADMIN_TOKEN): Promise<IdentityService> {
  const service = new IdentityService({
    catalog: f.catalog,
    keys: f.keys,
    accessTtlSeconds: TTL,
    now: () => clock,
  });
  await service.init(adminToken);
  return service;
}

async function statusAfterRestart(service: IdentityService, header: string): Promise<number> {
  try {
    await service.authenticate(header);
    return 200;
  } catch (error) {
    return error instanceof TwinfoldError ? error.status : 500;
  }
}

const metricsText = async () => (await f.send('GET', '/metrics', undefined)).body;

describe('auth hardening - the bootstrap admin token', () => {
  it('a chosen admin token without the tft_ prefix works', async () => {
    await fixture({ adminToken: 'my-own-admin-secret-2026' });
    const me = await whoami('Bearer my-own-admin-secret-2026');
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json()).toEqual({ defaultSubject: 'user:admin', subjects: ['user:admin'] });
    expect((await f.addUser('alice')).startsWith('Basic ')).toBe(true);
    expect((await whoami('Bearer my-own-admin-secret-2027')).statusCode).toBe(401);
  });

  it('a JWT-shaped admin token works, and login JWTs still authenticate as JWTs', async () => {
    const shaped = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2lnbmF0dXJlLW9mLW5vLWtleQ';
    await fixture({ adminToken: shaped });
    expect((await whoami(`Bearer ${shaped}`)).json()).toMatchObject({
      defaultSubject: 'user:admin',
    });
    await f.addUser('alice');
    const { access_token } = await login('alice');
    expect((await whoami(f.bearer(access_token))).json()).toMatchObject({
      defaultSubject: 'user:alice',
    });
    expect((await whoami(`Bearer ${shaped.slice(0, -1)}x`)).statusCode).toBe(401);
  });

  it('an admin token that cannot be sent in a header is refused at start, saying why', async () => {
    await fixture();
    const service = new IdentityService({ catalog: f.catalog, keys: f.keys });
    await expect(service.init('an admin token with spaces')).rejects.toThrow(
      /TWINFOLD_ADMIN_TOKEN .*visible ASCII/,
    );
    await expect(service.init('short-token')).rejects.toThrow(/at least 16 characters/);
  });
});

describe('auth hardening - scoped administrators', () => {
  it('a namespace-scoped admin token lists and revokes only tokens within its scope, never the bootstrap token', async () => {
    await fixture();
    const alice = await f.addUser('alice');
    const aliceAll = await mint(alice, { name: 'alice-all' });
    const aliceA = await mint(alice, { name: 'alice-a', namespaces: ['org.a'] });
    const aliceAB = await mint(alice, { name: 'alice-ab', namespaces: ['org.a', 'org.b'] });
    const scoped = f.bearer((await mint(f.admin, { name: 'ops-a', namespaces: ['org.a'] })).token);

    const listed = await f.send('GET', '/api/2/tokens', scoped);
    expect(listed.statusCode).toBe(200);
    expect(
      listed
        .json<TokenBody[]>()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['alice-a', 'ops-a']);

    for (const id of ['bootstrap-admin', aliceAll.id, aliceAB.id]) {
      const denied = await f.send('DELETE', `/api/2/tokens/${id}`, scoped);
      expect(denied.statusCode, id).toBe(404);
      expect(denied.json()).toMatchObject({ error: 'identities:token.notfound' });
    }
    expect((await whoami(f.admin)).statusCode).toBe(200);
    expect((await whoami(f.bearer(aliceAll.token))).statusCode).toBe(200);
    expect((await f.send('DELETE', `/api/2/tokens/${aliceA.id}`, scoped)).statusCode).toBe(204);
    expect((await whoami(f.bearer(aliceA.token))).statusCode).toBe(401);
  });

  it('a scoped credential cannot create a token for namespaces beyond its scope: 400, not silently narrowed', async () => {
    await fixture();
    const scoped = f.bearer((await mint(f.admin, { name: 'ops-a', namespaces: ['org.a'] })).token);
    const wider = await f.send('POST', '/api/2/tokens', scoped, {
      name: 'wider',
      namespaces: ['org.a', 'org.b'],
    });
    expect(wider.statusCode).toBe(400);
    expect(wider.json()).toMatchObject({
      error: 'identities:request.invalid',
      message: expect.stringContaining('org.b'),
    });
    expect((await mint(scoped, { name: 'same', namespaces: ['org.a'] })).namespaces).toEqual([
      'org.a',
    ]);
    expect((await mint(scoped, { name: 'default' })).namespaces).toEqual(['org.a']);
  });

  it('only the unscoped admin may revoke the bootstrap token, and TWINFOLD_ADMIN_TOKEN restores it at the next start', async () => {
    await fixture();
    expect((await f.send('DELETE', '/api/2/tokens/bootstrap-admin', f.admin)).statusCode).toBe(204);
    expect((await whoami(f.admin)).statusCode).toBe(401);
    const service = await restarted(ADMIN_TOKEN);
    expect(await statusAfterRestart(service, f.admin)).toBe(200);
  });

  it('scoped and read-only admin tokens manage users and keys only as far as they reach', async () => {
    await fixture();
    await f.addUser('alice');
    const scoped = f.bearer((await mint(f.admin, { name: 'ops-a', namespaces: ['org.a'] })).token);
    const readOnly = f.bearer((await mint(f.admin, { name: 'audit', readOnly: true })).token);
    for (const [auth, status] of [
      [scoped, 403],
      [readOnly, 200],
    ] as const) {
      expect((await f.send('GET', '/api/2/users/alice', auth)).statusCode).toBe(status);
      expect((await f.send('GET', '/api/2/users', auth)).statusCode).toBe(status);
      const writes = [
        await f.send('POST', '/api/2/users', auth, { username: 'eve', password: 'eve-password' }),
        await f.send('PATCH', '/api/2/users/alice', auth, { disabled: true }),
        await f.send('DELETE', '/api/2/users/alice', auth),
        await f.send('POST', '/api/2/auth/keys/rotate', auth),
      ];
      for (const response of writes) expect(response.statusCode, response.body).toBe(403);
    }
    expect(f.identities.getUser('alice')).toMatchObject({ disabled: false });
    expect(f.identities.getUser('eve')).toBeNull();
  });
});

describe('auth hardening - revocation', () => {
  it('a logged-out login JWT stays revoked after a restart', async () => {
    await fixture();
    await f.addUser('alice');
    const session = await login('alice');
    const out = await f.send('POST', '/api/2/auth/logout', f.bearer(session.access_token), {
      refresh_token: session.refresh_token,
    });
    expect(out.statusCode).toBe(204);
    expect((await whoami(f.bearer(session.access_token))).statusCode).toBe(401);
    const service = await restarted();
    expect(await statusAfterRestart(service, f.bearer(session.access_token))).toBe(401);
    const other = await login('alice');
    expect(await statusAfterRestart(service, f.bearer(other.access_token))).toBe(200);
  });

  it("logout with only the refresh token revokes that session's access tokens", async () => {
    await fixture();
    await f.addUser('alice');
    const session = await login('alice');
    const rotated = (await refreshWith(session.refresh_token)).json<Tokens>();
    const other = await login('alice');
    const out = await f.send('POST', '/api/2/auth/logout', undefined, {
      refresh_token: rotated.refresh_token,
    });
    expect(out.statusCode).toBe(204);
    expect((await whoami(f.bearer(session.access_token))).statusCode).toBe(401);
    expect((await whoami(f.bearer(rotated.access_token))).statusCode).toBe(401);
    expect((await whoami(f.bearer(other.access_token))).statusCode).toBe(200);
    const service = await restarted();
    expect(await statusAfterRestart(service, f.bearer(rotated.access_token))).toBe(401);
  });

  it('a token minted with a login JWT expires with it and dies with its session', async () => {
    await fixture();
    await f.addUser('alice');
    const session = await login('alice');
    const exp = decodeJwt(session.access_token).exp! * 1000;
    const child = await mint(f.bearer(session.access_token), { name: 'from-jwt' });
    expect(child.expires).toBe(new Date(exp).toISOString());
    const later = new Date(exp + 86_400_000).toISOString();
    const asked = await mint(f.bearer(session.access_token), { name: 'later', expires: later });
    expect(asked.expires).toBe(new Date(exp).toISOString());
    const grandchild = await mint(f.bearer(child.token), { name: 'from-token' });
    expect(grandchild.expires).toBe(new Date(exp).toISOString());

    await f.send('POST', '/api/2/auth/logout', undefined, {
      refresh_token: session.refresh_token,
    });
    for (const token of [child, asked, grandchild])
      expect((await whoami(f.bearer(token.token))).statusCode, token.name).toBe(401);
  });

  it('revoking a token revokes every token minted by it, transitively, also after a restart', async () => {
    await fixture();
    const alice = await f.addUser('alice');
    const parent = await mint(alice, { name: 'parent' });
    const child = await mint(f.bearer(parent.token), { name: 'child' });
    const grandchild = await mint(f.bearer(child.token), { name: 'grandchild' });
    const sibling = await mint(alice, { name: 'sibling' });
    expect((await f.send('DELETE', `/api/2/tokens/${parent.id}`, alice)).statusCode).toBe(204);
    for (const token of [parent, child, grandchild])
      expect((await whoami(f.bearer(token.token))).statusCode, token.name).toBe(401);
    expect((await whoami(f.bearer(sibling.token))).statusCode).toBe(200);
    const service = await restarted();
    expect(await statusAfterRestart(service, f.bearer(grandchild.token))).toBe(401);
    expect(await statusAfterRestart(service, f.bearer(sibling.token))).toBe(200);
  });

  it('replaying a rotated refresh token revokes its whole family and their access tokens', async () => {
    await fixture();
    await f.addUser('alice');
    const first = await login('alice');
    const second = (await refreshWith(first.refresh_token)).json<Tokens>();
    const third = (await refreshWith(second.refresh_token)).json<Tokens>();
    const other = await login('alice');
    expect((await whoami(f.bearer(third.access_token))).statusCode).toBe(200);

    const replay = await refreshWith(first.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ error: 'gateway:authentication.failed' });
    expect((await refreshWith(third.refresh_token)).statusCode).toBe(401);
    for (const tokens of [first, second, third])
      expect((await whoami(f.bearer(tokens.access_token))).statusCode).toBe(401);
    expect((await whoami(f.bearer(other.access_token))).statusCode).toBe(200);
    expect((await refreshWith(other.refresh_token)).statusCode).toBe(200);
    expect(await metricsText()).toMatch(
      /^twinfold_auth_failures_total\{reason="refresh-token-reuse"\} 1$/m,
    );
  });
});

describe('auth hardening - brute force', () => {
  it('after 50 distinct failures from one address it answers 429 with Retry-After; other addresses are unaffected', async () => {
    await fixture();
    await f.identities.addUser('alice', 'alice-password');
    for (let i = 0; i < 50; i++) {
      const response = await loginFrom('10.0.0.1', `user-${i}`, `guess-${i}`);
      expect(response.statusCode, `attempt ${i}`).toBe(401);
    }
    const blocked = await loginFrom('10.0.0.1', 'alice', 'alice-password');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(300);
    expect(blocked.json()).toMatchObject({
      status: 429,
      error: 'gateway:authentication.throttled',
    });
    expect((await loginFrom('10.0.0.2', 'alice', 'alice-password')).statusCode).toBe(200);
    // The window slides: once it has passed, the address may try again.
    clock += 300_000;
    expect((await loginFrom('10.0.0.1', 'alice', 'alice-password')).statusCode).toBe(200);
    expect(await metricsText()).toMatch(
      /^twinfold_auth_failures_total\{reason="too-many-failures"\} 1$/m,
    );
  });

  it('after 10 distinct wrong passwords for one user, that user gets 429 from every address until the window passes', async () => {
    await fixture();
    await f.identities.addUser('alice', 'alice-password');
    await f.identities.addUser('bob', 'bob-password');
    for (let i = 0; i < 10; i++)
      expect((await loginFrom(`10.1.0.${i}`, 'alice', `guess-${i}`)).statusCode).toBe(401);
    const blocked = await loginFrom('10.1.1.1', 'alice', 'alice-password');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const basic = await from(
      '10.1.1.2',
      'GET',
      '/api/2/whoami',
      f.basic('alice', 'alice-password'),
    );
    expect(basic.statusCode).toBe(429);
    expect((await loginFrom('10.1.0.0', 'bob', 'bob-password')).statusCode).toBe(200);
    clock += 900_000;
    expect((await loginFrom('10.1.1.1', 'alice', 'alice-password')).statusCode).toBe(200);
  });

  it('the same wrong credential repeated (a stale client) is not a new guess and locks nobody out', async () => {
    await fixture();
    await f.identities.addUser('alice', 'alice-password');
    for (let i = 0; i < 60; i++)
      expect((await loginFrom('10.2.0.1', 'alice', 'old-password')).statusCode).toBe(401);
    expect((await loginFrom('10.2.0.1', 'alice', 'alice-password')).statusCode).toBe(200);
    expect(await metricsText()).toMatch(
      /^twinfold_auth_failures_total\{reason="bad-password"\} 60$/m,
    );
  });

  it('bad bearer tokens count as failures of their address', async () => {
    await fixture();
    for (let i = 0; i < 50; i++) {
      const response = await from('10.3.0.1', 'GET', '/api/2/whoami', `Bearer tft_guess-${i}`);
      expect(response.statusCode).toBe(401);
    }
    const blocked = await from('10.3.0.1', 'GET', '/api/2/whoami', f.admin);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await from('10.3.0.2', 'GET', '/api/2/whoami', f.admin)).statusCode).toBe(200);
    const text = await metricsText();
    expect(text).toMatch(/^twinfold_auth_failures_total\{reason="bad-token"\} 50$/m);
    expect(text).toMatch(/^twinfold_auth_failures_total\{reason="too-many-failures"\} 1$/m);
  });

  it('200 parallel bad logins: most are refused at once, and a correct login of another user answers within 1.5 s', async () => {
    // The real failure delay: it must not hold up anyone else.
    await fixture({ failureDelay: defaultFailureDelay, now: Date.now });
    await f.identities.addUser('alice', 'alice-password');
    await f.identities.addUser('bob', 'bob-password');
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const flood = Array.from({ length: 200 }, (_, i) =>
      loginFrom('10.4.0.1', i % 2 ? 'alice' : `nobody-${i}`, `guess-${i}`),
    );
    const started = performance.now();
    const bob = await loginFrom('10.4.0.2', 'bob', 'bob-password');
    const bobMs = performance.now() - started;
    const statuses = (await Promise.all(flood)).map((r) => r.statusCode);
    lag.disable();
    expect(bob.statusCode).toBe(200);
    expect(bobMs).toBeLessThan(1500);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(140);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // Password hashing runs off the event loop and in bounded parallelism.
    expect(lag.max / 1e6).toBeLessThan(500);
  });
});

describe('auth hardening - /metrics token', () => {
  it('with a metrics token, /metrics needs that token or an administrator', async () => {
    await fixture({ metricsToken: 'scrape-secret-0123456789' });
    const alice = await f.addUser('alice');
    const anonymous = await f.send('GET', '/metrics', undefined);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: 'gateway:authentication.failed' });
    expect(anonymous.body).not.toContain('twinfold_');
    expect((await f.request({ method: 'HEAD', url: '/metrics' })).statusCode).toBe(401);
    expect((await f.send('GET', '/metrics', 'Bearer scrape-secret-0123456788')).statusCode).toBe(
      401,
    );
    const forbidden = await f.send('GET', '/metrics', alice);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body).not.toContain('twinfold_');
    for (const auth of ['Bearer scrape-secret-0123456789', f.admin]) {
      const ok = await f.send('GET', '/metrics', auth);
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('twinfold_http_requests_total');
    }
  });

  it('without a metrics token, /metrics stays public', async () => {
    await fixture();
    const response = await f.send('GET', '/metrics', undefined);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('twinfold_auth_failures_total');
  });
});
