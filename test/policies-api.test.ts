// Every /policies route, /checkPermissions and things' policies over HTTP, with access control on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { expectError } from './support/ditto-error.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const ALICE = 'user:alice';
const BOB = 'user:bob';

/** An entry giving `subject` READ and WRITE on everything. */
const ownerEntry = (subject: string) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': RW, 'message:/': RW },
});

const policyOf = (entries: Record<string, unknown>) => ({ entries });

let fx: SecureFixture;
let alice: string;
let bob: string;
let carol: string;

beforeAll(async () => {
  fx = await createSecureFixture();
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
  carol = await fx.addUser('carol');
});

afterAll(async () => {
  await fx.close();
});

/** Creates `policyId` as alice with an owner entry for alice plus `extra` entries. */
async function alicePolicy(policyId: string, extra: Record<string, unknown> = {}) {
  const response = await fx.send(
    'PUT',
    `/api/2/policies/${policyId}`,
    alice,
    policyOf({ owner: ownerEntry(ALICE), ...extra }),
  );
  expect(response.statusCode, response.body).toBe(201);
}

describe('policies api - whole policy', () => {
  it('PUT creates (201, Location, body, ETag), PUT again modifies (204), GET reads, DELETE removes', async () => {
    const created = await fx.send(
      'PUT',
      '/api/2/policies/ns:whole',
      alice,
      policyOf({ owner: ownerEntry(ALICE) }),
    );
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/\/api\/2\/policies\/ns:whole$/);
    expect(created.headers.etag).toBe('"rev:1"');
    expect(created.json()).toEqual({
      policyId: 'ns:whole',
      imports: {},
      entries: { owner: ownerEntry(ALICE) },
    });

    const next = policyOf({
      owner: ownerEntry(ALICE),
      reader: { subjects: { [BOB]: { type: 'user' } }, resources: { 'thing:/': RW } },
    });
    const modified = await fx.send('PUT', '/api/2/policies/ns:whole', alice, next);
    expect(modified.statusCode).toBe(204);
    expect(modified.body).toBe('');
    expect(modified.headers.etag).toBe('"rev:2"');

    const read = await fx.send('GET', '/api/2/policies/ns:whole', alice);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"rev:2"');
    expect(read.json()).toEqual({ policyId: 'ns:whole', imports: {}, ...next });

    const deleted = await fx.send('DELETE', '/api/2/policies/ns:whole', alice);
    expect(deleted.statusCode).toBe(204);
    expectError(
      await fx.send('GET', '/api/2/policies/ns:whole', alice),
      404,
      'policies:policy.notfound',
    );
    expectError(
      await fx.send('DELETE', '/api/2/policies/ns:whole', alice),
      404,
      'policies:policy.notfound',
    );
  });

  it('a policy that leaves nobody WRITE on policy:/ is refused with 403 modificationinvalid', async () => {
    const readOnly = policyOf({
      owner: {
        subjects: { [ALICE]: { type: 'user' } },
        resources: { 'policy:/': { grant: ['READ'], revoke: [] }, 'thing:/': RW },
      },
    });
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:lockout', alice, readOnly),
      403,
      'policies:policy.modificationinvalid',
    );
    expectError(
      await fx.send('GET', '/api/2/policies/ns:lockout', fx.admin),
      404,
      'policies:policy.notfound',
    );

    await alicePolicy('ns:lockout');
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:lockout', alice, readOnly),
      403,
      'policies:policy.modificationinvalid',
    );
    // WRITE on a path below policy:/ does not count.
    const below = policyOf({
      owner: {
        subjects: { [ALICE]: { type: 'user' } },
        resources: { 'policy:/entries': RW },
      },
    });
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:lockout', alice, below),
      403,
      'policies:policy.modificationinvalid',
    );
    const read = await fx.send('GET', '/api/2/policies/ns:lockout', alice);
    expect(read.json()).toEqual({
      policyId: 'ns:lockout',
      imports: {},
      entries: { owner: ownerEntry(ALICE) },
    });
  });

  it('a grant of WRITE on policy:/ revoked by another entry or given only to an expiring subject locks out', async () => {
    const revokedElsewhere = policyOf({
      owner: ownerEntry(ALICE),
      deny: {
        subjects: { [ALICE]: { type: 'user' } },
        resources: { 'policy:/': { grant: [], revoke: ['WRITE'] } },
      },
    });
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:lockout2', alice, revokedElsewhere),
      403,
      'policies:policy.modificationinvalid',
    );
    const expiring = policyOf({
      owner: {
        subjects: { [ALICE]: { type: 'user', expiry: '2999-01-01T00:00:00Z' } },
        resources: { 'policy:/': RW },
      },
    });
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:lockout2', alice, expiring),
      403,
      'policies:policy.modificationinvalid',
    );
  });

  it('a caller with READ but no WRITE on policy:/ gets 403 notmodifiable; one who cannot read gets 404', async () => {
    await alicePolicy('ns:guarded', {
      reader: {
        subjects: { [BOB]: { type: 'user' } },
        resources: { 'policy:/': { grant: ['READ'], revoke: [] } },
      },
    });
    const replacement = policyOf({ owner: ownerEntry(BOB) });

    expect((await fx.send('GET', '/api/2/policies/ns:guarded', bob)).statusCode).toBe(200);
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:guarded', bob, replacement),
      403,
      'policies:policy.notmodifiable',
    );
    expectError(
      await fx.send('DELETE', '/api/2/policies/ns:guarded', bob),
      403,
      'policies:policy.notmodifiable',
    );

    expectError(
      await fx.send('GET', '/api/2/policies/ns:guarded', carol),
      404,
      'policies:policy.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:guarded', carol, replacement),
      404,
      'policies:policy.notfound',
    );
    expectError(
      await fx.send('DELETE', '/api/2/policies/ns:guarded', carol),
      404,
      'policies:policy.notfound',
    );
    expectError(
      await fx.send('GET', '/api/2/policies/ns:guarded/entries', carol),
      404,
      'policies:policy.notfound',
    );

    // Nothing changed.
    const read = await fx.send('GET', '/api/2/policies/ns:guarded', alice);
    expect(read.headers.etag).toBe('"rev:1"');
  });

  it('GET shows a caller only the parts of the policy it may read', async () => {
    await alicePolicy('ns:partial', {
      reader: {
        subjects: { [BOB]: { type: 'user' } },
        resources: { 'policy:/entries/reader': { grant: ['READ'], revoke: [] } },
      },
    });
    const read = await fx.send('GET', '/api/2/policies/ns:partial', bob);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({
      policyId: 'ns:partial',
      entries: {
        reader: {
          subjects: { [BOB]: { type: 'user' } },
          resources: { 'policy:/entries/reader': { grant: ['READ'], revoke: [] } },
        },
      },
    });
    expectError(
      await fx.send('GET', '/api/2/policies/ns:partial/entries/owner', bob),
      404,
      'policies:policy.notfound',
    );
  });

  it('ETag is "rev:N"; If-Match with another revision fails with 412 and changes nothing', async () => {
    await alicePolicy('ns:etag');
    const body = policyOf({ owner: ownerEntry(ALICE), second: ownerEntry(BOB) });
    const put = (ifMatch: string) =>
      fx.request({
        method: 'PUT',
        url: '/api/2/policies/ns:etag',
        headers: { authorization: alice, 'content-type': 'application/json', 'if-match': ifMatch },
        payload: JSON.stringify(body),
      });
    const stale = await put('"rev:7"');
    expect(stale.statusCode).toBe(412);
    expectError(stale, 412, 'policies:precondition.failed');
    expect((await fx.send('GET', '/api/2/policies/ns:etag', alice)).headers.etag).toBe('"rev:1"');

    const fresh = await put('"rev:1"');
    expect(fresh.statusCode).toBe(204);
    expect(fresh.headers.etag).toBe('"rev:2"');

    const read = await fx.request({
      method: 'GET',
      url: '/api/2/policies/ns:etag',
      headers: { authorization: alice, 'if-match': '"rev:1"' },
    });
    expectError(read, 412, 'policies:precondition.failed');
    const notModified = await fx.request({
      method: 'GET',
      url: '/api/2/policies/ns:etag',
      headers: { authorization: alice, 'if-none-match': '"rev:2"' },
    });
    expect(notModified.statusCode).toBe(304);

    const deleteStale = await fx.request({
      method: 'DELETE',
      url: '/api/2/policies/ns:etag',
      headers: { authorization: alice, 'if-match': '"rev:1"' },
    });
    expect(deleteStale.statusCode).toBe(412);
    expect((await fx.send('GET', '/api/2/policies/ns:etag', alice)).statusCode).toBe(200);
  });

  it('invalid bodies and ids get 400 with a Ditto error body', async () => {
    const put = (id: string, body: unknown) => fx.send('PUT', `/api/2/policies/${id}`, alice, body);
    expectError(
      await put('no-namespace', policyOf({ owner: ownerEntry(ALICE) })),
      400,
      'policies:id.invalid',
    );
    expectError(
      await put('ns:bad', { policyId: 'ns:other', entries: { owner: ownerEntry(ALICE) } }),
      400,
      'policies:id.notsettable',
    );
    expectError(await put('ns:bad', [1, 2]), 400, 'policies:entry.invalid');
    expectError(await put('ns:bad', { entries: 'owner' }), 400, 'policies:entry.invalid');
    expectError(
      await put(
        'ns:bad',
        policyOf({
          owner: {
            subjects: { [ALICE]: { type: 'user' } },
            resources: { 'policy:/': { grant: ['FLY'], revoke: [] } },
          },
        }),
      ),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await put(
        'ns:bad',
        policyOf({
          owner: {
            subjects: { [ALICE]: { type: 'user' } },
            resources: { 'house:/': RW, 'policy:/': RW },
          },
        }),
      ),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await put(
        'ns:bad',
        policyOf({
          owner: { subjects: { alice: { type: 'user' } }, resources: { 'policy:/': RW } },
        }),
      ),
      400,
      'policies:subjectid.invalid',
    );
    const raw = await fx.request({
      method: 'PUT',
      url: '/api/2/policies/ns:bad',
      headers: { authorization: alice, 'content-type': 'application/json' },
      payload: '{"entries": ',
    });
    expect(raw.statusCode).toBe(400);
    expect(raw.json()).toMatchObject({ status: 400, error: expect.any(String) });
    expectError(
      await fx.send('GET', '/api/2/policies/ns:bad', fx.admin),
      404,
      'policies:policy.notfound',
    );
  });
});

