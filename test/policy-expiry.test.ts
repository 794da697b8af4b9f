// A policy subject with an expiry stops counting once its time has passed, even for a requester whose
// compiled policy is already cached; an expiry that is not a time is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const HOUR = 3_600_000;

const T0 = Date.parse('2030-01-01T00:00:00Z');
let clock = T0;
let fx: SecureFixture;
let alice: string;
let bob: string;

beforeAll(async () => {
  fx = await createSecureFixture({ now: () => clock });
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
});

afterAll(async () => {
  await fx.close();
});

describe('policy subject expiry', () => {
  it('a subject stops counting when its expiry passes, though its compiled policy was cached', async () => {
    const policy = {
      entries: {
        owner: {
          subjects: { 'user:alice': { type: 'user' } },
          resources: { 'thing:/': RW, 'policy:/': RW },
        },
        visitor: {
          subjects: {
            'user:bob': { type: 'user', expiry: new Date(clock + HOUR).toISOString() },
          },
          resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
        },
      },
    };
    expect((await fx.send('PUT', '/api/2/policies/ns:visit', alice, policy)).statusCode).toBe(201);
    const created = await fx.send('PUT', '/api/2/things/ns:room', alice, {
      policyId: 'ns:visit',
      attributes: { floor: 2 },
    });
    expect(created.statusCode).toBe(201);
    expect((await fx.send('GET', '/api/2/things/ns:room', bob)).statusCode).toBe(200);
    clock += HOUR - 1;
    expect((await fx.send('GET', '/api/2/things/ns:room', bob)).statusCode).toBe(200);
    clock += 2;
    const after = await fx.send('GET', '/api/2/things/ns:room', bob);
    expect(after.statusCode).toBe(404);
    expect(after.json()).toMatchObject({ error: 'things:thing.notfound' });
    expect((await fx.send('GET', '/api/2/things/ns:room', alice)).statusCode).toBe(200);
  });

  it('an expiry that is not a time is refused with 400 and changes nothing', async () => {
    const policy = {
      entries: {
        owner: {
          subjects: { 'user:alice': { type: 'user', expiry: 'next tuesday' } },
          resources: { 'thing:/': RW, 'policy:/': RW },
        },
      },
    };
    const response = await fx.send('PUT', '/api/2/policies/ns:bad', alice, policy);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'policies:entry.invalid' });
    expect((await fx.send('GET', '/api/2/policies/ns:bad', alice)).statusCode).toBe(404);
  });

  it('a past expiry is refused with 400 subjectexpiry.invalid and changes nothing', async () => {
    // On the hour: an expiry a second ago rounds up to now (Ditto's default granularity, 1 h).
    clock = T0 + 5 * HOUR;
    const owner = {
      subjects: { 'user:alice': { type: 'user' } },
      resources: { 'thing:/': RW, 'policy:/': RW },
    };
    expect(
      (await fx.send('PUT', '/api/2/policies/ns:past', alice, { entries: { owner } })).statusCode,
    ).toBe(201);
    const past = new Date(clock - 1000).toISOString();
    const subject = await fx.send(
      'PUT',
      '/api/2/policies/ns:past/entries/owner/subjects/user:bob',
      alice,
      { type: 'user', expiry: past },
    );
    expect(subject.statusCode).toBe(400);
    expect(subject.json()).toMatchObject({ error: 'policies:subjectexpiry.invalid' });
    // Ditto names the expiry as rounded.
    expect(subject.json().message).toBe(
      "Subject expiry timestamp '2030-01-01T05:00:00Z' is not valid.",
    );
    const now = await fx.send('PUT', '/api/2/policies/ns:past/entries/guest', alice, {
      subjects: { 'user:bob': { type: 'user', expiry: new Date(clock).toISOString() } },
      resources: { 'thing:/': RW },
    });
    expect(now.statusCode).toBe(400);
    expect(now.json()).toMatchObject({ error: 'policies:subjectexpiry.invalid' });
    const read = await fx.send('GET', '/api/2/policies/ns:past', alice);
    expect(read.headers.etag).toBe('"rev:1"');
    expect(Object.keys(read.json().entries)).toEqual(['owner']);
  });

  it('an expired subject is removed from the policy as a new revision, written to the catalog', async () => {
    clock = T0 + 10 * HOUR;
    const policy = {
      entries: {
        owner: {
          subjects: { 'user:alice': { type: 'user' } },
          resources: { 'thing:/': RW, 'policy:/': RW },
        },
        visitor: {
          subjects: {
            'user:bob': { type: 'user', expiry: new Date(clock + HOUR).toISOString() },
            'user:carol': { type: 'user' },
          },
          resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
        },
      },
    };
    expect((await fx.send('PUT', '/api/2/policies/ns:purge', alice, policy)).statusCode).toBe(201);
    const before = await fx.send('GET', '/api/2/policies/ns:purge/entries/visitor/subjects', alice);
    expect(Object.keys(before.json())).toEqual(['user:bob', 'user:carol']);
    clock += HOUR;
    const after = await fx.send('GET', '/api/2/policies/ns:purge', alice);
    expect(after.headers.etag).toBe('"rev:2"');
    expect(after.json().entries.visitor.subjects).toEqual({ 'user:carol': { type: 'user' } });
    expectMissing(
      await fx.send('GET', '/api/2/policies/ns:purge/entries/visitor/subjects/user:bob', alice),
    );
    // The removal reached the catalog: a store loaded from it has revision 2 without bob.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const records = await fx.catalog.listPolicies();
    const record = records.find((r) => r.policyId === 'ns:purge');
    expect(record?.revision).toBe(2);
    expect(JSON.parse(record?.json ?? '{}').entries.visitor.subjects).toEqual({
      'user:carol': { type: 'user' },
    });
  });
});

