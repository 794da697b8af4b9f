// Access control beyond single requests: incarnations, entity tags, policy references, oracles, races.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors } from '../src/core/error-registry.js';
import { contentTag } from '../src/core/etag.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';
import { expectError } from './support/ditto-error.js';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };

const ownerEntry = (subject: string) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': RW },
});

/** bob reads and writes everything but `attributes/secret` and the feature `hidden`. */
const bobEntry = {
  subjects: { 'user:bob': { type: 'user' } },
  resources: {
    'thing:/': RW,
    'thing:/attributes/secret': { grant: [], revoke: ['READ', 'WRITE'] },
    'thing:/features/hidden': { grant: [], revoke: ['READ', 'WRITE'] },
    'policy:/': { grant: ['READ'], revoke: [] },
    'policy:/entries/owner': { grant: [], revoke: ['READ'] },
  },
};

let fx: SecureFixture;
let alice: string;
let bob: string;
let mallory: string;

beforeAll(async () => {
  fx = await createSecureFixture();
  alice = await fx.addUser('alice');
  bob = await fx.addUser('bob');
  mallory = await fx.addUser('mallory');
});

afterAll(async () => {
  await fx.close();
});

async function ok(response: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  const answer = await response;
  expect(answer.statusCode, answer.body).toBeLessThan(300);
  return answer;
}

/** alice's thing with a policy that also holds bob's partial entry. */
async function sharedThing(thingId: string, body: object): Promise<void> {
  await ok(
    fx.send('PUT', `/api/2/policies/${thingId}`, alice, {
      entries: { owner: ownerEntry('user:alice'), bob: bobEntry },
    }),
  );
  await ok(fx.send('PUT', `/api/2/things/${thingId}`, alice, body));
}

const get = (url: string, auth: string, headers: Record<string, string> = {}) =>
  fx.request({ method: 'GET', url, headers: { authorization: auth, ...headers } });

describe('access - a deleted thing keeps its history from whoever re-creates its id', () => {
  const ID = 'reborn.ns:lamp';
  const URL = `/api/2/things/${ID}`;
  let aliceTime: string;

  beforeAll(async () => {
    await ok(fx.send('PUT', URL, alice, { attributes: { secret: 'ALICE-SECRET-1' } }));
    await ok(fx.send('PUT', `${URL}/attributes/secret`, alice, 'ALICE-SECRET-2'));
    aliceTime = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ok(fx.send('DELETE', URL, alice));
    await ok(
      fx.send('PUT', '/api/2/policies/reborn.ns:bobs', bob, {
        entries: { owner: ownerEntry('user:bob') },
      }),
    );
    // Revisions continue: bob's incarnation starts at revision 4.
    await ok(fx.send('PUT', URL, bob, { policyId: 'reborn.ns:bobs', attributes: { mine: 1 } }));
  });

  it('the history shows bob only his incarnation, alice only hers', async () => {
    const bobs = await get(`${URL}/history`, bob);
    expect(bobs.statusCode).toBe(200);
    expect(bobs.body).not.toContain('ALICE-SECRET');
    expect(bobs.json().map((e: { revision: number }) => e.revision)).toEqual([4]);

    const alices = await get(`${URL}/history`, alice);
    expect(alices.statusCode).toBe(200);
    expect(alices.json().map((e: { revision: number }) => e.revision)).toEqual([1, 2, 3]);
    expect(alices.body).toContain('ALICE-SECRET-2');
    expect(alices.body).not.toContain('"mine"');

    expectError(await get(`${URL}/history`, mallory), 404, 'things:thing.notfound');
    const admin = await get(`${URL}/history`, fx.admin);
    expect(admin.json()).toHaveLength(4);
  });

  it('at-historical-revision and -timestamp of alice’s incarnation are hidden from bob', async () => {
    for (const revision of ['1', '2']) {
      const response = await get(URL, bob, { 'at-historical-revision': revision });
      expectError(response, 404, 'things:thing.history.notfound');
      expect(response.body).not.toContain('ALICE-SECRET');
    }
    const byTime = await get(`${URL}/attributes/secret`, bob, {
      'at-historical-timestamp': aliceTime,
    });
    expectError(byTime, 404, 'things:thing.history.notfound');
    expect(byTime.body).not.toContain('ALICE-SECRET');

    const own = await get(URL, bob, { 'at-historical-revision': '4' });
    expect(own.statusCode).toBe(200);
    expect(own.json().attributes).toEqual({ mine: 1 });
    const hers = await get(`${URL}/attributes/secret`, alice, { 'at-historical-revision': '2' });
    expect(hers.statusCode).toBe(200);
    expect(hers.json()).toBe('ALICE-SECRET-2');
    expectError(
      await get(URL, alice, { 'at-historical-revision': '4' }),
      404,
      'things:thing.history.notfound',
    );
  });
});

