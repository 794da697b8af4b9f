// An assessment waiting out its `for` across a restart, on every storage backend: its alert is raised
// at the event time it was due at, by its timer when no observation comes, and a write after the
// restart counts `for` from when the condition began to hold before it.
import { afterEach, expect, it } from 'vitest';
import { describeBackends } from '../src/store/test-backends.js';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

await describeBackends('an assessment waiting out its for across a restart', (backend) => {
  const fixtures: AppFixture[] = [];
  // Each test on a store of its own (the suite's PostgreSQL schema made afresh).
  afterEach(async () => {
    for (const f of fixtures.splice(0)) await f.close();
    await backend.postgres?.drop();
  });

  const P = 'features/power/properties';
  const FOR_MS = 3000;
  const OVERLOAD = {
    overload: { when: 'features.power.properties.watts > 250.0', for: '3s', severity: 'warning' },
  };
  // One type keeps windows (its behaviour is rebuilt from the journal first), one does not.
  const TYPES = {
    'rf:plain:1': { assessments: OVERLOAD },
    'rf:windowed:1': {
      windows: { [`${P}/avg10s`]: { of: `${P}/watts`, op: 'avg', window: '10s' } },
      assessments: OVERLOAD,
    },
  };
  const TWINS = ['rf:plain', 'rf:windowed'];

  async function open(): Promise<AppFixture> {
    const pg = backend.postgres;
    const f = await createAppFixture(
      {},
      {},
      pg === undefined ? {} : { store: pg.url, storeSchema: pg.schema },
    );
    fixtures.push(f);
    const put = async (url: string, body: unknown) => {
      const response = await f.send('PUT', url, body);
      expect(response.statusCode, response.body).toBeLessThan(300);
    };
    for (const [typeId, type] of Object.entries(TYPES)) await put(`/api/2/types/${typeId}`, type);
    await put('/api/2/ingest/specs/meter', {
      source: { http: {} },
      thingId: '{{$.id}}',
      timestamp: { path: '$.ts', format: 'epoch-ms' },
      values: { [`${P}/watts`]: '$.w' },
    });
    for (const thingId of TWINS)
      await put(`/api/2/things/${thingId}`, {
        definition: `${thingId}:1`,
        features: { power: { properties: { watts: 0 } } },
      });
    return f;
  }

  async function sample(f: AppFixture, ts: number, w: number): Promise<void> {
    for (const id of TWINS) {
      const response = await f.send('POST', '/api/2/ingest/meter', { id, ts, w });
      expect(response.statusCode, response.body).toBeLessThan(300);
    }
  }

  async function alerts(f: AppFixture, thingId: string): Promise<Record<string, unknown>[]> {
    const response = await f.request({ method: 'GET', url: `/api/2/alerts?thingId=${thingId}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  }

  /** Each twin's alerts once every twin has one (or after `until`), and when all were seen. */
  async function raised(f: AppFixture, until: number) {
    for (;;) {
      const all = await Promise.all(TWINS.map((thingId) => alerts(f, thingId)));
      if (all.every((list) => list.length > 0) || Date.now() > until)
        return { all, seenAt: Date.now() };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function pendingKept(f: AppFixture) {
    return f.platform.storage.behaviour.listPendingAssessments();
  }

  async function expectRaisedAtDue(f: AppFixture, due: number): Promise<void> {
    const { all, seenAt } = await raised(f, due + 5000);
    for (const list of all)
      expect(list).toEqual([
        expect.objectContaining({
          assessment: 'overload',
          state: 'active',
          raised: new Date(due).toISOString(),
        }),
      ]);
    // Raised by its timer when due (on the wall clock), not before.
    expect(seenAt).toBeGreaterThanOrEqual(due);
    // Raised: nothing waits any more, and nothing is kept.
    for (let i = 0; i < 40 && (await pendingKept(f)).length > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await pendingKept(f)).toEqual([]);
  }

  it('with no observation after the restart, its timer raises the alert when it was due', async () => {
    const f = await open();
    const since = Date.now() - 1000;
    await sample(f, since, 300);
    await f.restart();
    expect(await pendingKept(f)).toEqual(
      TWINS.map((thingId) => ({
        thingId,
        assessments: [{ assessment: 'overload', type: `${thingId}:1`, since, due: since + FOR_MS }],
      })),
    );
    for (const thingId of TWINS) expect(await alerts(f, thingId)).toEqual([]);
    await expectRaisedAtDue(f, since + FOR_MS);
  });

  it('an observation after the restart counts for from when the condition began to hold', async () => {
    const f = await open();
    const since = Date.now() - 1000;
    await sample(f, since, 300);
    await f.restart();
    // Still above the threshold: the condition has held since `since`, not since this sample.
    await sample(f, since + 500, 280);
    await expectRaisedAtDue(f, since + FOR_MS);
  });

  it('a twin deleted or taken from its type while it waits keeps nothing, and raises nothing after a restart', async () => {
    const f = await open();
    const since = Date.now() - 1000;
    await sample(f, since, 300);
    for (let i = 0; i < 40 && (await pendingKept(f)).length < TWINS.length; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await pendingKept(f)).toHaveLength(TWINS.length);
    expect((await f.request({ method: 'DELETE', url: '/api/2/things/rf:plain' })).statusCode).toBe(
      204,
    );
    const untyped = await f.send('PUT', '/api/2/things/rf:windowed/definition', 'rf:none:1');
    expect(untyped.statusCode, untyped.body).toBe(204);
    for (let i = 0; i < 40 && (await pendingKept(f)).length > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await pendingKept(f)).toEqual([]);
    await f.restart();
    const { all } = await raised(f, since + FOR_MS + 500);
    expect(all).toEqual([[], []]);
  });
});
