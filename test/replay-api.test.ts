// Replays through the real application: a type governs twins live, values are written, then the
// same type replayed over the journal (on a worker thread) reproduces every derived value, window
// and alert exactly; another version gives the alerts it must; the replayed twins land in a
// scenario namespace; every bad field is refused naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/ditto-error.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

let fx: SecureFixture;

const V1 = 'rp:rack:1.0.0';
const V2 = 'rp:rack:2.0.0';

function rackType(raise: number, clear: number) {
  return {
    derived: {
      'features/power/properties/kw': 'features.power.properties.watts / 1000.0',
      'features/power/properties/amps': 'features.power.properties.watts / 230.0',
      'features/power/properties/hot': `features.power.properties.watts > ${raise}.0`,
    },
    windows: {
      'features/power/properties/avg3': {
        of: 'features/power/properties/watts',
        op: 'avg',
        samples: 3,
      },
      'features/power/properties/peak5m': {
        of: 'features/power/properties/watts',
        op: 'max',
        window: '5m',
      },
    },
    assessments: {
      overload: {
        when: `features.power.properties.watts > ${raise}.0`,
        clear: `features.power.properties.watts < ${clear}.0`,
        severity: 'warning',
      },
    },
  };
}

const WATTS = [100, 180, 300, 220, 190, 120, 90, 260, 50];