describe('access - entity tags and size limits tell nothing about what the caller may not read', () => {
  const ID = 'tags.ns:vault';
  const URL = `/api/2/things/${ID}`;
  const ATTRIBUTES = { secret: '4711', serial: 'X1' };

  beforeAll(async () => {
    await sharedThing(ID, { attributes: ATTRIBUTES });
  });

  it('a sub-resource tag is a hash of the readable part only, also in 304s and 412s', async () => {
    const read = await get(`${URL}/attributes`, bob);
    expect(read.json()).toEqual({ serial: 'X1' });
    expect(read.headers.etag).toBe(contentTag({ serial: 'X1' }));
    expect(read.headers.etag).not.toBe(contentTag(ATTRIBUTES));
    // A guess of the hidden value cannot be confirmed with If-None-Match.
    expect(
      (await get(`${URL}/attributes`, bob, { 'if-none-match': contentTag(ATTRIBUTES) })).statusCode,
    ).toBe(200);
    const stale = await fx.request({
      method: 'PATCH',
      url: `${URL}/attributes`,
      payload: JSON.stringify({ serial: 'X2' }),
      headers: {
        authorization: bob,
        'content-type': 'application/merge-patch+json',
        'if-match': '"hash:00000000"',
      },
    });
    expectError(stale, 412, 'things:precondition.failed');
    expect(stale.json().message).toContain(contentTag({ serial: 'X1' }));
    expect(stale.json().message).not.toContain(contentTag(ATTRIBUTES));

    // The tag does not move when only the hidden part changes.
    await ok(fx.send('PUT', `${URL}/attributes/secret`, alice, '0815'));
    expect((await get(`${URL}/attributes`, bob)).headers.etag).toBe(contentTag({ serial: 'X1' }));
    expect((await get(`${URL}/attributes`, alice)).headers.etag).toBe(
      contentTag({ secret: '0815', serial: 'X1' }),
    );
    const historical = await get(`${URL}/attributes`, bob, { 'at-historical-revision': '1' });
    expect(historical.headers.etag).toBe(contentTag({ serial: 'X1' }));
  });

  it('the tag after a write is of the readable part', async () => {
    const patched = await fx.send('PATCH', `${URL}/attributes`, bob, { serial: 'X3' });
    expect(patched.statusCode).toBe(204);
    expect(patched.headers.etag).toBe(contentTag({ serial: 'X3' }));
  });

  it('policy sub-resource tags are hashes of the readable part', async () => {
    const entries = await get(`/api/2/policies/${ID}/entries`, bob);
    expect(entries.statusCode).toBe(200);
    expect(Object.keys(entries.json())).toEqual(['bob']);
    expect(entries.headers.etag).toBe(contentTag(entries.json()));
    expect(entries.headers.etag).not.toBe(
      contentTag(JSON.parse(JSON.stringify(fx.policies.get(ID)?.policy.entries ?? {}))),
    );
    const stale = await get(`/api/2/policies/${ID}/entries`, bob, { 'if-match': '"hash:0"' });
    expectError(stale, 412, 'policies:precondition.failed');
    expect(stale.json().message).toContain(entries.headers.etag as string);
  });

  it('a 413 tells the size of the thing only to who may read all of it', async () => {
    const big = 'x'.repeat(60 * 1024);
    await ok(fx.send('PUT', `${URL}/attributes/secret`, alice, big));
    const refused = await fx.send('PUT', `${URL}/attributes/serial`, bob, big);
    expectError(refused, 413, 'things:thing.toolarge');
    expect(refused.json().message).toBe(errors.thingTooLargeHidden(100 * 1024).message);
    const owner = await fx.send('PUT', `${URL}/attributes/serial`, alice, big);
    expectError(owner, 413, 'things:thing.toolarge');
    expect(owner.json().message).toMatch(/^The size of '1\d\d\.\d{3}' kB exceeds/);
    await ok(fx.send('PUT', `${URL}/attributes/secret`, alice, '4711'));
  });
});