describe('policies api - entries', () => {
  it('GET and PUT all entries', async () => {
    await alicePolicy('ns:entries');
    const read = await fx.send('GET', '/api/2/policies/ns:entries/entries', alice);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ owner: ownerEntry(ALICE) });

    const entries = { owner: ownerEntry(ALICE), bobs: ownerEntry(BOB) };
    const put = await fx.send('PUT', '/api/2/policies/ns:entries/entries', alice, entries);
    expect(put.statusCode).toBe(204);
    expect((await fx.send('GET', '/api/2/policies/ns:entries/entries', alice)).json()).toEqual(
      entries,
    );

    expectError(
      await fx.send('PUT', '/api/2/policies/ns:entries/entries', alice, {
        owner: { subjects: { [ALICE]: { type: 'user' } }, resources: { 'thing:/': RW } },
      }),
      403,
      'policies:policy.modificationinvalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:entries/entries', alice, ['owner']),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await fx.send('GET', '/api/2/policies/ns:missing/entries', alice),
      404,
      'policies:policy.notfound',
    );
  });

  it('one entry: PUT creates (201) then modifies (204), GET reads, DELETE removes (then 404)', async () => {
    await alicePolicy('ns:entry');
    const reader = {
      subjects: { [BOB]: { type: 'user' } },
      resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
    };
    const created = await fx.send('PUT', '/api/2/policies/ns:entry/entries/reader', alice, reader);
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/\/api\/2\/policies\/ns:entry\/entries\/reader$/);
    expect(created.json()).toEqual(reader);

    const changed = { ...reader, resources: { 'thing:/': RW } };
    const modified = await fx.send(
      'PUT',
      '/api/2/policies/ns:entry/entries/reader',
      alice,
      changed,
    );
    expect(modified.statusCode).toBe(204);

    const read = await fx.send('GET', '/api/2/policies/ns:entry/entries/reader', alice);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(changed);
    expect(read.headers.etag).toMatch(/^"/);

    expect(
      (await fx.send('DELETE', '/api/2/policies/ns:entry/entries/reader', alice)).statusCode,
    ).toBe(204);
    expectError(
      await fx.send('GET', '/api/2/policies/ns:entry/entries/reader', alice),
      404,
      'policies:entry.notfound',
    );
    expectError(
      await fx.send('DELETE', '/api/2/policies/ns:entry/entries/reader', alice),
      404,
      'policies:entry.notfound',
    );
  });

  it('deleting or weakening the only owner entry is refused with 403 entry.modificationinvalid', async () => {
    await alicePolicy('ns:entrylock');
    expectError(
      await fx.send('DELETE', '/api/2/policies/ns:entrylock/entries/owner', alice),
      403,
      'policies:entry.modificationinvalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:entrylock/entries/owner', alice, {
        subjects: { [ALICE]: { type: 'user' } },
        resources: { 'policy:/': { grant: ['READ'], revoke: [] } },
      }),
      403,
      'policies:entry.modificationinvalid',
    );
    expectError(
      await fx.send(
        'DELETE',
        `/api/2/policies/ns:entrylock/entries/owner/subjects/${ALICE}`,
        alice,
      ),
      403,
      'policies:entry.modificationinvalid',
    );
    expectError(
      await fx.send(
        'DELETE',
        '/api/2/policies/ns:entrylock/entries/owner/resources/policy:/',
        alice,
      ),
      403,
      'policies:entry.modificationinvalid',
    );
    const read = await fx.send('GET', '/api/2/policies/ns:entrylock', alice);
    expect(read.json()).toEqual({
      policyId: 'ns:entrylock',
      imports: {},
      entries: { owner: ownerEntry(ALICE) },
    });
    expect(read.headers.etag).toBe('"rev:1"');
  });

  it('an entry with an invalid label or body is refused with 400', async () => {
    await alicePolicy('ns:entrybad');
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:entrybad/entries/x', alice, 'not an entry'),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:entrybad/entries/x', alice, {
        subjects: { [BOB]: { type: 'user' } },
        resources: { 'thing:/': { grant: 'READ' } },
      }),
      400,
      'policies:entry.invalid',
    );
  });

  it('a caller with WRITE on one entry only may change that entry, not another', async () => {
    await alicePolicy('ns:delegated', {
      bobs: {
        subjects: { [BOB]: { type: 'user' } },
        resources: { 'policy:/entries/bobs': RW },
      },
    });
    const bobsEntry = {
      subjects: { [BOB]: { type: 'user' }, 'user:carol': { type: 'user' } },
      resources: { 'policy:/entries/bobs': RW },
    };
    const own = await fx.send('PUT', '/api/2/policies/ns:delegated/entries/bobs', bob, bobsEntry);
    expect(own.statusCode).toBe(204);
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:delegated/entries/owner', bob, ownerEntry(BOB)),
      404,
      'policies:policy.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ns:delegated/entries/new', bob, ownerEntry(BOB)),
      404,
      'policies:policy.notfound',
    );
    const read = await fx.send('GET', '/api/2/policies/ns:delegated/entries', alice);
    expect(read.json()).toEqual({ owner: ownerEntry(ALICE), bobs: bobsEntry });
  });
});

