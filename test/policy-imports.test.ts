// Ditto's policy imports over HTTP: the ten import operations, importable, transitive imports,
// references, namespaces, and imported entries enforced on reads, writes, search, history and
// checkPermissions; a change to an imported policy counts at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { expectError } from './support/ditto-error.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const R = { grant: ['READ'], revoke: [] };
const ALICE = 'user:alice';
const BOB = 'user:bob';
const CAROL = 'user:carol';

const ownerEntry = (subject: string) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': RW, 'message:/': RW },
});
const readerEntry = (subject: string, extra: Record<string, unknown> = {}) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': R },
  ...extra,
});

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

async function put(path: string, auth: string, body: unknown, status = 201) {
  const response = await fx.send('PUT', `/api/2${path}`, auth, body);
  expect(response.statusCode, `${path}: ${response.body}`).toBe(status);
  return response;
}

/** `roles`: alice owns it; bob is in an implicit entry, carol in an explicit one, dave never. */
async function rolesPolicy(id: string) {
  await put(`/policies/${id}`, alice, {
    entries: {
      owner: ownerEntry(ALICE),
      readers: readerEntry(BOB),
      auditors: readerEntry(CAROL, { importable: 'explicit' }),
      hidden: readerEntry('user:dave', { importable: 'never' }),
    },
  });
}

async function thingWith(thingId: string, policyId: string) {
  await put(`/things/${thingId}`, alice, { policyId, attributes: { a: 1 } });
}

const get = (path: string, auth: string) => fx.send('GET', `/api/2${path}`, auth);

