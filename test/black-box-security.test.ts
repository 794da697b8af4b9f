// Black-box security: the real server in a child process, attacked over HTTP and raw sockets only.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startServerProcess, type ServerProcess } from './support/server-process.js';

const ADMIN = `Bearer ${ADMIN_TOKEN}`;
const basic = (user: string, password = `${user}-password`) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE = basic('alice');
const BOB = basic('bob');
const MALLORY = basic('mallory');

/** In every value of the vault only its owner (alice) may read; bob may read all but this. */
const SECRET = 'SECRET-bb7c1';
const VAULT = 'bb.a:vault';
const OTHER = 'bb.b:other';
const MISSING = 'bb.a:does-not-exist';

const RW = { grant: ['READ', 'WRITE'], revoke: [] };
const ownerEntry = (subject: string) => ({
  subjects: { [subject]: { type: 'user' } },
  resources: { 'thing:/': RW, 'policy:/': RW },
});
const BOB_ENTRY = {
  subjects: { 'user:bob': { type: 'user' } },
  resources: {
    'thing:/': RW,
    'thing:/attributes/secret': { grant: [], revoke: ['READ', 'WRITE'] },
  },
};
const VAULT_BODY = {
  attributes: { secret: SECRET, public: 'pub', n: 7 },
  features: { lamp: { properties: { on: true, level: 3 } } },
};

interface Answer {
  status: number;
  text: string;
  headers: Headers;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are arbitrary JSON
}

let server: ServerProcess;
let dataDir: string;
let base: string;
/** Bearer tokens of alice: limited to bb.a; read-only; limited to no namespace at all. */
let scoped: string;
let readOnly: string;
let noNamespace: string;

async function call(
  method: string,
  path: string,
  auth: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (auth !== undefined) (init.headers as Record<string, string>).authorization = auth;
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??=
      method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  for (const key of ['access_token', 'refresh_token']) {
    const value = /^\{/.test(text) ? (JSON.parse(text) as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'string') secrets.add(value);
  }
  return {
    status: response.status,
    text,
    headers: response.headers,
    json: () => JSON.parse(text),
  };
}

/** A form-encoded POST (search and count take their parameters so). */
const form = (path: string, auth: string, params: URLSearchParams) =>
  call('POST', path, auth, params.toString(), {
    'content-type': 'application/x-www-form-urlencoded',
  });

/** Asserts a Ditto error body with this status and code. */
function expectError(answer: Answer, status: number, code?: string | RegExp): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  const body = answer.json();
  expect(Object.keys(body).sort()).toEqual(['description', 'error', 'message', 'status']);
  expect(body.status).toBe(status);
  if (typeof code === 'string') expect(body.error).toBe(code);
  else if (code) expect(body.error).toMatch(code);
}

/** The answer with the ids in it replaced, to compare answers for two ids. */
const shape = (answer: Answer, ...ids: string[]) => {
  let text = answer.text;
  for (const id of ids) text = text.split(id).join('<id>');
  return { status: answer.status, text, etag: answer.headers.get('etag') };
};

const ok = async (answer: Promise<Answer>): Promise<Answer> => {
  const a = await answer;
  expect(a.status, a.text.slice(0, 300)).toBeLessThan(300);
  return a;
};

/** What the administrator sees of the vault: it must stay as seeded by refused requests. */
const vaultAsAdmin = async () => (await call('GET', `/api/2/things/${VAULT}`, ADMIN)).json();

async function healthWithin(ms: number): Promise<void> {
  const started = performance.now();
  const answer = await fetch(`${base}/health`);
  expect(answer.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(ms);
}

/** Sends raw bytes on one connection and collects everything the server answers. */
function raw(request: string, waitMs = 1500): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk) => (data += String(chunk)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.on('error', () => undefined);
    socket.write(request);
  });
}

const statusLines = (answer: string) => answer.match(/HTTP\/1\.1 \d{3}/g) ?? [];

/** Every secret handed out or sent, to check that none of them is ever logged. */
const secrets = new Set<string>([ADMIN_TOKEN]);

