// Who may manage ingest specs, and that messages are applied with the spec owner's rights only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { expectError } from './support/ditto-error.js';
import { scopedToken } from './support/fixture-requests.js';
import { RW } from './support/policy-entries.js';

const ownerEntry = (subject: string) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': RW },
});

const spec = (thingId: string, extra: object = {}) => ({
  source: { http: {} },
  thingId,
  values: {
    'features/speed/properties/value': '$.speed',
    'attributes/secret': '$.secret',
  },
  create: { definition: 'acme:truck:1' },
  ...extra,
});

let fx: SecureFixture;
let alice: string;
let bob: string;
let aliceFleet: string;

beforeAll(async () => {
  fx = await createSecureFixture();
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
  aliceFleet = await scopedToken(fx, alice, 'fleet', ['fleet']);
});
afterAll(() => fx.close());

describe('ingest access', () => {
  it('needs authentication', async () => {
    const response = await fx.request({ method: 'GET', url: '/api/2/ingest/specs' });
    expect(response.statusCode).toBe(401);
  });

  it('a scoped token manages only specs whose template stays in its namespaces', async () => {
    expect(
      (await fx.send('PUT', '/api/2/ingest/specs/a1', aliceFleet, spec('fleet:{{$.vin}}')))
        .statusCode,
    ).toBe(201);
    expectError(
      await fx.send('PUT', '/api/2/ingest/specs/a2', aliceFleet, spec('other:{{$.vin}}')),
      403,
      'ingest:spec.forbidden',
    );
    expectError(
      await fx.send('PUT', '/api/2/ingest/specs/a3', aliceFleet, spec('{{$.ns}}:{{$.vin}}')),
      403,
      'ingest:spec.forbidden',
    );
    // An administrator may.
    expect(
      (await fx.send('PUT', '/api/2/ingest/specs/a3', fx.admin, spec('{{$.ns}}:{{$.vin}}')))
        .statusCode,
    ).toBe(201);
  });

  it("another user neither sees nor changes, nor sends to, someone else's spec", async () => {
    await fx.send('PUT', '/api/2/ingest/specs/alices', alice, spec('fleet:{{$.vin}}'));
    expectError(
      await fx.send('GET', '/api/2/ingest/specs/alices', bob),
      404,
      'ingest:spec.notfound',
    );
    expectError(
      await fx.send('PUT', '/api/2/ingest/specs/alices', bob, spec('fleet:{{$.vin}}')),
      403,
      'ingest:spec.forbidden',
    );
    expectError(
      await fx.send('DELETE', '/api/2/ingest/specs/alices', bob),
      404,
      'ingest:spec.notfound',
    );
    expectError(
      await fx.send('POST', '/api/2/ingest/alices', bob, { vin: 'x', speed: 1 }),
      404,
      'ingest:spec.notfound',
    );
    const listed = (await fx.send('GET', '/api/2/ingest/specs', bob)).json() as {
      specId: string;
    }[];
    expect(listed.map((s) => s.specId)).not.toContain('alices');
    expect((await fx.send('GET', '/api/2/ingest/specs/alices', fx.admin)).statusCode).toBe(200);
    expectError(await fx.send('GET', '/api/2/ingest/deadletters', bob), 403, 'gateway:forbidden');
  });

  it("a message is applied with the owner's rights: a twin the owner may not write is a dead letter", async () => {
    await fx.send('PUT', '/api/2/ingest/specs/alice-trucks', alice, spec('fleet:{{$.vin}}'));
    // bob's twin, under bob's policy: alice may not write it.
    await fx.send('PUT', '/api/2/policies/fleet:bobs', bob, {
      entries: { owner: ownerEntry('user:bob') },
    });
    expect(
      (await fx.send('PUT', '/api/2/things/fleet:bob1', bob, { policyId: 'fleet:bobs' }))
        .statusCode,
    ).toBe(201);
    const response = await fx.send('POST', '/api/2/ingest/alice-trucks', alice, [
      { vin: 'bob1', speed: 9 },
      { vin: 'alice1', speed: 7 },
    ]);
    expect(response.json()).toMatchObject({ accepted: 1, rejected: 1 });
    const [id] = response.json().deadLetters as string[];
    const letter = await fx.send('GET', `/api/2/ingest/deadletters/${id}`, alice);
    expect(letter.json()).toMatchObject({ reason: 'thing.notfound', spec: 'alice-trucks' });
    const bob1 = await fx.send('GET', '/api/2/things/fleet:bob1', bob);
    expect(bob1.json().features).toBeUndefined();
    // The created twin is alice's: its implicit policy names her, and bob cannot read it.
    const alice1 = await fx.send('GET', '/api/2/things/fleet:alice1', alice);
    expect(alice1.json()).toMatchObject({
      policyId: 'fleet:alice1',
      features: { speed: { properties: { value: 7 } } },
    });
    expect((await fx.send('GET', '/api/2/things/fleet:alice1', bob)).statusCode).toBe(404);
    // bob sees nothing of alice's dead letters.
    expectError(
      await fx.send('GET', `/api/2/ingest/deadletters/${id}`, bob),
      404,
      'ingest:deadletter.notfound',
    );
  });

  it('a part the owner may not write makes the whole message a dead letter, nothing half-applied', async () => {
    await fx.send(
      'PUT',
      '/api/2/ingest/specs/alice-partial',
      alice,
      spec('fleet:{{$.vin}}', { create: false }),
    );
    await fx.send('PUT', '/api/2/policies/fleet:shared', bob, {
      entries: {
        owner: ownerEntry('user:bob'),
        alice: {
          subjects: { 'user:alice': { type: 'user' } },
          resources: {
            'thing:/': RW,
            'thing:/attributes/secret': { grant: [], revoke: ['WRITE'] },
          },
        },
      },
    });
    await fx.send('PUT', '/api/2/things/fleet:shared1', bob, { policyId: 'fleet:shared' });
    const refused = await fx.send('POST', '/api/2/ingest/alice-partial', alice, {
      vin: 'shared1',
      speed: 1,
      secret: 's',
    });
    expect(refused.json()).toMatchObject({ accepted: 0, rejected: 1 });
    const letter = await fx.send(
      'GET',
      `/api/2/ingest/deadletters/${refused.json().deadLetters[0]}`,
      alice,
    );
    expect(letter.json().reason).toBe('thing.notmodifiable');
    const shared = await fx.send('GET', '/api/2/things/fleet:shared1', bob);
    expect(shared.json().features).toBeUndefined();
    const accepted = await fx.send('POST', '/api/2/ingest/alice-partial', alice, {
      vin: 'shared1',
      speed: 2,
    });
    expect(accepted.json()).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('a read-only token may read specs but not change them or send', async () => {
    const token = await fx.send('POST', '/api/2/tokens', alice, { name: 'ro', readOnly: true });
    const ro = fx.bearer(token.json().token as string);
    await fx.send('PUT', '/api/2/ingest/specs/alice-ro', alice, spec('fleet:{{$.vin}}'));
    expect((await fx.send('GET', '/api/2/ingest/specs/alice-ro', ro)).statusCode).toBe(200);
    expect(
      (await fx.send('PUT', '/api/2/ingest/specs/alice-ro', ro, spec('fleet:{{$.vin}}')))
        .statusCode,
    ).toBe(403);
    expect(
      (await fx.send('POST', '/api/2/ingest/alice-ro', ro, { vin: 'r', speed: 1 })).statusCode,
    ).toBe(403);
    expect((await fx.send('DELETE', '/api/2/ingest/specs/alice-ro', ro)).statusCode).toBe(403);
  });
});
