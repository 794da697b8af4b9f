// Time travel and history: at-historical-revision/-timestamp reads and the history endpoint.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

let f: AppFixture;
let clock = Date.parse('2026-01-01T00:00:00Z');
const ID = 'org.example:tt';
const THING = `/api/2/things/${ID}`;

beforeEach(async () => {
  clock = Date.parse('2026-01-01T00:00:00Z');
  // A controlled clock (one second per write) makes timestamps exact; snapshots every 4 revisions
  // exercise the snapshot-plus-replay path.
  f = await createAppFixture({ now: () => (clock += 1000), snapshotEvery: 4 });
  await f.send('PUT', THING, { attributes: { n: 0 } }); // rev 1 at 00:00:01
  for (let n = 1; n <= 9; n++) await f.send('PUT', `${THING}/attributes/n`, n); // rev 2..10
});
afterEach(async () => {
  await f.close();
});

describe('time travel', () => {
  it('at-historical-revision returns the state at every past revision', async () => {
    for (let revision = 1; revision <= 10; revision++) {
      const response = await f.request({
        url: THING,
        headers: { 'at-historical-revision': String(revision) },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().attributes.n).toBe(revision - 1);
      expect(response.headers.etag).toBe(`"rev:${revision}"`);
    }
  });

  it('works on sub-resources and with special fields', async () => {
    const value = await f.request({
      url: `${THING}/attributes/n`,
      headers: { 'at-historical-revision': '3' },
    });
    expect(value.json()).toBe(2);
    const meta = await f.request({
      url: `${THING}?fields=_revision,_modified,_created`,
      headers: { 'at-historical-revision': '3' },
    });
    expect(meta.json()).toEqual({
      _revision: 3,
      _created: '2026-01-01T00:00:01.000Z',
      _modified: '2026-01-01T00:00:03.000Z',
    });
  });

  it('at-historical-timestamp returns the state current at that instant', async () => {
    const response = await f.request({
      url: THING,
      headers: { 'at-historical-timestamp': '2026-01-01T00:00:05.500Z' },
    });
    expect(response.json().attributes.n).toBe(4);
    const before = await f.request({
      url: THING,
      headers: { 'at-historical-timestamp': '2025-12-31T00:00:00Z' },
    });
    expect(before.statusCode).toBe(404);
    expect(before.json().error).toBe('things:thing.history.notfound');
  });

  it('a revision beyond the current one is things:thing.history.notfound; bad headers are 400', async () => {
    const future = await f.request({ url: THING, headers: { 'at-historical-revision': '11' } });
    expect(future.json().error).toBe('things:thing.history.notfound');
    expect(
      (await f.request({ url: THING, headers: { 'at-historical-revision': 'abc' } })).json().error,
    ).toBe('header.invalid');
    expect(
      (await f.request({ url: THING, headers: { 'at-historical-timestamp': 'yesterday' } }))
        .statusCode,
    ).toBe(400);
  });

  it('a deleted thing keeps its history and can be read as it was', async () => {
    await f.request({ method: 'DELETE', url: THING }); // rev 11
    expect((await f.request({ url: THING })).statusCode).toBe(404);
    const past = await f.request({ url: THING, headers: { 'at-historical-revision': '10' } });
    expect(past.json().attributes.n).toBe(9);
    const atDeletion = await f.request({ url: THING, headers: { 'at-historical-revision': '11' } });
    expect(atDeletion.statusCode).toBe(404);
    const history = await f.request({ url: `${THING}/history?from-revision=10` });
    expect(history.json().map((e: { topic: string }) => e.topic)).toEqual([
      'org.example/tt/things/twin/events/modified',
      'org.example/tt/things/twin/events/deleted',
    ]);
  });

  it('time travel survives a restart (state rebuilt from the journal)', async () => {
    await f.restart();
    expect((await f.request({ url: THING })).json().attributes.n).toBe(9);
    const response = await f.request({ url: THING, headers: { 'at-historical-revision': '6' } });
    expect(response.json().attributes.n).toBe(5);
  });
});

describe('history endpoint', () => {
  it('lists events as Ditto Protocol events by revision range', async () => {
    const response = await f.request({ url: `${THING}/history?from-revision=2&to-revision=4` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(
      [2, 3, 4].map((revision) => ({
        topic: 'org.example/tt/things/twin/events/modified',
        headers: { type: 'things.events:attributeModified', 'ditto-originator': 'anonymous' },
        path: '/attributes/n',
        value: revision - 1,
        revision,
        timestamp: new Date(Date.parse('2026-01-01T00:00:00Z') + revision * 1000).toISOString(),
      })),
    );
  });

  it('lists events by time range with a limit', async () => {
    const url = `${THING}/history?from-timestamp=2026-01-01T00:00:03Z&to-timestamp=2026-01-01T00:00:08Z&limit=2`;
    const events = (await f.request({ url })).json();
    expect(events.map((e: { revision: number }) => e.revision)).toEqual([3, 4]);
  });

  it('the first event is the creation with the whole thing', async () => {
    const [first] = (await f.request({ url: `${THING}/history?to-revision=1` })).json();
    expect(first.topic).toBe('org.example/tt/things/twin/events/created');
    expect(first.value).toEqual({ thingId: ID, policyId: ID, attributes: { n: 0 } });
  });

  it('rejects bad ranges and unknown things', async () => {
    expect((await f.request({ url: `${THING}/history?from-revision=x` })).statusCode).toBe(400);
    expect((await f.request({ url: `${THING}/history?from-timestamp=nope` })).statusCode).toBe(400);
    expect((await f.request({ url: `${THING}/history?limit=0` })).statusCode).toBe(400);
    expect((await f.request({ url: '/api/2/things/org.example:never/history' })).statusCode).toBe(
      404,
    );
  });
});