describe('policies api - subjects', () => {
  it('GET and PUT all subjects; one subject: PUT 201 then 204, GET, DELETE, then 404', async () => {
    await alicePolicy('ns:subjects', {
      team: { subjects: { [BOB]: { type: 'user' } }, resources: { 'thing:/': RW } },
    });
    const base = '/api/2/policies/ns:subjects/entries/team/subjects';
    const all = await fx.send('GET', base, alice);
    expect(all.statusCode).toBe(200);
    expect(all.json()).toEqual({ [BOB]: { type: 'user' } });

    const replaced = { [BOB]: { type: 'user' }, 'group:ops': { type: 'group' } };
    expect((await fx.send('PUT', base, alice, replaced)).statusCode).toBe(204);
    expect((await fx.send('GET', base, alice)).json()).toEqual(replaced);

    const created = await fx.send('PUT', `${base}/user:carol`, alice, { type: 'user' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/\/entries\/team\/subjects\/user:carol$/);
    expect(created.json()).toEqual({ type: 'user' });

    const modified = await fx.send('PUT', `${base}/user:carol`, alice, {
      type: 'contractor',
      expiry: '2999-01-01T00:00:00Z',
    });
    expect(modified.statusCode).toBe(204);
    const one = await fx.send('GET', `${base}/user:carol`, alice);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({ type: 'contractor', expiry: '2999-01-01T00:00:00Z' });

    expect((await fx.send('DELETE', `${base}/user:carol`, alice)).statusCode).toBe(204);
    expectError(
      await fx.send('GET', `${base}/user:carol`, alice),
      404,
      'policies:subject.notfound',
    );
    expectError(
      await fx.send('DELETE', `${base}/user:carol`, alice),
      404,
      'policies:subject.notfound',
    );
  });

  it('subjects of a missing entry are 404 entry.notfound; invalid subjects are 400', async () => {
    await alicePolicy('ns:subjects2');
    const base = '/api/2/policies/ns:subjects2/entries';
    expectError(
      await fx.send('GET', `${base}/nobody/subjects`, alice),
      404,
      'policies:entry.notfound',
    );
    expectError(
      await fx.send('PUT', `${base}/nobody/subjects/user:x`, alice, { type: 'user' }),
      404,
      'policies:entry.notfound',
    );
    expectError(
      await fx.send('PUT', `${base}/owner/subjects/no-issuer`, alice, { type: 'user' }),
      400,
      'policies:subjectid.invalid',
    );
    expectError(
      await fx.send('PUT', `${base}/owner/subjects/user:x`, alice, 'user'),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await fx.send('PUT', `${base}/owner/subjects`, alice, { alice: { type: 'user' } }),
      400,
      'policies:subjectid.invalid',
    );
  });
});

describe('policies api - resources', () => {
  it('GET and PUT all resources; one resource by its key in the URL: 201, 204, GET, DELETE, 404', async () => {
    await alicePolicy('ns:resources', {
      team: {
        subjects: { [BOB]: { type: 'user' } },
        resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
      },
    });
    const base = '/api/2/policies/ns:resources/entries/team/resources';
    const all = await fx.send('GET', base, alice);
    expect(all.statusCode).toBe(200);
    expect(all.json()).toEqual({ 'thing:/': { grant: ['READ'], revoke: [] } });

    const replaced = {
      'thing:/': { grant: ['READ'], revoke: [] },
      'message:/': { grant: ['WRITE'], revoke: [] },
    };
    expect((await fx.send('PUT', base, alice, replaced)).statusCode).toBe(204);
    expect((await fx.send('GET', base, alice)).json()).toEqual(replaced);

    const lamp = { grant: ['WRITE'], revoke: ['READ'] };
    const created = await fx.send('PUT', `${base}/thing:/features/lamp`, alice, lamp);
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/\/entries\/team\/resources\/thing:\/features\/lamp$/);
    expect(created.json()).toEqual(lamp);
    const entry = await fx.send('GET', '/api/2/policies/ns:resources/entries/team', alice);
    expect(Object.keys(entry.json().resources as object)).toContain('thing:/features/lamp');

    const modified = await fx.send('PUT', `${base}/thing:/features/lamp`, alice, {
      grant: ['READ', 'WRITE'],
      revoke: [],
    });
    expect(modified.statusCode).toBe(204);
    const one = await fx.send('GET', `${base}/thing:/features/lamp`, alice);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({ grant: ['READ', 'WRITE'], revoke: [] });

    const root = await fx.send('GET', `${base}/thing:/`, alice);
    expect(root.json()).toEqual({ grant: ['READ'], revoke: [] });

    expect((await fx.send('DELETE', `${base}/thing:/features/lamp`, alice)).statusCode).toBe(204);
    expectError(
      await fx.send('GET', `${base}/thing:/features/lamp`, alice),
      404,
      'policies:resource.notfound',
    );
    expectError(
      await fx.send('DELETE', `${base}/thing:/features/lamp`, alice),
      404,
      'policies:resource.notfound',
    );
  });

  it('an invalid resource key or body is 400; a missing entry is 404', async () => {
    await alicePolicy('ns:resources2');
    const base = '/api/2/policies/ns:resources2/entries';
    expectError(
      await fx.send('PUT', `${base}/owner/resources/house:/door`, alice, RW),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await fx.send('PUT', `${base}/owner/resources/thing:/a`, alice, { grant: ['FLY'] }),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await fx.send('GET', `${base}/nobody/resources/thing:/`, alice),
      404,
      'policies:entry.notfound',
    );
    expectError(
      await fx.send('GET', `${base}/nobody/resources`, alice),
      404,
      'policies:entry.notfound',
    );
  });

  it('a resource granted through the resource route takes effect on the thing', async () => {
    const thing = await fx.send('PUT', '/api/2/things/ns:granted', alice, {
      attributes: { room: 'hall' },
    });
    expect(thing.statusCode).toBe(201);
    expect((await fx.send('GET', '/api/2/things/ns:granted', bob)).statusCode).toBe(404);

    const entry = await fx.send('PUT', '/api/2/policies/ns:granted/entries/bob', alice, {
      subjects: { [BOB]: { type: 'user' } },
      resources: {},
    });
    expect(entry.statusCode).toBe(201);
    const resource = await fx.send(
      'PUT',
      '/api/2/policies/ns:granted/entries/bob/resources/thing:/attributes/room',
      alice,
      { grant: ['READ'], revoke: [] },
    );
    expect(resource.statusCode).toBe(201);
    const read = await fx.send('GET', '/api/2/things/ns:granted', bob);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ thingId: 'ns:granted', attributes: { room: 'hall' } });
  });
});

