// GET /policies/{id} as Ditto shows it: `imports` always present, and `policy-view` (original or resolved).
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const OWNER = {
  subjects: { 'user:alice': { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': RW },
};
const READER = {
  subjects: { 'user:bob': { type: 'user' } },
  resources: { 'policy:/entries/reader': { grant: ['READ'], revoke: [] } },
};

let fx: SecureFixture;
let alice: string;
let bob: string;

function get(url: string, auth: string, headers: Record<string, string> = {}) {
  return fx.request({ method: 'GET', url, headers: { authorization: auth, ...headers } });
}

function expectViewInvalid(response: LightMyRequestResponse, raw: string): void {
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({
    status: 400,
    error: 'policies:view.invalid',
    message: expect.stringContaining(`The 'policy-view' parameter has an invalid value: '${raw}'.`),
    description:
      "Use 'original' (or omit) for the stored policy, or 'resolved' for the merged view.",
  });
}

beforeAll(async () => {
  fx = await createSecureFixture();
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
  const created = await fx.send('PUT', '/api/2/policies/ns:viewed', alice, {
    entries: { owner: OWNER, reader: READER },
  });
  expect(created.statusCode).toBe(201);
  expect(created.json()).toEqual({
    policyId: 'ns:viewed',
    imports: {},
    entries: { owner: OWNER, reader: READER },
  });
});

afterAll(() => fx.close());

describe('policy view', () => {
  it('a policy always carries imports, {} when it imports nothing, right after its id', async () => {
    const read = await get('/api/2/policies/ns:viewed', alice);
    expect(read.statusCode).toBe(200);
    expect(Object.keys(read.json() as object)).toEqual(['policyId', 'imports', 'entries']);
    expect(read.json()).toEqual({
      policyId: 'ns:viewed',
      imports: {},
      entries: { owner: OWNER, reader: READER },
    });
    expect(read.headers.etag).toBe('"rev:1"');
  });

  it('hides imports from who may not read policy:/imports', async () => {
    const read = await get('/api/2/policies/ns:viewed', bob);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ policyId: 'ns:viewed', entries: { reader: READER } });
  });

  it('policy-view=original is the stored policy with its ETag and preconditions', async () => {
    const plain = await get('/api/2/policies/ns:viewed', alice);
    for (const read of [
      await get('/api/2/policies/ns:viewed?policy-view=original', alice),
      await get('/api/2/policies/ns:viewed', alice, { 'policy-view': 'Original' }),
    ]) {
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(plain.json());
      expect(read.headers.etag).toBe('"rev:1"');
    }
    const unchanged = await get('/api/2/policies/ns:viewed?policy-view=original', alice, {
      'if-none-match': '"rev:1"',
    });
    expect(unchanged.statusCode).toBe(304);
  });

  it('policy-view=resolved is the effective policy (the policy itself without imports), without ETag or preconditions, as in Ditto', async () => {
    const plain = await get('/api/2/policies/ns:viewed', alice);
    for (const read of [
      await get('/api/2/policies/ns:viewed?policy-view=resolved', alice),
      await get('/api/2/policies/ns:viewed', alice, { 'policy-view': 'resolved' }),
      await get('/api/2/policies/ns:viewed?policy-view=%20RESOLVED%20', alice),
      // Ditto's resolved view is always read through: If-None-Match and If-Match do not apply.
      await get('/api/2/policies/ns:viewed?policy-view=resolved', alice, {
        'if-none-match': '"rev:1"',
      }),
      await get('/api/2/policies/ns:viewed?policy-view=resolved', alice, {
        'if-match': '"rev:99"',
      }),
    ]) {
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(plain.json());
      expect(read.headers.etag).toBeUndefined();
    }
    const asBob = await get('/api/2/policies/ns:viewed?policy-view=resolved', bob);
    expect(asBob.json()).toEqual({ policyId: 'ns:viewed', entries: { reader: READER } });
    const stranger = await get(
      '/api/2/policies/ns:viewed?policy-view=resolved',
      fx.basic('x', 'y'),
    );
    expect(stranger.statusCode).toBe(401);
    const missing = await get('/api/2/policies/ns:nothing?policy-view=resolved', alice);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'policies:policy.notfound' });
  });

  it('refuses an unknown view, and resolved where it means nothing, changing nothing', async () => {
    expectViewInvalid(await get('/api/2/policies/ns:viewed?policy-view=merged', alice), 'merged');
    expectViewInvalid(
      await get('/api/2/policies/ns:viewed', alice, { 'policy-view': 'effective' }),
      'effective',
    );
    const onPart = await get('/api/2/policies/ns:viewed/entries?policy-view=resolved', alice);
    expectViewInvalid(onPart, 'resolved');
    expect(onPart.json().message).toContain('applies to GET /api/2/policies/{policyId} only');
    const write = await fx.request({
      method: 'PUT',
      url: '/api/2/policies/ns:viewed/entries/reader?policy-view=resolved',
      headers: { authorization: alice, 'content-type': 'application/json' },
      payload: JSON.stringify(OWNER),
    });
    expectViewInvalid(write, 'resolved');
    const after = await get('/api/2/policies/ns:viewed', alice);
    expect(after.headers.etag).toBe('"rev:1"');
    expect(after.json().entries.reader).toEqual(READER);
  });
});