describe('policy imports - model and operations', () => {
  it('a policy always has imports; PUT and GET /imports, /imports/{id}, its entries and transitiveImports', async () => {
    await rolesPolicy('ops:roles1');
    const created = await put('/policies/ops:app1', alice, {
      entries: { owner: ownerEntry(ALICE) },
    });
    expect(created.json()).toEqual({
      policyId: 'ops:app1',
      imports: {},
      entries: { owner: ownerEntry(ALICE) },
    });
    expect((await get('/policies/ops:app1/imports', alice)).json()).toEqual({});

    const one = await put('/policies/ops:app1/imports/ops:roles1', alice, {
      entries: ['auditors'],
    });
    expect(one.headers.location).toMatch(/\/api\/2\/policies\/ops:app1\/imports\/ops:roles1$/);
    expect(one.json()).toEqual({ entries: ['auditors'] });
    const read = await get('/policies/ops:app1/imports/ops:roles1', alice);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toMatch(/^"hash:/);
    expect(read.json()).toEqual({ entries: ['auditors'] });
    expect((await get('/policies/ops:app1/imports/ops:roles1/entries', alice)).json()).toEqual([
      'auditors',
    ]);
    expect(
      (await get('/policies/ops:app1/imports/ops:roles1/transitiveImports', alice)).json(),
    ).toEqual([]);

    await put('/policies/ops:app1/imports/ops:roles1/entries', alice, [], 204);
    expect((await get('/policies/ops:app1/imports/ops:roles1', alice)).json()).toEqual({
      entries: [],
    });
    await put('/policies/ops:app1/imports/ops:roles1', alice, {}, 204);
    expect((await get('/policies/ops:app1', alice)).json().imports).toEqual({ 'ops:roles1': {} });
    expect((await get('/policies/ops:app1/imports/ops:roles1/entries', alice)).json()).toEqual([]);

    await put(
      '/policies/ops:app1/imports',
      alice,
      { 'ops:roles1': { entries: ['auditors'] } },
      204,
    );
    expect((await get('/policies/ops:app1/imports', alice)).json()).toEqual({
      'ops:roles1': { entries: ['auditors'] },
    });
    expect(
      (await fx.send('DELETE', '/api/2/policies/ops:app1/imports/ops:roles1', alice)).statusCode,
    ).toBe(204);
    expectError(
      await get('/policies/ops:app1/imports/ops:roles1', alice),
      404,
      'policies:import.notfound',
    );
    await put('/policies/ops:app1/imports', alice, { 'ops:roles1': {} }, 204);
    expect((await fx.send('DELETE', '/api/2/policies/ops:app1/imports', alice)).statusCode).toBe(
      204,
    );
    expect((await get('/policies/ops:app1/imports', alice)).json()).toEqual({});
  });

  it('refuses malformed imports with 400 and changes nothing', async () => {
    await rolesPolicy('bad:roles');
    await put('/policies/bad:app', alice, { entries: { owner: ownerEntry(ALICE) } });
    const before = (await get('/policies/bad:app', alice)).headers.etag;
    const cases: [string, unknown, string][] = [
      ['/policies/bad:app/imports/bad:app', {}, 'policies:import.invalid'],
      ['/policies/bad:app/imports', { 'bad:app': {} }, 'policies:import.invalid'],
      ['/policies/bad:app/imports/bad:roles', { entries: 'readers' }, 'policies:import.invalid'],
      ['/policies/bad:app/imports/bad:roles', { entries: [1] }, 'policies:import.invalid'],
      ['/policies/bad:app/imports/bad:roles', { labels: [] }, 'policies:import.invalid'],
      ['/policies/bad:app/imports/bad:roles', [], 'policies:import.invalid'],
      [
        '/policies/bad:app/imports/bad:roles',
        { transitiveImports: ['bad:app'] },
        'policies:import.invalid',
      ],
      [
        '/policies/bad:app/imports/bad:roles',
        { transitiveImports: ['not an id'] },
        'policies:id.invalid',
      ],
      ['/policies/bad:app/imports/nocolon', {}, 'policies:id.invalid'],
      ['/policies/bad:app/imports', [], 'policies:import.invalid'],
      [
        '/policies/bad:app/imports',
        Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`bad:p${i}`, {}])),
        'policies:imports.toolarge',
      ],
    ];
    for (const [path, body, code] of cases) {
      const response = await fx.send('PUT', `/api/2${path}`, alice, body);
      expect(response.statusCode, `${path} ${JSON.stringify(body)}`).toBe(400);
      expectError(response, 400, code);
    }
    expectError(
      await fx.send('PUT', '/api/2/policies/bad:app/imports/bad:roles/entries', alice, ['x']),
      404,
      'policies:import.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/bad:app/imports/bad:missing', alice, {}),
      404,
      'policies:policy.notfound',
    );
    const read = await get('/policies/bad:app', alice);
    expect(read.headers.etag).toBe(before);
    expect(read.json().imports).toEqual({});
  });

  it('importable is implicit by default, settable, and validated; labels may not start with imported', async () => {
    await rolesPolicy('imp:roles');
    expect((await get('/policies/imp:roles/entries/readers/importable', alice)).json()).toBe(
      'implicit',
    );
    expect((await get('/policies/imp:roles/entries/auditors/importable', alice)).json()).toBe(
      'explicit',
    );
    await put('/policies/imp:roles/entries/readers/importable', alice, 'never', 204);
    expect((await get('/policies/imp:roles/entries/readers', alice)).json().importable).toBe(
      'never',
    );
    expectError(
      await fx.send(
        'PUT',
        '/api/2/policies/imp:roles/entries/readers/importable',
        alice,
        'sometimes',
      ),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await get('/policies/imp:roles/entries/nope/importable', alice),
      404,
      'policies:entry.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/imp:roles/entries/imported-x', alice, readerEntry(BOB)),
      400,
      'policies:label.invalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/imp:roles/entries/x', alice, {
        ...readerEntry(BOB),
        colour: 'red',
      }),
      400,
      'policies:entry.invalid',
    );
    expect((await get('/policies/imp:roles/entries/readers/importable', alice)).json()).toBe(
      'never',
    );
  });
});

