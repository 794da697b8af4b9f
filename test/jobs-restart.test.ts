// Replay and bulk-migration records across restarts: finished jobs read back the same (by id, with
// their comparison and per-twin results, and in the lists, newest first) from a new process on the
// same data directory or PostgreSQL schema; a migration under way when its server is killed (kill -9) reads back failed,
// saying it was interrupted by a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERRUPTED } from '../src/services/job-records.js';
import {
  suiteStore,
  selectedBackends,
  type PostgresTestSchema,
} from '../src/store/test-backends.js';
import { createAppFixture, openTestPlatform, type AppFixture } from './support/app-fixture.js';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const V1 = 'jr:rack:1.0.0';
const V2 = 'jr:rack:2.0.0';

function rackType(raise: number, clear: number) {
  return {
    derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
    assessments: {
      overload: {
        when: `features.power.properties.watts > ${raise}.0`,
        clear: `features.power.properties.watts < ${clear}.0`,
        severity: 'warning',
      },
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON answers, read by their keys
type Json = Record<string, any>;

let f: AppFixture;

async function ok(method: 'PUT' | 'POST', url: string, body: unknown): Promise<Json> {
  const response = await f.send(method, url, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.body === '' ? {} : (response.json() as Json);
}

async function get(url: string): Promise<Json> {
  const response = await f.request({ method: 'GET', url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Json;
}

/** Polls a job until it has ended. */
async function ended(url: string): Promise<Json> {
  for (let i = 0; i < 400; i++) {
    const view = await get(url);
    if (view.state !== 'running') return view;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} did not end in 10 s`);
}

for (const backend of selectedBackends())
  describe(`job records across a restart (${backend})`, () => {
    let schema: PostgresTestSchema | null = null;
    let skip = '';
    beforeAll(async () => {
      ({ schema, skip } = await suiteStore(backend));
      if (skip) return;
      f = await createAppFixture(
        {},
        {},
        schema ? { store: schema.url, storeSchema: schema.schema } : {},
      );
    });
    afterAll(async () => {
      await f?.close();
      await schema?.dispose();
    });

    it('finished replays and migrations read back the same by id and in the lists', async (context) => {
      // Skipped only outside CI when the test PostgreSQL cannot be reached (suiteStore says why;
      // under CI=true it throws instead).
      if (skip) return context.skip(skip);
      await ok('PUT', `/api/2/types/${V1}`, rackType(250, 200));
      await ok('PUT', `/api/2/types/${V2}`, rackType(150, 100));
      for (const name of ['a', 'b'])
        await ok('PUT', `/api/2/things/jr:${name}`, {
          definition: V1,
          features: { power: { properties: { watts: 0 } } },
        });
      for (const watts of [100, 300, 180, 90, 260])
        for (const name of ['a', 'b'])
          await ok('PUT', `/api/2/things/jr:${name}/features/power/properties/watts`, watts);

      const replay = await ok('POST', '/api/2/replays', {
        type: V2,
        filter: 'like(thingId,"jr:*")',
        into: 'jr.scenario',
      });
      const replayUrl = `/api/2/replays/${replay.replayId}`;
      const replayed = await ended(replayUrl);
      expect(replayed.state, replayed.error).toBe('succeeded');
      // The replayed thresholds resolve the alerts at other times: the comparison lists them.
      expect(replayed.comparison.alerts).toMatchObject({ matched: 4, resolvedApart: 2 });
      expect(replayed.comparison.alerts.resolvedApartList).toHaveLength(2);
      expect(replayed.into.written).toEqual(['jr.scenario:a', 'jr.scenario:b']);

      const body = { filter: 'like(thingId,"jr:*")', thingDefinitionUrl: V2 };
      const dry = await ok('POST', '/api/2/migrations?dry-run=true', body);
      const real = await ok('POST', '/api/2/migrations', body);
      const dryUrl = `/api/2/migrations/${dry.migrationId}`;
      const realUrl = `/api/2/migrations/${real.migrationId}`;
      for (const url of [dryUrl, realUrl]) {
        const view = await ended(url);
        expect(view.state, view.error).toBe('succeeded');
        expect(view.results.map((r: Json) => r.thingId)).toEqual(['jr:a', 'jr:b']);
      }

      const read = async () => ({
        replay: await get(replayUrl),
        replays: await get('/api/2/replays'),
        dry: await get(dryUrl),
        real: await get(realUrl),
        migrations: await get('/api/2/migrations'),
      });
      const before = await read();
      expect(before.migrations.map((m: Json) => m.migrationId)).toEqual([
        real.migrationId,
        dry.migrationId,
      ]);
      expect(before.dry.dryRun).toBe(true);

      await f.restart();
      expect(await read()).toEqual(before);

      // A job of the new process is listed first, before those of the one before.
      const next = await ok('POST', '/api/2/migrations?dry-run=true', body);
      await ended(`/api/2/migrations/${next.migrationId}`);
      const migrations = await get('/api/2/migrations');
      expect(migrations.map((m: Json) => m.migrationId)).toEqual([
        next.migrationId,
        real.migrationId,
        dry.migrationId,
      ]);
      expect(migrations.slice(1)).toEqual(before.migrations);
      await f.restart();
      expect(await get('/api/2/migrations')).toEqual(migrations);
      expect(await get(realUrl)).toEqual(before.real);
    });
  });

describe('a job under way when its server is killed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-jobs-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back failed, interrupted by a restart, by id and in the list', async () => {
    const TWINS = 3000;
    let platform = await openTestPlatform(dir);
    const put = async (url: string, body: unknown) => {
      const response = await platform.app.inject({
        method: 'PUT',
        url,
        payload: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
    };
    await put(`/api/2/types/${V1}`, rackType(250, 200));
    await put(`/api/2/types/${V2}`, rackType(150, 100));
    for (let i = 0; i < TWINS; i += 100)
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          put(`/api/2/things/kill:rack-${String(i + j).padStart(4, '0')}`, {
            definition: V1,
            features: { power: { properties: { watts: 100 } } },
          }),
        ),
      );
    await platform.close();

    server = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    const started = await adminFetch(`${server.url}/api/2/migrations`, {
      method: 'POST',
      body: JSON.stringify({ filter: 'like(thingId,"kill:*")', thingDefinitionUrl: V2 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(started.status).toBe(202);
    const { migrationId } = (await started.json()) as Json;
    // Killed as soon as the migration is acknowledged (its record is durable then): it has
    // thousands of twins still to do, a few hundred ms of work.
    await server.kill('SIGKILL');
    server = undefined;

    platform = await openTestPlatform(dir);
    try {
      const response = await platform.app.inject({
        method: 'GET',
        url: `/api/2/migrations/${migrationId}`,
      });
      expect(response.statusCode, response.body).toBe(200);
      const view = response.json() as Json;
      expect(view).toMatchObject({
        migrationId,
        state: 'failed',
        error: INTERRUPTED,
        request: { filter: 'like(thingId,"kill:*")', thingDefinitionUrl: V2 },
        progress: { twins: TWINS },
        results: [],
      });
      expect(view.progress.done).toBeLessThan(TWINS);
      expect(Date.parse(view.finished)).toBeGreaterThanOrEqual(Date.parse(view.created));
      const list = await platform.app.inject({ method: 'GET', url: '/api/2/migrations' });
      expect(list.json()).toEqual([withoutResults(view)]);
    } finally {
      await platform.close();
    }
  });
});

function withoutResults({ results: _results, ...view }: Json): Json {
  return view;
}