async function mint(auth: string, body: object): Promise<{ id: string; token: string }> {
  const minted = (await ok(call('POST', '/api/2/tokens', auth, body))).json();
  secrets.add(minted.token);
  return minted;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'twinfold-blackbox-'));
  server = await startServerProcess(['--data', dataDir, '--mqtt-port', '0']);
  base = server.url.replace(/\/$/, '');
  for (const username of ['alice', 'bob', 'mallory', 'carol', 'dave'])
    await ok(call('POST', '/api/2/users', ADMIN, { username, password: `${username}-password` }));
  await ok(
    call('PUT', `/api/2/policies/${VAULT}`, ALICE, {
      entries: { owner: ownerEntry('user:alice'), bob: BOB_ENTRY },
    }),
  );
  await ok(call('PUT', `/api/2/things/${VAULT}`, ALICE, VAULT_BODY));
  await ok(call('PUT', `/api/2/things/${VAULT}/attributes/n`, ALICE, 8));
  await ok(call('PUT', `/api/2/things/${OTHER}`, ALICE, { attributes: { secret: SECRET } }));
  scoped = `Bearer ${(await mint(ALICE, { name: 'scoped', namespaces: ['bb.a'] })).token}`;
  readOnly = `Bearer ${(await mint(ALICE, { name: 'ro', readOnly: true })).token}`;
  noNamespace = `Bearer ${(await mint(ALICE, { name: 'none', namespaces: [] })).token}`;
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('black box - a stranger learns nothing of a thing it may not read', () => {
  const READS: [string, Record<string, string>][] = [
    ['', {}],
    ['/attributes', {}],
    ['/attributes/secret', {}],
    ['/features/lamp/properties/on', {}],
    ['/policyId', {}],
    ['/history', {}],
    ['/history?from-revision=1&to-revision=1', {}],
    ['?fields=thingId,_revision', {}],
    [`?condition=${encodeURIComponent(`eq(attributes/secret,"${SECRET}")`)}`, {}],
    ['', { 'if-none-match': '"rev:2"' }],
    ['', { 'if-none-match': '*' }],
    ['', { 'if-match': '"rev:1"' }],
    ['', { 'at-historical-revision': '1' }],
    ['', { 'at-historical-timestamp': new Date(Date.now() + 3_600_000).toISOString() }],
    ['', { 'at-historical-timestamp': '2000-01-01T00:00:00Z' }],
    ['/history?from-timestamp=2000-01-01T00:00:00Z', {}],
  ];

  it('every read of an unreadable thing is answered exactly as for a missing one', async () => {
    for (const [suffix, headers] of READS) {
      const existing = await call('GET', `/api/2/things/${VAULT}${suffix}`, MALLORY, undefined, {
        ...headers,
      });
      const missing = await call('GET', `/api/2/things/${MISSING}${suffix}`, MALLORY, undefined, {
        ...headers,
      });
      expect(existing.status, suffix).toBeGreaterThanOrEqual(400);
      expect(existing.text).not.toContain(SECRET);
      expect(shape(existing, VAULT), `${suffix} ${JSON.stringify(headers)}`).toEqual(
        shape(missing, MISSING),
      );
    }
  });

  it('every write to an unreadable thing is answered as for a missing one and changes nothing', async () => {
    const before = await vaultAsAdmin();
    const writes: [string, string, unknown, Record<string, string>][] = [
      ['PUT', '/attributes/secret', '"pwned"', {}],
      ['PUT', '/attributes/secret', '"pwned"', { 'if-match': '"rev:2"' }],
      ['PUT', '/attributes/secret', '"pwned"', { 'if-match': '"rev:99"' }],
      ['DELETE', '/attributes/secret', undefined, { 'if-match': '*' }],
      ['DELETE', '', undefined, { 'if-match': '"rev:2"' }],
      ['PUT', '/attributes/secret', '"pwned"', { 'response-required': 'false' }],
      ['PATCH', '/attributes', { secret: null }, {}],
      ['DELETE', '/attributes/secret', undefined, {}],
      ['DELETE', '/features', undefined, {}],
      ['PUT', '/policyId', `"${MISSING}"`, {}],
      ['PUT', '/features/lamp/properties/on', 'false', { 'if-none-match': '*' }],
      ['DELETE', '', undefined, {}],
    ];
    for (const [method, suffix, body, headers] of writes) {
      const existing = await call(method, `/api/2/things/${VAULT}${suffix}`, MALLORY, body, {
        ...headers,
      });
      const missing = await call(method, `/api/2/things/${MISSING}${suffix}`, MALLORY, body, {
        ...headers,
      });
      expectError(existing, 404, 'things:thing.notfound');
      expect(shape(existing, VAULT), `${method} ${suffix}`).toEqual(shape(missing, MISSING));
    }
    expect(await vaultAsAdmin()).toEqual(before);
    expect((await call('GET', `/api/2/things/${MISSING}`, ADMIN)).status).toBe(404);
  });

  // With If-Match, a missing thing or policy is a 412 precondition.failed; a hidden one must be
  // answered alike, or the answer tells a stranger which ids exist.
  it('a whole-policy PUT with If-Match is answered alike for hidden and missing policies', async () => {
    const body = { entries: { x: ownerEntry('user:mallory') } };
    const existing = await call('PUT', `/api/2/policies/${VAULT}`, MALLORY, body, {
      'if-match': '*',
    });
    const missing = await call('PUT', `/api/2/policies/${MISSING}`, MALLORY, body, {
      'if-match': '*',
    });
    expect(shape(existing, VAULT)).toEqual(shape(missing, MISSING));
  });

  it('a thing-level write with If-Match is answered alike for hidden and missing things', async () => {
    for (const [method, body] of [
      ['PUT', {}],
      ['PATCH', { attributes: { x: 1 } }],
    ] as const) {
      const existing = await call(method, `/api/2/things/${VAULT}`, MALLORY, body, {
        'if-match': '"rev:1"',
      });
      const missing = await call(method, `/api/2/things/${MISSING}`, MALLORY, body, {
        'if-match': '"rev:1"',
      });
      expect(shape(existing, VAULT), method).toEqual(shape(missing, MISSING));
    }
  });

  it('search, count, listing and retrieval by ids find nothing of it, whatever the filter', async () => {
    const filters = [
      `eq(attributes/secret,"${SECRET}")`,
      `like(attributes/secret,"SECRET*")`,
      `eq(thingId,"${VAULT}")`,
      'exists(thingId)',
      `not(eq(attributes/secret,"x"))`,
    ];
    for (const filter of filters) {
      const q = `namespaces=bb.a,bb.b&filter=${encodeURIComponent(filter)}`;
      expect((await call('GET', `/api/2/search/things/count?${q}`, MALLORY)).json()).toBe(0);
      const page = await call('GET', `/api/2/search/things?${q}&option=sort(-_revision)`, MALLORY);
      expect(page.json()).toEqual({ items: [] });
      const posted = await form(
        '/api/2/search/things',
        MALLORY,
        new URLSearchParams({ filter, namespaces: 'bb.a' }),
      );
      expect(posted.json()).toEqual({ items: [] });
    }
    // The same filters do find it for its owner: the searches above could have failed.
    const owner = await call(
      'GET',
      `/api/2/search/things/count?namespaces=bb.a&filter=${encodeURIComponent(filters[0])}`,
      ALICE,
    );
    expect(owner.json()).toBe(1);
    const listed = await call('GET', '/api/2/things?fields=thingId', MALLORY);
    expect(listed.text).not.toContain('bb.a:');
    const byIds = await call('GET', `/api/2/things?ids=${VAULT},${OTHER}`, MALLORY);
    expect(byIds.json()).toEqual([]);
  });

  it('its policy and the permissions on it look like those of a missing thing', async () => {
    for (const suffix of ['', '/entries', '/entries/owner', '/entries/owner/subjects']) {
      const existing = await call('GET', `/api/2/policies/${VAULT}${suffix}`, MALLORY);
      const missing = await call('GET', `/api/2/policies/${MISSING}${suffix}`, MALLORY);
      expectError(existing, 404, 'policies:policy.notfound');
      expect(shape(existing, VAULT)).toEqual(shape(missing, MISSING));
    }
    const entry = { subjects: { 'user:mallory': { type: 'user' } }, resources: { 'thing:/': RW } };
    for (const [method, suffix, body, headers] of [
      ['PUT', '/entries/pwn', entry, {}],
      ['PUT', '/entries/pwn', entry, { 'if-match': '"rev:1"' }],
      ['PUT', '/entries/pwn', entry, { 'if-match': '*' }],
      ['PUT', '/entries/owner/subjects/user:mallory', { type: 'user' }, { 'if-match': '*' }],
      ['PUT', '/entries/pwn', entry, { 'if-none-match': '*' }],
      ['DELETE', '/entries/owner', undefined, {}],
      ['DELETE', '/entries/owner', undefined, { 'if-match': '*' }],
      ['DELETE', '', undefined, {}],
      ['DELETE', '', undefined, { 'if-match': '"rev:1"' }],
    ] as const) {
      const existing = await call(method, `/api/2/policies/${VAULT}${suffix}`, MALLORY, body, {
        ...headers,
      });
      const missing = await call(method, `/api/2/policies/${MISSING}${suffix}`, MALLORY, body, {
        ...headers,
      });
      expectError(existing, 404, 'policies:policy.notfound');
      expect(shape(existing, VAULT)).toEqual(shape(missing, MISSING));
    }
    const ask = (entityId: string) =>
      call('POST', '/api/2/checkPermissions', MALLORY, {
        r: { resource: 'thing:/', entityId, hasPermissions: ['READ'] },
        w: { resource: 'policy:/', entityId, hasPermissions: ['WRITE'] },
      });
    expect((await ask(VAULT)).json()).toEqual({ r: false, w: false });
    expect((await ask(MISSING)).json()).toEqual({ r: false, w: false });
    expect((await call('GET', `/api/2/policies/${VAULT}`, ADMIN)).text).not.toContain('mallory');
  });
});