describe('policy imports - enforcement', () => {
  it('an importing policy grants the implicit entries, the explicit ones it lists, never the never ones', async () => {
    await rolesPolicy('enf:roles');
    await put('/policies/enf:app', alice, {
      entries: { owner: ownerEntry(ALICE) },
      imports: { 'enf:roles': {} },
    });
    await thingWith('enf:t', 'enf:app');
    expect((await get('/things/enf:t', bob)).statusCode).toBe(200);
    expect((await get('/things/enf:t', carol)).statusCode).toBe(404);
    await put(
      '/policies/enf:app/imports/enf:roles',
      alice,
      { entries: ['auditors', 'hidden'] },
      204,
    );
    expect((await get('/things/enf:t', carol)).statusCode).toBe(200);
    const dave = await fx.addUser('dave');
    expect((await get('/things/enf:t', dave)).statusCode).toBe(404);
    // Imported READ is not WRITE.
    expectError(
      await fx.send('PUT', '/api/2/things/enf:t/attributes/a', bob, 2),
      403,
      'things:attribute.notmodifiable',
    );
  });

  it('a change to the imported policy counts at once, on reads, search, history and checkPermissions', async () => {
    await rolesPolicy('now:roles');
    await put('/policies/now:app', alice, {
      entries: { owner: ownerEntry(ALICE) },
      imports: { 'now:roles': {} },
    });
    await thingWith('now:t', 'now:app');
    const check = {
      read: { resource: 'thing:/', entityId: 'now:t', hasPermissions: ['READ'] },
    };
    const search = async () =>
      (
        (await get('/search/things?filter=eq(attributes/a,1)&namespaces=now', bob)).json() as {
          items: { thingId: string }[];
        }
      ).items.map((i) => i.thingId);
    expect((await get('/things/now:t', bob)).statusCode).toBe(200);
    expect(await search()).toEqual(['now:t']);
    expect((await get('/things/now:t/history', bob)).statusCode).toBe(200);
    expect((await fx.send('POST', '/api/2/checkPermissions', bob, check)).json()).toEqual({
      read: true,
    });

    expect(
      (await fx.send('DELETE', '/api/2/policies/now:roles/entries/readers', alice)).statusCode,
    ).toBe(204);
    expect((await get('/things/now:t', bob)).statusCode).toBe(404);
    expect(await search()).toEqual([]);
    expect((await get('/things/now:t/history', bob)).statusCode).toBe(404);
    expect((await fx.send('POST', '/api/2/checkPermissions', bob, check)).json()).toEqual({
      read: false,
    });

    await put('/policies/now:roles/entries/readers', alice, readerEntry(BOB));
    expect((await get('/things/now:t', bob)).statusCode).toBe(200);
    expect(await search()).toEqual(['now:t']);
    // Marking the entry never takes it out of every importer at once too.
    await put('/policies/now:roles/entries/readers/importable', alice, 'never', 204);
    expect((await get('/things/now:t', bob)).statusCode).toBe(404);
  });

  it('imported WRITE lets a writer change the thing', async () => {
    await put('/policies/wr:roles', alice, {
      entries: {
        owner: ownerEntry(ALICE),
        writers: { subjects: { [BOB]: { type: 'user' } }, resources: { 'thing:/attributes': RW } },
      },
    });
    await put('/policies/wr:app', alice, {
      entries: { owner: ownerEntry(ALICE) },
      imports: { 'wr:roles': {} },
    });
    await thingWith('wr:t', 'wr:app');
    expect((await fx.send('PUT', '/api/2/things/wr:t/attributes/a', bob, 5)).statusCode).toBe(204);
    expect((await get('/things/wr:t/attributes/a', alice)).json()).toBe(5);
  });

  it('transitive imports resolve only the listed imports of the imported policy', async () => {
    await put('/policies/tr:base', alice, {
      entries: { owner: ownerEntry(ALICE), base: readerEntry(CAROL) },
    });
    await put('/policies/tr:mid', alice, {
      entries: { owner: ownerEntry(ALICE) },
      imports: { 'tr:base': {} },
    });
    await put('/policies/tr:app', alice, {
      entries: { owner: ownerEntry(ALICE) },
      imports: { 'tr:mid': {} },
    });
    await thingWith('tr:t', 'tr:app');
    expect((await get('/things/tr:t', carol)).statusCode).toBe(404);
    await put('/policies/tr:app/imports/tr:mid/transitiveImports', alice, ['tr:base'], 204);
    expect((await get('/things/tr:t', carol)).statusCode).toBe(200);
    const resolved = await get('/policies/tr:app?policy-view=resolved', alice);
    expect(Object.keys(resolved.json().entries).sort()).toEqual([
      'imported-tr:mid-imported-tr:base-base',
      'imported-tr:mid-imported-tr:base-owner',
      'imported-tr:mid-owner',
      'owner',
    ]);
    expect(resolved.headers.etag).toBeUndefined();
  });

  it('policy-view=resolved shows imported entries with Ditto labels; other views are refused', async () => {
    await rolesPolicy('view:roles');
    await put('/policies/view:app', alice, {
      entries: { owner: ownerEntry(ALICE) },
      imports: { 'view:roles': { entries: ['auditors'] } },
    });
    const resolved = (await get('/policies/view:app?policy-view=resolved', alice)).json();
    expect(resolved.imports).toEqual({ 'view:roles': { entries: ['auditors'] } });
    expect(Object.keys(resolved.entries).sort()).toEqual([
      'imported-view:roles-auditors',
      'imported-view:roles-owner',
      'imported-view:roles-readers',
      'owner',
    ]);
    expect(resolved.entries['imported-view:roles-readers']).toEqual(readerEntry(BOB));
    const original = (await get('/policies/view:app?policy-view=original', alice)).json();
    expect(Object.keys(original.entries)).toEqual(['owner']);
    expectError(
      await get('/policies/view:app?policy-view=merged', alice),
      400,
      'policies:view.invalid',
    );
  });
});

