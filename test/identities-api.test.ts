// Users, logins, API tokens, signing-key rotation and abuse controls through the real HTTP API.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
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
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

async function login(username: string, password: string): Promise<Tokens> {
  const response = await f.send('POST', '/api/2/auth/login', undefined, { username, password });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Tokens>();
}

const whoami = (auth: string | undefined) => f.send('GET', '/api/2/whoami', auth);
const refreshWith = (refreshToken: unknown) =>
  f.send('POST', '/api/2/auth/refresh', undefined, { refresh_token: refreshToken });

/** Every byte SQLite keeps for the catalog (the database and its write-ahead log). */
function catalogBytes(): string {
  return readdirSync(f.dir)
    .filter((name) => name.startsWith('catalog.db'))
    .map((name) => readFileSync(join(f.dir, name)).toString('latin1'))
    .join('\n');
}

async function metricsText(): Promise<string> {
  return (await f.send('GET', '/metrics', undefined)).body;
}

describe('identities api - users', () => {
  it('an administrator creates, lists, disables, enables and deletes users', async () => {
    await fixture();
    const created = await f.send('POST', '/api/2/users', f.admin, {
      username: 'alice',
      password: 'alice-password',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      username: 'alice',
      subject: 'user:alice',
      roles: [],
      disabled: false,
    });
    expect(created.body).not.toContain('alice-password');

    const list = await f.send('GET', '/api/2/users', f.admin);
    expect(list.statusCode).toBe(200);
    expect(list.json<{ username: string }[]>().map((u) => u.username)).toEqual(['admin', 'alice']);
    expect(list.body).not.toMatch(/password|scrypt/i);

    const disabled = await f.send('PATCH', '/api/2/users/alice', f.admin, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ username: 'alice', disabled: true });
    expect((await f.send('GET', '/api/2/users/alice', f.admin)).json()).toMatchObject({
      disabled: true,
    });
    const enabled = await f.send('PATCH', '/api/2/users/alice', f.admin, { disabled: false });
    expect(enabled.json()).toMatchObject({ disabled: false });

    expect((await f.send('DELETE', '/api/2/users/alice', f.admin)).statusCode).toBe(204);
    expect((await f.send('GET', '/api/2/users/alice', f.admin)).statusCode).toBe(404);
    expect((await whoami(f.basic('alice', 'alice-password'))).statusCode).toBe(401);
  });

  it('a user who is not an administrator gets 403 on every user-management route', async () => {
    await fixture();
    const alice = await f.addUser('alice');
    await f.addUser('bob');
    const attempts = [
      await f.send('GET', '/api/2/users', alice),
      await f.send('POST', '/api/2/users', alice, { username: 'eve', password: 'eve-password' }),
      await f.send('PATCH', '/api/2/users/bob', alice, { disabled: true }),
      await f.send('DELETE', '/api/2/users/bob', alice),
      await f.send('POST', '/api/2/auth/keys/rotate', alice),
    ];
    for (const response of attempts) {
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json()).toMatchObject({ status: 403, error: 'gateway:forbidden' });
    }
    expect(f.identities.getUser('eve')).toBeNull();
    expect(f.identities.getUser('bob')?.disabled).toBe(false);
    // A user may read their own record, but not someone else's.
    expect((await f.send('GET', '/api/2/users/alice', alice)).statusCode).toBe(200);
    expect((await f.send('GET', '/api/2/users/bob', alice)).statusCode).toBe(404);
  });

  it('an administrator created with the admin role may manage users', async () => {
    await fixture();
    const response = await f.send('POST', '/api/2/users', f.admin, {
      username: 'root2',
      password: 'root2-password',
      roles: ['admin'],
    });
    expect(response.statusCode).toBe(201);
    const root2 = f.basic('root2', 'root2-password');
    expect((await f.send('GET', '/api/2/users', root2)).statusCode).toBe(200);
  });

  it('bad user requests get 4xx with a Ditto-style body', async () => {
    await fixture();
    await f.addUser('alice');
    const cases: [unknown, number][] = [
      [{ username: 'alice', password: 'another-password' }, 409],
      [{ username: 'bob', password: 'short' }, 400],
      [{ username: 'bad name!', password: 'long-enough-password' }, 400],
      [{ username: 'carol', password: 'long-enough-password', roles: ['superuser'] }, 400],
    ];
    for (const [body, status] of cases) {
      const response = await f.send('POST', '/api/2/users', f.admin, body);
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json()).toMatchObject({ status });
    }
    expect(
      (await f.send('PATCH', '/api/2/users/nobody', f.admin, { disabled: true })).statusCode,
    ).toBe(404);
    expect(
      (await f.send('PATCH', '/api/2/users/alice', f.admin, { disabled: 'yes' })).statusCode,
    ).toBe(400);
    expect((await f.send('DELETE', '/api/2/users/nobody', f.admin)).statusCode).toBe(404);
    expect((await f.send('DELETE', '/api/2/users/admin', f.admin)).statusCode).toBe(400);
    expect(
      (await f.send('PATCH', '/api/2/users/admin', f.admin, { disabled: true })).statusCode,
    ).toBe(400);
  });

  it('passwords are stored as scrypt hashes: the catalog file has no plaintext password', async () => {
    await fixture();
    await f.addUser('alice', 'Plaintext-Secret-4711');
    const bytes = catalogBytes();
    expect(bytes).toContain('alice');
    expect(bytes).toMatch(/scrypt\$16384\$8\$1\$/);
    expect(bytes).not.toContain('Plaintext-Secret-4711');
  });
});