beforeAll(async () => {
  fx = await createSecureFixture({ series: 'off' });
  for (const [id, body] of [
    [V1, rackType(250, 200)],
    [V2, rackType(150, 100)],
  ] as const) {
    const response = await fx.send('PUT', `/api/2/types/${id}`, fx.admin, body);
    expect(response.statusCode, response.body).toBe(201);
  }
  for (const name of ['a', 'b']) {
    const response = await fx.send('PUT', `/api/2/things/rp:${name}`, fx.admin, {
      definition: V1,
      attributes: { rack: name },
      features: { power: { properties: { watts: 0 } } },
    });
    expect(response.statusCode, response.body).toBe(201);
  }
  for (const watts of WATTS) {
    for (const name of ['a', 'b']) {
      const response = await fx.send(
        'PUT',
        `/api/2/things/rp:${name}/features/power/properties/watts`,
        fx.admin,
        name === 'a' ? watts : watts + 1,
      );
      expect(response.statusCode, response.body).toBe(204);
    }
  }
});
afterAll(async () => {
  await fx?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON answer, read by its keys
async function replayed(body: unknown): Promise<Record<string, any>> {
  const started = await fx.send('POST', '/api/2/replays', fx.admin, body);
  expect(started.statusCode, started.body).toBe(202);
  const view = started.json();
  expect(view).toMatchObject({ state: 'running', progress: { twins: expect.any(Number) } });
  const location = new URL(started.headers.location as string).pathname;
  expect(location).toBe(`/api/2/replays/${view.replayId}`);
  for (let i = 0; i < 200; i++) {
    const polled = await fx.send('GET', location, fx.admin);
    expect(polled.statusCode, polled.body).toBe(200);
    if (polled.json().state !== 'running') return polled.json();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the replay did not finish in 10 s');
}

/** The commit time of the revision of `thingId` that set watts to `watts`. */
async function timeOfWatts(thingId: string, watts: number): Promise<string> {
  const events = (await fx.runtime.history(thingId, {})) ?? [];
  const wattsOf = (value: unknown) =>
    (value as { features?: { power?: { properties?: { watts?: unknown } } } } | undefined)?.features
      ?.power?.properties?.watts;
  const event = events.find((e) => wattsOf(e.value) === watts);
  if (!event) throw new Error(`no event of ${thingId} set watts ${watts}`);
  return new Date(event.timestamp).toISOString();
}

describe('replays', () => {
  it('replay - the live type over its own journal reproduces outputs and alerts exactly', async () => {
    const view = await replayed({ type: V1, filter: 'like(thingId,"rp:*")', into: 'rp.scenario' });
    expect(view.state, view.error).toBe('succeeded');
    expect(view.progress).toEqual({
      twins: 2,
      events: 2 * (WATTS.length + 1),
      eventsDone: 2 * (WATTS.length + 1),
      fraction: 1,
    });
    const { comparison } = view;
    expect(comparison.twins).toBe(2);
    // Two alerts per twin (raised at 300 and 260, resolved at 190 and 50), all matched.
    expect(comparison.alerts).toMatchObject({
      replayed: 4,
      live: 4,
      matched: 4,
      onlyInReplay: 0,
      onlyLive: 0,
      resolvedApart: 0,
    });
    // 5 outputs after each of the 10 inputs of each twin, none differing.
    expect(comparison.outputs).toMatchObject({
      compared: 2 * 5 * (WATTS.length + 1),
      differing: 0,
      maxAbsDifference: 0,
      twins: [],
    });
  });

  it('replay - the replayed twins land in the scenario namespace, live twins untouched', async () => {
    const live = (await fx.send('GET', '/api/2/things/rp:a', fx.admin)).json();
    const scenario = await fx.send('GET', '/api/2/things/rp.scenario:a', fx.admin);
    expect(scenario.statusCode, scenario.body).toBe(200);
    const thing = scenario.json();
    expect(thing.features).toEqual(live.features);
    expect(thing.definition).toBeUndefined();
    expect(thing.attributes).toMatchObject({
      rack: 'a',
      replay: { type: V1, of: 'rp:a', replayId: expect.any(String) },
    });
    expect(live._revision ?? live.features).toBeDefined();
    const history = (await fx.runtime.history('rp:a', {})) ?? [];
    expect(history).toHaveLength(WATTS.length + 1);
  });

  it('replay - another threshold gives the extra and missing alerts, with their times', async () => {
    const view = await replayed({ type: V2, filter: 'eq(thingId,"rp:a")' });
    expect(view.state, view.error).toBe('succeeded');
    const { alerts, outputs } = view.comparison;
    // v1 raised at 300 (resolved at 190) and 260 (resolved at 50); v2 (> 150, < 100) raises at
    // 180 (resolved at 90) and 260 (resolved at 50).
    expect(alerts).toMatchObject({
      replayed: 2,
      live: 2,
      matched: 1,
      onlyInReplay: 1,
      onlyLive: 1,
    });
    expect(alerts.onlyInReplayList).toEqual([
      {
        thingId: 'rp:a',
        assessment: 'overload',
        severity: 'warning',
        raisedAt: await timeOfWatts('rp:a', 180),
        resolvedAt: await timeOfWatts('rp:a', 90),
      },
    ]);
    expect(alerts.onlyLiveList).toEqual([
      {
        thingId: 'rp:a',
        assessment: 'overload',
        severity: 'warning',
        raisedAt: await timeOfWatts('rp:a', 300),
        resolvedAt: await timeOfWatts('rp:a', 190),
      },
    ]);
    // `hot` follows the threshold: it differs where 150 < watts <= 250 (180, 220, 190).
    expect(outputs.differing).toBe(3);
    expect(outputs.twins).toEqual([
      {
        thingId: 'rp:a',
        differing: 3,
        maxAbsDifference: 0,
        pointers: { 'features/power/properties/hot': { differing: 3, maxAbsDifference: 0 } },
      },
    ]);
  });

  it('replay - a range replays only the events committed in it', async () => {
    const from = await timeOfWatts('rp:a', 120);
    const view = await replayed({ type: V1, filter: 'eq(thingId,"rp:a")', from });
    expect(view.state, view.error).toBe('succeeded');
    // 120, 90, 260, 50 from the state before 120 (an alert active since 300 is resolved at 190
    // before it: none open), one alert raised at 260 and resolved at 50.
    expect(view.progress.events).toBe(4);
    expect(view.comparison.alerts).toMatchObject({ replayed: 1, live: 1, matched: 1 });
  });

  it('replay - from a time, each of several twins starts from its own state then', async () => {
    const from = await timeOfWatts('rp:a', 220);
    const view = await replayed({
      type: V1,
      filter: 'like(thingId,"rp:*")',
      from,
      into: 'rp.from',
    });
    expect(view.state, view.error).toBe('succeeded');
    // Each twin's events committed at or after `from` (rp:b's are one write behind rp:a's).
    let events = 0;
    for (const thingId of ['rp:a', 'rp:b'])
      events += ((await fx.runtime.history(thingId, {})) ?? []).filter(
        (e) => e.timestamp >= Date.parse(from),
      ).length;
    expect(events).toBeGreaterThanOrEqual(2 * 6);
    expect(view.progress).toMatchObject({ twins: 2, events, eventsDone: events });
    // Both started with the alert raised at 300 (301) active: resolved at 190 (191) before any
    // raise, then one raised at 260 (261) and resolved at 50 (51) each.
    expect(view.comparison.alerts).toMatchObject({
      replayed: 2,
      live: 2,
      matched: 2,
      onlyInReplay: 0,
      onlyLive: 0,
      resolvedApart: 0,
    });
    // What the twins had before `from` (their attributes) came from their start states.
    for (const name of ['a', 'b']) {
      const scenario = await fx.send('GET', `/api/2/things/rp.from:${name}`, fx.admin);
      expect(scenario.statusCode, scenario.body).toBe(200);
      expect(scenario.json().attributes).toMatchObject({ rack: name });
      expect(scenario.json().features.power.properties.watts).toBe(name === 'a' ? 50 : 51);
    }
  });

  it('replay - lists the replays newest first', async () => {
    const list = await fx.send('GET', '/api/2/replays', fx.admin);
    expect(list.statusCode).toBe(200);
    expect(list.json().length).toBeGreaterThanOrEqual(3);
    expect(list.json()[0].request.from).toBeDefined();
    expect(list.json()[0].comparison).toBeUndefined();
  });
});

describe('replays refuse bad requests', () => {
  const refused = async (body: unknown, status: number, code: string, field?: string) => {
    const response = await fx.send('POST', '/api/2/replays', fx.admin, body);
    expectError(response, status, code);
    if (field !== undefined) expect(response.json().message).toContain(`'${field}'`);
  };

  it('replay - every bad field is a 400 naming it', async () => {
    await refused([], 400, 'replays:request.invalid');
    await refused({ type: V1, speed: 2 }, 400, 'replays:request.invalid', 'speed');
    await refused({}, 400, 'replays:request.invalid', 'type');
    await refused({ type: 'no-version' }, 400, 'replays:request.invalid', 'type');
    await refused({ type: V1, filter: 'eq(thingId' }, 400, 'replays:request.invalid', 'filter');
    await refused({ type: V1, filter: 3 }, 400, 'replays:request.invalid', 'filter');
    await refused({ type: V1, from: 'yesterday' }, 400, 'replays:request.invalid', 'from');
    await refused({ type: V1, to: -5 }, 400, 'replays:request.invalid', 'to');
    await refused({ type: V1, from: 2000, to: 1000 }, 400, 'replays:request.invalid', 'to');
    await refused({ type: V1, into: 'not a namespace!' }, 400, 'replays:request.invalid', 'into');
  });

  it('replay - an unknown type is a 400 saying so', async () => {
    await refused({ type: 'rp:rack:9.9.9' }, 400, 'replays:type.unknown');
  });

  it('replay - into a namespace of a replayed twin is refused', async () => {
    await refused({ type: V1, filter: 'eq(thingId,"rp:a")', into: 'rp' }, 400, 'replays:into.live');
  });

  it('replay - an unknown replay is a 404', async () => {
    expectError(
      await fx.send('GET', '/api/2/replays/nope', fx.admin),
      404,
      'replays:replay.notfound',
    );
  });
});
