// The real application with access control on (identities, policies, rate limit) for in-process tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { Metrics } from '../../src/api/metrics.js';
import { IdentityService, type OidcOptions } from '../../src/auth/identity-service.js';
import { PolicyStore } from '../../src/auth/policy-store.js';
import { SigningKeyRing } from '../../src/auth/signing-keys.js';
import { TwinRuntime } from '../../src/runtime/twin-runtime.js';
import { MemoryTwinIndex } from '../../src/store/memory/memory-twin-index.js';
import { SqliteCatalog } from '../../src/store/sqlite/sqlite-catalog.js';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.js';

export const ADMIN_TOKEN = 'tft_fixture-admin-token-0123456789';

export interface SecureFixtureOptions {
  rateLimit?: number;
  oidc?: OidcOptions;
  accessTtlSeconds?: number;
  /** The clock of identities and policies (JWT expiry, token expiry). */
  now?: () => number;
  /** Delay before answering the n-th consecutive failed login (default: none, to keep tests fast). */
  failureDelay?: (failures: number) => number;
  /** The bootstrap admin token (default {@link ADMIN_TOKEN}). */
  adminToken?: string;
  /** When set, /metrics needs this bearer token or an administrator. */
  metricsToken?: string;
}

export interface SecureFixture {
  app: FastifyInstance;
  runtime: TwinRuntime;
  policies: PolicyStore;
  identities: IdentityService;
  keys: SigningKeyRing;
  catalog: SqliteCatalog;
  metrics: Metrics;
  dir: string;
  /** Authorization header values. */
  admin: string;
  basic(username: string, password: string): string;
  bearer(token: string): string;
  /** Creates a user through the API (as admin) and returns its Basic header. */
  addUser(username: string, password?: string): Promise<string>;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** A JSON request (merge-patch content type for PATCH) with the given Authorization header. */
  send(
    method: 'PUT' | 'PATCH' | 'POST' | 'DELETE' | 'GET',
    url: string,
    auth: string | undefined,
    body?: unknown,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createSecureFixture(
  options: SecureFixtureOptions = {},
): Promise<SecureFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-secure-'));
  const now = options.now ?? Date.now;
  const runtime = new TwinRuntime({
    journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
    index: new MemoryTwinIndex(),
  });
  await runtime.load();
  const catalog = new SqliteCatalog(join(dir, 'catalog.db'));
  const policies = new PolicyStore(catalog, now);
  await policies.load();
  const ttl = options.accessTtlSeconds ?? 900;
  const keys = new SigningKeyRing(join(dir, 'jwt-keys.json'), ttl * 1000, now);
  const metrics = new Metrics();
  const identities = new IdentityService({
    catalog,
    keys,
    accessTtlSeconds: ttl,
    oidc: options.oidc,
    now,
    failureDelay: options.failureDelay ?? (() => 0),
    onFailure: (reason) => metrics.authFailures.inc({ reason }),
  });
  const adminToken = options.adminToken ?? ADMIN_TOKEN;
  await identities.init(adminToken);
  const app = await buildApp({
    runtime,
    policies,
    identities,
    metrics,
    rateLimit: options.rateLimit,
    metricsToken: options.metricsToken,
  });
  const admin = `Bearer ${adminToken}`;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const send: SecureFixture['send'] = (method, url, auth, body) =>
    app.inject({
      method,
      url,
      payload: body === undefined ? undefined : JSON.stringify(body),
      headers: {
        ...(auth ? { authorization: auth } : {}),
        ...(body === undefined
          ? {}
          : {
              'content-type':
                method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
            }),
      },
    });
  return {
    app,
    runtime,
    policies,
    identities,
    keys,
    catalog,
    metrics,
    dir,
    admin,
    basic,
    bearer: (token) => `Bearer ${token}`,
    async addUser(username, password = `${username}-password`) {
      const response = await send('POST', '/api/2/users', admin, { username, password });
      if (response.statusCode !== 201)
        throw new Error(`could not add ${username}: ${response.body}`);
      return basic(username, password);
    },
    request: (o) => app.inject(o),
    send,
    async close() {
      await app.close();
      await runtime.close();
      await catalog.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
