// Windows across a restart, on every storage backend: a twin's windows are rebuilt from its
// journaled inputs on its first change, so its outputs are those of a run without the restart.
import { afterAll, expect, it } from 'vitest';
import { describeBackends } from '../src/store/test-backends.js';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

await describeBackends('windows across a restart', (backend) => {
  const fixtures: AppFixture[] = [];
  afterAll(async () => {
    for (const f of fixtures) await f.close();
  });

  const T0 = Date.UTC(2025, 0, 1);
  const P = 'features/power/properties';
  const WINDOWED = {
    windows: {
      [`${P}/avg10s`]: { of: `${P}/watts`, op: 'avg', window: '10s' },
      [`${P}/peak3`]: { of: `${P}/watts`, op: 'max', samples: 3 },
      [`${P}/energy20s`]: { of: `${P}/watts`, op: 'integral', window: '20s' },
      [`${P}/smooth`]: { of: `${P}/watts`, op: 'ewma', halfLife: '500ms' },
    },
  };
  const watts = (i: number) => (i * 37) % 101;

  async function setUp(fixture: AppFixture): Promise<void> {
    const put = async (url: string, body: unknown) => {
      const response = await fixture.send('PUT', url, body);
      expect(response.statusCode, response.body).toBeLessThan(300);
    };
    await put('/api/2/types/rw:meter:1', WINDOWED);
    await put('/api/2/ingest/specs/meter', {
      source: { http: {} },
      thingId: '{{$.id}}',
      timestamp: { path: '$.ts', format: 'epoch-ms' },
      values: { [`${P}/watts`]: '$.w' },
    });
    await put('/api/2/things/rw:m', { definition: 'rw:meter:1', features: { power: {} } });
  }

  async function sample(fixture: AppFixture, i: number): Promise<void> {
    const response = await fixture.send('POST', '/api/2/ingest/meter', {
      id: 'rw:m',
      ts: T0 + i * 1000,
      w: watts(i),
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
  }

  async function outputs(fixture: AppFixture): Promise<Record<string, number>> {
    const response = await fixture.request({ method: 'GET', url: `/api/2/things/rw:m/${P}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  it('a window after a restart takes up the samples before it, as an uninterrupted run does', async () => {
    const pg = backend.postgres;
    const f = await createAppFixture(
      {},
      {},
      pg === undefined ? {} : { store: pg.url, storeSchema: pg.schema },
    );
    fixtures.push(f);
    // The run without a restart on SQLite: the outputs do not depend on the store.
    const uninterrupted = await createAppFixture();
    try {
      await setUp(f);
      await setUp(uninterrupted);
      for (let i = 1; i <= 100; i++) {
        await sample(f, i);
        await sample(uninterrupted, i);
      }
      await f.restart();
      await sample(f, 101);
      await sample(uninterrupted, 101);
      const restarted = await outputs(f);
      const range = (from: number, to: number) =>
        Array.from({ length: to - from + 1 }, (_, k) => watts(from + k));
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      const last20 = range(82, 101);
      expect(restarted).toMatchObject({
        watts: watts(101),
        avg10s: sum(range(92, 101)) / 10,
        peak3: Math.max(...range(99, 101)),
        // Trapezoids of one second between the samples of (t − 20s, t].
        energy20s: sum(last20.slice(1).map((w, k) => (w + last20[k]) / 2)),
      });
      expect(restarted).toEqual(await outputs(uninterrupted));
      // Rebuilt from the last 64 revisions: they cover every window (the EWMA's 32 s too).
      expect(f.platform.behaviours.rebuilds).toEqual({ twins: 1, events: 64 });
    } finally {
      await uninterrupted.close();
    }
  });
});
