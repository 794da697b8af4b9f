// Creating things as Ditto does: _copyPolicyFrom (a policy id or a reference to another thing's
// policy), {{ request:subjectId }} in an inline _policy, the lock-out rule, no dangling policyId,
// the default namespace of POST /things, and the _policy field.
import type { LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/cli/config.js';
import { Platform } from '../src/platform.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { expectError } from './support/ditto-error.js';

let fx: SecureFixture;
let alice: string;
let mallory: string;

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const owner = (subject: string, policy = RW) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': policy, 'message:/': RW },
});

beforeAll(async () => {
  fx = await createSecureFixture();
  alice = await fx.addUser('alice');
  mallory = await fx.addUser('mallory');
});

afterAll(async () => {
  await fx.close();
});

function send(
  method: 'PUT' | 'POST' | 'PATCH' | 'GET',
  url: string,
  auth: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return fx.request({
    method,
    url,
    headers: {
      authorization: auth,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function policyOf(policyId: string): Promise<LightMyRequestResponse> {
  return send('GET', `/api/2/policies/${policyId}`, fx.admin);
}

async function expectNothingCreated(thingId: string, policyId = thingId): Promise<void> {
  expect((await send('GET', `/api/2/things/${thingId}`, fx.admin)).statusCode).toBe(404);
  expect((await policyOf(policyId)).statusCode).toBe(404);
}

describe('thing creation - _copyPolicyFrom', () => {
  beforeAll(async () => {
    const source = {
      entries: {
        owner: owner('user:alice'),
        readers: {
          subjects: { 'group:readers': { type: 'group' } },
          resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
        },
      },
    };
    expect((await send('PUT', '/api/2/policies/ns:template', alice, source)).statusCode).toBe(201);
    const lamp = { policyId: 'ns:template', attributes: { a: 1 } };
    expect((await send('PUT', '/api/2/things/ns:lamp', alice, lamp)).statusCode).toBe(201);
  });

  it('copies a policy by id into a new policy with the thing’s id', async () => {
    const created = await send('PUT', '/api/2/things/ns:copy-1', alice, {
      _copyPolicyFrom: 'ns:template',
      attributes: { b: 2 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      thingId: 'ns:copy-1',
      policyId: 'ns:copy-1',
      attributes: { b: 2 },
    });
    const copy = (await policyOf('ns:copy-1')).json();
    const template = (await policyOf('ns:template')).json();
    expect(copy.policyId).toBe('ns:copy-1');
    expect(copy.entries).toEqual(template.entries);
    // A copy, not a link: changing the copy leaves the template alone.
    expect(
      (await fx.send('DELETE', '/api/2/policies/ns:copy-1/entries/readers', alice)).statusCode,
    ).toBe(204);
    expect((await policyOf('ns:template')).json().entries.readers).toBeDefined();
  });

  it('copies the policy of another thing through {{ ref:things/<thingId>/policyId }}', async () => {
    const created = await send('PUT', '/api/2/things/ns:copy-2', alice, {
      _copyPolicyFrom: '{{ ref:things/ns:lamp/policyId }}',
    });
    expect(created.statusCode).toBe(201);
    const copy = (await policyOf('ns:copy-2')).json();
    expect(copy.entries).toEqual((await policyOf('ns:template')).json().entries);
    // POST copies too, into the generated id; an explicit policyId names the copy.
    const posted = await send('POST', '/api/2/things?namespace=ns', alice, {
      _copyPolicyFrom: '{{ref:things/ns:lamp/policyId}}',
      policyId: 'ns:named-copy',
    });
    expect(posted.statusCode).toBe(201);
    expect(posted.json().policyId).toBe('ns:named-copy');
    expect((await policyOf('ns:named-copy')).json().entries.owner).toBeDefined();
  });

  it('needs READ on the source policy, or on the referenced thing’s policyId; nothing is created', async () => {
    const policy = await send('PUT', '/api/2/things/ns:steal-1', mallory, {
      _copyPolicyFrom: 'ns:template',
    });
    expectError(policy, 404, 'policies:policy.notfound');
    await expectNothingCreated('ns:steal-1');
    const reference = await send('PUT', '/api/2/things/ns:steal-2', mallory, {
      _copyPolicyFrom: '{{ ref:things/ns:lamp/policyId }}',
    });
    expectError(reference, 404, 'things:thing.notfound');
    await expectNothingCreated('ns:steal-2');
    const missing = await send('PUT', '/api/2/things/ns:steal-3', alice, {
      _copyPolicyFrom: 'ns:no-such-policy',
    });
    expectError(missing, 404, 'policies:policy.notfound');
    await expectNothingCreated('ns:steal-3');
  });

  it('refuses malformed values, _policy together with it, and a copy onto an existing policy', async () => {
    for (const value of [42, '{{ ref:policies/ns:template }}', 'not a policy id', '']) {
      const response = await send('PUT', '/api/2/things/ns:bad-copy', alice, {
        _copyPolicyFrom: value,
      });
      expectError(response, 400, 'things:policy.copy.invalid');
    }
    const both = await send('PUT', '/api/2/things/ns:bad-copy', alice, {
      _copyPolicyFrom: 'ns:template',
      _policy: { entries: { owner: owner('user:alice') } },
    });
    expectError(both, 400, 'things:policy.copy.invalid');
    await expectNothingCreated('ns:bad-copy');
    const onto = await send('PUT', '/api/2/things/ns:bad-copy', alice, {
      _copyPolicyFrom: 'ns:template',
      policyId: 'ns:template',
    });
    expectError(onto, 409, 'policies:policy.conflict');
    expect((await send('GET', '/api/2/things/ns:bad-copy', fx.admin)).statusCode).toBe(404);
  });

  it('is refused on a thing that exists (only creations copy policies)', async () => {
    const response = await send('PUT', '/api/2/things/ns:lamp', alice, {
      _copyPolicyFrom: 'ns:template',
    });
    expectError(response, 400, 'things:policy.notallowed');
    expect((await send('GET', '/api/2/things/ns:lamp', alice)).json().attributes).toEqual({ a: 1 });
  });
});

describe('thing creation - inline policies and the lock-out rule', () => {
  it('resolves {{ request:subjectId }} in an inline _policy to the caller', async () => {
    const created = await send('PUT', '/api/2/things/ns:placeholder', alice, {
      _policy: {
        entries: {
          owner: {
            subjects: { '{{ request:subjectId }}': { type: 'creator' } },
            resources: { 'thing:/': RW, 'policy:/': RW },
          },
        },
      },
    });
    expect(created.statusCode).toBe(201);
    const policy = (await policyOf('ns:placeholder')).json();
    expect(policy.entries.owner.subjects).toEqual({ 'user:alice': { type: 'creator' } });
  });

  it('refuses a policy that leaves the creator without WRITE on policy:/ unless allow-policy-lockout', async () => {
    // Someone must keep WRITE on policy:/ in any policy; here mallory does, alice does not.
    const locked = {
      entries: {
        owner: owner('user:alice', { grant: ['READ'], revoke: [] }),
        keeper: owner('user:mallory'),
      },
    };
    const refused = await send('PUT', '/api/2/things/ns:locked', alice, { _policy: locked });
    expectError(refused, 403, 'policies:policy.notcreatable');
    await expectNothingCreated('ns:locked');
    const bad = await send(
      'PUT',
      '/api/2/things/ns:locked',
      alice,
      { _policy: locked },
      {
        'allow-policy-lockout': 'yes',
      },
    );
    expectError(bad, 400, 'header.invalid');
    await expectNothingCreated('ns:locked');
    const allowed = await send(
      'PUT',
      '/api/2/things/ns:locked',
      alice,
      { _policy: locked },
      {
        'allow-policy-lockout': 'true',
      },
    );
    expect(allowed.statusCode).toBe(201);
    expect((await policyOf('ns:locked')).json().entries.owner.resources['policy:/']).toEqual({
      grant: ['READ'],
      revoke: [],
    });
  });

  it('applies the lock-out rule to a copied policy too', async () => {
    const readOnly = {
      entries: {
        owner: owner('user:alice', { grant: ['READ'], revoke: [] }),
        keeper: owner('user:mallory'),
      },
    };
    expect(
      (await send('PUT', '/api/2/policies/ns:ro-template', mallory, readOnly)).statusCode,
    ).toBe(201);
    const refused = await send('PUT', '/api/2/things/ns:ro-copy', alice, {
      _copyPolicyFrom: 'ns:ro-template',
    });
    expectError(refused, 403, 'policies:policy.notcreatable');
    await expectNothingCreated('ns:ro-copy');
    const allowed = await send(
      'PUT',
      '/api/2/things/ns:ro-copy',
      alice,
      { _copyPolicyFrom: 'ns:ro-template' },
      { 'allow-policy-lockout': 'true' },
    );
    expect(allowed.statusCode).toBe(201);
  });
});

describe('thing creation - no dangling policyId', () => {
  it('refuses a policy that does not exist, to administrators too', async () => {
    for (const auth of [alice, fx.admin]) {
      const created = await send('PUT', '/api/2/things/ns:dangling', auth, {
        policyId: 'ns:nowhere',
      });
      expectError(created, 400, 'things:thing.notcreatable');
    }
    await expectNothingCreated('ns:dangling', 'ns:nowhere');
    expect((await send('PUT', '/api/2/things/ns:anchored', fx.admin, {})).statusCode).toBe(201);
    const moved = await send('PUT', '/api/2/things/ns:anchored/policyId', fx.admin, 'ns:nowhere');
    expectError(moved, 404, 'policies:policy.notfound');
    const replaced = await send('PUT', '/api/2/things/ns:anchored', fx.admin, {
      policyId: 'ns:nowhere',
    });
    expectError(replaced, 404, 'policies:policy.notfound');
    expect((await send('GET', '/api/2/things/ns:anchored', fx.admin)).json().policyId).toBe(
      'ns:anchored',
    );
  });
});

describe('thing creation - the _policy field', () => {
  it('inlines the thing’s policy for who may read it, and leaves it out for others', async () => {
    const bobPolicy = {
      entries: {
        owner: owner('user:alice'),
        reader: {
          subjects: { 'user:mallory': { type: 'user' } },
          resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
        },
      },
    };
    await send('PUT', '/api/2/things/ns:with-policy', alice, { _policy: bobPolicy });
    const mine = await send('GET', '/api/2/things/ns:with-policy?fields=thingId,_policy', alice);
    expect(mine.json()).toEqual({
      thingId: 'ns:with-policy',
      _policy: { policyId: 'ns:with-policy', ...(await policyOf('ns:with-policy')).json() },
    });
    const theirs = await send(
      'GET',
      '/api/2/things/ns:with-policy?fields=thingId,_policy',
      mallory,
    );
    expect(theirs.json()).toEqual({ thingId: 'ns:with-policy' });
    const plain = await send('GET', '/api/2/things/ns:with-policy', alice);
    expect(plain.json()).not.toHaveProperty('_policy');
    const listed = await send('GET', '/api/2/things?ids=ns:with-policy&fields=_policy', alice);
    expect(listed.json()[0]._policy.entries.reader).toBeDefined();
    const all = (await send('GET', '/api/2/things?fields=thingId,_policy', alice)).json();
    const withPolicy = all.find((t: { thingId: string }) => t.thingId === 'ns:with-policy');
    expect(withPolicy._policy.policyId).toBe('ns:with-policy');
    const found = await send(
      'GET',
      '/api/2/search/things?filter=eq(thingId,"ns:with-policy")&fields=thingId,_policy',
      alice,
    );
    expect(found.json().items[0]._policy.entries.owner).toBeDefined();
    const others = (await send('GET', '/api/2/things?fields=thingId,_policy', mallory)).json();
    expect(others.find((t: { thingId: string }) => t.thingId === 'ns:with-policy')).toEqual({
      thingId: 'ns:with-policy',
    });
  });
});

describe('thing creation - the default namespace of POST /things', () => {
  it('is org.eclipse.ditto, or what --default-namespace sets', async () => {
    const posted = await send('POST', '/api/2/things', alice, {});
    expect(posted.json().thingId).toMatch(/^org\.eclipse\.ditto:[0-9a-f-]{36}$/);
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-namespace-'));
    const platform = await Platform.open(
      { ...DEFAULTS, data: dir, mqttPort: 0, defaultNamespace: 'org.acme' },
      {
        logger: pino({ level: 'silent' }),
        logRequests: false,
        adminToken: 'tft_namespace-admin-token-0123',
        accessControl: false,
        writerThread: false,
      },
    );
    try {
      const response = await platform.app.inject({
        method: 'POST',
        url: '/api/2/things',
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().thingId).toMatch(/^org\.acme:[0-9a-f-]{36}$/);
      const explicit = await platform.app.inject({
        method: 'POST',
        url: '/api/2/things?namespace=org.other',
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(explicit.json().thingId).toMatch(/^org\.other:/);
    } finally {
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
