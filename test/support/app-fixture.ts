// Builds the real application (SQLite journal in a temp dir, memory index) for in-process HTTP tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../src/api/app.js';
import { Metrics } from '../../src/api/metrics.js';
import { TwinRuntime, type RuntimeOptions } from '../../src/runtime/twin-runtime.js';
import { MemoryTwinIndex } from '../../src/store/memory/memory-twin-index.js';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.js';
import { SqliteCatalog } from '../../src/store/sqlite/sqlite-catalog.js';
import { PolicyStore } from '../../src/auth/policy-store.js';

export interface AppFixture {
  app: FastifyInstance;
  runtime: TwinRuntime;
  policies: PolicyStore;
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

export async function createAppFixture(
  options: Partial<RuntimeOptions> = {},
  appOptions: Pick<AppOptions, 'authenticator'> = {},
): Promise<AppFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-test-'));
  const start = async () => {
    const runtime = new TwinRuntime({
      journal: new SqliteJournal({ path: join(dir, 'journal.db') }),
      index: new MemoryTwinIndex(),
      ...options,
    });
    await runtime.load();
    const policies = new PolicyStore(new SqliteCatalog(join(dir, 'catalog.db')));
    await policies.load();
    return {
      runtime,
      policies,
      app: await buildApp({ runtime, policies, metrics: new Metrics(), ...appOptions }),
    };
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
      await fixture.app.close();
      await fixture.runtime.close();
      Object.assign(fixture, await start());
    },
    async close() {
      await fixture.app.close();
      await fixture.runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