describe('black box - a partial reader learns nothing of the part it may not read', () => {
  it('the hidden attribute is answered as a missing one, in values, fields, conditions and tags', async () => {
    const hidden = await call('GET', `/api/2/things/${VAULT}/attributes/secret`, BOB);
    const missing = await call('GET', `/api/2/things/${VAULT}/attributes/nothing`, BOB);
    expectError(hidden, 404, 'things:attribute.notfound');
    expect(shape(hidden, 'secret')).toEqual(shape(missing, 'nothing'));

    const whole = await call('GET', `/api/2/things/${VAULT}`, BOB);
    expect(whole.json().attributes).toEqual({ public: 'pub', n: 8 });
    for (const fields of ['attributes/secret', 'attributes(secret)', 'attributes/*', '_policy']) {
      const selected = await call(
        'GET',
        `/api/2/things/${VAULT}?fields=${encodeURIComponent(fields)}`,
        BOB,
      );
      expect(selected.status, fields).toBe(200);
      expect(selected.text).not.toContain(SECRET);
    }
    // A guessed condition fails alike whether the guess is right or wrong.
    const guesses = [];
    for (const guess of [SECRET, 'wrong']) {
      const condition = encodeURIComponent(`eq(attributes/secret,"${guess}")`);
      const answer = await call('GET', `/api/2/things/${VAULT}?condition=${condition}`, BOB);
      guesses.push(shape(answer));
    }
    expect(guesses[0].status).toBeGreaterThanOrEqual(400);
    expect(guesses[0]).toEqual(guesses[1]);
    // The tag of the attributes is of bob's view: the administrator's tag of the whole value is no 304.
    const adminTag = (await call('GET', `/api/2/things/${VAULT}/attributes`, ADMIN)).headers.get(
      'etag',
    );
    const bobAttributes = await call('GET', `/api/2/things/${VAULT}/attributes`, BOB);
    const bobTag = bobAttributes.headers.get('etag');
    expect(bobTag).toBeTruthy();
    expect(bobTag).not.toBe(adminTag);
    const guessed = await call('GET', `/api/2/things/${VAULT}/attributes`, BOB, undefined, {
      'if-none-match': adminTag as string,
    });
    expect(guessed.status).toBe(200);
    expect(guessed.text).not.toContain(SECRET);
    const revalidated = await call('GET', `/api/2/things/${VAULT}/attributes`, BOB, undefined, {
      'if-none-match': bobTag as string,
    });
    expect(revalidated.status).toBe(304);
  });

  it('search, count and sort give no oracle for the hidden value', async () => {
    const count = async (filter: string) =>
      (
        await call(
          'GET',
          `/api/2/search/things/count?namespaces=bb.a&filter=${encodeURIComponent(filter)}`,
          BOB,
        )
      ).json();
    expect(await count(`eq(attributes/secret,"${SECRET}")`)).toBe(0);
    expect(await count(`ne(attributes/secret,"${SECRET}")`)).toBe(0);
    expect(await count(`or(eq(attributes/secret,"${SECRET}"),eq(attributes/public,"pub"))`)).toBe(
      0,
    );
    expect(await count(`eq(attributes/public,"pub")`)).toBe(1);
    for (const path of [
      '/api/2/search/things?namespaces=bb.a&fields=attributes,thingId',
      '/api/2/search/things?namespaces=bb.a',
      '/api/2/things?fields=attributes',
      `/api/2/things?ids=${VAULT}`,
    ]) {
      const found = await call('GET', path, BOB);
      expect(found.status, path).toBe(200);
      expect(found.text, path).toContain('"public":"pub"');
      expect(found.text, path).not.toContain(SECRET);
    }
    for (const sort of ['+attributes/secret', '-attributes/secret']) {
      const page = await call(
        'GET',
        `/api/2/search/things?namespaces=bb.a&option=${encodeURIComponent(`sort(${sort})`)}`,
        BOB,
      );
      expect(page.json()).toEqual({ items: [] });
    }
  });

  it('history and time travel leave the hidden value out', async () => {
    const history = await call('GET', `/api/2/things/${VAULT}/history`, BOB);
    expect(history.status).toBe(200);
    expect(history.json().length).toBeGreaterThanOrEqual(2);
    expect(history.text).not.toContain(SECRET);
    const past = await call('GET', `/api/2/things/${VAULT}`, BOB, undefined, {
      'at-historical-revision': '1',
    });
    expect(past.status).toBe(200);
    expect(past.json().attributes).toEqual({ public: 'pub', n: 7 });
    const hidden = await call('GET', `/api/2/things/${VAULT}/attributes/secret`, BOB, undefined, {
      'at-historical-revision': '1',
    });
    expect(hidden.status).toBe(404);
    expect(hidden.text).not.toContain(SECRET);
  });

  it('a write to the hidden part is refused and leaves it as it was', async () => {
    for (const [method, suffix, body] of [
      ['PUT', '/attributes/secret', '"overwritten"'],
      ['PATCH', '/attributes', { secret: 'overwritten' }],
      ['PUT', '/attributes', { public: 'pub' }],
      ['DELETE', '/attributes', undefined],
      ['PATCH', '', { attributes: { secret: null } }],
    ] as const) {
      const answer = await call(method, `/api/2/things/${VAULT}${suffix}`, BOB, body);
      expect(answer.status, `${method} ${suffix}`).toBe(403);
      expect(answer.text).not.toContain(SECRET);
    }
    expect((await vaultAsAdmin()).attributes.secret).toBe(SECRET);
  });
});

describe('black box - moving a thing to another policy', () => {
  it('a writer without WRITE on the current policy cannot move the thing under a policy of its own', async () => {
    await ok(call('PUT', '/api/2/things/bb.bob:mine', BOB, {}));
    const before = await vaultAsAdmin();
    for (const [method, suffix, body] of [
      ['PUT', '/policyId', '"bb.bob:mine"'],
      ['PATCH', '', { policyId: 'bb.bob:mine' }],
      ['PUT', '', { ...before, policyId: 'bb.bob:mine', attributes: { public: 'pub', n: 8 } }],
    ] as const) {
      const answer = await call(method, `/api/2/things/${VAULT}${suffix}`, BOB, body);
      // A whole-thing PUT is refused already for the hidden attribute it would drop.
      expectError(answer, 403, /^(policies:policy|things:thing)\.notmodifiable$/);
    }
    expect(await vaultAsAdmin()).toEqual(before);
    const secret = await call('GET', `/api/2/things/${VAULT}/attributes/secret`, BOB);
    expect(secret.status).toBe(404);
    expect((await call('GET', `/api/2/things/${VAULT}`, ALICE)).status).toBe(200);
  });

  it('who may write both policies moves it, and the old policy’s subjects lose access', async () => {
    const id = 'bb.a:movable';
    await ok(
      call('PUT', `/api/2/policies/${id}`, ALICE, {
        entries: { owner: ownerEntry('user:alice'), bob: BOB_ENTRY },
      }),
    );
    await ok(call('PUT', `/api/2/things/${id}`, ALICE, { policyId: id, attributes: { a: 1 } }));
    await ok(
      call('PUT', '/api/2/policies/bb.a:alone', ALICE, {
        entries: { o: ownerEntry('user:alice') },
      }),
    );
    expect((await call('GET', `/api/2/things/${id}`, BOB)).status).toBe(200);
    const moved = await call('PUT', `/api/2/things/${id}/policyId`, ALICE, '"bb.a:alone"');
    expect(moved.status).toBe(204);
    expectError(await call('GET', `/api/2/things/${id}`, BOB), 404, 'things:thing.notfound');
  });
});