describe('access - no policy squatting', () => {
  it('a policy in use cannot be deleted (409 naming its things); unused it can', async () => {
    await ok(fx.send('PUT', '/api/2/things/squat.ns:a', alice, {}));
    await ok(fx.send('PUT', '/api/2/things/squat.ns:b', alice, { policyId: 'squat.ns:a' }));
    for (const auth of [alice, fx.admin]) {
      const refused = await fx.send('DELETE', '/api/2/policies/squat.ns:a', auth);
      expectError(refused, 409, 'policies:policy.inuse');
      expect(refused.json().message).toContain("'squat.ns:a', 'squat.ns:b'");
    }
    expect(fx.policies.get('squat.ns:a')).not.toBeNull();
    await ok(fx.send('DELETE', '/api/2/things/squat.ns:a', alice));
    await ok(fx.send('DELETE', '/api/2/things/squat.ns:b', alice));
    expect((await fx.send('DELETE', '/api/2/policies/squat.ns:a', alice)).statusCode).toBe(204);
  });

  it('a thing cannot name a policy that does not exist, not even by an administrator', async () => {
    await ok(fx.send('PUT', '/api/2/things/squat.ns:c', alice, {}));
    for (const auth of [alice, fx.admin]) {
      expectError(
        await fx.send('PUT', '/api/2/things/squat.ns:new', auth, { policyId: 'squat.ns:none' }),
        400,
        'things:thing.notcreatable',
      );
      expectError(
        await fx.send('PUT', '/api/2/things/squat.ns:c/policyId', auth, 'squat.ns:none'),
        404,
        'policies:policy.notfound',
      );
      expectError(
        await fx.send('PATCH', '/api/2/things/squat.ns:c', auth, { policyId: 'squat.ns:none' }),
        404,
        'policies:policy.notfound',
      );
      expectError(
        await fx.send('PUT', '/api/2/things/squat.ns:c', auth, { policyId: 'squat.ns:none' }),
        404,
        'policies:policy.notfound',
      );
    }
    expect(fx.runtime.getThing('squat.ns:new')).toBeNull();
    expect(fx.runtime.getThing('squat.ns:c')?.thing.policyId).toBe('squat.ns:c');
  });
});