describe('policy imports - who may import what', () => {
  it('importing needs READ on every imported entry of the imported policy (404 otherwise, nothing changes)', async () => {
    // Bob owns a policy of his own, and may read only the readers entry of alice's roles.
    await put('/policies/who:roles', alice, {
      entries: {
        owner: ownerEntry(ALICE),
        readers: readerEntry(BOB),
        admins: {
          subjects: { [BOB]: { type: 'user' } },
          resources: { 'policy:/entries/readers': R },
          importable: 'never',
        },
        secret: readerEntry(CAROL, { importable: 'explicit' }),
      },
    });
    await put('/policies/who:bobs', bob, { entries: { owner: ownerEntry(BOB) } });
    // The owner entry is implicit and bob may not read it: refused.
    expectError(
      await fx.send('PUT', '/api/2/policies/who:bobs/imports/who:roles', bob, {}),
      404,
      'policies:policy.notfound',
    );
    await put('/policies/who:roles/entries/owner/importable', alice, 'explicit', 204);
    // Now only readers is implicit: bob may import it, but not list the secret one.
    await put('/policies/who:bobs/imports/who:roles', bob, {});
    expectError(
      await fx.send('PUT', '/api/2/policies/who:bobs/imports/who:roles/entries', bob, ['secret']),
      404,
      'policies:policy.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/who:bobs', bob, {
        entries: { owner: ownerEntry(BOB) },
        imports: { 'who:roles': { entries: ['secret'] } },
      }),
      404,
      'policies:policy.notfound',
    );
    expect((await get('/policies/who:bobs/imports', bob)).json()).toEqual({ 'who:roles': {} });
    // A policy the importer may not see at all is the same 404 as a missing one.
    await put('/policies/who:private', alice, { entries: { owner: ownerEntry(ALICE) } });
    const hidden = await fx.send('PUT', '/api/2/policies/who:bobs/imports/who:private', bob, {});
    const missing = await fx.send('PUT', '/api/2/policies/who:bobs/imports/who:nothing', bob, {});
    expectError(hidden, 404, 'policies:policy.notfound');
    expect(hidden.json().description).toBe(missing.json().description);
  });

  it('an importing policy cannot gain what never or unlisted explicit entries hold; imported revokes count', async () => {
    await put('/policies/gain:roles', alice, {
      entries: {
        owner: { ...ownerEntry(ALICE), importable: 'never' },
        carols: { ...readerEntry(CAROL), importable: 'never' },
        revoked: {
          subjects: { [BOB]: { type: 'user' } },
          resources: { 'thing:/attributes/secret': { grant: [], revoke: ['READ'] } },
        },
        writers: {
          subjects: { [BOB]: { type: 'user' } },
          resources: { 'thing:/': RW },
          importable: 'explicit',
        },
      },
    });
    // Listing a never entry does not import it either.
    await put('/policies/gain:app', alice, {
      entries: { owner: ownerEntry(ALICE), bob: readerEntry(BOB) },
      imports: { 'gain:roles': { entries: ['carols'] } },
    });
    await put('/things/gain:t', alice, {
      policyId: 'gain:app',
      attributes: { secret: 1, open: 2 },
    });
    expect((await get('/things/gain:t/attributes', bob)).json()).toEqual({ open: 2 });
    expectError(
      await fx.send('PUT', '/api/2/things/gain:t/attributes/open', bob, 3),
      403,
      'things:attribute.notmodifiable',
    );
    expect((await get('/things/gain:t', carol)).statusCode).toBe(404);
    const checks = (
      await fx.send('POST', '/api/2/checkPermissions', bob, {
        write: { resource: 'thing:/', entityId: 'gain:t', hasPermissions: ['WRITE'] },
        secret: {
          resource: 'thing:/attributes/secret',
          entityId: 'gain:t',
          hasPermissions: ['READ'],
        },
      })
    ).json();
    expect(checks).toEqual({ write: false, secret: false });
  });
});

