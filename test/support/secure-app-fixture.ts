// The real application with access control on (identities, policies, rate limit) for in-process tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import type { Metrics } from '../../src/api/metrics.js';
import type { IdentityService, OidcOptions } from '../../src/auth/identity-service.js';
import type { PolicyStore } from '../../src/auth/policy-store.js';
import type { SigningKeyRing } from '../../src/auth/signing-keys.js';
import { DEFAULTS } from '../../src/cli/config.js';
import { Platform, type PlatformOptions } from '../../src/platform.js';
import type { TwinRuntime } from '../../src/runtime/twin-runtime.js';
import type { Catalog } from '../../src/store/catalog.js';

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
  /**
   * Milliseconds each policy write takes to reach the catalog, as over a network (PostgreSQL);
   * the embedded catalog answers at once, which hides races around policy writes.
   */
  policyWriteDelayMs?: number;
  /** Origins allowed to call the API from a browser (CORS). */
  corsOrigin?: string[];
  /** Tuning of the WebSocket and event streams (small buffers for slow-consumer tests). */
  streams?: PlatformOptions['streams'];
  /** Pacing of webhook deliveries (short retries). */
  webhookTiming?: PlatformOptions['webhookTiming'];
  /** Ditto's subject expiry granularity in ms (default the configuration's, 1 h). */
  subjectExpiryGranularity?: number;
  /** How often expired subjects are removed, in ms (default 1000). */
  expirySweepMs?: number;
  /** `off` keeps no series (default on). */
  series?: 'on' | 'off';
  /** How often series are pruned by retention, in ms. */
  seriesPruneEveryMs?: number;
  /** Most points one time-series answer may hold (default the configuration's, 100,000). */
  maxSeriesPoints?: number;
  /** What service runs may do beyond HTTP and ingest (model runs, forecasts). */
  serviceEffects?: PlatformOptions['serviceEffects'];
  /** How often the scheduler polls the store for due services, in ms. */
  servicePollMs?: number;
  /** The store (`sqlite`, the default, or a `postgres://` URL) and its PostgreSQL schema. */
  store?: string;
  storeSchema?: string;
  /** The actual series of model compares and forecasts, and the forecaster of `forecast` models. */
  modelActual?: PlatformOptions['modelActual'];
  forecaster?: PlatformOptions['forecaster'];
}

export interface SecureFixture {
  app: FastifyInstance;
  runtime: TwinRuntime;
  policies: PolicyStore;
  identities: IdentityService;
  keys: SigningKeyRing;
  catalog: Catalog;
  metrics: Metrics;
  platform: Platform;
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
function slowPolicyWrites(catalog: Catalog, ms: number | undefined): Catalog {
  if (!ms) return catalog;
  const slow = Object.create(catalog) as Catalog;
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
  const adminToken = options.adminToken ?? ADMIN_TOKEN;
  const platform = await Platform.open(
    {
      ...DEFAULTS,
      data: dir,
      mqttPort: 0,
      rateLimit: options.rateLimit ?? 0,
      accessTtlSeconds: options.accessTtlSeconds ?? 900,
      oidcIssuer: options.oidc?.issuer,
      oidcJwksUrl: options.oidc?.jwksUrl,
      oidcAudience: options.oidc?.audience,
      metricsToken: options.metricsToken,
      corsOrigin: options.corsOrigin ?? [],
      ...(options.store ? { store: options.store, storeSchema: options.storeSchema } : {}),
      ...(options.series === undefined ? {} : { series: options.series }),
      ...(options.maxSeriesPoints === undefined
        ? {}
        : { maxSeriesPoints: options.maxSeriesPoints }),
      ...(options.subjectExpiryGranularity === undefined
        ? {}
        : { subjectExpiryGranularity: options.subjectExpiryGranularity }),
    },
    {
      logger: pino({ level: 'silent' }),
      logRequests: false,
      adminToken,
      writerThread: false,
      now: options.now,
      failureDelay: options.failureDelay ?? (() => 0),
      policyCatalog: (catalog) => slowPolicyWrites(catalog, options.policyWriteDelayMs),
      streams: options.streams,
      webhookTiming: options.webhookTiming,
      seriesPruneEveryMs: options.seriesPruneEveryMs,
      expirySweepMs: options.expirySweepMs,
      modelActual: options.modelActual,
      forecaster: options.forecaster,
      serviceEffects: options.serviceEffects,
      servicePollMs: options.servicePollMs,
    },
  );
  const { app, runtime, policies, identities, keys, metrics } = platform;
  const catalog = platform.storage.catalog;
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
    platform,
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
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