describe('identities api - login, refresh and logout', () => {
  it('login returns a short-lived JWT and a refresh token', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const tokens = await login('alice', 'alice-password');
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: TTL });
    expect(tokens.refresh_token).toMatch(/^rt_/);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.exp! - claims.iat!).toBe(TTL);
    expect(claims.iat).toBe(Math.floor(clock / 1000));
    expect(claims).toMatchObject({ sub: 'user:alice', iss: 'twinfold' });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({
      alg: 'HS256',
      kid: f.keys.active.kid,
    });
    const me = await whoami(f.bearer(tokens.access_token));
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ defaultSubject: 'user:alice', subjects: ['user:alice'] });
  });

  it('the JWT stops working when it expires', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const { access_token } = await login('alice', 'alice-password');
    clock += (TTL - 1) * 1000;
    expect((await whoami(f.bearer(access_token))).statusCode).toBe(200);
    clock += 1000;
    expect((await whoami(f.bearer(access_token))).statusCode).toBe(401);
  });

  it('wrong passwords, unknown users and the password-less admin cannot log in', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    for (const [username, password] of [
      ['alice', 'wrong-password'],
      ['nobody', 'alice-password'],
      ['admin', ''],
      ['admin', 'admin'],
      ['admin', 'password'],
      ['admin', ADMIN_TOKEN],
    ]) {
      const response = await f.send('POST', '/api/2/auth/login', undefined, { username, password });
      expect(response.statusCode, `${username}:${password}`).toBe(401);
      expect(response.json()).toMatchObject({
        status: 401,
        error: 'gateway:authentication.failed',
      });
      expect(response.body).not.toContain('access_token');
    }
    expect((await whoami(f.basic('admin', ''))).statusCode).toBe(401);
  });

  it('refresh issues new tokens and rotates: the old refresh token is then rejected', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const first = await login('alice', 'alice-password');
    clock += 60_000;
    const refreshed = await refreshWith(first.refresh_token);
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const second = refreshed.json<Tokens>();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(decodeJwt(second.access_token).iat).toBe(Math.floor(clock / 1000));
    expect((await whoami(f.bearer(second.access_token))).json()).toMatchObject({
      defaultSubject: 'user:alice',
    });

    const reused = await refreshWith(first.refresh_token);
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toMatchObject({ error: 'gateway:authentication.failed' });
    // The reuse revokes the whole family (OAuth 2.0 Security BCP), the rotated token included.
    const again = await refreshWith(second.refresh_token);
    expect(again.statusCode).toBe(401);
  });

  it('a refresh token is consumed once even when two refreshes race', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const { refresh_token } = await login('alice', 'alice-password');
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => refreshWith(refresh_token)),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401]);
  });

  it('forged, malformed and unknown refresh tokens get 401', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const { refresh_token } = await login('alice', 'alice-password');
    const [id] = refresh_token.split('.');
    for (const candidate of [
      `${id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
      'rt_00000000-0000-0000-0000-000000000000.abc',
      'not-a-token',
      42,
    ]) {
      const response = await refreshWith(candidate);
      expect(response.statusCode, String(candidate)).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
    }
    // The genuine token still works after the failed attempts.
    const ok = await refreshWith(refresh_token);
    expect(ok.statusCode).toBe(200);
  });

  it('logout revokes the refresh token and the access token sent with it', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const session = await login('alice', 'alice-password');
    const other = await login('alice', 'alice-password');
    expect((await whoami(f.bearer(session.access_token))).statusCode).toBe(200);

    const out = await f.send('POST', '/api/2/auth/logout', f.bearer(session.access_token), {
      refresh_token: session.refresh_token,
    });
    expect(out.statusCode).toBe(204);
    expect((await whoami(f.bearer(session.access_token))).statusCode).toBe(401);
    const refresh = await refreshWith(session.refresh_token);
    expect(refresh.statusCode).toBe(401);
    // The other session of the same user is unaffected.
    expect((await whoami(f.bearer(other.access_token))).statusCode).toBe(200);
    const otherRefresh = await refreshWith(other.refresh_token);
    expect(otherRefresh.statusCode).toBe(200);
  });

  it("logout does not revoke another user's access token, nor one it cannot verify", async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    await f.addUser('bob', 'bob-password');
    const alice = await login('alice', 'alice-password');
    const bob = await login('bob', 'bob-password');
    const out = await f.send('POST', '/api/2/auth/logout', f.bearer(alice.access_token), {
      refresh_token: bob.refresh_token,
    });
    expect(out.statusCode).toBe(204);
    expect((await whoami(f.bearer(alice.access_token))).statusCode).toBe(200);
    // Alice's token with its signature broken carries her jti, but cannot revoke it.
    const forged =
      alice.access_token.slice(0, -4) + (alice.access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bob2 = await login('bob', 'bob-password');
    await f.send('POST', '/api/2/auth/logout', f.bearer(forged), {
      refresh_token: bob2.refresh_token,
    });
    expect((await whoami(f.bearer(alice.access_token))).statusCode).toBe(200);
  });

  it("a disabled user's JWT, Basic credentials, refresh token and API tokens stop working", async () => {
    await fixture();
    const basic = await f.addUser('alice', 'alice-password');
    const session = await login('alice', 'alice-password');
    const created = await f.send('POST', '/api/2/tokens', basic, { name: 'ci' });
    const apiToken = f.bearer(created.json<{ token: string }>().token);
    const jwt = f.bearer(session.access_token);
    for (const auth of [basic, jwt, apiToken]) expect((await whoami(auth)).statusCode).toBe(200);

    await f.send('PATCH', '/api/2/users/alice', f.admin, { disabled: true });
    for (const auth of [basic, jwt, apiToken]) {
      const response = await whoami(auth);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/Basic.*Bearer/);
    }
    const refresh = await refreshWith(session.refresh_token);
    expect(refresh.statusCode).toBe(401);
    expect(
      (
        await f.send('POST', '/api/2/auth/login', undefined, {
          username: 'alice',
          password: 'alice-password',
        })
      ).statusCode,
    ).toBe(401);

    await f.send('PATCH', '/api/2/users/alice', f.admin, { disabled: false });
    for (const auth of [basic, jwt, apiToken]) expect((await whoami(auth)).statusCode).toBe(200);
  });

  it("a deleted user's tokens, JWT and refresh token do not come back when the name is reused", async () => {
    await fixture();
    const basic = await f.addUser('alice', 'alice-password');
    const session = await login('alice', 'alice-password');
    const created = await f.send('POST', '/api/2/tokens', basic, { name: 'ci' });
    const apiToken = f.bearer(created.json<{ token: string }>().token);
    expect((await f.send('DELETE', '/api/2/users/alice', f.admin)).statusCode).toBe(204);
    clock += 1000;
    await f.addUser('alice', 'new-alice-password');
    expect((await whoami(basic)).statusCode).toBe(401);
    expect((await whoami(apiToken)).statusCode).toBe(401);
    expect((await whoami(f.bearer(session.access_token))).statusCode).toBe(401);
    const refresh = await refreshWith(session.refresh_token);
    expect(refresh.statusCode).toBe(401);
  });
});

describe('identities api - signing keys', () => {
  it('rotation keeps old tokens valid for the grace period; new tokens use the new kid', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const before = await login('alice', 'alice-password');
    const oldKid = decodeProtectedHeader(before.access_token).kid!;
    const oldSecret = f.keys.find(oldKid)!.secret;
    // A token signed with the old key that outlives the grace period shows when the key retires.
    const claims = decodeJwt(before.access_token);
    const longLived = await new SignJWT({ ...claims, jti: 'long-lived' })
      .setProtectedHeader({ alg: 'HS256', kid: oldKid, typ: 'JWT' })
      .setExpirationTime(claims.iat! + 10 * TTL)
      .sign(Buffer.from(oldSecret, 'base64url'));
    expect((await whoami(f.bearer(longLived))).statusCode).toBe(200);

    clock += 60_000;
    const rotated = await f.send('POST', '/api/2/auth/keys/rotate', f.admin);
    expect(rotated.statusCode).toBe(200);
    const { kid: newKid } = rotated.json<{ kid: string }>();
    expect(newKid).not.toBe(oldKid);
    expect(f.keys.active.kid).toBe(newKid);

    expect((await whoami(f.bearer(before.access_token))).statusCode).toBe(200);
    expect((await whoami(f.bearer(longLived))).statusCode).toBe(200);
    const after = await login('alice', 'alice-password');
    expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid);
    const refreshed = await refreshWith(before.refresh_token);
    expect(decodeProtectedHeader(refreshed.json<Tokens>().access_token).kid).toBe(newKid);

    clock += TTL * 1000 - 1;
    expect((await whoami(f.bearer(longLived))).statusCode).toBe(200);
    clock += 1;
    expect((await whoami(f.bearer(longLived))).statusCode).toBe(401);
    expect((await whoami(f.bearer(before.access_token))).statusCode).toBe(401);
    // The new key still signs and verifies after the old one retired.
    const latest = await login('alice', 'alice-password');
    expect(decodeProtectedHeader(latest.access_token).kid).toBe(newKid);
    expect((await whoami(f.bearer(latest.access_token))).statusCode).toBe(200);
  });

  it('only a writable administrator may rotate, and credentials are always checked', async () => {
    await fixture();
    const readOnly = await f.send('POST', '/api/2/tokens', f.admin, {
      name: 'ro',
      readOnly: true,
    });
    const kid = f.keys.active.kid;
    const denied = await f.send(
      'POST',
      '/api/2/auth/keys/rotate',
      f.bearer(readOnly.json<{ token: string }>().token),
    );
    expect(denied.statusCode).toBe(403);
    for (const url of ['/api/2/auth/keys/rotate', '/api/2/auth/keys/rotate?x=1']) {
      const anonymous = await f.send('POST', url, undefined);
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/Basic/);
    }
    expect(f.keys.active.kid).toBe(kid);
  });

  it('a JWT signed with an unknown key, or tampered with, gets 401', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    const { access_token } = await login('alice', 'alice-password');
    const [header, payload, signature] = access_token.split('.');
    const claims = decodeJwt(access_token);
    const elevated = Buffer.from(JSON.stringify({ ...claims, sub: 'user:admin' })).toString(
      'base64url',
    );
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: f.keys.active.kid })
      .setIssuer('twinfold')
      .setSubject('user:admin')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new Uint8Array(32).fill(7));
    for (const token of [
      `${header}.${elevated}.${signature}`,
      // The first character of the signature (all six of its bits count) made another one.
      `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`,
      foreign,
      'not.a.jwt',
    ]) {
      expect((await whoami(f.bearer(token))).statusCode, token).toBe(401);
    }
  });
});

describe('identities api - API tokens', () => {
  interface TokenBody {
    id: string;
    name: string;
    token?: string;
    subject: string;
    namespaces: string[] | null;
    readOnly: boolean;
    expires: string | null;
    revoked: boolean;
  }

  it('a token is shown once, stored hashed, listed without its secret and works as Bearer', async () => {
    await fixture();
    const alice = await f.addUser('alice');
    const expires = new Date(clock + 86_400_000).toISOString();
    const created = await f.send('POST', '/api/2/tokens', alice, {
      name: 'ci',
      namespaces: ['org.alice'],
      readOnly: true,
      expires,
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<TokenBody>();
    expect(body).toMatchObject({
      name: 'ci',
      subject: 'user:alice',
      namespaces: ['org.alice'],
      readOnly: true,
      expires,
      revoked: false,
    });
    expect(body.token).toMatch(/^tft_[\w-]{40,}$/);
    const token = body.token!;

    const listed = await f.send('GET', '/api/2/tokens', alice);
    expect(listed.statusCode).toBe(200);
    expect(listed.json<TokenBody[]>()).toEqual([
      expect.objectContaining({ id: body.id, name: 'ci' }),
    ]);
    expect(listed.json<TokenBody[]>()[0]).not.toHaveProperty('token');
    expect(listed.body).not.toContain(token);
    expect(listed.body).not.toContain(token.slice(4));

    expect(catalogBytes()).toContain(body.id);
    expect(catalogBytes()).not.toContain(token.slice(4));

    const me = await whoami(f.bearer(token));
    expect(me.json()).toEqual({ defaultSubject: 'user:alice', subjects: ['user:alice'] });
  });

  it('users list their own tokens; an administrator lists all', async () => {
    await fixture();
    const alice = await f.addUser('alice');
    const bob = await f.addUser('bob');
    const a = (
      await f.send('POST', '/api/2/tokens', alice, { name: 'alice-ci' })
    ).json<TokenBody>();
    const b = (await f.send('POST', '/api/2/tokens', bob, { name: 'bob-ci' })).json<TokenBody>();
    const names = async (auth: string) =>
      (await f.send('GET', '/api/2/tokens', auth))
        .json<TokenBody[]>()
        .map((t) => t.name)
        .sort();
    expect(await names(alice)).toEqual(['alice-ci']);
    expect(await names(bob)).toEqual(['bob-ci']);
    expect(await names(f.admin)).toEqual(['alice-ci', 'bob-ci', 'bootstrap admin']);
    const all = await f.send('GET', '/api/2/tokens', f.admin);
    expect(all.body).not.toContain(a.token!);
    expect(all.body).not.toContain(b.token!);
    expect(all.body).not.toContain(ADMIN_TOKEN);
  });

  it('a token is revocable by its owner or an administrator, not by others', async () => {
    await fixture();
    const alice = await f.addUser('alice');
    const bob = await f.addUser('bob');
    const a1 = (await f.send('POST', '/api/2/tokens', alice, { name: 'one' })).json<TokenBody>();
    const a2 = (await f.send('POST', '/api/2/tokens', alice, { name: 'two' })).json<TokenBody>();

    expect((await f.send('DELETE', `/api/2/tokens/${a1.id}`, bob)).statusCode).toBe(404);
    expect((await whoami(f.bearer(a1.token!))).statusCode).toBe(200);

    expect((await f.send('DELETE', `/api/2/tokens/${a1.id}`, alice)).statusCode).toBe(204);
    expect((await whoami(f.bearer(a1.token!))).statusCode).toBe(401);
    expect((await f.send('DELETE', `/api/2/tokens/${a2.id}`, f.admin)).statusCode).toBe(204);
    expect((await whoami(f.bearer(a2.token!))).statusCode).toBe(401);
    const listed = (await f.send('GET', '/api/2/tokens', alice)).json<TokenBody[]>();
    expect(listed.map((t) => t.revoked)).toEqual([true, true]);
    expect((await f.send('DELETE', '/api/2/tokens/no-such-token', alice)).statusCode).toBe(404);
  });

  it('an expired token gets 401', async () => {
    await fixture();
    const alice = await f.addUser('alice');
    const created = await f.send('POST', '/api/2/tokens', alice, {
      name: 'short',
      expires: new Date(clock + 60_000).toISOString(),
    });
    const token = f.bearer(created.json<TokenBody>().token!);
    expect((await whoami(token)).statusCode).toBe(200);
    clock += 60_000;
    const response = await whoami(token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ status: 401, error: 'gateway:authentication.failed' });
    const past = await f.send('POST', '/api/2/tokens', alice, {
      name: 'past',
      expires: new Date(clock - 1000).toISOString(),
    });
    expect(past.statusCode).toBe(400);
    const garbage = await f.send('POST', '/api/2/tokens', alice, { name: 'x', expires: 'soon' });
    expect(garbage.statusCode).toBe(400);
  });

  it('a read-only token reads but cannot change anything, nor create tokens or users', async () => {
    await fixture();
    await f.send('PUT', '/api/2/things/org.a:lamp', f.admin, { attributes: { on: false } });
    const created = await f.send('POST', '/api/2/tokens', f.admin, { name: 'ro', readOnly: true });
    const ro = f.bearer(created.json<TokenBody>().token!);
    expect((await f.send('GET', '/api/2/things/org.a:lamp', ro)).statusCode).toBe(200);
    const write = await f.send('PUT', '/api/2/things/org.a:lamp/attributes/on', ro, true);
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ error: 'gateway:token.readonly' });
    expect((await f.send('POST', '/api/2/tokens', ro, { name: 'more' })).statusCode).toBe(403);
    const user = await f.send('POST', '/api/2/users', ro, {
      username: 'eve',
      password: 'eve-password',
    });
    expect(user.statusCode).toBe(403);
    expect((await f.send('GET', '/api/2/things/org.a:lamp/attributes/on', f.admin)).body).toBe(
      'false',
    );
  });

  it('a namespace-scoped token sees only its namespaces', async () => {
    await fixture();
    await f.send('PUT', '/api/2/things/org.a:lamp', f.admin, { attributes: { on: false } });
    await f.send('PUT', '/api/2/things/org.b:lamp', f.admin, { attributes: { on: false } });
    const created = await f.send('POST', '/api/2/tokens', f.admin, {
      name: 'scoped',
      namespaces: ['org.a'],
    });
    const scoped = f.bearer(created.json<TokenBody>().token!);
    expect((await f.send('GET', '/api/2/things/org.a:lamp', scoped)).statusCode).toBe(200);
    expect((await f.send('GET', '/api/2/things/org.b:lamp', scoped)).statusCode).toBe(404);
    const write = await f.send('PUT', '/api/2/things/org.b:lamp/attributes/on', scoped, true);
    expect(write.statusCode).toBe(404);
    const bad = await f.send('POST', '/api/2/tokens', f.admin, {
      name: 'bad',
      namespaces: ['not a namespace!'],
    });
    expect(bad.statusCode).toBe(400);
  });

  it('a scoped or read-only token cannot create a policy outside its reach while creating a thing', async () => {
    await fixture();
    const scoped = f.bearer(
      (
        await f.send('POST', '/api/2/tokens', f.admin, { name: 'scoped', namespaces: ['org.a'] })
      ).json<TokenBody>().token!,
    );
    const readOnly = f.bearer(
      (
        await f.send('POST', '/api/2/tokens', f.admin, { name: 'ro', readOnly: true })
      ).json<TokenBody>().token!,
    );
    const inlinePolicy = {
      entries: {
        owner: {
          subjects: { 'user:admin': { type: 'user' } },
          resources: {
            'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
            'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
          },
        },
      },
    };
    const outside = await f.send('PUT', '/api/2/things/org.a:lamp', scoped, {
      policyId: 'org.b:stolen',
      _policy: inlinePolicy,
    });
    // Using a policy outside the token's namespaces is a scope violation (403), not a missing policy.
    expect(outside.statusCode).toBe(403);
    expect(outside.json()).toMatchObject({ error: 'gateway:forbidden' });
    const posted = await f.send('POST', '/api/2/things?namespace=org.a', readOnly, {
      policyId: 'org.a:ro-policy',
      _policy: inlinePolicy,
    });
    expect(posted.statusCode).toBe(403);
    for (const policyId of ['org.b:stolen', 'org.a:ro-policy'])
      expect((await f.send('GET', `/api/2/policies/${policyId}`, f.admin)).statusCode).toBe(404);
    expect((await f.send('GET', '/api/2/things/org.a:lamp', f.admin)).statusCode).toBe(404);
  });

  it("an administrator's namespace-scoped token cannot manage users or keys", async () => {
    await fixture();
    const created = await f.send('POST', '/api/2/tokens', f.admin, {
      name: 'scoped-admin',
      namespaces: ['org.a'],
    });
    const scoped = f.bearer(created.json<TokenBody>().token!);
    const mint = await f.send('POST', '/api/2/users', scoped, {
      username: 'mallory',
      password: 'mallory-password',
      roles: ['admin'],
    });
    expect(mint.statusCode).toBe(403);
    expect((await f.send('GET', '/api/2/users', scoped)).statusCode).toBe(403);
    expect((await f.send('POST', '/api/2/auth/keys/rotate', scoped)).statusCode).toBe(403);
    const users = (await f.send('GET', '/api/2/users', f.admin)).json<{ username: string }[]>();
    expect(users.map((u) => u.username)).not.toContain('mallory');
  });
});

describe('identities api - whoami and authentication', () => {
  it('whoami answers as in Ditto for Basic, API token and JWT', async () => {
    await fixture();
    const basic = await f.addUser('alice', 'alice-password');
    const { access_token } = await login('alice', 'alice-password');
    const { token } = (await f.send('POST', '/api/2/tokens', basic, { name: 't' })).json<{
      token: string;
    }>();
    for (const auth of [basic, f.bearer(access_token), f.bearer(token)]) {
      const response = await whoami(auth);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.json()).toEqual({ defaultSubject: 'user:alice', subjects: ['user:alice'] });
    }
    expect((await whoami(f.admin)).json()).toEqual({
      defaultSubject: 'user:admin',
      subjects: ['user:admin'],
    });
  });

  it('missing, malformed and wrong credentials get 401 with WWW-Authenticate', async () => {
    await fixture();
    await f.addUser('alice', 'alice-password');
    for (const auth of [
      undefined,
      'Basic',
      'Basic !!!',
      f.basic('alice', 'wrong'),
      'Bearer tft_not-a-real-token',
      'Bearer ',
      'Digest abc',
      `Bearer ${ADMIN_TOKEN}x`,
    ]) {
      const response = await whoami(auth);
      expect(response.statusCode, String(auth)).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="twinfold", Bearer');
      expect(response.json()).toMatchObject({
        status: 401,
        error: 'gateway:authentication.failed',
      });
    }
    expect((await f.send('GET', '/api/2/things/org.a:lamp', undefined)).statusCode).toBe(401);
  });

  it('every route but the public ones needs credentials: HEAD routes and unknown URLs too', async () => {
    await fixture();
    const head = await f.request({ method: 'HEAD', url: '/api/2/things/org.a:lamp' });
    expect(head.statusCode).toBe(401);
    const unknown = await f.send('GET', '/api/2/nothing-here', undefined);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['www-authenticate']).toBe('Basic realm="twinfold", Bearer');
    expect((await f.send('GET', '/api/2/nothing-here', f.admin)).statusCode).toBe(404);
    // Refused before the body is read: neither a broken nor an oversized body is looked at.
    for (const payload of ['{broken', 'x'.repeat(3 * 1024 * 1024)]) {
      const posted = await f.request({
        method: 'POST',
        url: '/api/2/nothing-here',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(posted.statusCode).toBe(401);
    }
    expect((await f.send('GET', '/health', undefined)).statusCode).toBe(200);
    const text = await metricsText();
    expect(text).toMatch(
      /twinfold_http_requests_total\{method="GET",route="unmatched",status="401"\} 1$/m,
    );
    expect(text).toMatch(
      /twinfold_http_requests_total\{method="POST",route="unmatched",status="401"\} 2$/m,
    );
    expect(text).toMatch(
      /twinfold_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m,
    );
    expect(text).toMatch(
      /twinfold_http_requests_total\{method="HEAD",route="\/api\/2\/things\/:thingId",status="401"\} 1$/m,
    );
  });
});

describe('identities api - abuse controls', () => {
  it('rate limit: a burst of twice the rate, then 429 with Retry-After; others unaffected', async () => {
    await fixture({ rateLimit: 5 });
    // Created directly, so that no request of the administrator is spent before the burst.
    await f.identities.addUser('bob', 'bob-password');
    const bob = f.basic('bob', 'bob-password');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await whoami(f.admin)).statusCode);
    expect(statuses).toEqual(Array(10).fill(200));
    const limited = await whoami(f.admin);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json()).toMatchObject({
      status: 429,
      error: 'gateway:too.many.requests',
      message: expect.stringContaining('retry after 1 s'),
      description: expect.any(String),
    });
    expect((await whoami(bob)).statusCode).toBe(200);
    expect(await metricsText()).toMatch(/^twinfold_rate_limited_total 1$/m);
  });

  it('failed logins are slowed after the third failure and counted in /metrics', async () => {
    const delays: number[] = [];
    await fixture({
      failureDelay: (failures) => {
        delays.push(failures);
        return failures > 3 ? 150 : 0;
      },
    });
    await f.addUser('alice', 'alice-password');
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const response = await f.send('POST', '/api/2/auth/login', undefined, {
        username: 'alice',
        password: `wrong-${i}`,
      });
      timings.push(performance.now() - started);
      expect(response.statusCode).toBe(401);
    }
    expect(delays).toEqual([1, 2, 3, 4, 5]);
    const [early, late] = [timings.slice(0, 3), timings.slice(3)];
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.min(...late)).toBeGreaterThanOrEqual(145);
    expect(mean(late) - mean(early)).toBeGreaterThanOrEqual(100);
    expect(await metricsText()).toMatch(
      /^twinfold_auth_failures_total\{reason="bad-password"\} 5$/m,
    );

    // A successful login resets the count.
    await login('alice', 'alice-password');
    await f.send('POST', '/api/2/auth/login', undefined, { username: 'alice', password: 'x' });
    expect(delays.at(-1)).toBe(1);
  });

  it('/metrics counts failed authentications by reason', async () => {
    await fixture();
    await whoami(undefined);
    await whoami('Bearer tft_unknown');
    await whoami('Bearer tft_unknown');
    const text = await metricsText();
    expect(text).toMatch(/^twinfold_auth_failures_total\{reason="missing-credentials"\} 1$/m);
    expect(text).toMatch(/^twinfold_auth_failures_total\{reason="bad-token"\} 2$/m);
  });
});