describe('access - no existence oracles', () => {
  const ID = 'oracle.ns:vault';
  const MISSING = 'oracle.ns:missing';

  beforeAll(async () => {
    await sharedThing(ID, {
      attributes: { secret: 1, serial: 2 },
      features: { hidden: { properties: { pin: 1234 } }, lamp: { properties: { on: true } } },
    });
  });

  /** The answer with the thing id (and a feature id) replaced, to compare two answers. */
  const shape = (response: LightMyRequestResponse, ...ids: string[]) => {
    let body = response.body;
    for (const id of ids) body = body.split(id).join('<id>');
    return { status: response.statusCode, body };
  };

  it('a caller who may read nothing gets the answers for a thing that does not exist', async () => {
    for (const path of ['', '/attributes/serial', '/features/lamp/properties/on', '/policyId']) {
      const existing = await get(`/api/2/things/${ID}${path}`, mallory);
      const missing = await get(`/api/2/things/${MISSING}${path}`, mallory);
      expect(existing.statusCode).toBe(404);
      expect(shape(existing, ID)).toEqual(shape(missing, MISSING));
      for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
        if (path === '' || (path === '/policyId' && method === 'DELETE')) continue;
        const body = method === 'DELETE' ? undefined : path === '/policyId' ? ID : 5;
        const write = await fx.send(method, `/api/2/things/${ID}${path}`, mallory, body);
        const absent = await fx.send(method, `/api/2/things/${MISSING}${path}`, mallory, body);
        expect(shape(write, ID), `${method} ${path}`).toEqual(shape(absent, MISSING));
      }
    }
    expect(shape(await fx.send('DELETE', `/api/2/things/${ID}`, mallory), ID)).toEqual(
      shape(await fx.send('DELETE', `/api/2/things/${MISSING}`, mallory), MISSING),
    );
  });

  it('at-historical-revision tells a stranger neither existence nor the current revision', async () => {
    const answers = [];
    for (const [thingId, revision] of [
      [ID, '1'],
      [ID, '99'],
      [MISSING, '1'],
    ]) {
      const response = await get(`/api/2/things/${thingId}`, mallory, {
        'at-historical-revision': revision,
      });
      answers.push(shape(response, thingId, `'${revision}'`));
    }
    expect(answers[0].status).toBe(404);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('a partial reader gets a hidden sub-resource answered exactly as a missing one', async () => {
    const pairs = [
      ['/features/hidden', '/features/nothing'],
      ['/features/hidden/properties', '/features/nothing/properties'],
      ['/features/hidden/properties/pin', '/features/nothing/properties/pin'],
    ];
    for (const [hidden, missing] of pairs) {
      for (const headers of [{}, { 'at-historical-revision': '1' }] as Record<string, string>[]) {
        const seen = await get(`/api/2/things/${ID}${hidden}`, bob, headers);
        const none = await get(`/api/2/things/${ID}${missing}`, bob, headers);
        expect(seen.statusCode).toBe(404);
        expect(shape(seen, "'hidden'"), hidden).toEqual(shape(none, "'nothing'"));
      }
    }
  });
});

describe('access - a policy part hidden from its reader is answered as a missing one', () => {
  it('a deep grant does not tell which entries exist', async () => {
    const zed = { grant: ['READ'], revoke: [] };
    await ok(
      fx.send('PUT', '/api/2/policies/oracle.ns:policy', alice, {
        entries: {
          owner: ownerEntry('user:alice'),
          other: {
            subjects: { 'user:bob': { type: 'user' } },
            resources: {
              'policy:/entries/other/subjects/user:zed': zed,
              'policy:/entries/nothing/subjects/user:zed': zed,
            },
          },
        },
      }),
    );
    const existing = await get(
      '/api/2/policies/oracle.ns:policy/entries/other/subjects/user:zed',
      bob,
    );
    const missing = await get(
      '/api/2/policies/oracle.ns:policy/entries/nothing/subjects/user:zed',
      bob,
    );
    expectError(existing, 404, 'policies:policy.notfound');
    expect(existing.body.replace("'other'", "'nothing'")).toBe(missing.body);
  });
});

describe('access - namespace-scoped tokens use only policies of their namespaces', () => {
  it('moving a thing under a policy of another namespace is refused with 403', async () => {
    await ok(fx.send('PUT', '/api/2/things/org.a:t', alice, {}));
    await ok(
      fx.send('PUT', '/api/2/policies/org.b:p', alice, {
        entries: { owner: ownerEntry('user:alice') },
      }),
    );
    const created = await ok(
      fx.send('POST', '/api/2/tokens', alice, {
        name: 'org.a only',
        namespaces: ['org.a'],
      }),
    );
    const token = fx.bearer(created.json().token as string);
    const refusals = [
      await fx.send('PUT', '/api/2/things/org.a:t/policyId', token, 'org.b:p'),
      await fx.send('PATCH', '/api/2/things/org.a:t/policyId', token, 'org.b:p'),
      await fx.send('PUT', '/api/2/things/org.a:t', token, { policyId: 'org.b:p' }),
      await fx.send('PATCH', '/api/2/things/org.a:t', token, { policyId: 'org.b:p' }),
      await fx.send('PUT', '/api/2/things/org.a:new', token, { policyId: 'org.b:p' }),
      await fx.send('PUT', '/api/2/things/org.a:inline', token, {
        policyId: 'org.b:inline',
        _policy: { entries: { owner: ownerEntry('user:alice') } },
      }),
    ];
    for (const refused of refusals) expectError(refused, 403, 'gateway:forbidden');
    expect(fx.runtime.getThing('org.a:t')?.thing.policyId).toBe('org.a:t');
    expect(fx.runtime.getThing('org.a:new')).toBeNull();
    expect(fx.policies.get('org.b:inline')).toBeNull();
    // Its own namespace's policies stay usable.
    await ok(
      fx.send('PUT', '/api/2/policies/org.a:p', alice, {
        entries: { owner: ownerEntry('user:alice') },
      }),
    );
    expect(
      (await fx.send('PUT', '/api/2/things/org.a:t/policyId', token, 'org.a:p')).statusCode,
    ).toBe(204);
  });
});

/** An API token of a user: quicker to check than a password, so requests really overlap. */
async function tokenOf(app: SecureFixture, basic: string): Promise<string> {
  const created = await ok(app.send('POST', '/api/2/tokens', basic, { name: 'race' }));
  return app.bearer(created.json().token as string);
}

describe('access - concurrent creations of one thing', () => {
  const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode);
  let aliceToken: string;
  let bobToken: string;
  let malloryToken: string;

  let slow: SecureFixture;
  let send: SecureFixture['send'];

  beforeAll(async () => {
    // Policy writes take a while, as with a networked catalog: requests overlap around them.
    slow = await createSecureFixture({ policyWriteDelayMs: 5 });
    const users = await Promise.all(['alice', 'bob', 'mallory'].map((u) => slow.addUser(u)));
    [aliceToken, bobToken, malloryToken] = await Promise.all(users.map((u) => tokenOf(slow, u)));
    send = slow.send;
  });

  afterAll(async () => {
    await slow.close();
  });

  it('exactly one of many concurrent creates wins; its policy is the winner’s alone', async () => {
    for (let round = 0; round < 5; round++) {
      const thingId = `race.ns:t${round}`;
      const url = `/api/2/things/${thingId}`;
      const callers = [aliceToken, bobToken, malloryToken, aliceToken, bobToken, malloryToken];
      const responses = await Promise.all(
        callers.map((auth, i) => send('PUT', url, auth, { attributes: { by: i } })),
      );
      const codes = statuses(responses);
      expect(
        codes.filter((c) => c === 201),
        JSON.stringify(codes),
      ).toHaveLength(1);
      const winner = callers[codes.indexOf(201)];
      const winnerName = winner === aliceToken ? 'alice' : winner === bobToken ? 'bob' : 'mallory';
      responses.forEach((response, i) => {
        if (response.statusCode === 201) return;
        // The winner's other requests replace the thing; everybody else may not know it.
        expect(response.statusCode, response.body).toBe(callers[i] === winner ? 204 : 404);
      });
      const policy = slow.policies.get(thingId);
      expect(policy, `round ${round}`).not.toBeNull();
      expect(Object.keys(policy?.policy.entries.DEFAULT.subjects ?? {})).toEqual([
        `user:${winnerName}`,
      ]);
      expect(slow.runtime.getThing(thingId)?.thing.policyId).toBe(thingId);
    }
  });

  it('create-only requests: one 201, the others 412, and the policy stays', async () => {
    const url = '/api/2/things/race.ns:once';
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        slow.request({
          method: 'PUT',
          url,
          payload: '{}',
          headers: {
            authorization: alice,
            'content-type': 'application/json',
            'if-none-match': '*',
          },
        }),
      ),
    );
    expect(statuses(responses).sort()).toEqual([201, 412, 412, 412, 412, 412, 412, 412]);
    expect(slow.policies.get('race.ns:once')).not.toBeNull();
    expect((await slow.send('GET', url, aliceToken)).statusCode).toBe(200);
  });

  it('concurrent creates and deletes leave no thing without its policy and no stray policy', async () => {
    const url = '/api/2/things/race.ns:flip';
    for (let round = 0; round < 10; round++) {
      const responses = await Promise.all([
        send('PUT', url, aliceToken, {}),
        send('DELETE', url, aliceToken),
        send('PUT', url, aliceToken, {}),
        send('PATCH', url, aliceToken, { attributes: { round } }),
        send('DELETE', url, aliceToken),
        send('PUT', url, bobToken, {}),
      ]);
      for (const response of responses)
        // bob may not create the thing under alice's policy (403) nor see it (404).
        expect([201, 204, 403, 404], response.body).toContain(response.statusCode);
      expect(statuses(responses).filter((c) => c >= 500)).toEqual([]);
      const thing = slow.runtime.getThing('race.ns:flip');
      if (thing) expect(slow.policies.get(thing.thing.policyId)).not.toBeNull();
    }
    // Only the implicit policy was ever made, and it is alice's.
    const policy = slow.policies.get('race.ns:flip');
    expect(Object.keys(policy?.policy.entries.DEFAULT.subjects ?? {})).toEqual(['user:alice']);
  });
  it('deleting a policy while a thing takes it on never leaves the thing without it', async () => {
    for (let i = 0; i < 10; i++) {
      const policyId = `race.ns:p${i}`;
      await ok(
        send('PUT', `/api/2/policies/${policyId}`, aliceToken, {
          entries: { owner: ownerEntry('user:alice') },
        }),
      );
      const take = () => send('PUT', `/api/2/things/race.ns:user${i}`, aliceToken, { policyId });
      const remove = () => send('DELETE', `/api/2/policies/${policyId}`, aliceToken);
      const responses = await Promise.all(i % 2 === 0 ? [take(), remove()] : [remove(), take()]);
      for (const response of responses) expect(response.statusCode).toBeLessThan(500);
      const thing = slow.runtime.getThing(`race.ns:user${i}`);
      if (thing) expect(slow.policies.get(policyId), `round ${i}`).not.toBeNull();
    }
  });
});