describe('black box - scoped, read-only and ordinary credentials reach no further than they may', () => {
  it('a namespace-scoped token sees and changes nothing outside its namespace', async () => {
    const outside = await call('GET', `/api/2/things/${OTHER}`, scoped);
    const missing = await call('GET', '/api/2/things/bb.b:nothing', scoped);
    expectError(outside, 404, 'things:thing.notfound');
    expect(shape(outside, OTHER)).toEqual(shape(missing, 'bb.b:nothing'));
    expect((await call('GET', `/api/2/things/${OTHER}`, ALICE)).status).toBe(200);
    for (const [method, path, body] of [
      ['PUT', `/api/2/things/${OTHER}/attributes/secret`, '"x"'],
      ['DELETE', `/api/2/things/${OTHER}`, undefined],
      ['PUT', '/api/2/things/bb.b:created-by-scoped', {}],
      ['POST', '/api/2/things?namespace=bb.b', {}],
      ['GET', `/api/2/things/${OTHER}/history`, undefined],
      ['GET', `/api/2/policies/${OTHER}`, undefined],
      ['PUT', '/api/2/policies/bb.b:new', { entries: { o: ownerEntry('user:alice') } }],
    ] as const) {
      const answer = await call(method, path, scoped, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.text).not.toContain(SECRET);
    }
    expect((await call('GET', '/api/2/things/bb.b:created-by-scoped', ADMIN)).status).toBe(404);
    expect((await call('GET', '/api/2/policies/bb.b:new', ADMIN)).status).toBe(404);
    const searched = await call('GET', '/api/2/search/things?namespaces=bb.b', scoped);
    expect(searched.json()).toEqual({ items: [] });
    expect((await call('GET', '/api/2/search/things/count?namespaces=bb.b', scoped)).json()).toBe(
      0,
    );
    const own = (await call('GET', '/api/2/search/things/count?namespaces=bb.a', ALICE)).json();
    expect(own).toBeGreaterThan(0);
    expect((await call('GET', '/api/2/search/things/count', scoped)).json()).toBe(own);
    const ids = await call('GET', `/api/2/things?ids=${VAULT},${OTHER}&fields=thingId`, scoped);
    expect(ids.json()).toEqual([{ thingId: VAULT }]);
    // Moving its own thing under a policy of another namespace is refused too.
    const moved = await call('PUT', `/api/2/things/${VAULT}/policyId`, scoped, `"${OTHER}"`);
    expect(moved.status).toBe(403);
    expect((await vaultAsAdmin()).policyId).toBe(VAULT);
    // Nor may it create a thing of its namespace under such a policy, named or inline.
    for (const [method, path, body] of [
      ['PUT', '/api/2/things/bb.a:foreign-policy', { policyId: OTHER }],
      ['POST', '/api/2/things?namespace=bb.a', { policyId: OTHER }],
      [
        'PUT',
        '/api/2/things/bb.a:foreign-inline',
        { policyId: 'bb.b:inline', _policy: { entries: { o: ownerEntry('user:alice') } } },
      ],
    ] as const) {
      expectError(await call(method, path, scoped, body), 403, 'gateway:forbidden');
    }
    expect((await call('GET', '/api/2/policies/bb.b:inline', ADMIN)).status).toBe(404);
    expect((await call('GET', '/api/2/things/bb.a:foreign-policy', ADMIN)).status).toBe(404);
  });

  it('a scoped token mints only narrower tokens; its children inherit the scope', async () => {
    const wider = await call('POST', '/api/2/tokens', scoped, {
      name: 'wider',
      namespaces: ['bb.a', 'bb.b'],
    });
    expectError(wider, 400, 'identities:request.invalid');
    for (const request of [{}, { namespaces: ['bb.a'] }]) {
      const child = await mint(scoped, { name: 'child', ...request });
      expect((await call('GET', `/api/2/things/${OTHER}`, `Bearer ${child.token}`)).status).toBe(
        404,
      );
      expect((await call('GET', `/api/2/things/${VAULT}`, `Bearer ${child.token}`)).status).toBe(
        200,
      );
    }
  });

  it('a token limited to no namespace reads, finds and creates nothing', async () => {
    expect((await call('GET', `/api/2/things/${VAULT}`, noNamespace)).status).toBe(404);
    expect((await call('GET', '/api/2/search/things/count', noNamespace)).json()).toBe(0);
    expect((await call('GET', '/api/2/things', noNamespace)).json()).toEqual([]);
    const created = await call('PUT', '/api/2/things/bb.a:by-no-namespace', noNamespace, {});
    expect(created.status).toBe(404);
    expect((await call('GET', '/api/2/things/bb.a:by-no-namespace', ADMIN)).status).toBe(404);
  });

  it('a read-only token reads, and every kind of write is refused with 403 gateway:token.readonly', async () => {
    expect((await call('GET', `/api/2/things/${VAULT}`, readOnly)).status).toBe(200);
    const before = await vaultAsAdmin();
    const tokensBefore = (await call('GET', '/api/2/tokens', ALICE)).json().length;
    for (const [method, path, body] of [
      ['PUT', `/api/2/things/${VAULT}/attributes/public`, '"x"'],
      ['PATCH', `/api/2/things/${VAULT}`, { attributes: { public: 'x' } }],
      ['DELETE', `/api/2/things/${VAULT}/features/lamp`, undefined],
      ['DELETE', `/api/2/things/${VAULT}`, undefined],
      ['PUT', '/api/2/things/bb.a:by-readonly', {}],
      ['POST', '/api/2/things?namespace=bb.a', {}],
      ['PUT', `/api/2/policies/${VAULT}/entries/ro`, { subjects: {}, resources: {} }],
      ['DELETE', `/api/2/policies/${VAULT}/entries/bob`, undefined],
      ['POST', '/api/2/tokens', { name: 'escalate' }],
      ['POST', '/api/2/tokens', { name: 'escalate', readOnly: false }],
    ] as const) {
      expectError(await call(method, path, readOnly, body), 403, 'gateway:token.readonly');
    }
    const someToken = (await call('GET', '/api/2/tokens', ALICE)).json()[0].id as string;
    expectError(
      await call('DELETE', `/api/2/tokens/${someToken}`, readOnly),
      403,
      'gateway:token.readonly',
    );
    expect(await vaultAsAdmin()).toEqual(before);
    expect((await call('GET', '/api/2/tokens', ALICE)).json().length).toBe(tokensBefore);
    expect((await call('GET', '/api/2/things/bb.a:by-readonly', ADMIN)).status).toBe(404);
  });

  it('an ordinary user, a read-only or scoped admin token manage no users or keys', async () => {
    await ok(
      call('POST', '/api/2/users', ADMIN, {
        username: 'root2',
        password: 'root2-password',
        roles: ['admin'],
      }),
    );
    const roAdmin = `Bearer ${(await mint(basic('root2'), { name: 'ro', readOnly: true })).token}`;
    const nsAdmin = `Bearer ${(await mint(basic('root2'), { name: 'ns', namespaces: ['bb.a'] })).token}`;
    for (const auth of [ALICE, scoped, readOnly, roAdmin, nsAdmin]) {
      for (const [method, path, body] of [
        ['POST', '/api/2/users', { username: 'evil', password: 'evil-password', roles: ['admin'] }],
        ['PATCH', '/api/2/users/carol', { disabled: true }],
        ['DELETE', '/api/2/users/carol', undefined],
        ['POST', '/api/2/auth/keys/rotate', undefined],
      ] as const) {
        const answer = await call(method, path, auth, body);
        expect(answer.status, `${method} ${path}`).toBe(403);
      }
    }
    for (const auth of [ALICE, scoped, readOnly])
      expect((await call('GET', '/api/2/users', auth)).status).toBe(403);
    // Another user's record is answered as a missing one.
    const carol = await call('GET', '/api/2/users/carol', ALICE);
    const nobody = await call('GET', '/api/2/users/nobody', ALICE);
    expectError(carol, 404, 'identities:user.notfound');
    expect(shape(carol, 'carol')).toEqual(shape(nobody, 'nobody'));
    expect((await call('GET', '/api/2/users/alice', ALICE)).status).toBe(200);
    expect((await call('GET', '/api/2/users/evil', ADMIN)).status).toBe(404);
    expect((await call('GET', '/api/2/whoami', basic('carol'))).status).toBe(200);
  });

  it("a user neither sees nor revokes another user's tokens", async () => {
    const bobs = await mint(BOB, { name: 'bobs' });
    const listed = await call('GET', '/api/2/tokens', ALICE);
    expect(listed.text).not.toContain(bobs.id);
    const revoke = await call('DELETE', `/api/2/tokens/${bobs.id}`, ALICE);
    const unknown = await call(
      'DELETE',
      '/api/2/tokens/00000000-0000-4000-8000-000000000000',
      ALICE,
    );
    expectError(revoke, 404, 'identities:token.notfound');
    expect(shape(revoke, bobs.id)).toEqual(shape(unknown, '00000000-0000-4000-8000-000000000000'));
    expect((await call('GET', '/api/2/whoami', `Bearer ${bobs.token}`)).json().defaultSubject).toBe(
      'user:bob',
    );
  });
});