describe('policy subject expiry - rounding and the expiry timer', () => {
  it("expiries round up to the granularity (Ditto's default: the next full hour), then must lie ahead", async () => {
    clock = T0 + 20 * HOUR + 30 * 60_000;
    const owner = {
      subjects: { 'user:alice': { type: 'user' } },
      resources: { 'thing:/': RW, 'policy:/': RW },
    };
    expect(
      (await fx.send('PUT', '/api/2/policies/ns:round', alice, { entries: { owner } })).statusCode,
    ).toBe(201);
    const url = '/api/2/policies/ns:round/entries/owner/subjects/user:bob';
    const later = await fx.send('PUT', url, alice, {
      type: 'user',
      expiry: '2030-01-01T21:10:00.5+00:00',
    });
    expect(later.statusCode).toBe(201);
    expect(later.json()).toEqual({ type: 'user', expiry: '2030-01-01T22:00:00Z' });
    expect((await fx.send('GET', url, alice)).json()).toEqual({
      type: 'user',
      expiry: '2030-01-01T22:00:00Z',
    });
    // A second ago, in the middle of the hour, rounds up to the end of it: accepted, as in Ditto.
    const justPast = new Date(clock - 1000).toISOString();
    const accepted = await fx.send('PUT', url, alice, { type: 'user', expiry: justPast });
    expect(accepted.statusCode).toBe(204);
    expect((await fx.send('GET', url, alice)).json().expiry).toBe('2030-01-01T21:00:00Z');
    // A whole policy is rounded the same way.
    const whole = await fx.send('PUT', '/api/2/policies/ns:round2', alice, {
      entries: {
        owner,
        guest: {
          subjects: { 'user:bob': { type: 'user', expiry: '2030-01-02T03:04:05Z' } },
          resources: { 'thing:/': RW },
        },
      },
    });
    expect(whole.json().entries.guest.subjects['user:bob'].expiry).toBe('2030-01-02T04:00:00Z');
  });

  it('a timer removes expired subjects without anyone reading the policy; the removal is a revision', async () => {
    let now = Date.parse('2031-01-01T00:00:00Z');
    const timed = await createSecureFixture({
      now: () => now,
      subjectExpiryGranularity: 1000,
      expirySweepMs: 10,
    });
    try {
      const carol = await timed.addUser('carol');
      const policy = {
        entries: {
          owner: {
            subjects: { 'user:carol': { type: 'user' } },
            resources: { 'policy:/': RW },
          },
          guest: {
            subjects: { 'user:dan': { type: 'user', expiry: new Date(now + 5000).toISOString() } },
            resources: { 'thing:/': RW },
          },
        },
      };
      const created = await timed.send('PUT', '/api/2/policies/ns:timed', carol, policy);
      expect(created.statusCode).toBe(201);
      const stored = async () =>
        (await timed.catalog.listPolicies()).find((r) => r.policyId === 'ns:timed');
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect((await stored())?.revision).toBe(1);
      now += 5000;
      let record = await stored();
      for (let i = 0; i < 100 && record?.revision !== 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        record = await stored();
      }
      expect(record?.revision).toBe(2);
      expect(JSON.parse(record?.json ?? '{}').entries.guest.subjects).toEqual({});
      expect(record?.modified).toBe(now);
      // The history has both: dan at revision 1, gone at revision 2.
      const before = await timed.request({
        method: 'GET',
        url: '/api/2/policies/ns:timed/entries/guest/subjects?at-historical-revision=1',
        headers: { authorization: carol },
      });
      expect(Object.keys(before.json())).toEqual(['user:dan']);
    } finally {
      await timed.close();
    }
  });
});

function expectMissing(response: { statusCode: number; json(): unknown }): void {
  expect(response.statusCode).toBe(404);
  expect(response.json()).toMatchObject({ error: 'policies:subject.notfound' });
}
