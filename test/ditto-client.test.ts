// Ditto compatibility with access control on: Eclipse Ditto's own JavaScript client, unchanged,
// manages things and policies on a real Twinfold server with Basic and Bearer authentication.
import {
  DefaultCountOptions,
  DefaultFieldsOptions,
  DefaultMatchOptions,
  DefaultSearchOptions,
  DittoNodeClient,
  Eq,
  NodeHttpBasicAuth,
  NodeHttpBearerAuth,
  Policy,
  Thing,
  type DittoHttpClient,
} from '@eclipse-ditto/ditto-javascript-client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;
let dir: string;

function client(auth: NodeHttpBasicAuth | NodeHttpBearerAuth): DittoHttpClient {
  return DittoNodeClient.newHttpClient()
    .withoutTls()
    .withDomain(new URL(server.url).host)
    .withAuthProvider(auth)
    .build() as DittoHttpClient;
}

async function addUser(username: string): Promise<void> {
  const response = await adminFetch(`${server.url}/api/2/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: `${username}-password` }),
  });
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'twinfold-ditto-client-'));
  server = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
  await addUser('alice');
  await addUser('bob');
});

afterAll(async () => {
  await server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('Eclipse Ditto JavaScript client', () => {
  it('creates, changes, reads and searches things with Basic authentication', async () => {
    const alice = client(NodeHttpBasicAuth.newInstance('alice', 'alice-password'));
    const things = alice.getThingsHandle();
    const created = await things.putThing(
      Thing.fromObject({
        thingId: 'org.ditto:lamp',
        attributes: { room: 'hall' },
        features: { light: { properties: { on: false } } },
      }),
    );
    expect(created.status).toBe(201);
    await alice.getFeaturesHandle('org.ditto:lamp').putProperty('light', 'on', true);
    await things.putAttribute('org.ditto:lamp', 'floor', 2);
    const lamp = await things.getThing('org.ditto:lamp');
    expect(lamp.thingId).toBe('org.ditto:lamp');
    expect(lamp.policyId).toBe('org.ditto:lamp');
    expect(lamp.attributes).toEqual({ room: 'hall', floor: 2 });
    expect(lamp.features?.light?.properties).toEqual({ on: true });
    expect(await things.getAttribute('org.ditto:lamp', 'room')).toBe('hall');
    const search = alice.getSearchHandle();
    const hall = DefaultCountOptions.getInstance().withFilter(Eq('attributes/room', 'hall'));
    expect(await search.count(hall)).toBe(1);
    const found = await search.search(
      DefaultSearchOptions.getInstance().withFilter(Eq('attributes/floor', 2)),
    );
    expect(found.items.map((t) => t.thingId)).toEqual(['org.ditto:lamp']);
  });

  it('manages the thing policy, and a Bearer token of another user then reads the thing', async () => {
    const alice = client(NodeHttpBasicAuth.newInstance('alice', 'alice-password'));
    const policies = alice.getPoliciesHandle();
    const policy = await policies.getPolicy('org.ditto:lamp');
    expect(policy.id).toBe('org.ditto:lamp');
    const json = policy.toObject() as { entries: Record<string, unknown> };
    json.entries.READERS = {
      subjects: { 'user:bob': { type: 'user' } },
      resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
    };
    const updated = await policies.putPolicy(Policy.fromObject(json, 'org.ditto:lamp'));
    expect(updated.status).toBe(204);

    const login = await fetch(`${server.url}/api/2/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'bob-password' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const bob = client(NodeHttpBearerAuth.newInstance({ getToken: () => token } as never));
    const lamp = await bob.getThingsHandle().getThing('org.ditto:lamp');
    expect(lamp.attributes).toEqual({ room: 'hall', floor: 2 });
    const refused = (await bob
      .getThingsHandle()
      .putAttribute('org.ditto:lamp', 'floor', 3)
      .catch((error: unknown) => error)) as { status: number; body: { error: string } };
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('things:attribute.notmodifiable');
  });

  it('sets, reads and deletes metadata with put-metadata and delete-metadata', async () => {
    const alice = client(NodeHttpBasicAuth.newInstance('alice', 'alice-password'));
    const features = alice.getFeaturesHandle('org.ditto:lamp');
    const issued = { at: '2026-12-01T12:00:00Z', by: 'ditto-client' };
    const withMetadata = DefaultMatchOptions.getInstance().addHeader(
      'put-metadata',
      JSON.stringify([{ key: '/issued', value: issued }]),
    );
    await features.putProperty('light', 'on', true, withMetadata);
    const things = alice.getThingsHandle();
    const selected = DefaultFieldsOptions.getInstance().withFields('thingId', '_metadata');
    const lamp = await things.getThing('org.ditto:lamp', selected);
    expect(lamp._metadata?.features?.light?.toObject()).toEqual({
      properties: { on: { issued } },
    });
    // Without the field, the client gets the thing as before: no metadata.
    expect((await things.getThing('org.ditto:lamp'))._metadata).toBeUndefined();
    await things.putAttribute(
      'org.ditto:lamp',
      'floor',
      2,
      DefaultMatchOptions.getInstance().addHeader(
        'delete-metadata',
        'features/light/properties/on',
      ),
    );
    // delete-metadata on an attribute is relative to it: nothing there, so the light keeps its own.
    expect((await things.getThing('org.ditto:lamp', selected))._metadata?.features).toBeDefined();
    await things.putAttributes(
      'org.ditto:lamp',
      { room: 'hall', floor: 2 },
      DefaultMatchOptions.getInstance().addHeader(
        'put-metadata',
        '[{"key":"*/checked","value":true}]',
      ),
    );
    const both = (await things.getThing('org.ditto:lamp', selected))._metadata;
    expect(both?.attributes).toEqual({ room: { checked: true }, floor: { checked: true } });
    await features.deleteProperty('light', 'on');
    expect((await things.getThing('org.ditto:lamp', selected))._metadata?.features).toBeUndefined();
  });

  it('creates things with _copyPolicyFrom, by policy id and by reference', async () => {
    const alice = client(NodeHttpBasicAuth.newInstance('alice', 'alice-password'));
    const things = alice.getThingsHandle();
    const byId = await things.postThing({
      _copyPolicyFrom: 'org.ditto:lamp',
      attributes: { kind: 'copy' },
    });
    expect(byId.thingId).toMatch(/^org\.eclipse\.ditto:/);
    expect(byId.policyId).toBe(byId.thingId);
    const policies = alice.getPoliciesHandle();
    const original = (await policies.getPolicy('org.ditto:lamp')).toObject() as {
      entries: unknown;
    };
    const copy = (await policies.getPolicy(String(byId.policyId))).toObject() as {
      entries: unknown;
    };
    expect(copy.entries).toEqual(original.entries);
    const byReference = await things.postThing({
      _copyPolicyFrom: '{{ ref:things/org.ditto:lamp/policyId }}',
    });
    const copied = (await policies.getPolicy(String(byReference.policyId))).toObject() as {
      entries: unknown;
    };
    expect(copied.entries).toEqual(original.entries);
    // bob may read the lamp but not its policy: he cannot copy it.
    const bob = client(NodeHttpBasicAuth.newInstance('bob', 'bob-password'));
    const refused = (await bob
      .getThingsHandle()
      .postThing({ _copyPolicyFrom: 'org.ditto:lamp' })
      .catch((error: unknown) => error)) as { status: number; body: { error: string } };
    expect(refused.status).toBe(404);
    expect(refused.body.error).toBe('policies:policy.notfound');
  });
});