describe('policy imports - deleting and references', () => {
  it('a policy others import cannot be deleted (409); without importers it can', async () => {
    await rolesPolicy('del:roles');
    await put('/policies/del:app', alice, {
      entries: { owner: ownerEntry(ALICE) },
      imports: { 'del:roles': {} },
    });
    expectError(
      await fx.send('DELETE', '/api/2/policies/del:roles', alice),
      409,
      'policies:policy.imported',
    );
    expect((await get('/policies/del:roles', alice)).statusCode).toBe(200);
    expect(
      (await fx.send('DELETE', '/api/2/policies/del:app/imports/del:roles', alice)).statusCode,
    ).toBe(204);
    expect((await fx.send('DELETE', '/api/2/policies/del:roles', alice)).statusCode).toBe(204);
  });

  it('references merge a local or imported entry; allowedAdditions strip own additions; conflicts are 409', async () => {
    await put('/policies/ref:roles', alice, {
      entries: {
        owner: ownerEntry(ALICE),
        driver: {
          subjects: {},
          resources: { 'thing:/attributes': R },
          importable: 'explicit',
          allowedAdditions: ['subjects'],
        },
      },
    });
    await put('/policies/ref:app', alice, {
      entries: {
        owner: ownerEntry(ALICE),
        shared: { subjects: { [CAROL]: { type: 'user' } }, resources: {} },
        drivers: {
          subjects: { [BOB]: { type: 'user' } },
          // Stripped: driver allows only subjects to be added.
          resources: { 'thing:/features': R },
          references: [{ import: 'ref:roles', entry: 'driver' }, { entry: 'shared' }],
        },
      },
      imports: { 'ref:roles': { entries: ['driver'] } },
    });
    await put('/things/ref:t', alice, {
      policyId: 'ref:app',
      attributes: { a: 1 },
      features: { f: { properties: { p: 1 } } },
    });
    expect((await get('/things/ref:t', bob)).json()).toEqual({
      thingId: 'ref:t',
      attributes: { a: 1 },
    });
    expect((await get('/things/ref:t', carol)).json()).toEqual({
      thingId: 'ref:t',
      attributes: { a: 1 },
    });
    expect((await get('/policies/ref:app/entries/drivers/references', alice)).json()).toEqual([
      { import: 'ref:roles', entry: 'driver' },
      { entry: 'shared' },
    ]);
    expect(
      (await get('/policies/ref:roles/entries/driver/allowedAdditions', alice)).json(),
    ).toEqual(['subjects']);
    expect((await get('/policies/ref:app/entries/owner/allowedAdditions', alice)).json()).toEqual(
      [],
    );
    expect((await get('/policies/ref:app/entries/owner/references', alice)).json()).toEqual([]);

    expectError(
      await fx.send('DELETE', '/api/2/policies/ref:app/entries/shared', alice),
      409,
      'policies:entry.referenceconflict',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ref:app/entries/shared/importable', alice, 'never'),
      409,
      'policies:entry.referenceconflict',
    );
    expectError(
      await fx.send('DELETE', '/api/2/policies/ref:app/imports/ref:roles', alice),
      409,
      'policies:import.referenceconflict',
    );
    expectError(
      await fx.send('DELETE', '/api/2/policies/ref:app/imports', alice),
      409,
      'policies:import.referenceconflict',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ref:app/entries/drivers/references', alice, [
        { import: 'ref:other', entry: 'driver' },
      ]),
      400,
      'policies:import.invalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ref:app/entries/drivers/references', alice, [
        { import: 'ref:roles', entry: 'nothing' },
      ]),
      400,
      'policies:import.invalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ref:app/entries/drivers/references', alice, [
        { entry: 'nothing' },
      ]),
      400,
      'policies:entry.invalid',
    );
    expectError(
      await fx.send('PUT', '/api/2/policies/ref:app/entries/drivers/references', alice, [
        { label: 'shared' },
      ]),
      400,
      'policies:entry.invalid',
    );

    // Once the driver entry allows resources too, the own resources of drivers count.
    await put(
      '/policies/ref:roles/entries/driver/allowedAdditions',
      alice,
      ['subjects', 'resources'],
      204,
    );
    expect((await get('/things/ref:t', bob)).json()).toMatchObject({ features: { f: {} } });
    expect(
      (await fx.send('DELETE', '/api/2/policies/ref:roles/entries/driver/allowedAdditions', alice))
        .statusCode,
    ).toBe(204);
    expect(
      (await fx.send('DELETE', '/api/2/policies/ref:roles/entries/driver/allowedAdditions', alice))
        .statusCode,
    ).toBe(204);
    expectError(
      await fx.send('PUT', '/api/2/policies/ref:roles/entries/driver/allowedAdditions', alice, [
        'everything',
      ]),
      400,
      'policies:entry.invalid',
    );

    expect(
      (await fx.send('DELETE', '/api/2/policies/ref:app/entries/drivers/references', alice))
        .statusCode,
    ).toBe(204);
    expect((await get('/things/ref:t', carol)).statusCode).toBe(404);
    expect(
      (await fx.send('DELETE', '/api/2/policies/ref:app/entries/shared', alice)).statusCode,
    ).toBe(204);
  });
});