describe('access - policy imports cannot widen access', () => {
  const VICTIM = 'imp.ns:victim';
  const MINE = 'imp.ns:mallorys';

  beforeAll(async () => {
    await ok(
      fx.send('PUT', `/api/2/policies/${VICTIM}`, alice, {
        entries: {
          owner: { ...ownerEntry('user:alice'), importable: 'never' },
          shared: {
            subjects: { 'user:bob': { type: 'user' } },
            resources: { 'thing:/': RW },
            importable: 'explicit',
          },
        },
      }),
    );
    await ok(fx.send('PUT', `/api/2/things/${VICTIM}`, alice, { attributes: { secret: 1 } }));
    await ok(
      fx.send('PUT', `/api/2/policies/${MINE}`, mallory, {
        entries: { owner: ownerEntry('user:mallory') },
      }),
    );
  });

  it('a user cannot import a policy they cannot READ, by any route; nothing changes', async () => {
    const before = (await get(`/api/2/policies/${MINE}`, mallory)).json();
    const attempts = (target: string) => [
      fx.send('PUT', `/api/2/policies/${MINE}/imports/${target}`, mallory, {}),
      fx.send('PUT', `/api/2/policies/${MINE}/imports/${target}`, mallory, {
        entries: ['shared', 'owner'],
      }),
      fx.send('PUT', `/api/2/policies/${MINE}/imports`, mallory, { [target]: {} }),
      fx.send('PUT', `/api/2/policies/${MINE}`, mallory, {
        entries: { owner: ownerEntry('user:mallory') },
        imports: { [target]: { entries: ['shared'] } },
      }),
      fx.send('PUT', `/api/2/policies/${MINE}`, mallory, {
        entries: {
          owner: ownerEntry('user:mallory'),
          more: { subjects: {}, resources: {}, references: [{ import: target, entry: 'shared' }] },
        },
        imports: { [target]: {} },
      }),
    ];
    const victim = await Promise.all(attempts(VICTIM));
    const nothing = await Promise.all(attempts('imp.ns:nothing'));
    victim.forEach((answer, i) => {
      // An import of a policy one may not read looks like an import of one that does not exist.
      expect([answer.statusCode, answer.json().error]).toEqual([404, 'policies:policy.notfound']);
      expect(answer.json().description).toBe(nothing[i].json().description);
    });
    expect((await get(`/api/2/policies/${MINE}`, mallory)).json()).toEqual(before);
    expectError(await get(`/api/2/things/${VICTIM}`, mallory), 404, 'things:thing.notfound');
  });

  it('an inline _policy of a new thing cannot import what its creator cannot READ', async () => {
    const answer = await fx.send('PUT', '/api/2/things/imp.ns:sneaky', mallory, {
      _policy: {
        entries: { owner: ownerEntry('user:mallory') },
        imports: { [VICTIM]: { entries: ['shared'] } },
      },
    });
    expectError(answer, 404, 'policies:policy.notfound');
    expectError(await get('/api/2/things/imp.ns:sneaky', mallory), 404, 'things:thing.notfound');
    expect(fx.policies.get('imp.ns:sneaky')).toBeNull();
  });

  it('importing what one may READ grants no more than the imported entries do for their subjects', async () => {
    // bob may read the shared entry only; he imports it into a policy of his own.
    await ok(
      fx.send('PUT', `/api/2/policies/${VICTIM}/entries/reader`, alice, {
        subjects: { 'user:bob': { type: 'user' } },
        resources: { 'policy:/entries/shared': { grant: ['READ'], revoke: [] } },
        importable: 'never',
      }),
    );
    await ok(
      fx.send('PUT', '/api/2/policies/imp.ns:bobs', bob, {
        entries: { owner: ownerEntry('user:bob') },
        imports: { [VICTIM]: { entries: ['shared'] } },
      }),
    );
    await ok(fx.send('PUT', '/api/2/things/imp.ns:bobs', bob, { attributes: { a: 1 } }));
    // The import grants bob what the shared entry gives bob: nothing about alice's thing, and
    // alice's never entry gives alice nothing on bob's thing.
    expectError(await get('/api/2/things/imp.ns:bobs', alice), 404, 'things:thing.notfound');
    // bob may not widen the import to the owner entry he cannot read.
    expectError(
      await fx.send('PUT', `/api/2/policies/imp.ns:bobs/imports/${VICTIM}/entries`, bob, [
        'shared',
        'owner',
      ]),
      404,
      'policies:policy.notfound',
    );
    // The resolved view shows bob only what he may read in the imported policy.
    const resolved = (await get('/api/2/policies/imp.ns:bobs?policy-view=resolved', bob)).json();
    expect(Object.keys(resolved.entries).sort()).toEqual([`imported-${VICTIM}-shared`, 'owner']);
    // Revoking bob's READ on the shared entry hides it from his resolved view at once.
    await ok(fx.send('DELETE', `/api/2/policies/${VICTIM}/entries/reader`, alice));
    const hidden = (await get('/api/2/policies/imp.ns:bobs?policy-view=resolved', bob)).json();
    expect(Object.keys(hidden.entries)).toEqual(['owner']);
  });

  it('a policy squatting on a deleted imported id is impossible: imported policies cannot be deleted', async () => {
    await ok(fx.send('DELETE', `/api/2/things/${VICTIM}`, alice));
    expectError(
      await fx.send('DELETE', `/api/2/policies/${VICTIM}`, alice),
      409,
      'policies:policy.imported',
    );
  });
});
