// Builds the real application (SQLite journal in a temp dir, memory index, unless told otherwise) for in-process HTTP tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import type { AppOptions } from '../../src/api/app.js';
import type { PolicyStore } from '../../src/auth/policy-store.js';
import { DEFAULTS, type ServeConfig } from '../../src/cli/config.js';
import { Platform } from '../../src/platform.js';
import type { RuntimeOptions, TwinRuntime } from '../../src/runtime/twin-runtime.js';

export interface AppFixture {
  app: FastifyInstance;
  runtime: TwinRuntime;
  policies: PolicyStore;
  platform: Platform;
  dir: string;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** PUT/PATCH with a JSON body (merge-patch content type for PATCH). */
  send(
    method: 'PUT' | 'PATCH' | 'POST',
    url: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Stops the app and runtime and starts new ones over the same data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The platform of a test: access control off, journal written inline, nothing logged. */
export async function openTestPlatform(
  dir: string,
  options: Partial<Omit<RuntimeOptions, 'journal' | 'index'>> = {},
  appOptions: Pick<AppOptions, 'authenticator'> = {},
  /** Settings over the defaults (e.g. `{ index: 'store' }`, or a postgres:// store). */
  config: Partial<ServeConfig> = {},
): Promise<Platform> {
  return Platform.open(
    { ...DEFAULTS, data: dir, mqttPort: 0, ...config },
    {
      logger: pino({ level: 'silent' }),
      logRequests: false,
      adminToken: 'tft_app-fixture-admin-token-0123',
      accessControl: false,
      writerThread: false,
      runtime: options,
      authenticator: appOptions.authenticator,
    },
  );
}

export async function createAppFixture(
  options: Partial<Omit<RuntimeOptions, 'journal' | 'index'>> = {},
  appOptions: Pick<AppOptions, 'authenticator'> = {},
  config: Partial<ServeConfig> = {},
): Promise<AppFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-test-'));
  const start = async () => {
    const platform = await openTestPlatform(dir, options, appOptions, config);
    const { runtime, policies, app } = platform;
    return { platform, runtime, policies, app };
  };
  const fixture: AppFixture = {
    ...(await start()),
    dir,
    request: (o) => fixture.app.inject(o),
    send: (method, url, body, headers = {}) =>
      fixture.app.inject({
        method,
        url,
        payload: JSON.stringify(body),
        headers: {
          'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          ...headers,
        },
      }),
    async restart() {
      await fixture.platform.close();
      Object.assign(fixture, await start());
    },
    async close() {
      await fixture.platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
