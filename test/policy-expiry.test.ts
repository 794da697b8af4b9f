// A policy subject with an expiry stops counting once its time has passed, even for a requester whose
// compiled policy is already cached; an expiry that is not a time is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const HOUR = 3_600_000;

let clock = Date.parse('2030-01-01T00:00:00Z');
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
    expect(subject.json().message).toContain(past);
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

function expectMissing(response: { statusCode: number; json(): unknown }): void {
  expect(response.statusCode).toBe(404);
  expect(response.json()).toMatchObject({ error: 'policies:subject.notfound' });
}