describe('policy model - namespaces, fields, history headers, actions', () => {
  it('an entry restricted to namespaces counts only for things of those namespaces', async () => {
    await put('/policies/nsa:p', alice, {
      entries: {
        owner: ownerEntry(ALICE),
        acme: readerEntry(BOB, { namespaces: ['nsa.acme', 'nsa.sub.*'] }),
      },
    });
    await thingWith('nsa:t', 'nsa:p');
    await thingWith('nsa.acme:t', 'nsa:p');
    await thingWith('nsa.sub.x:t', 'nsa:p');
    await thingWith('nsa.sub:t', 'nsa:p');
    expect((await get('/things/nsa:t', bob)).statusCode).toBe(404);
    expect((await get('/things/nsa.acme:t', bob)).statusCode).toBe(200);
    expect((await get('/things/nsa.sub.x:t', bob)).statusCode).toBe(200);
    expect((await get('/things/nsa.sub:t', bob)).statusCode).toBe(404);
    const found = (await get('/search/things?filter=eq(policyId,"nsa:p")', bob)).json() as {
      items: { thingId: string }[];
    };
    expect(found.items.map((i) => i.thingId).sort()).toEqual(['nsa.acme:t', 'nsa.sub.x:t']);
    const checks = (
      await fx.send('POST', '/api/2/checkPermissions', bob, {
        a: { resource: 'thing:/', entityId: 'nsa.acme:t', hasPermissions: ['READ'] },
        b: { resource: 'thing:/', entityId: 'nsa:t', hasPermissions: ['READ'] },
      })
    ).json();
    expect(checks).toEqual({ a: true, b: false });
    expect((await get('/policies/nsa:p/entries/acme/namespaces', alice)).json()).toEqual([
      'nsa.acme',
      'nsa.sub.*',
    ]);
    expectError(
      await get('/policies/nsa:p/entries/owner/namespaces', alice),
      404,
      'policies:entry.notfound',
    );
    for (const bad of [['nsa acme'], 'nsa', [''], ['.*'], [1]]) {
      expectError(
        await fx.send('PUT', '/api/2/policies/nsa:p/entries/acme/namespaces', alice, bad),
        400,
        'policies:entry.invalid',
      );
    }
    await put('/policies/nsa:p/entries/acme/namespaces', alice, ['nsa'], 204);
    expect((await get('/things/nsa:t', bob)).statusCode).toBe(200);
    expect((await get('/things/nsa.acme:t', bob)).statusCode).toBe(404);
  });

  it('fields selects parts of a policy and its revision; other parts refuse fields', async () => {
    await put('/policies/fld:p', alice, { entries: { owner: ownerEntry(ALICE) } });
    const read = await get('/policies/fld:p?fields=policyId,imports,_revision,_created', alice);
    expect(read.statusCode).toBe(200);
    const body = read.json();
    expect(Object.keys(body).sort()).toEqual(['_created', '_revision', 'imports', 'policyId']);
    expect(body).toMatchObject({ policyId: 'fld:p', imports: {}, _revision: 1 });
    expect(Date.parse(body._created)).not.toBeNaN();
    expect((await get('/policies/fld:p?fields=entries/owner/subjects', alice)).json()).toEqual({
      entries: { owner: { subjects: { [ALICE]: { type: 'user' } } } },
    });
    expectError(await get('/policies/fld:p?fields=(', alice), 400, 'json.fieldselector.invalid');
    expectError(await get('/policies/fld:p/entries?fields=owner', alice), 400, 'parameter.invalid');
  });

  it('token integration actions are refused with 400, and a hidden policy stays a 404', async () => {
    await put('/policies/act:p', alice, { entries: { owner: ownerEntry(ALICE) } });
    for (const path of [
      '/policies/act:p/actions/activateTokenIntegration',
      '/policies/act:p/actions/deactivateTokenIntegration',
      '/policies/act:p/entries/owner/actions/activateTokenIntegration',
    ]) {
      expectError(await fx.send('POST', `/api/2${path}`, alice, {}), 400, 'policies:action.failed');
      expectError(await fx.send('POST', `/api/2${path}`, bob, {}), 404, 'policies:policy.notfound');
    }
    expect((await get('/policies/act:p', alice)).headers.etag).toBe('"rev:1"');
  });

  it('subject announcements are validated, stored and returned', async () => {
    const announcement = {
      beforeExpiry: '5m',
      whenDeleted: true,
      requestedAcks: { labels: ['my-ack'], timeout: '5s' },
      randomizationInterval: '1m',
    };
    await put('/policies/ann:p', alice, { entries: { owner: ownerEntry(ALICE) } });
    await put('/policies/ann:p/entries/owner/subjects/user:bob', alice, {
      type: 'user',
      expiry: '2999-01-01T00:00:00Z',
      announcement,
    });
    expect((await get('/policies/ann:p/entries/owner/subjects/user:bob', alice)).json()).toEqual({
      type: 'user',
      expiry: '2999-01-01T00:00:00Z',
      announcement,
    });
    for (const bad of [
      { beforeExpiry: '5 minutes' },
      { beforeExpiry: '0s' },
      { whenDeleted: 'yes' },
      { requestedAcks: { labels: 'a' } },
      { shout: true },
      'soon',
    ]) {
      expectError(
        await fx.send('PUT', '/api/2/policies/ann:p/entries/owner/subjects/user:carol', alice, {
          type: 'user',
          announcement: bad,
        }),
        400,
        'policies:entry.invalid',
      );
    }
    expectError(
      await get('/policies/ann:p/entries/owner/subjects/user:carol', alice),
      404,
      'policies:subject.notfound',
    );
  });
});
