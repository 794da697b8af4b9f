// OIDC: JWTs of a configured issuer, verified against a JWKS this test serves over real HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { startServerProcess } from './support/server-process.js';

const ISSUER = 'https://login.example.com/realms/twins';
const AUDIENCE = 'twinfold-api';
const KID = 'test-key-1';

let jwksServer: Server;
let jwksUrl: string;
let jwksRequests = 0;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let f: SecureFixture;
let clock: number;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  jwksServer = createServer((request, response) => {
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    jwksRequests++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  clock = Date.now();
  f = await createSecureFixture({
    oidc: { issuer: ISSUER, jwksUrl, audience: AUDIENCE },
    now: () => clock,
  });
});

afterAll(async () => {
  await f?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

beforeEach(() => {
  clock = Date.now();
});

interface TokenOptions {
  sub?: string | null;
  issuer?: string;
  audience?: string | null;
  /** Seconds relative to the fixture clock. */
  expiresIn?: number;
  key?: CryptoKey;
  kid?: string;
}

function oidcToken(options: TokenOptions = {}): Promise<string> {
  const iat = Math.floor(clock / 1000);
  let jwt = new SignJWT({ email: 'ada@example.com' })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? KID, typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresIn ?? 300));
  if (options.sub !== null) jwt = jwt.setSubject(options.sub ?? '8f2c6b1e-ada');
  if (options.audience !== null) jwt = jwt.setAudience(options.audience ?? AUDIENCE);
  return jwt.sign(options.key ?? privateKey);
}

const whoami = (token: string) => f.send('GET', '/api/2/whoami', `Bearer ${token}`);

describe('oidc', () => {
  it('a JWT of the issuer authenticates as oidc:<sub> (whoami as in Ditto)', async () => {
    const response = await whoami(await oidcToken());
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      defaultSubject: 'oidc:8f2c6b1e-ada',
      subjects: ['oidc:8f2c6b1e-ada'],
    });
    expect(jwksRequests).toBeGreaterThanOrEqual(1);
  });

  it('each subject is its own identity', async () => {
    const response = await whoami(await oidcToken({ sub: 'grace' }));
    expect(response.json()).toEqual({ defaultSubject: 'oidc:grace', subjects: ['oidc:grace'] });
  });

  it('rejects a wrong or missing audience with 401', async () => {
    for (const audience of ['another-api', null]) {
      const response = await whoami(await oidcToken({ audience }));
      expect(response.statusCode, String(audience)).toBe(401);
      expect(response.json()).toMatchObject({
        status: 401,
        error: 'gateway:authentication.failed',
      });
      expect(response.headers['www-authenticate']).toMatch(/Bearer/);
    }
  });

  it('rejects a wrong issuer with 401, even when signed by the right key', async () => {
    for (const issuer of ['https://login.example.com/realms/other', `${ISSUER}/`, 'twinfold']) {
      const response = await whoami(await oidcToken({ issuer }));
      expect(response.statusCode, issuer).toBe(401);
    }
  });

  it('rejects an expired JWT with 401, and a valid one once the clock passes its expiry', async () => {
    expect((await whoami(await oidcToken({ expiresIn: -1 }))).statusCode).toBe(401);
    const token = await oidcToken({ expiresIn: 60 });
    expect((await whoami(token)).statusCode).toBe(200);
    clock += 59_000;
    expect((await whoami(token)).statusCode).toBe(200);
    clock += 1_000;
    expect((await whoami(token)).statusCode).toBe(401);
  });

  it('rejects a JWT signed by another key with 401 (same kid or unknown kid)', async () => {
    for (const kid of [KID, 'unknown-key']) {
      const response = await whoami(await oidcToken({ key: otherKey, kid }));
      expect(response.statusCode, kid).toBe(401);
    }
  });

  it('rejects an HS256 JWT claiming the issuer, and a JWT without a subject', async () => {
    const hmac = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: KID })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-guessed-shared-secret-of-32-bytes!'));
    expect((await whoami(hmac)).statusCode).toBe(401);
    expect((await whoami(await oidcToken({ sub: null }))).statusCode).toBe(401);
  });

  it('a tampered JWT gets 401', async () => {
    const [header, payload, signature] = (await oidcToken({ sub: 'user' })).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    expect((await whoami(`${header}.${forged}.${signature}`)).statusCode).toBe(401);
  });

  it('an OIDC identity is not an administrator and cannot create API tokens', async () => {
    const token = `Bearer ${await oidcToken()}`;
    expect((await f.send('GET', '/api/2/users', token)).statusCode).toBe(403);
    const created = await f.send('POST', '/api/2/tokens', token, { name: 'mine' });
    expect(created.statusCode).toBe(400);
    expect(created.body).not.toContain('tft_');
  });

  it('failed OIDC authentications are counted in /metrics', async () => {
    await whoami(await oidcToken({ audience: 'another-api' }));
    const text = (await f.send('GET', '/metrics', undefined)).body;
    expect(text).toMatch(/^twinfold_auth_failures_total\{reason="invalid-oidc-jwt"\} [1-9]\d*$/m);
  });

  it('the real server accepts OIDC JWTs configured with --oidc-* flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-oidc-'));
    const server = await startServerProcess([
      '--data',
      dir,
      '--mqtt-port',
      '0',
      '--oidc-issuer',
      ISSUER,
      '--oidc-jwks-url',
      jwksUrl,
      '--oidc-audience',
      AUDIENCE,
    ]);
    try {
      clock = Date.now();
      const ok = await fetch(`${server.url}/api/2/whoami`, {
        headers: { authorization: `Bearer ${await oidcToken({ sub: 'proc' })}` },
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ defaultSubject: 'oidc:proc', subjects: ['oidc:proc'] });
      const wrong = await fetch(`${server.url}/api/2/whoami`, {
        headers: { authorization: `Bearer ${await oidcToken({ audience: 'other' })}` },
      });
      expect(wrong.status).toBe(401);
    } finally {
      await server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
