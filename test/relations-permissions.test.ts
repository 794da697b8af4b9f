// Relations under policies: WRITE on thing:/ of both ends to add or remove one, READ on the twin to
// list, and listings that leave out (never name) the twins the requester may not read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const R = { grant: ['READ'], revoke: [] };

let fx: SecureFixture;
let alice: string;
let bob: string;
let mallory: string;

/** A policy whose entries give each subject these rights on thing:/ (and the admin owns it). */
async function policy(id: string, rights: Record<string, typeof RW>) {
  // Someone must always be able to edit a policy; nobody of the tests is.
  const entries: Record<string, unknown> = {
    keeper: { subjects: { 'user:keeper': { type: 'user' } }, resources: { 'policy:/': RW } },
  };
  for (const [subject, grant] of Object.entries(rights))
    entries[subject.replace(':', '-')] = {
      subjects: { [subject]: { type: 'user' } },
      resources: { 'thing:/': grant },
    };
  const response = await fx.send('PUT', `/api/2/policies/${id}`, fx.admin, { entries });
  expect(response.statusCode, response.body).toBe(201);
}

async function thing(id: string, policyId: string) {
  const response = await fx.send('PUT', `/api/2/things/${id}`, fx.admin, {
    policyId,
    attributes: { watts: 5 },
  });
  expect(response.statusCode, response.body).toBe(201);
}

const url = (source: string, target: string) =>
  `/api/2/things/${source}/relations/partOf/${target}`;

beforeAll(async () => {
  fx = await createSecureFixture();
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
  mallory = await fx.addUser('mallory');
  // alice writes the source and the writable target; bob only reads the source.
  await policy('perm:source', { 'user:alice': RW, 'user:bob': R });
  await policy('perm:writable', { 'user:alice': RW, 'user:bob': R });
  await policy('perm:readable', { 'user:alice': R, 'user:bob': R });
  await policy('perm:secret', { 'user:mallory': RW });
  await thing('perm:rack', 'perm:source');
  await thing('perm:hall', 'perm:writable');
  await thing('perm:row', 'perm:readable');
  await thing('perm:vault', 'perm:secret');
});

afterAll(async () => {
  await fx.close();
});

describe('relations - permissions', () => {
  it('adding needs WRITE on both ends: 403 on a target only read, 404 on one not readable', async () => {
    const ok = await fx.send('PUT', url('perm:rack', 'perm:hall'), alice, { by: 'alice' });
    expect(ok.statusCode, ok.body).toBe(201);
    const readOnly = await fx.send('PUT', url('perm:rack', 'perm:row'), alice, {});
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json()).toMatchObject({ error: 'relations:relation.notmodifiable' });
    // A target alice may not read is answered as a missing one: no existence oracle.
    const hidden = await fx.send('PUT', url('perm:rack', 'perm:vault'), alice, {});
    const missing = await fx.send('PUT', url('perm:rack', 'perm:nothing'), alice, {});
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({
      ...missing.json(),
      message: missing.json().message.replace('perm:nothing', 'perm:vault'),
    });
    // Reading the source is not writing it.
    const bobWrites = await fx.send('PUT', url('perm:rack', 'perm:hall'), bob, {});
    expect(bobWrites.statusCode).toBe(403);
    expect(bobWrites.json().error).toMatch(/^things:.*notmodifiable$/);
    // A stranger to the source learns nothing of it.
    const stranger = await fx.send('PUT', url('perm:rack', 'perm:hall'), mallory, {});
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json()).toMatchObject({ error: 'things:thing.notfound' });
    const list = await fx.send('GET', '/api/2/things/perm:rack/relations', fx.admin);
    expect(list.json().relations.map((r: { target: string }) => r.target)).toEqual(['perm:hall']);
  });

  it('removing needs WRITE on both ends too', async () => {
    // The administrator relates what alice may only read, and what she may not see at all.
    expect((await fx.send('PUT', url('perm:rack', 'perm:row'), fx.admin, {})).statusCode).toBe(201);
    expect((await fx.send('PUT', url('perm:rack', 'perm:vault'), fx.admin, {})).statusCode).toBe(
      201,
    );
    const readOnly = await fx.send('DELETE', url('perm:rack', 'perm:row'), alice);
    expect(readOnly.statusCode).toBe(403);
    const hidden = await fx.send('DELETE', url('perm:rack', 'perm:vault'), alice);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body).not.toContain('mallory');
    const bobRemoves = await fx.send('DELETE', url('perm:rack', 'perm:hall'), bob);
    expect(bobRemoves.statusCode).toBe(403);
    const admin = await fx.send('GET', '/api/2/things/perm:rack/relations', fx.admin);
    expect(admin.json().relations).toHaveLength(3);
  });

  it('listings show only twins the requester may read, and never name the others', async () => {
    for (const [who, auth] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const out = await fx.send('GET', '/api/2/things/perm:rack/relations', auth);
      expect(out.statusCode, who).toBe(200);
      expect(out.json().relations.map((r: { target: string }) => r.target)).toEqual([
        'perm:hall',
        'perm:row',
      ]);
      expect(out.body).not.toContain('perm:vault');
      const one = await fx.send('GET', url('perm:rack', 'perm:vault'), auth);
      expect(one.statusCode, who).toBe(404);
      expect(one.json()).toMatchObject({ error: 'relations:relation.notfound' });
    }
    // mallory reads the vault, not the rack pointing at it: the parent is left out.
    const parents = await fx.send(
      'GET',
      '/api/2/things/perm:vault/relations?direction=in',
      mallory,
    );
    expect(parents.statusCode).toBe(200);
    expect(parents.json()).toEqual({ relations: [] });
    const admin = await fx.send('GET', '/api/2/things/perm:vault/relations?direction=in', fx.admin);
    expect(admin.json().relations.map((r: { source: string }) => r.source)).toEqual(['perm:rack']);
    // Who may read nothing of a twin gets the answer for a missing one.
    const stranger = await fx.send('GET', '/api/2/things/perm:rack/relations', mallory);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json()).toMatchObject({ error: 'things:thing.notfound' });
  });

  it('a read-only token may not add relations', async () => {
    const token = await fx.send('POST', '/api/2/tokens', alice, { name: 'ro', readOnly: true });
    expect(token.statusCode, token.body).toBe(201);
    const readOnly = fx.bearer(token.json().token as string);
    const response = await fx.send('PUT', url('perm:rack', 'perm:hall'), readOnly, { x: 1 });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'gateway:token.readonly' });
  });
});
