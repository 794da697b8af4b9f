// Ditto compatibility with access control on: Eclipse Ditto's own JavaScript client, unchanged,
// manages things and policies on a real Twinfold server with Basic and Bearer authentication.
import {
  DefaultCountOptions,
  DefaultFieldsOptions,
  DefaultMatchOptions,
  DefaultSearchOptions,
  DittoNodeClient,
  Entry,
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
  // Expiries round up to the next second (Ditto's default, the next hour, is too long to wait for).
  server = await startServerProcess([
    '--data',
    dir,
    '--mqtt-port',
    '0',
    '--subject-expiry-granularity',
    '1s',
  ]);
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

  it('drives policy imports and subject expiry through its own request machinery', async () => {
    const alice = client(NodeHttpBasicAuth.newInstance('alice', 'alice-password'));
    const bob = client(NodeHttpBasicAuth.newInstance('bob', 'bob-password'));
    const policies = alice.getPoliciesHandle();
    // The client's typed model knows neither imports nor expiry; its request factory (the one
    // every typed call goes through, with the client's authentication) reaches those routes.
    const requests = (policies as unknown as { requestFactory: RequestFactory }).requestFactory;
    const owner = {
      subjects: { 'user:alice': { type: 'user' } },
      resources: {
        'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
      },
    };
    const roles = await policies.putPolicy(
      Policy.fromObject(
        {
          entries: {
            owner: { ...owner },
            readers: {
              subjects: { 'user:bob': { type: 'user' } },
              resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
            },
          },
        },
        'org.ditto:roles',
      ),
    );
    expect(roles.status).toBe(201);
    expect(
      (await policies.putPolicy(Policy.fromObject({ entries: { owner } }, 'org.ditto:app'))).status,
    ).toBe(201);
    await alice
      .getThingsHandle()
      .putThing(Thing.fromObject({ thingId: 'org.ditto:pump', policyId: 'org.ditto:app' }));
    const bobReads = () =>
      bob
        .getThingsHandle()
        .getThing('org.ditto:pump')
        .then(
          () => 200,
          (error: { status: number }) => error.status,
        );
    expect(await bobReads()).toBe(404);

    const imported = await requests.fetchPutRequest({
      verb: 'PUT',
      id: 'org.ditto:app',
      path: 'imports/org.ditto:roles',
      payload: { entries: [] },
      parser: (o: object) => o,
    });
    expect(imported.status).toBe(201);
    expect(await bobReads()).toBe(200);
    const imports = await requests.fetchJsonRequest({
      verb: 'GET',
      id: 'org.ditto:app',
      path: 'imports',
      parser: (o: object) => o,
    });
    expect(imports).toEqual({ 'org.ditto:roles': { entries: [] } });
    // The typed client still reads and writes the importing policy's entries.
    const app = await policies.getPolicy('org.ditto:app');
    expect(Object.keys((app.toObject() as { entries: object }).entries)).toEqual(['owner']);
    // A change to the imported policy counts at once.
    const withoutBob = { subjects: {}, resources: { 'thing:/': { grant: ['READ'], revoke: [] } } };
    await policies.putEntry('org.ditto:roles', Entry.fromObject(withoutBob, 'readers'));
    expect(await bobReads()).toBe(404);

    // Subject expiry: a past one is refused, a near one lets bob in until it passes.
    const past = await requests
      .fetchPutRequest({
        verb: 'PUT',
        id: 'org.ditto:roles',
        path: 'entries/owner/subjects/user:bob',
        payload: { type: 'user', expiry: '2020-01-01T00:00:00Z' },
        parser: (o: object) => o,
      })
      .catch((error: unknown) => error as { status: number; body: { error: string } });
    expect(past).toMatchObject({ status: 400, body: { error: 'policies:subjectexpiry.invalid' } });
    const asked = new Date(Date.now() + 2500);
    await requests.fetchPutRequest({
      verb: 'PUT',
      id: 'org.ditto:roles',
      path: 'entries/owner/subjects/user:bob',
      payload: { type: 'user', expiry: asked.toISOString() },
      parser: (o: object) => o,
    });
    expect(await bobReads()).toBe(200);
    const subject = (await policies.getSubject('org.ditto:roles', 'owner', 'user:bob')).toObject();
    expect(subject).toEqual({ type: 'user' });
    // The expiry as stored: rounded up to the next full second, in Ditto's form.
    const stored = (await requests.fetchJsonRequest({
      verb: 'GET',
      id: 'org.ditto:roles',
      path: 'entries/owner/subjects/user:bob',
      parser: (o: object) => o,
    })) as { expiry: string };
    const rounded = Math.ceil(asked.getTime() / 1000) * 1000;
    expect(stored.expiry).toBe(new Date(rounded).toISOString().replace('.000Z', 'Z'));
    await new Promise((resolve) => setTimeout(resolve, rounded - Date.now() + 200));
    expect(await bobReads()).toBe(404);
    // Bob's expired subject was removed from the policy itself.
    const subjects = await requests.fetchJsonRequest({
      verb: 'GET',
      id: 'org.ditto:roles',
      path: 'entries/owner/subjects',
      parser: (o: object) => o,
    });
    expect(Object.keys(subjects as object)).toEqual(['user:alice']);
  });
});

/** The part of the client's request factory this test uses. */
interface RequestFactory {
  fetchJsonRequest(options: {
    verb: string;
    id: string;
    path: string;
    parser: (o: object) => unknown;
  }): Promise<unknown>;
  fetchPutRequest(options: {
    verb: string;
    id: string;
    path: string;
    payload: unknown;
    parser: (o: object) => unknown;
  }): Promise<{ status: number }>;
}
