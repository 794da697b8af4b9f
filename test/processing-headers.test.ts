// Every documented Ditto header and query parameter against every route of the app: each has its
// effect or is refused with a 400 that changes nothing; a route without an entry here fails.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../src/api/app.js';
import { routeClassOf, type RouteClass } from '../src/api/processing-headers.js';
import WebSocket from 'ws';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

let f: SecureFixture;
let device: WebSocket;
/** The label the device declares and acknowledges every event with. */
const DEVICE_ACK = 'matrix-ack';

/**
 * A real WebSocket device that answers every message (200 with a JSON body) and live command
 * (retrieve 200, others 204), and acknowledges every event that asks for its label.
 */
async function openDevice(base: string): Promise<WebSocket> {
  const socket = new WebSocket(`${base}/ws/2?declared-acks=${DEVICE_ACK}`, {
    headers: { authorization: f.admin },
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const acked: string[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    if (!text.startsWith('{')) return acked.push(text);
    const m = JSON.parse(text) as {
      topic: string;
      path: string;
      status?: number;
      headers: Record<string, string>;
    };
    const id = m.headers['correlation-id'];
    if (m.status !== undefined) return;
    if (m.topic.includes('/things/live/messages/') && m.headers['response-required'] !== 'false')
      socket.send(
        JSON.stringify({
          topic: m.topic,
          path: m.path,
          headers: { 'correlation-id': id, 'content-type': 'application/json' },
          value: { answered: true },
          status: 200,
        }),
      );
    else if (m.topic.includes('/things/live/commands/')) {
      const retrieve = m.topic.endsWith('/retrieve');
      socket.send(
        JSON.stringify({
          topic: m.topic,
          path: m.path,
          headers: { 'correlation-id': id },
          ...(retrieve ? { value: { fromDevice: true } } : {}),
          status: retrieve ? 200 : 204,
        }),
      );
    } else if (m.topic.includes('/things/twin/events/') && m.headers['requested-acks'])
      socket.send(
        JSON.stringify({
          topic: m.topic.replace(/events\/.*$/, `acks/${DEVICE_ACK}`),
          path: '/',
          headers: { 'correlation-id': id },
          status: 200,
        }),
      );
  });
  for (const what of ['MESSAGES', 'LIVE-COMMANDS', 'EVENTS']) socket.send(`START-SEND-${what}`);
  while (acked.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  return socket;
}

beforeAll(async () => {
  f = await createSecureFixture();
  const target = await f.app.inject({
    method: 'PUT',
    url: `/api/2/things/${RELATION_TARGET}`,
    payload: JSON.stringify({ attributes: { target: true } }),
    headers: { authorization: f.admin, 'content-type': JSON_TYPE },
  });
  expect(target.statusCode).toBe(201);
  const url = await f.app.listen({ port: 0, host: '127.0.0.1' });
  device = await openDevice(url.replace('http', 'ws'));
});
afterAll(async () => {
  device.close();
  await f.close();
});

const JSON_TYPE = 'application/json';
const MERGE_TYPE = 'application/merge-patch+json';
let counter = 0;

/** The state one probe works on: a thing with its own policy, and a user. */
interface Subject {
  id: string;
  username: string;
  tokenId: string;
}

const POLICY = (id: string) => ({
  policyId: id,
  // It imports a policy of its own (created with it), so the import routes have values to weigh.
  imports: { [`${id}-roles`]: { entries: [] } },
  entries: {
    owner: {
      subjects: { 'user:alice': { type: 'user' }, 'user:bob': { type: 'user' } },
      resources: {
        'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
      },
      // Set, so that the route of entry namespaces has a value to weigh preconditions on.
      namespaces: ['org.hdr'],
    },
  },
});

async function inject(options: InjectOptions): Promise<LightMyRequestResponse> {
  return f.app.inject({
    ...options,
    headers: { authorization: f.admin, ...(options.headers as Record<string, string>) },
  });
}

/** A fresh thing (two revisions), its policy, and for identity routes a user and a token. */
async function freshSubject(identity: boolean): Promise<Subject> {
  const id = `org.hdr:s${++counter}`;
  const put = (url: string, body: unknown) =>
    inject({
      method: 'PUT',
      url,
      payload: JSON.stringify(body),
      headers: { 'content-type': JSON_TYPE },
    });
  const roles = { ...POLICY(`${id}-roles`), imports: {} };
  expect((await put(`/api/2/policies/${id}-roles`, roles)).statusCode).toBe(201);
  expect((await put(`/api/2/policies/${id}`, POLICY(id))).statusCode).toBe(201);
  const thing = {
    policyId: id,
    definition: 'org.hdr:pump:1.0.0',
    attributes: { a: 1, n: 5 },
    features: {
      lamp: {
        definition: ['org.hdr:lamp:1.0.0'],
        properties: { on: true },
        desiredProperties: { on: false },
      },
    },
  };
  expect((await put(`/api/2/things/${id}`, thing)).statusCode).toBe(201);
  expect((await put(`/api/2/things/${id}/attributes/n`, 6)).statusCode).toBe(204);
  // A relation, so that the relation routes have one to read, replace and delete.
  expect(
    (await put(`/api/2/things/${id}/relations/partOf/${RELATION_TARGET}`, {})).statusCode,
  ).toBe(201);
  let username = '';
  let tokenId = '';
  if (identity) {
    username = `user${counter}`;
    await f.addUser(username);
    const token = await inject({
      method: 'POST',
      url: '/api/2/tokens',
      payload: JSON.stringify({ name: `t${counter}` }),
      headers: { 'content-type': JSON_TYPE },
    });
    tokenId = (token.json() as { id: string }).id;
  }
  return { id, username, tokenId };
}

type Probe = (s: Subject) => InjectOptions;

const thingBody: Record<string, unknown> = {
  '': { policyId: '{id}', attributes: { a: 2 } },
  '/policyId': '{id}',
  '/definition': 'org.hdr:pump:2.0.0',
  '/attributes': { a: 3 },
  '/attributes/*': 4,
  '/features': { lamp: { properties: { on: false } } },
  '/features/:featureId': { properties: { on: false } },
  '/features/:featureId/definition': ['org.hdr:lamp:2.0.0'],
  '/features/:featureId/properties': { on: false },
  '/features/:featureId/properties/*': false,
  '/features/:featureId/desiredProperties': { on: true },
  '/features/:featureId/desiredProperties/*': true,
  '/relations/:name/:targetThingId': { since: 1 },
};

/** The twin every subject's relation points at. */
const RELATION_TARGET = 'org.hdr:relation-target';

function fill(url: string, s: Subject): string {
  return url
    .replace(':targetThingId', RELATION_TARGET)
    .replace(':name', 'partOf')
    .replace(':thingId', s.id)
    .replace(':policyId', s.id)
    .replace(':importedPolicyId', `${s.id}-roles`)
    .replace(':featureId', 'lamp')
    .replace(':label', 'owner')
    .replace(':username', s.username)
    .replace(':id', s.tokenId)
    .replace(':seq', '1')
    .replace(':namespace', s.id.slice(0, s.id.indexOf(':')))
    .replace(/(\/timeseries\/things\/[^/]+)\/\*$/, '$1/attributes/a')
    .replace(':modelId', `m-${s.id}`)
    .replace(':scenarioId', `s-${s.id}`)
    .replace(':runId', 'run-00000000000000000000')
    .replace(':serviceId', 'hdr-service')
    .replace(':typeId', 'hdr.types:probe:1')
    .replace(':alertId', `${s.id}:overload:1`)
    .replace(':runId', 'run-none')
    .replace(':replayId', 'replay-none')
    .replace(':migrationId', 'migration-none')
    .replace('/attributes/*', '/attributes/a')
    .replace('/properties/*', '/properties/on')
    .replace('/desiredProperties/*', '/desiredProperties/on')
    .replace('/subjects/*', '/subjects/user:bob')
    .replace('/resources/*', '/resources/thing:/')
    .replace('/docs/static/*', '/docs/static/swagger-ui.css');
}

function substituted(value: unknown, s: Subject): unknown {
  return JSON.parse(JSON.stringify(value).replaceAll('{id}', s.id));
}

const policyBody: Record<string, unknown> = {
  '': POLICY('{id}'),
  '/entries': POLICY('{id}').entries,
  '/entries/:label': POLICY('{id}').entries.owner,
  '/entries/:label/subjects': { 'user:alice': { type: 'user' } },
  '/entries/:label/subjects/*': { type: 'user' },
  '/entries/:label/resources': { 'thing:/': { grant: ['READ'], revoke: [] } },
  '/entries/:label/resources/*': { grant: ['READ'], revoke: [] },
  '/entries/:label/namespaces': [],
  '/entries/:label/importable': 'implicit',
  '/entries/:label/allowedAdditions': ['subjects'],
  '/entries/:label/references': [],
  '/imports': {},
  '/imports/:importedPolicyId': { entries: [] },
  '/imports/:importedPolicyId/entries': [],
  '/imports/:importedPolicyId/transitiveImports': [],
};

/** The request that exercises a route; its answer without extra headers is the baseline. */
function probeOf(method: string, url: string): Probe | null {
  const thingRest = url.startsWith('/api/2/things/:thingId')
    ? url.slice('/api/2/things/:thingId'.length)
    : null;
  const policyRest = url.startsWith('/api/2/policies/:policyId')
    ? url.slice('/api/2/policies/:policyId'.length)
    : null;
  const simple: Probe = (s) => ({ method: method as 'GET', url: fill(url, s) });
  const withBody =
    (type: string, body: (s: Subject) => unknown): Probe =>
    (s) => ({
      method: method as 'PUT',
      url: fill(url, s),
      headers: { 'content-type': type },
      payload: JSON.stringify(body(s)),
    });
  if (thingRest !== null && thingRest !== '/history' && (method === 'PUT' || method === 'PATCH')) {
    if (!(thingRest in thingBody)) return null;
    return withBody(method === 'PATCH' ? MERGE_TYPE : JSON_TYPE, (s) =>
      substituted(thingBody[thingRest], s),
    );
  }
  if (policyRest !== null && method === 'PUT') {
    if (!(policyRest in policyBody)) return null;
    return withBody(JSON_TYPE, (s) => substituted(policyBody[policyRest], s));
  }
  const key = `${method} ${url}`;
  if (key.includes('/inbox/messages/') || key.includes('/outbox/messages/'))
    return (s) => ({
      method: 'POST',
      url: fill(url, s).replace('/messages/*', '/messages/probe'),
      headers: { 'content-type': 'text/plain' },
      payload: 'ping',
    });
  switch (key) {
    case 'POST /api/2/cloudevents':
      return (s) => ({
        method: 'POST',
        url,
        headers: {
          'content-type': JSON_TYPE,
          'ce-specversion': '1.0',
          'ce-id': `probe${++counter}`,
          'ce-source': '/probe',
          'ce-type': 'org.hdr.probe',
        },
        payload: JSON.stringify({
          topic: `${s.id.replace(':', '/')}/things/twin/commands/modify`,
          path: '/attributes/ce',
          value: counter,
        }),
      });
    case 'POST /api/2/things':
      return withBody(JSON_TYPE, (s) => ({ policyId: s.id, attributes: { posted: true } }));
    case 'POST /api/2/search/things':
    case 'POST /api/2/search/things/count':
      return (s) => ({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `filter=${encodeURIComponent(`eq(thingId,"${s.id}")`)}`,
      });
    case 'POST /api/2/checkPermissions':
      return withBody(JSON_TYPE, (s) => ({
        a: { resource: 'thing:/', entityId: s.id, hasPermissions: ['READ'] },
      }));
    case 'POST /api/2/auth/login':
      return withBody(JSON_TYPE, (s) => ({
        username: s.username,
        password: `${s.username}-password`,
      }));
    case 'POST /api/2/auth/refresh':
    case 'POST /api/2/auth/logout':
      return withBody(JSON_TYPE, () => ({ refreshToken: 'not-a-refresh-token' }));
    case 'POST /api/2/auth/keys/rotate':
      return simple;
    case 'POST /api/2/users':
      return withBody(JSON_TYPE, () => ({ username: `new${++counter}`, password: 'pw-123456789' }));
    case 'PATCH /api/2/users/:username':
      return withBody(JSON_TYPE, () => ({ roles: [] }));
    case 'POST /api/2/tokens':
      return withBody(JSON_TYPE, () => ({ name: `probe${++counter}` }));
    case 'PUT /api/2/ingest/specs/:specId':
      return (s) => ({
        method: 'PUT',
        url: `/api/2/ingest/specs/probe${++counter}`,
        headers: { 'content-type': JSON_TYPE },
        payload: JSON.stringify({
          source: { http: {} },
          thingId: `${s.id.slice(0, s.id.indexOf(':'))}:{{$.id}}`,
          values: { 'attributes/v': '$.v' },
        }),
      });
    case 'POST /api/2/ingest/specs/:specId/test':
    case 'POST /api/2/ingest/:specId':
      return withBody(JSON_TYPE, () => ({ id: 'x', v: 1 }));
    case 'POST /api/2/webhooks':
      return withBody(JSON_TYPE, () => ({
        url: 'http://127.0.0.1:9/hook',
        namespaces: ['hdr.none'],
      }));
    case 'PUT /api/2/webhooks/:id':
      return withBody(JSON_TYPE, () => ({
        url: 'http://127.0.0.1:9/hook',
        namespaces: ['hdr.none'],
      }));
    case 'POST /api/2/timeseries/things/:thingId/*':
      return withBody(JSON_TYPE, () => ({ t: [1], v: [1] }));
    case 'POST /api/2/timeseries/query':
      return withBody(JSON_TYPE, (s) => ({ series: [{ thingId: s.id, pointer: 'attributes/a' }] }));
    // A namespace of its own per request: each creates a retention (201), or finds none (404).
    case 'PUT /api/2/timeseries/retention/:namespace':
    case 'DELETE /api/2/timeseries/retention/:namespace':
      return () => ({
        method: method as 'PUT',
        url: `/api/2/timeseries/retention/hdr.retention${++counter}`,
        headers: { 'content-type': JSON_TYPE },
        payload: method === 'PUT' ? JSON.stringify({ raw: '30d' }) : undefined,
      });
    case 'POST /api/2/forecasts':
      return withBody(JSON_TYPE, (s) => ({
        thingId: s.id,
        pointer: 'attributes/a',
        horizon: '1h',
      }));
    case 'PUT /api/2/models/:modelId':
      return withBody(JSON_TYPE, () => ({ kind: 'external' }));
    case 'PUT /api/2/scenarios/:scenarioId':
      return withBody(JSON_TYPE, () => ({ parameters: { probe: true } }));
    case 'POST /api/2/models/:modelId/runs':
      return withBody(JSON_TYPE, (s) => ({
        series: [{ thingId: s.id, pointer: 'attributes/a', t: [1], mean: [1] }],
      }));
    case 'PUT /api/2/services/:serviceId':
      return (s) => ({
        method: 'PUT',
        url: `/api/2/services/probe${++counter}`,
        headers: { 'content-type': JSON_TYPE },
        payload: JSON.stringify({ kind: 'http', url: `http://127.0.0.1:9/${s.id}` }),
      });
    case 'POST /api/2/replays':
      // A type nobody has: the answer (a 400) is the same for every probe, and nothing runs.
      return withBody(JSON_TYPE, (s) => ({
        type: 'hdr.none:replayed:1',
        filter: `eq(thingId,"${s.id}")`,
      }));
    case 'POST /api/2/datacenters/:id/shadow':
      // Files nobody has: the answer (a 400 naming the workload) is the same for every probe.
      return withBody(JSON_TYPE, () => ({
        workload: '/nonexistent/hdr-workload',
        topology: '/nonexistent/hdr-topology.json',
        power: '/nonexistent/hdr-power.parquet',
      }));
    case 'PUT /api/2/datacenters/:id/whatif/:name':
      // No shadow run of the datacenter: a 409 for every probe, and nothing runs.
      return withBody(JSON_TYPE, () => ({ topology: '/nonexistent/hdr-topology.json' }));
    case 'POST /api/2/things/:thingId/migrateDefinition':
      // A type nobody has: the same 400 for every probe (dry or not), and nothing changes.
      return withBody(JSON_TYPE, () => ({ thingDefinitionUrl: 'hdr.none:migrated:1' }));
    case 'POST /api/2/migrations':
      return withBody(JSON_TYPE, (s) => ({
        filter: `eq(thingId,"${s.id}")`,
        thingDefinitionUrl: 'hdr.none:migrated:1',
      }));
    case 'POST /api/2/forks':
      // An instant that is no time: the same 400 for every probe, and nothing is copied.
      return withBody(JSON_TYPE, (s) => ({
        filter: `eq(thingId,"${s.id}")`,
        at: 'never',
        into: 'hdr.fork',
      }));
    case 'PUT /api/2/types/:typeId':
      return () => ({
        method: 'PUT',
        url: `/api/2/types/hdr.types:probe${++counter}:1`,
        headers: { 'content-type': JSON_TYPE },
        payload: JSON.stringify({ derived: { 'attributes/b': 'attributes.a * 2.0' } }),
      });
    case 'POST /api/2/alerts/:alertId/ack':
    case 'POST /api/2/services/:serviceId/run':
    case 'POST /api/2/webhooks/:id/pause':
    case 'POST /api/2/webhooks/:id/resume':
    case 'POST /api/2/webhooks/:id/deliveries/redrive':
    case 'POST /api/2/webhooks/:id/deliveries/:seq/redrive':
    case 'POST /api/2/policies/:policyId/actions/activateTokenIntegration':
    case 'POST /api/2/policies/:policyId/actions/deactivateTokenIntegration':
    case 'POST /api/2/policies/:policyId/entries/:label/actions/activateTokenIntegration':
    case 'POST /api/2/policies/:policyId/entries/:label/actions/deactivateTokenIntegration':
    case 'POST /api/2/ingest/deadletters/:id/redrive':
    case 'POST /api/2/ingest/deadletters/redrive':
      return simple;
  }
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE') return simple;
  return null;
}

/** What a header does on a route: its effect is asserted, or the request is refused (400). */
type Expectation = (
  response: LightMyRequestResponse,
  baseline: LightMyRequestResponse,
  routeClass: RouteClass,
  method: string,
) => void;

/** The JSON body of a response; null for a body-less one (HEAD, 202, 304). */
function jsonOf(response: LightMyRequestResponse): Record<string, unknown> | null {
  return response.body === '' ? null : (response.json() as Record<string, unknown>);
}

const refused =
  (fragment?: string): Expectation =>
  (response) => {
    expect(response.statusCode).toBe(400);
    const body = jsonOf(response);
    if (body) {
      expect(body.error).toMatch(/invalid/);
      if (fragment) expect(body.message).toContain(fragment);
    }
  };

/** A refusal with Ditto's error code `code`. */
const refusedWith =
  (status: number, code: string | RegExp): Expectation =>
  (response) => {
    expect(response.statusCode).toBe(status);
    const body = jsonOf(response);
    if (body) expect(body).toMatchObject({ error: code });
  };

/** A probe answered 404 or 405 without the header: conditions have nothing to weigh. */
function missingOrNotAllowed(baseline: LightMyRequestResponse): boolean {
  return baseline.statusCode === 404 || baseline.statusCode === 405;
}

/** No response required: a successful request answers 202 without a body; a failing one fails. */
const acceptedWithoutBody: Expectation = (response, baseline) => {
  if (baseline.statusCode < 300) {
    expect(response.statusCode).toBe(202);
    expect(response.body).toBe('');
  } else expect(response.statusCode).toBe(baseline.statusCode);
};

const THING_READ: RouteClass[] = ['thing-read'];
const THING_WRITES: RouteClass[] = ['thing-write', 'thing-merge', 'thing-delete'];
const POLICY_ROUTES: RouteClass[] = ['policy-read', 'policy-write', 'policy-delete'];
const ACKED: RouteClass[] = [...THING_WRITES, 'thing-create'];

/** On the given route classes the effect, elsewhere a 400. */
function onlyOn(classes: RouteClass[], effect: Expectation, fragment?: string): Expectation {
  return (response, baseline, routeClass, method) =>
    classes.includes(routeClass)
      ? effect(response, baseline, routeClass, method)
      : refused(fragment)(response, baseline, routeClass, method);
}

interface HeaderCase {
  name: string;
  value: string;
  /** Sent as a query parameter instead of a header (Ditto's query-params-as-headers). */
  query?: boolean;
  expect: Expectation;
}

/** Where a header applies, the request behaves as without it (its effect has tests of its own). */
const asWithout: Expectation = (response, baseline) =>
  expect(response.statusCode).toBe(baseline.statusCode);

const THING_ROUTES: RouteClass[] = [...THING_READ, ...THING_WRITES, 'thing-create'];

/** On thing routes a metadata header works, or its misuse gets Ditto's own 400. */
const asWithoutOrMisplacedMetadata: Expectation = (response, baseline) => {
  if (response.statusCode === 400) {
    // HEAD answers have no body to carry the error.
    const body = jsonOf(response);
    if (body) expect(body).toMatchObject({ error: 'things:metadata.headersconflict' });
  } else expect(response.statusCode).toBe(baseline.statusCode);
};

const HEADER_CASES: HeaderCase[] = [
  // Metadata and the lock-out rule: their effects are tested in metadata.test.ts and
  // thing-creation.test.ts; here, that they are refused wherever they would do nothing.
  {
    name: 'put-metadata',
    value: '[{"key":"/checked","value":true}]',
    expect: onlyOn(THING_ROUTES, asWithoutOrMisplacedMetadata),
  },
  {
    name: 'delete-metadata',
    value: 'checked',
    expect: onlyOn(THING_ROUTES, asWithoutOrMisplacedMetadata),
  },
  {
    name: 'get-metadata',
    value: 'checked',
    expect: onlyOn(THING_ROUTES, asWithoutOrMisplacedMetadata),
  },
  {
    name: 'allow-policy-lockout',
    value: 'true',
    expect: onlyOn(['thing-write', 'thing-merge', 'thing-create'], asWithout),
  },
  ...[false, true].flatMap((query): HeaderCase[] => [
    {
      name: 'correlation-id',
      value: 'my-correlation',
      query,
      expect: (response) => expect(response.headers['correlation-id']).toBe('my-correlation'),
    },
    { name: 'timeout', value: '0', query, expect: acceptedWithoutBody },
    {
      name: 'timeout',
      value: '61s',
      query,
      expect: refusedWith(400, 'gateway:timeout.invalid'),
    },
    {
      name: 'timeout',
      value: 'soon',
      query,
      expect: refusedWith(400, 'timeout.invalid'),
    },
    { name: 'response-required', value: 'false', query, expect: acceptedWithoutBody },
    { name: 'response-required', value: 'maybe', query, expect: refused('boolean') },
    {
      // The device answers; the twin is untouched (checked below for every live answer).
      name: 'channel',
      value: 'live',
      query,
      expect: onlyOn(
        [...THING_READ, ...THING_WRITES, 'message'],
        (response, baseline, routeClass, method) => {
          if (routeClass === 'message')
            return expect(response.statusCode).toBe(baseline.statusCode);
          expect(response.headers.channel).toBe('live');
          expect(response.statusCode).toBe(method === 'GET' || method === 'HEAD' ? 200 : 204);
        },
      ),
    },
    {
      name: 'channel',
      value: 'twin',
      query,
      expect: (response, baseline) => expect(response.statusCode).toBe(baseline.statusCode),
    },
    {
      // The twin matches, so the device answers the retrieve.
      name: 'live-channel-condition',
      value: 'eq(attributes/a,1)',
      query,
      expect: onlyOn(THING_READ, (response) => {
        expect(response.statusCode).toBe(200);
        expect(response.headers['live-channel-condition-matched']).toBe('true');
        expect(response.headers.channel).toBe('live');
      }),
    },
    {
      // Without channel=live or live-channel-condition there is no live command to time out.
      name: 'live-channel-timeout-strategy',
      value: 'use-twin',
      query,
      expect: refused('live-channel-timeout-strategy'),
    },
    { name: 'declared-acks', value: '["x:y"]', query, expect: refused('declared-acks') },
    {
      // Read by definition migrations (as in Ditto), refused elsewhere.
      name: 'dry-run',
      value: 'true',
      query,
      expect: onlyOn(
        ['migration'],
        (response, baseline) => expect(response.statusCode).toBe(baseline.statusCode),
        'dry-run',
      ),
    },
    {
      name: 'requested-acks',
      value: 'twin-persisted,search-persisted',
      query,
      expect: onlyOn(ACKED, (response, baseline) => {
        if (baseline.statusCode >= 300)
          return expect(response.statusCode).toBe(baseline.statusCode);
        expect(response.statusCode).toBe(200);
        const body = jsonOf(response) as Record<string, { status: number }> | null;
        if (body === null) return;
        expect(body['twin-persisted'].status).toBe(baseline.statusCode);
        expect(body['search-persisted'].status).toBe(204);
      }),
    },
    {
      // The device declared the label and acknowledges the write's event.
      name: 'requested-acks',
      value: `twin-persisted,${DEVICE_ACK}`,
      query,
      expect: onlyOn(ACKED, (response, baseline) => {
        if (baseline.statusCode >= 300)
          return expect(response.statusCode).toBe(baseline.statusCode);
        expect(response.statusCode).toBe(200);
        const body = jsonOf(response) as Record<string, { status: number }> | null;
        if (body === null) return;
        expect(body['twin-persisted'].status).toBe(baseline.statusCode);
        expect(body[DEVICE_ACK].status).toBe(200);
      }),
    },
    {
      name: 'requested-acks',
      value: 'live-response',
      query,
      expect: onlyOn([...ACKED, 'message'], (response, baseline, routeClass, method) =>
        routeClass === 'message'
          ? expect(response.statusCode).toBe(baseline.statusCode)
          : refused('live messages')(response, baseline, routeClass, method),
      ),
    },
    { name: 'requested-acks', value: 'no', query, expect: refused('acknowledgement labels') },
    {
      name: 'condition',
      value: 'eq(thingId,"org.hdr:nobody")',
      query,
      expect: onlyOn([...THING_READ, ...THING_WRITES, 'message'], (response, baseline) => {
        if (missingOrNotAllowed(baseline))
          return expect(response.statusCode).toBe(baseline.statusCode);
        refusedWith(412, 'things:condition.failed')(response, baseline, 'api', '');
      }),
    },
    {
      name: 'at-historical-revision',
      value: '1',
      query,
      expect: onlyOn([...THING_READ, 'policy-read'], (response, baseline, routeClass) => {
        if (routeClass === 'policy-read') {
          // Revision 1 of the policy is the one created: every part is as it is now.
          if (baseline.statusCode !== 200)
            return expect(response.statusCode).toBe(baseline.statusCode);
          expect(response.statusCode).toBe(200);
          // The baseline ran on another subject: compare the bodies with their ids blanked.
          const blank = (body: string) => body.replace(/org\.hdr:s\d+/g, 'ID');
          return expect(blank(response.body)).toBe(blank(baseline.body));
        }
        // Revision 1 had no attribute n yet; everything else was there.
        if (response.statusCode === 200 && baseline.statusCode === 200) return;
        expect([404]).toContain(response.statusCode);
      }),
    },
    {
      name: 'at-historical-timestamp',
      value: '2000-01-01T00:00:00Z',
      query,
      expect: onlyOn([...THING_READ, 'policy-read'], (response, _b, routeClass) => {
        const code =
          routeClass === 'policy-read'
            ? 'policies:policy.history.notfound'
            : 'things:thing.history.notfound';
        refusedWith(404, code)(response, response, 'api', '');
      }),
    },
  ]),
  {
    name: 'accept',
    value: 'application/xml',
    expect: (response, baseline, routeClass) => {
      // Outside Ditto's API (health, metrics, API docs) a route answers its one media type.
      if (routeClass === 'system') return expect(response.statusCode).toBe(baseline.statusCode);
      expect(response.statusCode).toBe(406);
    },
  },
  {
    name: 'accept',
    value: 'application/json',
    expect: (response, baseline) => expect(response.statusCode).toBe(baseline.statusCode),
  },
  {
    name: 'if-match',
    value: '"rev:999"',
    expect: onlyOn([...THING_READ, ...THING_WRITES, ...POLICY_ROUTES], (response, baseline) => {
      if (missingOrNotAllowed(baseline))
        return expect(response.statusCode).toBe(baseline.statusCode);
      refusedWith(412, /:precondition\.failed$/)(response, baseline, 'api', '');
      expect(response.headers.etag).toBeDefined();
    }),
  },
  {
    name: 'if-none-match',
    value: '*',
    expect: onlyOn(
      [...THING_READ, ...THING_WRITES, ...POLICY_ROUTES],
      (response, baseline, routeClass) => {
        if (missingOrNotAllowed(baseline))
          return expect(response.statusCode).toBe(baseline.statusCode);
        const read = routeClass === 'thing-read' || routeClass === 'policy-read';
        expect(response.statusCode).toBe(read ? 304 : 412);
        expect(response.headers.etag).toBeDefined();
      },
    ),
  },
  {
    name: 'if-equal',
    value: 'sometimes',
    expect: refused('if-equal'),
  },
  {
    name: 'if-equal',
    value: 'update',
    expect: onlyOn(
      ['thing-write', 'thing-merge', 'policy-write'],
      (response, baseline) => expect(response.statusCode).toBe(baseline.statusCode),
      'if-equal',
    ),
  },
  {
    name: 'merge-thing-patch-conditions',
    value: '{"nothing/here":"eq(attributes/a,1)"}',
    expect: onlyOn(
      ['thing-merge'],
      (response, baseline) => expect(response.statusCode).toBe(baseline.statusCode),
      'merge-thing-patch-conditions',
    ),
  },
  {
    name: 'merge-thing-patch-conditions',
    value: '["not an object"]',
    expect: refused('merge-thing-patch-conditions'),
  },
];

function uniqueRoutes(): { method: string; url: string }[] {
  const seen = new Set<string>();
  return routesOf(f.app).filter((r) => {
    const key = `${r.method} ${r.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describe('processing headers - every documented header on every route', () => {
  it('every route of the app has a probe (a new route needs an entry here)', () => {
    const missing = uniqueRoutes()
      .filter((r) => probeOf(r.method, r.url) === null)
      .map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    expect(uniqueRoutes().length).toBeGreaterThan(120);
  });

  it('each header has its effect or is refused with a 400 that changes nothing', async () => {
    // One failure per header case, route class and method: the first shows the problem.
    const failures: string[] = [];
    const failed = new Set<string>();
    for (const route of uniqueRoutes()) {
      const probe = probeOf(route.method, route.url) as Probe;
      const routeClass = routeClassOf(route.method, route.url);
      // Users and tokens are made only where the route names one (hashing a password is slow).
      const identity =
        route.url.includes(':username') ||
        route.url.includes(':id') ||
        route.url.endsWith('/auth/login');
      const baseline = await inject(probe(await freshSubject(identity)));
      expect(baseline.statusCode, `${route.method} ${route.url}`).toBeLessThan(500);
      // Reads change nothing: one subject serves every case of a GET or HEAD route.
      const reads = route.method === 'GET' || route.method === 'HEAD';
      const shared = reads ? await freshSubject(identity) : null;
      for (const c of HEADER_CASES) {
        const s = shared ?? (await freshSubject(identity));
        const request = probe(s);
        const headers = { ...(request.headers as Record<string, string>) };
        let url = request.url as string;
        if (c.query)
          url += `${url.includes('?') ? '&' : '?'}${c.name}=${encodeURIComponent(c.value)}`;
        else headers[c.name] = c.value;
        const before = await stateOf(s);
        const response = await inject({ ...request, url, headers });
        const label = `${route.method} ${route.url} with ${c.name}${c.query ? ' (query)' : ''}: ${c.value} -> ${response.statusCode} ${response.body.slice(0, 160)}`;
        try {
          c.expect(response, baseline, routeClass, route.method);
          if (
            response.statusCode === 400 ||
            response.statusCode === 406 ||
            response.headers.channel === 'live'
          )
            expect(await stateOf(s)).toEqual(before);
        } catch (error) {
          const kind = `${c.name}=${c.value} ${c.query ?? false} ${routeClass} ${route.method}`;
          if (!failed.has(kind))
            failures.push(`${label}: ${(error as Error).message.split('\n')[0]}`);
          failed.add(kind);
        }
      }
    }
    expect(failures.slice(0, 40), `${failures.length} failures`).toEqual([]);
  }, 600_000);
});

async function stateOf(s: Subject): Promise<unknown> {
  const thing = await inject({ url: `/api/2/things/${s.id}` });
  const policy = await inject({ url: `/api/2/policies/${s.id}` });
  return { thing: thing.body, etag: thing.headers.etag, policy: policy.body };
}
