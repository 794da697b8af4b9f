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
  /**
   * Milliseconds each policy write takes to reach the catalog, as over a network (PostgreSQL);
   * the embedded catalog answers at once, which hides races around policy writes.
   */
  policyWriteDelayMs?: number;
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

/** The catalog with policy writes delayed by `ms` (the same catalog when `ms` is not given). */
function slowPolicyWrites(catalog: SqliteCatalog, ms: number | undefined): SqliteCatalog {
  if (!ms) return catalog;
  const slow = Object.create(catalog) as SqliteCatalog;
  slow.putPolicy = async (record) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return catalog.putPolicy(record);
  };
  return slow;
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
  const policies = new PolicyStore(slowPolicyWrites(catalog, options.policyWriteDelayMs), now);
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
  await identities.init(ADMIN_TOKEN);
  const app = await buildApp({
    runtime,
    policies,
    identities,
    metrics,
    rateLimit: options.rateLimit,
  });
  const admin = `Bearer ${ADMIN_TOKEN}`;
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