describe('policies api - checkPermissions', () => {
  it('answers one boolean per label: unrestricted, all listed permissions, per resource type', async () => {
    expect((await fx.send('PUT', '/api/2/things/ns:checked', alice, {})).statusCode).toBe(201);
    const entry = await fx.send('PUT', '/api/2/policies/ns:checked/entries/bob', alice, {
      subjects: { [BOB]: { type: 'user' } },
      resources: {
        'thing:/': { grant: ['READ'], revoke: [] },
        'thing:/attributes/secret': { grant: [], revoke: ['READ'] },
        'thing:/features': { grant: ['WRITE'], revoke: [] },
      },
    });
    expect(entry.statusCode).toBe(201);

    const check = (resource: string, entityId: string, hasPermissions: string[]) => ({
      resource,
      entityId,
      hasPermissions,
    });
    const response = await fx.send('POST', '/api/2/checkPermissions', bob, {
      root_read: check('thing:/', 'ns:checked', ['READ']),
      attributes_read: check('thing:/attributes/public', 'ns:checked', ['READ']),
      secret_read: check('thing:/attributes/secret', 'ns:checked', ['READ']),
      features_write: check('thing:/features/lamp', 'ns:checked', ['WRITE']),
      features_read_write: check('thing:/features/lamp', 'ns:checked', ['READ', 'WRITE']),
      root_write: check('thing:/', 'ns:checked', ['WRITE']),
      policy_read: check('policy:/', 'ns:checked', ['READ']),
      message_write: check('message:/inbox', 'ns:checked', ['WRITE']),
      missing_thing: check('thing:/', 'ns:absent', ['READ']),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      root_read: false,
      attributes_read: true,
      secret_read: false,
      features_write: true,
      features_read_write: true,
      root_write: false,
      policy_read: false,
      message_write: false,
      missing_thing: false,
    });

    const owner = await fx.send('POST', '/api/2/checkPermissions', alice, {
      thing: check('thing:/', 'ns:checked', ['READ', 'WRITE']),
      policy: check('policy:/', 'ns:checked', ['READ', 'WRITE']),
      message: check('message:/features/lamp/inbox', 'ns:checked', ['WRITE']),
    });
    expect(owner.json()).toEqual({ thing: true, policy: true, message: true });

    // As in Ditto, a message resource is checked on a thing: against that thing's policy.
    const shared = await fx.send('PUT', '/api/2/things/ns:messaged', alice, {
      policyId: 'ns:checked',
    });
    expect(shared.statusCode).toBe(201);
    const onThing = await fx.send('POST', '/api/2/checkPermissions', alice, {
      message: check('message:/features/lamp/inbox', 'ns:messaged', ['WRITE']),
      missing: check('message:/features/lamp/inbox', 'ns:nothing-here', ['WRITE']),
    });
    expect(onThing.json()).toEqual({ message: true, missing: false });
  });

  it('a check without resource, entityId or hasPermissions is 400', async () => {
    for (const bad of [
      { a: { entityId: 'ns:x', hasPermissions: ['READ'] } },
      { a: { resource: 'thing:/', hasPermissions: ['READ'] } },
      { a: { resource: 'thing:/', entityId: 'ns:x' } },
      { a: { resource: 'thing:/', entityId: 'ns:x', hasPermissions: ['FLY'] } },
      [1],
    ]) {
      const response = await fx.send('POST', '/api/2/checkPermissions', alice, bad);
      expect(response.statusCode, JSON.stringify(bad)).toBe(400);
      expect(response.json()).toMatchObject({ status: 400, error: expect.any(String) });
    }
  });
});