describe('black box - identity: schemes, encodings, tokens and sessions', () => {
  const whoami = (auth: string) => call('GET', '/api/2/whoami', auth);
  const b64 = (text: string, encoding: BufferEncoding = 'utf8') =>
    Buffer.from(text, encoding).toString('base64');

  it('Basic in odd encodings authenticates the encoded user or nobody', async () => {
    const good = b64('bob:bob-password');
    const asBob = [
      `Basic ${good}`,
      `basic ${good}`,
      `BASIC ${good}`,
      `Basic ${good.replace(/=+$/, '')}`,
      `Basic  ${good} `,
    ];
    for (const auth of asBob) {
      const answer = await whoami(auth);
      expect(answer.status, auth).toBe(200);
      expect(answer.json().defaultSubject).toBe('user:bob');
    }
    const refused = [
      `Basic ${b64('bob:bob-password', 'utf16le')}`,
      `Basic ${b64(':bob-password')}`,
      `Basic ${b64('bob')}`,
      `Basic ${b64('bob:bob-password\n')}`,
      `Basic ${b64('bob:')}`,
      `Basic ${b64('mallory:bob-password')}`,
      `Basic ${b64('bob\u0000:bob-password')}`,
      `Basic ${b64('admin:')}`,
      `Bearer ${ADMIN_TOKEN}, Basic ${good}`,
      `Basic\t${good}`,
      `Bearer ${ADMIN_TOKEN} x`,
      `Bearer ${ADMIN_TOKEN.toUpperCase()}`,
      `Token ${ADMIN_TOKEN}`,
    ];
    for (const auth of refused) {
      const answer = await whoami(auth);
      expectError(answer, 401, 'gateway:authentication.failed');
      expect(answer.headers.get('www-authenticate'), auth).toMatch(/Basic/);
    }
    // Two credentials in one header are never read as the second one (here, the administrator).
    const mixed = await whoami(`Basic ${good}, Bearer ${ADMIN_TOKEN}`);
    expect(mixed.text).not.toContain('user:admin');
    for (const scheme of ['bearer', 'BEARER', 'BeArEr'])
      expect((await whoami(`${scheme} ${ADMIN_TOKEN}`)).json().defaultSubject).toBe('user:admin');
  });

  it('forged, altered and misplaced JWTs and refresh tokens are refused', async () => {
    const login = (
      await ok(
        call('POST', '/api/2/auth/login', undefined, {
          username: 'bob',
          password: 'bob-password',
        }),
      )
    ).json();
    const [header, payload, signature] = (login.access_token as string).split('.');
    const enc = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const head = JSON.parse(Buffer.from(header, 'base64url').toString());
    const forged = [
      [enc({ ...head, alg: 'none' }), enc({ ...claims, sub: 'user:admin' }), ''].join('.'),
      [header, enc({ ...claims, sub: 'user:admin' }), signature].join('.'),
      [header, enc({ ...claims, exp: claims.exp + 86_400 }), signature].join('.'),
      [enc({ ...head, kid: 'other' }), payload, signature].join('.'),
      [header, payload, ''].join('.'),
      `${header}.${payload}`,
    ];
    for (const token of forged) expectError(await whoami(`Bearer ${token}`), 401);
    expectError(await whoami(`Basic ${login.access_token}`), 401);
    expectError(await whoami(`Bearer ${login.refresh_token}`), 401);
    expect((await whoami(`Bearer ${login.access_token}`)).json().defaultSubject).toBe('user:bob');
  });

  it('replaying a rotated refresh token revokes the whole session', async () => {
    const first = (
      await ok(
        call('POST', '/api/2/auth/login', undefined, {
          username: 'bob',
          password: 'bob-password',
        }),
      )
    ).json();
    const second = (
      await ok(
        call('POST', '/api/2/auth/refresh', undefined, { refresh_token: first.refresh_token }),
      )
    ).json();
    expect((await whoami(`Bearer ${second.access_token}`)).status).toBe(200);
    const replay = await call('POST', '/api/2/auth/refresh', undefined, {
      refresh_token: first.refresh_token,
    });
    expectError(replay, 401, 'gateway:authentication.failed');
    expectError(await whoami(`Bearer ${second.access_token}`), 401);
    expectError(
      await call('POST', '/api/2/auth/refresh', undefined, { refresh_token: second.refresh_token }),
      401,
    );
  });

  it('logout ends the session, its JWTs and the tokens they minted; revocation is transitive', async () => {
    const session = (
      await ok(
        call('POST', '/api/2/auth/login', undefined, {
          username: 'bob',
          password: 'bob-password',
        }),
      )
    ).json();
    const jwt = `Bearer ${session.access_token}`;
    const minted = await mint(jwt, { name: 'from-jwt', expires: '2099-01-01T00:00:00Z' });
    expect(minted).toMatchObject({ expires: expect.any(String) });
    expect(Date.parse((minted as unknown as { expires: string }).expires)).toBeLessThan(
      Date.now() + 3_600_000,
    );
    const grandchild = await mint(`Bearer ${minted.token}`, { name: 'grandchild' });
    expect((await whoami(`Bearer ${grandchild.token}`)).status).toBe(200);
    const logout = await call('POST', '/api/2/auth/logout', undefined, {
      refresh_token: session.refresh_token,
    });
    expect(logout.status).toBe(204);
    for (const auth of [jwt, `Bearer ${minted.token}`, `Bearer ${grandchild.token}`])
      expectError(await whoami(auth), 401);
    expectError(
      await call('POST', '/api/2/auth/refresh', undefined, {
        refresh_token: session.refresh_token,
      }),
      401,
    );

    const parent = await mint(BOB, { name: 'parent' });
    const child = await mint(`Bearer ${parent.token}`, { name: 'child' });
    const grand = await mint(`Bearer ${child.token}`, { name: 'grand' });
    expect((await call('DELETE', `/api/2/tokens/${parent.id}`, BOB)).status).toBe(204);
    for (const token of [parent, child, grand])
      expectError(await whoami(`Bearer ${token.token}`), 401);
    // A child cannot revoke its way up, nor outlive its parent by asking for a later expiry.
    const p2 = await mint(BOB, {
      name: 'p2',
      expires: new Date(Date.now() + 60_000).toISOString(),
    });
    const c2 = (
      await ok(
        call('POST', '/api/2/tokens', `Bearer ${p2.token}`, {
          name: 'c2',
          expires: '2099-01-01T00:00:00Z',
        }),
      )
    ).json();
    expect(Date.parse(c2.expires)).toBeLessThanOrEqual(Date.now() + 60_000);
    expectError(
      await call('POST', '/api/2/tokens', BOB, { name: 'past', expires: '2000-01-01T00:00:00Z' }),
      400,
      'identities:request.invalid',
    );
  });

  it('disabling or deleting a user stops every credential at once, cached ones included', async () => {
    const carol = basic('carol');
    expect((await whoami(carol)).status).toBe(200); // now in the Basic cache
    const token = await mint(carol, { name: 'carol' });
    const jwt = (
      await ok(
        call('POST', '/api/2/auth/login', undefined, {
          username: 'carol',
          password: 'carol-password',
        }),
      )
    ).json();
    expect((await whoami(`Bearer ${jwt.access_token}`)).status).toBe(200);
    await ok(call('PATCH', '/api/2/users/carol', ADMIN, { disabled: true }));
    for (const auth of [carol, `Bearer ${token.token}`, `Bearer ${jwt.access_token}`])
      expectError(await whoami(auth), 401);
    expectError(
      await call('POST', '/api/2/auth/refresh', undefined, { refresh_token: jwt.refresh_token }),
      401,
    );

    const dave = basic('dave');
    const daveToken = await mint(dave, { name: 'dave' });
    const daveJwt = (
      await ok(
        call('POST', '/api/2/auth/login', undefined, {
          username: 'dave',
          password: 'dave-password',
        }),
      )
    ).json();
    await ok(call('DELETE', '/api/2/users/dave', ADMIN));
    await ok(
      call('POST', '/api/2/users', ADMIN, { username: 'dave', password: 'new-dave-password' }),
    );
    for (const auth of [dave, `Bearer ${daveToken.token}`, `Bearer ${daveJwt.access_token}`])
      expectError(await whoami(auth), 401);
    expect((await whoami(basic('dave', 'new-dave-password'))).status).toBe(200);
  });

  it('an expired token stops working', async () => {
    const short = await mint(BOB, {
      name: 'short',
      expires: new Date(Date.now() + 1200).toISOString(),
    });
    expect((await whoami(`Bearer ${short.token}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expectError(await whoami(`Bearer ${short.token}`), 401);
  });

  it('a second Authorization header, folded headers and smuggled requests gain nothing', async () => {
    const twice = await raw(
      `GET /api/2/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: ${MALLORY}\r\nAuthorization: ${ADMIN}\r\nConnection: close\r\n\r\n`,
    );
    expect(twice).not.toContain('user:admin');
    expect(statusLines(twice)).toHaveLength(1);
    const folded = await raw(
      `GET /api/2/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n ${ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusLines(folded)).toEqual(['HTTP/1.1 400']);
    const smuggled = await raw(
      `POST /api/2/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: ${MALLORY}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/2/things/${VAULT} HTTP/1.1\r\nHost: x\r\nAuthorization: ${ADMIN}\r\n\r\n`,
    );
    expect(statusLines(smuggled)).toEqual(['HTTP/1.1 400']);
    expect(smuggled).not.toContain(SECRET);
    const unauthenticated = await raw(
      `GET /api/2/things/${VAULT} HTTP/1.1\r\nHost: x\r\nX-Forwarded-User: admin\r\nX-Original-URL: /health\r\nConnection: close\r\n\r\n`,
    );
    expect(statusLines(unauthenticated)).toEqual(['HTTP/1.1 401']);
    await healthWithin(2000);
  });
});

describe('black box - hostile input is a 4xx with a Ditto body, never a 500', () => {
  const THING = 'bb.a:input';

  beforeAll(async () => {
    await ok(call('PUT', `/api/2/things/${THING}`, ALICE, { attributes: { a: 1 } }));
  });

  it('malformed, hostile and oversized JSON bodies', async () => {
    const url = `/api/2/things/${THING}/attributes/x`;
    const invalid = [
      '{',
      '{"a":}',
      '[1,]',
      "{'a':1}",
      'undefined',
      '\u0000',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    ];
    for (const body of invalid) {
      const answer = await call('PUT', url, ALICE, body);
      expect(answer.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.json().error).toMatch(/^(json\.invalid|json\.key\.invalid|request\.toolarge)$/);
    }
    const huge = await call('PUT', url, ALICE, JSON.stringify('x'.repeat(3_000_000)));
    expectError(huge, 413, 'request.toolarge');
    const deep = await call(
      'PUT',
      `/api/2/things/${THING}/attributes/${'a/'.repeat(450)}b`,
      ALICE,
      {
        v: JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`),
      },
    );
    expectError(deep, 400, 'json.invalid');
    expectError(
      await call('GET', `/api/2/things/${THING}/attributes/${'a/'.repeat(3000)}b`, ALICE),
      400,
      'json.pointer.invalid',
    );
    // Odd but valid JSON is stored faithfully or refused, never corrupts the thing.
    for (const body of ['1e999', '"\\ud800"', '{"a":1,"a":2}', '-0', '"\\u202e"']) {
      const answer = await call('PUT', url, ALICE, body);
      expect(answer.status, body).toBeLessThan(500);
    }
    const after = await call('GET', `/api/2/things/${THING}`, ALICE);
    expect(after.status).toBe(200);
    expect(() => after.json()).not.toThrow();
    expectError(
      await call('PATCH', `/api/2/things/${THING}`, ALICE, '{}', {
        'content-type': 'application/json',
      }),
      415,
    );
    expectError(
      await call('PUT', url, ALICE, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
    );
    expectError(
      await call('PUT', url, ALICE, '--b\r\n\r\n1\r\n--b--', {
        'content-type': 'multipart/form-data; boundary=b',
      }),
      415,
    );
  });

  it('odd thing and feature ids are refused with the id error, before and after authentication', async () => {
    const ids = [
      'bb.a:va\u202eult',
      'bb.a:vault\u200b',
      '\ufeffbb.a:vault',
      'bb.a:va\u0000ult',
      'bb.a:va\nult',
      `bb.a:${'a'.repeat(300)}`,
      'bb.a',
      'bb..a:vault',
    ];
    for (const id of ids) {
      for (const auth of [ALICE, MALLORY]) {
        const answer = await call('PUT', `/api/2/things/${encodeURIComponent(id)}`, auth, {});
        expectError(answer, 400, 'things:id.invalid');
      }
      expectError(
        await call('GET', `/api/2/policies/${encodeURIComponent(id)}`, ALICE),
        400,
        'policies:id.invalid',
      );
    }
    for (const feature of ['a\u202eb', 'a\u200bb', 'a/b'])
      expect(
        (
          await call(
            'PUT',
            `/api/2/things/${THING}/features/${encodeURIComponent(feature)}`,
            ALICE,
            {},
          )
        ).status,
      ).toBe(400);
    for (const path of [
      '/api/2/things/bb.a:va%ZZult',
      '/api/2/things/bb.a:va%C0%AFult',
      '/api/2/things/bb.a:%ED%A0%80',
    ])
      expect((await call('GET', path, ALICE)).status, path).toBe(400);
    const long = await call('GET', `/api/2/things/bb.a:${'a'.repeat(20_000)}`, ALICE);
    expect(long.status).toBeGreaterThanOrEqual(400);
    expect(long.status).toBeLessThan(500);
    // A look-alike id (Cyrillic а) is another thing: it does not reach the vault.
    const lookalike = await call(
      'GET',
      `/api/2/things/${encodeURIComponent('bb.a:v\u0430ult')}`,
      BOB,
    );
    expectError(lookalike, 404, 'things:thing.notfound');
  });

  it('dot segments, encoded slashes and double encoding do not reach another resource', async () => {
    const get = (path: string, auth?: string) =>
      raw(
        `GET ${path} HTTP/1.1\r\nHost: x\r\n${auth ? `Authorization: ${auth}\r\n` : ''}Connection: close\r\n\r\n`,
      );
    const v = `/api/2/things/${VAULT}`;
    for (const path of [
      `${v}/attributes/public/../secret`,
      `${v}/attributes/public/%2e%2e/secret`,
      `${v}/attributes/public%2F..%2Fsecret`,
      `${v}/attributes/%2573ecret`,
      `${v}/attributes/./secret`,
      `${v}/features/../attributes/secret`,
      `${v}/attributes/secret%00`,
      `${v}/attributes/secret;public`,
    ]) {
      const answer = await get(path, BOB);
      expect(answer, path).not.toContain(SECRET);
      expect(statusLines(answer)[0], path).toMatch(/HTTP\/1\.1 4\d\d/);
    }
    // Public routes do not make the protected ones public.
    for (const path of [
      `/health/..${v}`,
      `/api/2/docs/..${v.slice(6)}`,
      `/api/2/docs/%2e%2e${v.slice(6)}`,
      `/api/2/auth/login/../..${v.slice(6)}`,
      `/api/2/openapi.json/..${v.slice(6)}`,
      `http://evil.example${v}`,
      `/${v}`,
      `${v}?x=/health`,
      `${v}#/health`,
      `${v.replace('things', 'th%69ngs')}`,
    ]) {
      const answer = await get(path);
      expect(answer, path).not.toContain(SECRET);
      expect(statusLines(answer)[0], path).toMatch(/HTTP\/1\.1 40[01]/);
    }
    const docs = await get('/api/2/docs/static/..%2f..%2f..%2fpackage.json');
    expect(docs).not.toContain('"devDependencies"');
    const encodedColon = await call('GET', `/api/2/things/${VAULT.replace(':', '%3A')}`, MALLORY);
    expectError(encodedColon, 404, 'things:thing.notfound');
  });

  it('duplicated query parameters are refused or narrowed, never widen what is seen', async () => {
    for (const query of [
      'fields=thingId&fields=attributes',
      'condition=eq(thingId,"x")&condition=exists(thingId)',
    ]) {
      expectError(await call('GET', `/api/2/things/${VAULT}?${query}`, BOB), 400);
    }
    expectError(await call('GET', `/api/2/things?ids=${VAULT}&ids=${OTHER}`, BOB), 400);
    expectError(
      await call('GET', `/api/2/things/${VAULT}/history?from-revision=1&from-revision=2`, BOB),
      400,
    );
    expectError(await call('POST', '/api/2/things?namespace=bb.a&namespace=bb.b', ALICE, {}), 400);
    expectError(
      await call('GET', '/api/2/search/things?fields=thingId&fields=attributes', BOB),
      400,
    );
    expectError(
      await call('GET', '/api/2/search/things?option=sort(%2Bthingid)&option=sort(-thingId)', BOB),
      400,
    );
    const both = await call(
      'GET',
      '/api/2/search/things?namespaces=bb.a&namespaces=bb.b&fields=thingId',
      scoped,
    );
    if (both.status === 200) expect(both.json()).toEqual({ items: [{ thingId: VAULT }] });
    else expectError(both, 400);
    const header = await raw(
      `GET /api/2/things/${VAULT} HTTP/1.1\r\nHost: x\r\nAuthorization: ${BOB}\r\nat-historical-revision: 1\r\nat-historical-revision: 2\r\nConnection: close\r\n\r\n`,
    );
    expect(statusLines(header)).toEqual(['HTTP/1.1 400']);
    expect(header).not.toContain(SECRET);
  });
});

describe('black box - ReDoS and CPU exhaustion', () => {
  const NS = 'bb.cpu';
  /** A value the worst like patterns have to read all of (about 90 kB). */
  const BIG = 'ab'.repeat(45_000);
  const count = (params: Record<string, string | string[]>, auth = ALICE) => {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(params))
      for (const v of [value].flat()) body.append(key, v);
    return form('/api/2/search/things/count', auth, body);
  };

  beforeAll(async () => {
    await ok(call('PUT', `/api/2/things/${NS}:big`, ALICE, { attributes: { s: BIG } }));
    for (let batch = 0; batch < 4; batch++)
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          ok(
            call('PUT', `/api/2/things/${NS}:t${batch * 50 + i}`, ALICE, { attributes: { n: i } }),
          ),
        ),
      );
  });

  it('like patterns that backtrack in a regular expression answer at once', async () => {
    for (const pattern of [
      `*${'a*'.repeat(400)}c`,
      `*${'ab'.repeat(48)}c*`,
      `${'?'.repeat(999)}`,
      `*${'ab?'.repeat(300)}*c`,
    ]) {
      const started = performance.now();
      const answer = await count({ namespaces: NS, filter: `ilike(attributes/s,"${pattern}")` });
      expect(answer.status, pattern.slice(0, 20)).toBe(200);
      expect(answer.json()).toBe(0);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it('like limits, filter length and nesting are refused with rql.expression.invalid', async () => {
    const likes = (n: number, pattern = '*ab*') =>
      `or(${Array.from({ length: n }, () => `ilike(attributes/s,"${pattern}")`).join(',')})`;
    for (const filter of [
      likes(21),
      `like(attributes/s,"${'a'.repeat(1001)}")`,
      likes(3, `*${'a'.repeat(900)}*`),
      `${'not('.repeat(101)}exists(thingId)${')'.repeat(101)}`,
      `eq(attributes/${'a'.repeat(100_000)},1)`,
    ]) {
      expectError(await count({ filter }), 400, 'rql.expression.invalid');
    }
  });

  it('several filter parameters share one filter’s like limits', async () => {
    const filter = `or(${Array.from({ length: 20 }, () => `ilike(attributes/s,"*${'ab'.repeat(48)}c*")`).join(',')},exists(thingId))`;
    expect((await count({ namespaces: NS, filter })).status).toBe(200);
    // 70 such filters cost 70 times what one filter may: one document then blocks the server.
    const answer = await count({ namespaces: NS, filter: Array(70).fill(filter) });
    expectError(answer, 400, 'rql.expression.invalid');
    await healthWithin(1000);
  });

  it('huge field selectors and sorts on thousands of keys stay bounded', async () => {
    expectError(
      await call('GET', `/api/2/things/${VAULT}?fields=${'a,'.repeat(5001)}b`, ALICE),
      400,
      'json.fieldselector.invalid',
    );
    expectError(await call('GET', `/api/2/things/${VAULT}?fields=${'('.repeat(3000)}`, ALICE), 400);
    const fields = Array.from({ length: 1500 }, (_, i) => `a${i}`).join(',');
    const selected = await form(
      '/api/2/search/things',
      ALICE,
      new URLSearchParams({ namespaces: NS, fields, option: 'size(200)' }),
    );
    expect(selected.status).toBe(200);
    const keys = Array.from({ length: 5000 }, (_, i) => `+attributes/k${i}`).join(',');
    const health = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await healthWithin(1500);
    })();
    const started = performance.now();
    const sorted = await form(
      '/api/2/search/things',
      ALICE,
      new URLSearchParams({ namespaces: NS, option: `sort(${keys}),size(200)` }),
    );
    expect(sorted.status).toBeLessThan(500);
    expect(performance.now() - started).toBeLessThan(6000);
    await health;
  });

  it('tampered cursors are refused and a stolen cursor shows nothing', async () => {
    const first = await call('GET', `/api/2/search/things?namespaces=${NS}&option=size(2)`, ADMIN);
    const cursor = first.json().cursor as string;
    expect(cursor).toMatch(/~/);
    const [time, inner] = cursor.split('~');
    const decoded = JSON.parse(Buffer.from(inner, 'base64url').toString());
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const tampered = [
      'garbage',
      `${time}~`,
      `zzzzzzzzzzzz~${inner}`,
      `${time}~${inner}!!`,
      `${time}~${encode({ ...decoded, h: 'x' })}`,
      `${time}~${encode({ ...decoded, k: [[9]] })}`,
      `${time}~${encode({ ...decoded, k: [[1, { $gt: '' }]] })}`,
      `${time}~${encode({ ...decoded, k: Array(10_000).fill([1, 'a']) })}`,
      `${time}~${encode('x'.repeat(100))}`,
    ];
    for (const c of tampered) {
      const answer = await call(
        'GET',
        `/api/2/search/things?namespaces=${NS}&option=${encodeURIComponent(`size(2),cursor(${c})`)}`,
        ALICE,
      );
      expect(answer.status, c.slice(0, 30)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    const stolen = await call(
      'GET',
      `/api/2/search/things?namespaces=${NS}&option=${encodeURIComponent(`size(2),cursor(${cursor})`)}`,
      MALLORY,
    );
    expect(stolen.json()).toEqual({ items: [] });
    await healthWithin(1000);
  });
});

describe('black box - concurrency', () => {
  const USERS = ['alice', 'bob', 'mallory'];
  const subjectsOf = (policy: { entries: Record<string, { subjects: object }> }) =>
    Object.values(policy.entries).flatMap((e) => Object.keys(e.subjects));

  it('of parallel creates of one thing by several users exactly one wins, with a policy of its own', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `bb.race:thing-${round}`;
      const answers = await Promise.all(
        USERS.flatMap((user) =>
          [1, 2].map(() =>
            call('PUT', `/api/2/things/${id}`, basic(user), { attributes: { by: user } }),
          ),
        ),
      );
      for (const a of answers) expect(a.status, a.text).toBeLessThan(500);
      const created = answers.filter((a) => a.status === 201);
      expect(created).toHaveLength(1);
      const winner = created[0].json().attributes.by as string;
      const thing = (await call('GET', `/api/2/things/${id}`, ADMIN)).json();
      expect(thing.attributes.by).toBe(winner);
      const policy = (await call('GET', `/api/2/policies/${thing.policyId}`, ADMIN)).json();
      expect(subjectsOf(policy)).toEqual([`user:${winner}`]);
      for (const user of USERS.filter((u) => u !== winner))
        expect((await call('GET', `/api/2/things/${id}`, basic(user))).status).toBe(404);
    }
  });

  it('of parallel creates of one policy exactly one wins and the others change nothing', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `bb.race:policy-${round}`;
      const answers = await Promise.all(
        USERS.map((user) =>
          call('PUT', `/api/2/policies/${id}`, basic(user), {
            entries: { owner: ownerEntry(`user:${user}`) },
          }),
        ),
      );
      for (const a of answers) expect(a.status, a.text).toBeLessThan(500);
      expect(answers.filter((a) => a.status < 300)).toHaveLength(1);
      const winner = USERS[answers.findIndex((a) => a.status < 300)];
      const policy = (await call('GET', `/api/2/policies/${id}`, ADMIN)).json();
      expect(subjectsOf(policy)).toEqual([`user:${winner}`]);
    }
  });

  it('parallel policy edits lose no entry and never leave a policy without a writer', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `bb.race:writers-${round}`;
      await ok(
        call('PUT', `/api/2/policies/${id}`, ALICE, {
          entries: { a: ownerEntry('user:alice'), b: ownerEntry('user:bob') },
        }),
      );
      const [byAlice, byBob] = await Promise.all([
        call('DELETE', `/api/2/policies/${id}/entries/b`, ALICE),
        call('DELETE', `/api/2/policies/${id}/entries/a`, BOB),
      ]);
      for (const a of [byAlice, byBob]) expect(a.status, a.text).toBeLessThan(500);
      expect([byAlice.status, byBob.status].filter((s) => s === 204)).toHaveLength(1);
      const policy = (await call('GET', `/api/2/policies/${id}`, ADMIN)).json();
      expect(Object.keys(policy.entries)).toHaveLength(1);
    }
    const id = 'bb.race:entries';
    await ok(
      call('PUT', `/api/2/policies/${id}`, ALICE, { entries: { a: ownerEntry('user:alice') } }),
    );
    const labels = Array.from({ length: 12 }, (_, i) => `e${i}`);
    const answers = await Promise.all(
      labels.map((label) =>
        call('PUT', `/api/2/policies/${id}/entries/${label}`, ALICE, {
          subjects: { [`user:${label}`]: { type: 'user' } },
          resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
        }),
      ),
    );
    for (const a of answers) expect(a.status, a.text).toBe(201);
    const policy = (await call('GET', `/api/2/policies/${id}`, ADMIN)).json();
    expect(Object.keys(policy.entries).sort()).toEqual(['a', ...labels].sort());
  });

  it('parallel creates and deletes of one thing never leave it without its policy', async () => {
    const id = 'bb.race:flip';
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? call('PUT', `/api/2/things/${id}`, ALICE, { attributes: { i } })
          : call('DELETE', `/api/2/things/${id}`, ALICE),
      ),
    );
    for (const a of answers) expect(a.status, a.text).toBeLessThan(500);
    const thing = await call('GET', `/api/2/things/${id}`, ALICE);
    if (thing.status === 200) {
      const policyId = thing.json().policyId as string;
      expect((await call('GET', `/api/2/policies/${policyId}`, ALICE)).status).toBe(200);
    } else {
      expectError(thing, 404, 'things:thing.notfound');
    }
    // Whatever the order, alice can still create it and nobody else can read it.
    await call('PUT', `/api/2/things/${id}`, ALICE, { attributes: { last: true } });
    expect((await call('GET', `/api/2/things/${id}/attributes/last`, ALICE)).json()).toBe(true);
    expect((await call('GET', `/api/2/things/${id}`, MALLORY)).status).toBe(404);
    await healthWithin(2000);
  });

  it('once a revocation of WRITE is acknowledged, no later write of the revoked subject lands', async () => {
    const id = 'bb.race:revoke';
    await ok(
      call('PUT', `/api/2/policies/${id}`, ALICE, {
        entries: {
          owner: ownerEntry('user:alice'),
          bob: { subjects: { 'user:bob': { type: 'user' } }, resources: { 'thing:/': RW } },
        },
      }),
    );
    await ok(call('PUT', `/api/2/things/${id}`, ALICE, { policyId: id, attributes: { n: 0 } }));
    let revoked = false;
    const late: Answer[] = [];
    const writer = async (w: number) => {
      for (let i = 0; i < 60; i++) {
        const sentAfterRevocation = revoked;
        const answer = await call('PUT', `/api/2/things/${id}/attributes/w${w}`, BOB, i);
        expect(answer.status, answer.text).toBeLessThan(500);
        if (sentAfterRevocation) late.push(answer);
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await ok(call('DELETE', `/api/2/policies/${id}/entries/bob`, ALICE));
    revoked = true;
    // Meanwhile alice also edits other parts of the policy and of the thing.
    await Promise.all([
      ok(call('PUT', `/api/2/policies/${id}/entries/extra`, ALICE, ownerEntry('user:carol'))),
      ok(call('PUT', `/api/2/things/${id}/attributes/n`, ALICE, 1)),
    ]);
    await writers;
    expect(late.length).toBeGreaterThan(0);
    for (const answer of late) expectError(answer, 404, 'things:thing.notfound');
    const history = (await call('GET', `/api/2/things/${id}/history`, ALICE)).json() as {
      revision: number;
      headers: Record<string, string>;
      path: string;
    }[];
    const revocationRevision = history.find((e) => e.path === '/attributes/n' && e.revision > 1)
      ?.revision as number;
    expect(revocationRevision).toBeDefined();
    const bobAfter = history.filter(
      (e) => e.headers['ditto-originator'] === 'user:bob' && e.revision > revocationRevision,
    );
    expect(bobAfter).toEqual([]);
  });
});

describe('black box - what the server tells everyone', () => {
  it('/metrics and the API document name no thing, user or secret', async () => {
    for (const path of ['/metrics', '/api/2/openapi.json']) {
      const answer = await call('GET', path, undefined);
      expect(answer.status).toBe(200);
      for (const word of [SECRET, VAULT, 'bb.a', 'alice', 'mallory', ADMIN_TOKEN])
        expect(answer.text, `${path} ${word}`).not.toContain(word);
    }
  });

  it('no password, token or refresh token ever reaches the logs', async () => {
    expect(secrets.size).toBeGreaterThan(10);
    const logs = `${JSON.stringify(server.logs)}\n${server.stderr()}`;
    for (const secret of secrets) expect(logs).not.toContain(secret);
    for (const user of ['alice', 'bob', 'mallory', 'carol', 'dave'])
      expect(logs).not.toContain(`${user}-password`);
    expect(logs).not.toContain(Buffer.from('bob:bob-password').toString('base64'));
    // The server is still there after everything above.
    await healthWithin(2000);
    expect(server.child.exitCode).toBeNull();
  });
});