describe('policies api - things and their policies', () => {
  it('a thing created without a policy gets the default policy: DEFAULT entry for its creator', async () => {
    expect((await fx.send('PUT', '/api/2/things/ns:defaulted', alice, {})).statusCode).toBe(201);
    const thing = await fx.send('GET', '/api/2/things/ns:defaulted', alice);
    expect(thing.json()).toMatchObject({ policyId: 'ns:defaulted' });
    const policy = await fx.send('GET', '/api/2/policies/ns:defaulted', alice);
    expect(policy.statusCode).toBe(200);
    const body = policy.json();
    expect(Object.keys(body.entries as object)).toEqual(['DEFAULT']);
    expect(body.entries.DEFAULT.subjects).toEqual({ [ALICE]: { type: 'generated' } });
    const both = { grant: ['READ', 'WRITE'], revoke: [] };
    expect(body.entries.DEFAULT.resources).toEqual({
      'thing:/': both,
      'policy:/': both,
      'message:/': both,
    });

    const posted = await fx.send('POST', '/api/2/things?namespace=ns', alice, {});
    expect(posted.statusCode).toBe(201);
    const thingId = posted.json().thingId as string;
    expect(posted.json().policyId).toBe(thingId);
    const postedPolicy = await fx.send('GET', `/api/2/policies/${thingId}`, alice);
    expect(Object.keys(postedPolicy.json().entries.DEFAULT.subjects as object)).toEqual([ALICE]);
  });

  it('a thing created with an inline _policy uses it; one that denies the creator is rolled back', async () => {
    const inline = policyOf({
      owner: ownerEntry(ALICE),
      viewer: {
        subjects: { [BOB]: { type: 'user' } },
        resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
      },
    });
    const created = await fx.send('PUT', '/api/2/things/ns:inline', alice, {
      _policy: inline,
      attributes: { a: 1 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).not.toHaveProperty('_policy');
    const policy = await fx.send('GET', '/api/2/policies/ns:inline', alice);
    expect(policy.json()).toEqual({ policyId: 'ns:inline', imports: {}, ...inline });
    expect((await fx.send('GET', '/api/2/things/ns:inline', bob)).statusCode).toBe(200);

    const denying = policyOf({
      owner: {
        subjects: { [ALICE]: { type: 'user' } },
        resources: { 'policy:/': RW, 'thing:/': { grant: ['READ'], revoke: [] } },
      },
    });
    expectError(
      await fx.send('PUT', '/api/2/things/ns:inline2', alice, { _policy: denying }),
      403,
      'things:thing.notmodifiable',
    );
    expectError(
      await fx.send('GET', '/api/2/policies/ns:inline2', fx.admin),
      404,
      'policies:policy.notfound',
    );
    expectError(
      await fx.send('GET', '/api/2/things/ns:inline2', fx.admin),
      404,
      'things:thing.notfound',
    );

    expectError(
      await fx.send('PUT', '/api/2/things/ns:inline3', alice, {
        _policy: policyOf({
          owner: { subjects: { [ALICE]: { type: 'user' } }, resources: { 'thing:/': RW } },
        }),
      }),
      403,
      'policies:policy.modificationinvalid',
    );
    expectError(
      await fx.send('GET', '/api/2/things/ns:inline3', fx.admin),
      404,
      'things:thing.notfound',
    );
  });

  it('a thing created with an existing policyId needs WRITE on thing:/ in it; a missing one is 400', async () => {
    await alicePolicy('ns:shared', {
      readers: {
        subjects: { [BOB]: { type: 'user' } },
        resources: { 'thing:/': { grant: ['READ'], revoke: [] }, 'policy:/': RW },
      },
    });
    const created = await fx.send('PUT', '/api/2/things/ns:sharing', alice, {
      policyId: 'ns:shared',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ policyId: 'ns:shared' });
    expectError(
      await fx.send('GET', '/api/2/policies/ns:sharing', fx.admin),
      404,
      'policies:policy.notfound',
    );

    // Bob may read things under ns:shared and even manage the policy, but not write thing:/.
    expectError(
      await fx.send('PUT', '/api/2/things/ns:sharing2', bob, { policyId: 'ns:shared' }),
      403,
      'things:thing.notmodifiable',
    );
    expectError(
      await fx.send('GET', '/api/2/things/ns:sharing2', fx.admin),
      404,
      'things:thing.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/things/ns:orphan', alice, { policyId: 'ns:nonexistent' }),
      400,
      'things:thing.notcreatable',
    );
    expectError(
      await fx.send('POST', '/api/2/things?namespace=ns', alice, { policyId: 'ns:nonexistent' }),
      400,
      'things:thing.notcreatable',
    );
  });

  it("changing a thing's policyId needs WRITE on thing:/policyId and WRITE on the new policy", async () => {
    expect((await fx.send('PUT', '/api/2/things/ns:moving', alice, {})).statusCode).toBe(201);
    const bobs = await fx.send(
      'PUT',
      '/api/2/policies/ns:bobs',
      bob,
      policyOf({ owner: ownerEntry(BOB) }),
    );
    expect(bobs.statusCode).toBe(201);
    await alicePolicy('ns:target', {
      bob: { subjects: { [BOB]: { type: 'user' } }, resources: { 'policy:/': RW } },
    });
    const url = '/api/2/things/ns:moving/policyId';

    expectError(await fx.send('PUT', url, alice, 'ns:bobs'), 403, 'policies:policy.notmodifiable');
    expectError(await fx.send('PUT', url, alice, 'ns:nowhere'), 404, 'policies:policy.notfound');
    // bob may read nothing of the thing: he gets the answer for a thing that does not exist.
    expectError(await fx.send('PUT', url, bob, 'ns:target'), 404, 'things:thing.notfound');
    expectError(
      await fx.send('PUT', '/api/2/things/ns:moving', alice, { policyId: 'ns:bobs' }),
      403,
      'policies:policy.notmodifiable',
    );
    expect((await fx.send('GET', url, alice)).json()).toBe('ns:moving');

    expect((await fx.send('PUT', url, alice, 'ns:target')).statusCode).toBe(204);
    expect((await fx.send('GET', url, alice)).json()).toBe('ns:target');
  });
});
