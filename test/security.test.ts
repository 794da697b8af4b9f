// Security: every route × every credential case answers the exact status and leaks no protected byte.
import { randomBytes, randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf, type RouteInfo } from '../src/api/app.js';
import { createSecureFixture, type SecureFixture } from './support/secure-app-fixture.js';

// --- the seeded data and its markers ---

/** In every protected value of secure.ns:vault. */
const MARK = 'SECRET-7f3a9';
/** Only in secure.ns:vault's attributes/secret (READ and WRITE revoked there for bob). */
const ATTR_MARK = `${MARK}-A`;
/** In other.ns:box. */
const BOX_MARK = 'SECRET-b0x42';
/** In the names of alice's API tokens. */
const TOKEN_MARK = 'SECRET-t0k3n';
/** A subject of the vault's policy. */
const POLICY_MARK = 'SECRET-p0l1c';
const ALL_MARKS = [MARK, BOX_MARK, TOKEN_MARK, POLICY_MARK];

const VAULT = 'secure.ns:vault';
/** A policy the vault's policy imports; its only entry is never imported, so it grants nothing. */
const ROLES = 'secure.ns:roles';
const BOX = 'other.ns:box';
const SECRET_PATH = ['attributes', 'secret'];

const VAULT_BODY = {
  definition: `secure.ns:${MARK}-T:1.0.0`,
  attributes: { secret: ATTR_MARK, public: `${MARK}-pub`, serial: 7 },
  features: {
    lamp: {
      definition: [`secure.ns:${MARK}-F:1.0.0`],
      properties: { level: `${MARK}-P`, on: true },
      desiredProperties: { level: `${MARK}-D` },
    },
  },
};
const BOX_BODY = {
  attributes: { secret: BOX_MARK },
  features: { lid: { properties: { open: BOX_MARK } } },
};

const BOB_ENTRY = {
  subjects: { 'user:bob': { type: 'user' } },
  resources: {
    'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
    'thing:/attributes/secret': { grant: [], revoke: ['READ', 'WRITE'] },
  },
};
const KEEPER_ENTRY = {
  subjects: { 'user:admin': { type: 'user' }, [`user:${POLICY_MARK}`]: { type: 'user' } },
  resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
};

// --- credential cases ---

type Kind = 'rejected' | 'owner' | 'readOnly' | 'otherNamespace' | 'subPathRevoked' | 'stranger';

interface CredentialCase {
  name: string;
  kind: Kind;
  /** The Authorization header (undefined = none); filled in by the setup. */
  header?: string;
}

const CASES: CredentialCase[] = [
  { name: 'no credentials', kind: 'rejected' },
  { name: 'malformed Basic', kind: 'rejected', header: 'Basic !!!' },
  { name: 'Bearer without token', kind: 'rejected', header: 'Bearer' },
  { name: 'unknown scheme', kind: 'rejected', header: 'Token x' },
  { name: 'garbage header', kind: 'rejected', header: '\u0001garbage%%' },
  { name: 'unknown API token', kind: 'rejected', header: 'Bearer tft_not-a-real-token-000000' },
  { name: 'bad password', kind: 'rejected' },
  { name: 'expired JWT', kind: 'rejected' },
  { name: 'JWT signed with another key (same kid)', kind: 'rejected' },
  { name: 'JWT signed with another key (unknown kid)', kind: 'rejected' },
  { name: 'revoked API token', kind: 'rejected' },
  { name: 'JWT after logout', kind: 'rejected' },
  { name: 'owner (Basic)', kind: 'owner' },
  { name: 'owner (JWT)', kind: 'owner' },
  { name: 'read-only token', kind: 'readOnly' },
  { name: 'token of another namespace', kind: 'otherNamespace' },
  { name: 'subject revoked on a sub-path', kind: 'subPathRevoked' },
  { name: 'subject without grant', kind: 'stranger' },
];

// --- classification of routes ---

type Category =
  | 'public'
  | 'thing'
  | 'relation'
  | 'things'
  | 'history'
  | 'search'
  | 'policy'
  | 'permissions'
  | 'policyAction'
  | 'identity'
  | 'ingest'
  | 'webhook'
  | 'timeseries'
  | 'model'
  | 'service'
  | 'replay'
  | 'datacenter'
  | 'migration'
  | 'fork'
  | 'type'
  | 'alert'
  | 'message'
  | 'cloudevents'
  | 'methodNotAllowed';

/** Ordered: the first rule whose method and pattern match classifies a route. */
const RULES: { methods?: string[]; url: RegExp; category: Category }[] = [
  { url: /^\/(health|ready|metrics)$/, category: 'public' },
  { url: /^\/api\/2\/docs(\/.*)?$/, category: 'public' },
  { url: /^\/api\/2\/openapi\.json$/, category: 'public' },
  { url: /^\/api\/2\/auth\/(login|refresh|logout)$/, category: 'public' },
  {
    methods: ['DELETE'],
    url: /^\/api\/2\/things\/:thingId\/policyId$/,
    category: 'methodNotAllowed',
  },
  { url: /^\/api\/2\/things\/:thingId\/history$/, category: 'history' },
  {
    methods: ['POST'],
    url: /^\/api\/2\/things\/:thingId(\/features\/:featureId)?\/(inbox|outbox)\/messages\/\*$/,
    category: 'message',
  },
  { methods: ['POST'], url: /^\/api\/2\/cloudevents$/, category: 'cloudevents' },
  { url: /^\/api\/2\/things\/:thingId\/relations(\/.*)?$/, category: 'relation' },
  {
    methods: ['POST'],
    url: /^\/api\/2\/things\/:thingId\/migrateDefinition$/,
    category: 'migration',
  },
  { url: /^\/api\/2\/things\/:thingId(\/.*)?$/, category: 'thing' },
  { url: /^\/api\/2\/things$/, category: 'things' },
  { url: /^\/api\/2\/search\/things(\/count)?$/, category: 'search' },
  {
    methods: ['POST'],
    url: /^\/api\/2\/policies\/:policyId(\/entries\/:label)?\/actions\/\w+$/,
    category: 'policyAction',
  },
  { url: /^\/api\/2\/policies\/:policyId(\/.*)?$/, category: 'policy' },
  { methods: ['POST'], url: /^\/api\/2\/checkPermissions$/, category: 'permissions' },
  // The list of connected clients is an administrator's, as the users are.
  {
    url: /^\/api\/2\/(whoami|users|tokens|auth\/keys\/rotate|clients)(\/.*)?$/,
    category: 'identity',
  },
  { url: /^\/api\/2\/ingest(\/.*)?$/, category: 'ingest' },
  { url: /^\/api\/2\/webhooks(\/.*)?$/, category: 'webhook' },
  { url: /^\/api\/2\/timeseries(\/.*)?$/, category: 'timeseries' },
  { url: /^\/api\/2\/(models|scenarios|runs|forecasts)(\/.*)?$/, category: 'model' },
  { url: /^\/api\/2\/services(\/.*)?$/, category: 'service' },
  { url: /^\/api\/2\/replays(\/.*)?$/, category: 'replay' },
  // Datacenter twins read and write files on the server: administrators only.
  { url: /^\/api\/2\/datacenters(\/.*)?$/, category: 'datacenter' },
  { url: /^\/api\/2\/migrations(\/.*)?$/, category: 'migration' },
  { url: /^\/api\/2\/forks(\/.*)?$/, category: 'fork' },
  { url: /^\/api\/2\/types(\/.*)?$/, category: 'type' },
  { url: /^\/api\/2\/alerts(\/.*)?$/, category: 'alert' },
];

function classify(route: RouteInfo): Category | null {
  const rule = RULES.find(
    (r) => r.url.test(route.url) && (!r.methods || r.methods.includes(route.method)),
  );
  return rule?.category ?? null;
}

/** Values for path parameters; `*` is chosen by the literal segment before it. */
const STAR_AFTER: Record<string, string> = {
  attributes: 'secret',
  properties: 'level',
  desiredProperties: 'level',
  subjects: 'user:alice',
  resources: 'thing:/',
  docs: 'static/index.html',
  messages: 'probe',
  static: 'swagger-ui.css',
  // A series: /timeseries/things/:thingId/* names a pointer of the thing.
  ':thingId': SECRET_PATH.join('/'),
};

interface Targets {
  thingId: string;
  policyId: string;
  tokenId: string;
}

function concreteUrl(route: RouteInfo, targets: Targets): string {
  const parts = route.url.split('/');
  return parts
    .map((part, i) => {
      if (part === ':thingId') return targets.thingId;
      if (part === ':policyId') return targets.policyId;
      if (part === ':featureId') return 'lamp';
      if (part === ':name') return 'partOf';
      if (part === ':targetThingId') return BOX;
      if (part === ':label') return 'DEFAULT';
      if (part === ':importedPolicyId') return ROLES;
      if (part === ':username') return 'alice';
      if (part === ':id') return targets.tokenId;
      if (part === ':specId') return part; // filled per request by ingestVariants
      if (part === ':seq') return '1';
      if (part === ':namespace') return 'secure.ns';
      if (part === ':modelId') return ADMIN_MODEL;
      if (part === ':scenarioId') return ADMIN_SCENARIO;
      if (part === ':runId') return adminRun;
      if (part === ':serviceId') return ADMIN_SERVICE;
      if (part === ':typeId') return ADMIN_TYPE;
      if (part === ':alertId') return VAULT_ALERT;
      if (part === ':runId') return adminServiceRun;
      if (part === ':replayId') return adminReplay;
      if (part === ':migrationId') return 'migration-none';
      if (part === '*' && STAR_AFTER[parts[i - 1]] !== undefined) return STAR_AFTER[parts[i - 1]];
      if (part.startsWith(':') || part.includes('*'))
        throw new Error(
          `test/security.test.ts cannot fill '${part}' of ${route.method} ${route.url}: add a value for it to concreteUrl.`,
        );
      return part;
    })
    .join('/');
}

/** The thing resource path a /things/:thingId/... pattern addresses (after substitution). */
function thingSegments(route: RouteInfo): string[] {
  const tail = concreteUrl(route, { thingId: VAULT, policyId: VAULT, tokenId: 'x' }).slice(
    `/api/2/things/${VAULT}`.length,
  );
  return tail.split('/').filter((s) => s !== '');
}

const isPrefix = (prefix: string[], path: string[]) =>
  prefix.length <= path.length && prefix.every((s, i) => path[i] === s);

/** What bob (READ revoked on attributes/secret) sees of a vault resource an administrator sees as `full`. */
function bobView(full: unknown, segments: string[]): unknown {
  const copy = structuredClone(full) as Record<string, Record<string, unknown>>;
  if (segments.length === 0) delete copy.attributes.secret;
  else if (segments.length === 1 && segments[0] === 'attributes') delete copy.secret;
  return copy;
}

// --- expectations ---

interface Expectation {
  status: number;
  /** The `error` code of the body (a RegExp for a family of codes). */
  error?: string | RegExp;
  /** Markers that must not appear anywhere in the response (body and headers). */
  absent: string[];
  /** Markers that must appear in the body (shows that the case can fail). */
  present?: string[];
  /** The exact JSON body. */
  body?: unknown;
  check?: (json: unknown) => string | null;
  /** Writes expected to succeed run against a fresh copy, so the seeded data stays intact. */
  onCopy?: boolean;
}

interface Variant {
  label: string;
  url(targets: Targets): string;
  headers?: Record<string, string>;
  /** Where an administrator reads the value the expectations compare with (`full`). */
  adminUrl?: string;
  /** A JSON body, or a Form. */
  body?(full: unknown): unknown;
  expect(kind: Kind, full: unknown): Expectation;
}

/** A form-urlencoded request body. */
class Form {
  constructor(readonly text: string) {}
}

const REAL: Targets = { thingId: VAULT, policyId: VAULT, tokenId: 'set-per-case' };
const rejected: Expectation = {
  status: 401,
  error: 'gateway:authentication.failed',
  absent: ALL_MARKS,
};
const NOT_VAULT = [BOX_MARK, TOKEN_MARK, POLICY_MARK];
const NOT_ALICE = [ATTR_MARK, BOX_MARK, TOKEN_MARK, POLICY_MARK];

const marksIn = (value: unknown, marks = ALL_MARKS) =>
  marks.filter((m) => JSON.stringify(value ?? null).includes(m));

function withoutKey(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const { [key]: _dropped, ...rest } = value as Record<string, unknown>;
  return rest;
}

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

function thingVariants(route: RouteInfo): Variant[] {
  const { method } = route;
  const segments = thingSegments(route);
  const read = isRead(method);
  const head = method === 'HEAD';
  const touchesSecret = isPrefix(segments, SECRET_PATH) || isPrefix(SECRET_PATH, segments);
  const underSecret = isPrefix(SECRET_PATH, segments);
  const make = (label: string, headers: Record<string, string>): Variant => ({
    label,
    headers,
    url: (targets) => concreteUrl(route, targets),
    adminUrl: concreteUrl(route, REAL),
    body: read || method === 'DELETE' ? undefined : (full) => withoutKey(full, 'thingId'),
    expect(kind, full) {
      switch (kind) {
        case 'rejected':
          return rejected;
        case 'owner':
        case 'readOnly':
          if (read)
            return head
              ? { status: 200, absent: NOT_VAULT }
              : { status: 200, absent: NOT_VAULT, body: full, present: marksIn(full) };
          if (kind === 'readOnly')
            return { status: 403, error: 'gateway:token.readonly', absent: ALL_MARKS };
          return { status: 204, absent: NOT_VAULT, onCopy: true };
        case 'otherNamespace':
          return {
            status: 404,
            error: head ? undefined : 'things:thing.notfound',
            absent: ALL_MARKS,
          };
        case 'stranger':
          // Exactly the answer for a thing that does not exist: no existence oracle.
          return {
            status: 404,
            error: head
              ? undefined
              : headers['at-historical-revision']
                ? 'things:thing.history.notfound'
                : 'things:thing.notfound',
            absent: ALL_MARKS,
          };
        case 'subPathRevoked':
          if (read) {
            if (underSecret)
              return {
                status: 404,
                error: head ? undefined : 'things:attribute.notfound',
                absent: NOT_ALICE,
              };
            return head
              ? { status: 200, absent: NOT_ALICE }
              : {
                  status: 200,
                  absent: NOT_ALICE,
                  body: bobView(full, segments),
                  present: marksIn(bobView(full, segments)),
                };
          }
          if (touchesSecret)
            return { status: 403, error: /^things:.*notmodifiable$/, absent: NOT_ALICE };
          return { status: 204, absent: NOT_ALICE, onCopy: true };
      }
    },
  });
  const variants = [make('', {})];
  // Time travel is enforced like a current read.
  if (read) variants.push(make(' at-historical-revision', { 'at-historical-revision': '1' }));
  return variants;
}

/**
 * The vault's relation to the box (alice's; bob may not read the box, nor write all of the vault):
 * WRITE on thing:/ of both ends to change it, READ to see it, the box's relation hidden from bob.
 */
function relationVariants(route: RouteInfo): Variant[] {
  const { method } = route;
  const read = isRead(method);
  const head = method === 'HEAD';
  const listing = route.url.endsWith('/relations');
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      adminUrl: read ? concreteUrl(route, REAL) : undefined,
      body: method === 'PUT' ? () => ({ note: 'replaced by the security test' }) : undefined,
      expect(kind, full) {
        switch (kind) {
          case 'rejected':
            return rejected;
          case 'owner':
          case 'readOnly':
            if (read)
              return head
                ? { status: 200, absent: [TOKEN_MARK, POLICY_MARK] }
                : { status: 200, absent: [TOKEN_MARK, POLICY_MARK], body: full, present: [MARK] };
            if (kind === 'readOnly')
              return { status: 403, error: 'gateway:token.readonly', absent: ALL_MARKS };
            return { status: 204, absent: ALL_MARKS, onCopy: true };
          case 'otherNamespace':
          case 'stranger':
            return {
              status: 404,
              error: head ? undefined : 'things:thing.notfound',
              absent: ALL_MARKS,
            };
          case 'subPathRevoked':
            // bob reads the vault but not the box: the relation is not shown, the box not named.
            if (read) {
              const absent = [...NOT_ALICE, MARK, BOX];
              if (listing)
                return head
                  ? { status: 200, absent }
                  : { status: 200, absent, body: { relations: [] } };
              return {
                status: 404,
                error: head ? undefined : 'relations:relation.notfound',
                absent: [...NOT_ALICE, MARK],
              };
            }
            // WRITE is revoked on a part of the vault: bob may not write all of thing:/.
            return { status: 403, error: /^things:.*notmodifiable$/, absent: NOT_ALICE };
        }
      },
    },
  ];
}

function historyVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  const make = (label: string, query: string): Variant => ({
    label,
    url: (targets) => `${concreteUrl(route, targets)}${query}`,
    adminUrl: `${concreteUrl(route, REAL)}${query}`,
    expect(kind, full) {
      switch (kind) {
        case 'rejected':
          return rejected;
        case 'owner':
        case 'readOnly':
          return head
            ? { status: 200, absent: NOT_VAULT }
            : { status: 200, absent: NOT_VAULT, body: full, present: marksIn(full) };
        case 'otherNamespace':
        case 'stranger':
          return {
            status: 404,
            error: head ? undefined : 'things:thing.notfound',
            absent: ALL_MARKS,
          };
        case 'subPathRevoked':
          return {
            status: 200,
            absent: NOT_ALICE,
            present: head || query !== '' ? [] : [MARK],
          };
      }
    },
  });
  // An empty range must not tell a subject without READ that the thing exists.
  return [make('', ''), make(' empty range', '?from-revision=1000')];
}

function thingsVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  if (route.method === 'POST')
    return [
      {
        label: '',
        url: () => `${route.url}?namespace=secure.ns`,
        body: () => ({ attributes: { made: 'by the security test' } }),
        expect(kind) {
          if (kind === 'rejected') return rejected;
          if (kind === 'readOnly')
            return { status: 403, error: 'gateway:token.readonly', absent: ALL_MARKS };
          if (kind === 'otherNamespace')
            return { status: 404, error: 'things:thing.notfound', absent: ALL_MARKS };
          return { status: 201, absent: ALL_MARKS };
        },
      },
    ];
  const ids: Variant = {
    label: ' ?ids',
    url: () => `${route.url}?ids=${VAULT},${BOX}`,
    adminUrl: `${route.url}?ids=${VAULT},${BOX}`,
    expect(kind, full) {
      const [vault, box] = full as unknown[];
      const ok = (body: unknown, absent: string[]): Expectation =>
        head ? { status: 200, absent } : { status: 200, absent, body, present: marksIn(body) };
      switch (kind) {
        case 'rejected':
          return rejected;
        case 'owner':
        case 'readOnly':
          return ok(full, [TOKEN_MARK, POLICY_MARK]);
        case 'otherNamespace':
          return ok([box], [MARK, TOKEN_MARK, POLICY_MARK]);
        case 'subPathRevoked':
          return ok([bobView(vault, [])], NOT_ALICE);
        case 'stranger':
          return ok([], ALL_MARKS);
      }
    },
  };
  const list: Variant = {
    label: ' list',
    url: () => `${route.url}?option=size(200)`,
    expect(kind) {
      const present = (marks: string[]) => (head ? [] : marks);
      switch (kind) {
        case 'rejected':
          return rejected;
        case 'owner':
        case 'readOnly':
          return {
            status: 200,
            absent: [TOKEN_MARK, POLICY_MARK],
            present: present([ATTR_MARK, BOX_MARK]),
          };
        case 'otherNamespace':
          return {
            status: 200,
            absent: [MARK, TOKEN_MARK, POLICY_MARK],
            present: present([BOX_MARK]),
          };
        case 'subPathRevoked':
          return { status: 200, absent: NOT_ALICE, present: present([MARK]) };
        case 'stranger':
          return { status: 200, absent: ALL_MARKS };
      }
    },
  };
  return [ids, list];
}

const SEARCH_FILTER = 'like(attributes/secret,"SECRET-*")';

function searchVariants(route: RouteInfo): Variant[] {
  const count = route.url.endsWith('/count');
  const head = route.method === 'HEAD';
  const make = (label: string, option: string | null): Variant => {
    const params = new URLSearchParams({ filter: SEARCH_FILTER, namespaces: 'secure.ns,other.ns' });
    if (option) params.set('option', option);
    const query = params.toString();
    return {
      label,
      url: () => (route.method === 'POST' ? route.url : `${route.url}?${query}`),
      body: route.method === 'POST' ? () => new Form(query) : undefined,
      expect(kind) {
        if (kind === 'rejected') return rejected;
        let visible: string[];
        if (kind === 'owner' || kind === 'readOnly') visible = option ? [VAULT] : [BOX, VAULT];
        else if (kind === 'otherNamespace') visible = [BOX];
        else visible = [];
        const absent =
          kind === 'owner' || kind === 'readOnly'
            ? [TOKEN_MARK, POLICY_MARK]
            : kind === 'otherNamespace'
              ? [MARK, TOKEN_MARK, POLICY_MARK]
              : ALL_MARKS;
        if (head) return { status: 200, absent };
        const total = kind === 'owner' || kind === 'readOnly' ? 2 : visible.length;
        if (count) return { status: 200, absent, body: total };
        return {
          status: 200,
          absent,
          check: (json) => {
            const page = json as { items: { thingId: string }[]; cursor?: string };
            const ids = page.items.map((t) => t.thingId);
            if (JSON.stringify(ids) !== JSON.stringify(visible))
              return `items ${JSON.stringify(ids)}, expected ${JSON.stringify(visible)}`;
            const more = total > visible.length;
            if ((page.cursor !== undefined) !== more)
              return `cursor ${page.cursor === undefined ? 'missing' : 'present'}`;
            return null;
          },
        };
      },
    };
  };
  return count
    ? [make(' filter on secret', null)]
    : [
        make(' filter on secret', null),
        make(' sort by secret', 'sort(+attributes/secret),size(1)'),
      ];
}

function policyVariants(route: RouteInfo): Variant[] {
  const { method } = route;
  const read = isRead(method);
  const head = method === 'HEAD';
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      adminUrl: concreteUrl({ ...route, method: 'GET' }, REAL),
      body: method === 'PUT' ? (full) => withoutKey(full, 'policyId') : undefined,
      expect(kind, full) {
        switch (kind) {
          case 'rejected':
            return rejected;
          case 'owner':
          case 'readOnly':
            if (read)
              return head
                ? { status: 200, absent: [BOX_MARK, TOKEN_MARK] }
                : {
                    status: 200,
                    absent: [BOX_MARK, TOKEN_MARK],
                    body: full,
                    present: marksIn(full),
                  };
            if (kind === 'readOnly')
              return { status: 403, error: 'gateway:token.readonly', absent: ALL_MARKS };
            return { status: 204, absent: [BOX_MARK, TOKEN_MARK], onCopy: true };
          case 'otherNamespace':
          case 'subPathRevoked':
          case 'stranger':
            return {
              status: 404,
              error: head ? undefined : 'policies:policy.notfound',
              absent: ALL_MARKS,
            };
        }
      },
    },
  ];
}

/** Token integration is refused for who may see the policy, and hidden from who may not. */
function policyActionVariants(route: RouteInfo): Variant[] {
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      body: () => ({}),
      expect(kind) {
        switch (kind) {
          case 'rejected':
            return rejected;
          case 'owner':
          case 'readOnly':
            return { status: 400, error: 'policies:action.failed', absent: ALL_MARKS };
          case 'otherNamespace':
          case 'subPathRevoked':
          case 'stranger':
            return { status: 404, error: 'policies:policy.notfound', absent: ALL_MARKS };
        }
      },
    },
  ];
}

function permissionsVariants(route: RouteInfo): Variant[] {
  return [
    {
      label: '',
      url: () => route.url,
      body: () => ({
        secret: { resource: 'thing:/attributes/secret', entityId: VAULT, hasPermissions: ['READ'] },
        whole: { resource: 'thing:/', entityId: VAULT, hasPermissions: ['READ'] },
        box: { resource: 'thing:/', entityId: BOX, hasPermissions: ['READ'] },
      }),
      expect(kind) {
        if (kind === 'rejected') return rejected;
        const all = kind === 'owner' || kind === 'readOnly';
        return {
          status: 200,
          absent: ALL_MARKS,
          body: { secret: all, whole: all, box: all || kind === 'otherNamespace' },
        };
      },
    },
  ];
}

const ALICE_SUBJECT = { defaultSubject: 'user:alice', subjects: ['user:alice'] };
const isAlice = (kind: Kind) =>
  kind === 'owner' || kind === 'readOnly' || kind === 'otherNamespace';
const forbidden: Expectation = { status: 403, error: 'gateway:forbidden', absent: ALL_MARKS };

/** Identity routes differ per route: a new one must be added here. */
const IDENTITY: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/whoami': {
    expect: (kind) => ({
      status: 200,
      absent: ALL_MARKS,
      body: isAlice(kind)
        ? ALICE_SUBJECT
        : kind === 'subPathRevoked'
          ? { defaultSubject: 'user:bob', subjects: ['user:bob'] }
          : { defaultSubject: 'user:mallory', subjects: ['user:mallory'] },
    }),
  },
  'GET /api/2/users': { expect: () => forbidden },
  'GET /api/2/clients': { expect: () => forbidden },
  'POST /api/2/users': {
    body: () => ({ username: 'eve', password: 'eve-password' }),
    expect: () => forbidden,
  },
  'GET /api/2/users/:username': {
    expect: (kind) =>
      isAlice(kind)
        ? { status: 200, absent: ALL_MARKS }
        : { status: 404, error: 'identities:user.notfound', absent: ALL_MARKS },
  },
  'PATCH /api/2/users/:username': { body: () => ({ disabled: true }), expect: () => forbidden },
  'DELETE /api/2/users/:username': { expect: () => forbidden },
  'GET /api/2/tokens': {
    expect: (kind) =>
      isAlice(kind)
        ? { status: 200, absent: [MARK, BOX_MARK, POLICY_MARK], present: [TOKEN_MARK] }
        : { status: 200, absent: ALL_MARKS },
  },
  'POST /api/2/tokens': {
    body: () => ({ name: 'made by the security test' }),
    expect: (kind) =>
      kind === 'readOnly'
        ? { status: 403, error: 'gateway:token.readonly', absent: ALL_MARKS }
        : { status: 201, absent: ALL_MARKS },
  },
  'DELETE /api/2/tokens/:id': {
    expect: (kind) =>
      kind === 'readOnly'
        ? { status: 403, error: 'gateway:token.readonly', absent: ALL_MARKS }
        : isAlice(kind)
          ? { status: 204, absent: ALL_MARKS }
          : { status: 404, error: 'identities:token.notfound', absent: ALL_MARKS },
  },
  'POST /api/2/auth/keys/rotate': { expect: () => forbidden },
};

/**
 * Ingest routes: specs belong to whoever put them (nobody here owns one, so each is missing), a
 * read-only token changes nothing, a token of another namespace may not put a spec for this one.
 */
const INGEST_SPEC = {
  source: { http: {} },
  thingId: 'secure.ns:{{$.id}}',
  values: { 'attributes/v': '$.v' },
};
const notFound = (error: string): Expectation => ({ status: 404, error, absent: ALL_MARKS });
const readOnlyRefused: Expectation = {
  status: 403,
  error: 'gateway:token.readonly',
  absent: ALL_MARKS,
};
const changing =
  (otherwise: Expectation) =>
  (kind: Kind): Expectation =>
    kind === 'readOnly' ? readOnlyRefused : otherwise;
const INGEST: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/ingest/specs': { expect: () => ({ status: 200, absent: ALL_MARKS }) },
  'GET /api/2/ingest/specs/:specId': { expect: () => notFound('ingest:spec.notfound') },
  'PUT /api/2/ingest/specs/:specId': {
    body: () => INGEST_SPEC,
    expect: (kind) =>
      kind === 'readOnly'
        ? readOnlyRefused
        : kind === 'otherNamespace'
          ? { status: 403, error: 'ingest:spec.forbidden', absent: ALL_MARKS }
          : { status: 201, absent: ALL_MARKS },
  },
  // What is missing is missing for everyone, read-only tokens included.
  'DELETE /api/2/ingest/specs/:specId': { expect: () => notFound('ingest:spec.notfound') },
  'POST /api/2/ingest/specs/:specId/test': {
    body: () => ({ id: 'x' }),
    expect: () => notFound('ingest:spec.notfound'),
  },
  'POST /api/2/ingest/:specId': {
    body: () => ({ id: 'x' }),
    expect: () => notFound('ingest:spec.notfound'),
  },
  // Every spec's dead letters are an administrator's.
  'GET /api/2/ingest/deadletters': { expect: () => forbidden },
  'GET /api/2/ingest/deadletters/:id': {
    expect: () => notFound('ingest:deadletter.notfound'),
  },
  'DELETE /api/2/ingest/deadletters/:id': {
    expect: changing(notFound('ingest:deadletter.notfound')),
  },
  'DELETE /api/2/ingest/deadletters': { expect: changing(forbidden) },
  'POST /api/2/ingest/deadletters/:id/redrive': {
    expect: () => notFound('ingest:deadletter.notfound'),
  },
  'POST /api/2/ingest/deadletters/redrive': { expect: () => forbidden },
};

let ingestSpecs = 0;

function ingestVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  const spec = INGEST[`${head ? 'GET' : route.method} ${route.url}`];
  if (!spec)
    throw new Error(
      `Ingest route ${route.method} ${route.url} has no expectations: add it to INGEST in test/security.test.ts.`,
    );
  return [
    {
      label: '',
      // A spec id of its own for every request: what one case creates never meets the next.
      url: (targets) =>
        concreteUrl(route, targets).replace(':specId', `security-spec-${++ingestSpecs}`),
      body: spec.body,
      expect: (kind, full) => {
        if (kind === 'rejected') return rejected;
        const e = spec.expect(kind, full);
        return head ? { status: e.status, absent: e.absent } : e;
      },
    },
  ];
}

/**
 * Webhook routes: the one webhook there is belongs to the administrator, so nobody here sees,
 * changes or lists it; a read-only token creates none, a token of another namespace none for this one.
 */
let adminWebhook = 'wh-unset';
/** The administrator's webhook's URL: no answer to anyone else names it. */
const ADMIN_HOOK_URL = 'http://127.0.0.1:9/SECRET-h00k';
const WEBHOOK_BODY = { url: 'http://127.0.0.1:9/hook', namespaces: ['secure.ns'] };
const webhookMissing = (): Expectation => ({
  status: 404,
  error: 'webhooks:webhook.notfound',
  absent: [...ALL_MARKS, ADMIN_HOOK_URL],
});
const WEBHOOKS: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/webhooks': {
    expect: () => ({ status: 200, absent: [...ALL_MARKS, adminWebhook, ADMIN_HOOK_URL] }),
  },
  'POST /api/2/webhooks': {
    body: () => WEBHOOK_BODY,
    expect: (kind) =>
      kind === 'readOnly'
        ? readOnlyRefused
        : kind === 'otherNamespace'
          ? { status: 403, error: 'webhooks:webhook.forbidden', absent: ALL_MARKS }
          : { status: 201, absent: ALL_MARKS },
  },
  'GET /api/2/webhooks/:id': { expect: webhookMissing },
  'PUT /api/2/webhooks/:id': { body: () => WEBHOOK_BODY, expect: webhookMissing },
  'DELETE /api/2/webhooks/:id': { expect: webhookMissing },
  'POST /api/2/webhooks/:id/pause': { expect: webhookMissing },
  'POST /api/2/webhooks/:id/resume': { expect: webhookMissing },
  'GET /api/2/webhooks/:id/deliveries': { expect: webhookMissing },
  'POST /api/2/webhooks/:id/deliveries/redrive': { expect: webhookMissing },
  'POST /api/2/webhooks/:id/deliveries/:seq/redrive': { expect: webhookMissing },
};

function webhookVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  const spec = WEBHOOKS[`${head ? 'GET' : route.method} ${route.url}`];
  if (!spec)
    throw new Error(
      `Webhook route ${route.method} ${route.url} has no expectations: add it to WEBHOOKS in test/security.test.ts.`,
    );
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, { ...targets, tokenId: adminWebhook }),
      body: spec.body,
      expect: (kind, full) => {
        if (kind === 'rejected') return rejected;
        const e = spec.expect(kind, full);
        return head ? { status: e.status, absent: e.absent } : e;
      },
    },
  ];
}

/**
 * Model routes: models and scenarios are readable by every authenticated identity and changed
 * only by their creator (here the administrator) or an administrator; a run's series are shown
 * only to who may READ the twin property they predict (bob not `attributes/secret`, strangers and
 * other namespaces nothing of the vault), and a run is registered only for properties one may read.
 */
const ADMIN_MODEL = 'security-model';
const ADMIN_SCENARIO = 'security-scenario';
let adminRun = 'run-unset';
let newModels = 0;
const SECRET_POINTER = 'attributes/secret';
const LAMP_POINTER = 'features/lamp/properties/on';
const ADMIN_RUN_BODY = {
  scenario: ADMIN_SCENARIO,
  series: [
    { thingId: VAULT, pointer: SECRET_POINTER, t: [1], mean: [7] },
    { thingId: VAULT, pointer: LAMP_POINTER, t: [1], mean: [1] },
  ],
};
/** What of the administrator's run series an answer may show to each kind. */
function runSeriesSeen(kind: Kind): Pick<Expectation, 'check'> {
  return {
    check: (json) => {
      const text = JSON.stringify(json);
      if (kind === 'owner' || kind === 'readOnly')
        return text.includes(SECRET_POINTER) ? null : `lacks ${SECRET_POINTER}`;
      if (kind === 'subPathRevoked') {
        if (text.includes(SECRET_POINTER)) return `leaks ${SECRET_POINTER}`;
        return text.includes(LAMP_POINTER) ? null : `lacks ${LAMP_POINTER}`;
      }
      return text.includes(VAULT) ? `leaks ${VAULT}` : null;
    },
  };
}
const modelChange =
  (code: string) =>
  (kind: Kind): Expectation =>
    kind === 'readOnly' ? readOnlyRefused : { status: 403, error: code, absent: ALL_MARKS };
const readable = (): Expectation => ({ status: 200, absent: ALL_MARKS });
type ModelVariant = Omit<Variant, 'url'> & { url?: (targets: Targets) => string };
const MODELS: Record<string, ModelVariant[]> = {
  'GET /api/2/models': [{ label: '', expect: readable }],
  'GET /api/2/scenarios': [{ label: '', expect: readable }],
  'GET /api/2/models/:modelId': [{ label: '', expect: readable }],
  'GET /api/2/scenarios/:scenarioId': [{ label: '', expect: readable }],
  'PUT /api/2/models/:modelId': [
    {
      label: 'new',
      url: () => `/api/2/models/security-new-${++newModels}`,
      body: () => ({ kind: 'external' }),
      expect: (kind) =>
        kind === 'readOnly' ? readOnlyRefused : { status: 201, absent: ALL_MARKS },
    },
    {
      label: "the administrator's",
      body: () => ({ kind: 'simulation' }),
      expect: modelChange('models:model.notmodifiable'),
    },
  ],
  'PUT /api/2/scenarios/:scenarioId': [
    {
      label: 'new',
      url: () => `/api/2/scenarios/security-new-${++newModels}`,
      body: () => ({ parameters: {} }),
      expect: (kind) =>
        kind === 'readOnly' ? readOnlyRefused : { status: 201, absent: ALL_MARKS },
    },
    {
      label: "the administrator's",
      body: () => ({ parameters: { changed: true } }),
      expect: modelChange('models:scenario.notmodifiable'),
    },
  ],
  'DELETE /api/2/models/:modelId': [
    { label: '', expect: modelChange('models:model.notmodifiable') },
  ],
  'DELETE /api/2/scenarios/:scenarioId': [
    { label: '', expect: modelChange('models:scenario.notmodifiable') },
  ],
  'DELETE /api/2/runs/:runId': [{ label: '', expect: modelChange('models:run.notmodifiable') }],
  // attributes/serial has one point: too little history for anyone; nobody learns more than that.
  'POST /api/2/forecasts': [
    {
      label: '',
      body: () => ({ thingId: VAULT, pointer: 'attributes/serial', horizon: '1h' }),
      expect: (kind) =>
        kind === 'readOnly'
          ? readOnlyRefused
          : { status: 400, error: 'models:forecast.invalid', absent: ALL_MARKS },
    },
  ],
  'POST /api/2/models/:modelId/runs': [
    {
      label: 'of a readable property',
      body: () => ({ series: [{ thingId: VAULT, pointer: LAMP_POINTER, t: [1], mean: [1] }] }),
      expect: (kind) =>
        kind === 'readOnly'
          ? readOnlyRefused
          : kind === 'owner' || kind === 'subPathRevoked'
            ? { status: 201, absent: ALL_MARKS }
            : { status: 400, error: 'models:run.invalid', absent: ALL_MARKS },
    },
    {
      label: 'of attributes/secret',
      body: () => ({ series: [{ thingId: VAULT, pointer: SECRET_POINTER, t: [1], mean: [1] }] }),
      expect: (kind) =>
        kind === 'readOnly'
          ? readOnlyRefused
          : kind === 'owner'
            ? { status: 201, absent: ALL_MARKS }
            : { status: 400, error: 'models:run.invalid', absent: ALL_MARKS },
    },
  ],
  'GET /api/2/models/:modelId/runs': [
    { label: '', expect: (kind) => ({ status: 200, absent: ALL_MARKS, ...runSeriesSeen(kind) }) },
  ],
  'GET /api/2/runs/:runId': [
    { label: '', expect: (kind) => ({ status: 200, absent: ALL_MARKS, ...runSeriesSeen(kind) }) },
  ],
  'GET /api/2/runs/:runId/compare': [
    { label: '', expect: (kind) => ({ status: 200, absent: ALL_MARKS, ...runSeriesSeen(kind) }) },
  ],
  'GET /api/2/runs/:runId/series': [
    {
      label: SECRET_POINTER,
      url: (targets) =>
        `${concreteUrl({ method: 'GET', url: '/api/2/runs/:runId/series', hidden: false }, targets)}?thingId=${VAULT}&pointer=${SECRET_POINTER}`,
      expect: (kind) =>
        kind === 'owner' || kind === 'readOnly'
          ? { status: 200, absent: NOT_VAULT, ...runSeriesSeen(kind) }
          : { status: 404, error: 'models:run.series.notfound', absent: ALL_MARKS },
    },
  ],
};

function modelVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  const specs = MODELS[`${head ? 'GET' : route.method} ${route.url}`];
  if (!specs)
    throw new Error(
      `Model route ${route.method} ${route.url} has no expectations: add it to MODELS in test/security.test.ts.`,
    );
  return specs.map((spec) => ({
    ...spec,
    url: spec.url ?? ((targets: Targets) => concreteUrl(route, targets)),
    expect: (kind: Kind, full: unknown) => {
      if (kind === 'rejected') return rejected;
      const e = spec.expect(kind, full);
      return head ? { status: e.status, absent: e.absent } : e;
    },
  }));
}

/**
 * Service routes: the one service there is (with one run) belongs to the administrator, so nobody
 * here sees, changes, runs or lists it.
 */
const ADMIN_SERVICE = 'admin-service';
let adminServiceRun = 'run-unset';
/** The administrator's service's URL: no answer to anyone else names it. */
const ADMIN_SERVICE_URL = 'http://127.0.0.1:9/SECRET-serv1ce';
const serviceMissing = (): Expectation => ({
  status: 404,
  error: 'services:service.notfound',
  absent: [...ALL_MARKS, ADMIN_SERVICE_URL],
});
const SERVICES: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/services': {
    expect: () => ({ status: 200, absent: [...ALL_MARKS, ADMIN_SERVICE, ADMIN_SERVICE_URL] }),
  },
  'GET /api/2/services/:serviceId': { expect: serviceMissing },
  'PUT /api/2/services/:serviceId': {
    body: () => ({ kind: 'http', url: 'http://127.0.0.1:9/x' }),
    expect: serviceMissing,
  },
  'DELETE /api/2/services/:serviceId': { expect: serviceMissing },
  'POST /api/2/services/:serviceId/run': { expect: serviceMissing },
  'GET /api/2/services/:serviceId/runs': { expect: serviceMissing },
  'GET /api/2/services/:serviceId/runs/:runId': { expect: serviceMissing },
};

const serviceVariants = (route: RouteInfo) => tableVariants(route, SERVICES, 'SERVICES');

/**
 * Type routes: the one type there is belongs to the administrator's namespace `secure.ns`; nobody
 * here may change or delete it (no administrator, no token scoped to it), and a token of another
 * namespace does not see it.
 */
const ADMIN_TYPE = 'secure.ns:security-probe:1';
const ADMIN_TYPE_BODY = { derived: { 'attributes/double': 'attributes.v * 2.0' } };
const typeHidden = (kind: Kind): Pick<Expectation, 'check'> => ({
  check: (json) => {
    const seen = JSON.stringify(json).includes(ADMIN_TYPE);
    if (kind === 'otherNamespace') return seen ? `leaks ${ADMIN_TYPE}` : null;
    return seen ? null : `lacks ${ADMIN_TYPE}`;
  },
});
const typeChange = (kind: Kind): Expectation =>
  kind === 'readOnly'
    ? readOnlyRefused
    : { status: 403, error: 'types:type.notmodifiable', absent: ALL_MARKS };
const TYPES: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/types': {
    expect: (kind) => ({ status: 200, absent: ALL_MARKS, ...typeHidden(kind) }),
  },
  'GET /api/2/types/:typeId': {
    expect: (kind) =>
      kind === 'otherNamespace'
        ? notFound('types:type.notfound')
        : { status: 200, absent: ALL_MARKS, present: ['attributes.v * 2.0'] },
  },
  'PUT /api/2/types/:typeId': { body: () => ADMIN_TYPE_BODY, expect: typeChange },
  'DELETE /api/2/types/:typeId': { expect: typeChange },
};

/** Alert routes: the vault has no alert; nobody learns more than that, nor acknowledges one. */
const VAULT_ALERT = `${VAULT}:overload:1`;
const ALERTS: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/alerts': {
    expect: () => ({ status: 200, absent: ALL_MARKS, body: { items: [] } }),
  },
  'GET /api/2/alerts/:alertId': { expect: () => notFound('alerts:alert.notfound') },
  'POST /api/2/alerts/:alertId/ack': {
    body: () => ({ note: 'seen' }),
    expect: (kind) => (kind === 'readOnly' ? readOnlyRefused : notFound('alerts:alert.notfound')),
  },
};

/** The variants of a route whose expectations are one per method and URL in `table`. */
function tableVariants(
  route: RouteInfo,
  table: Record<string, Omit<Variant, 'label' | 'url'>>,
  name: string,
): Variant[] {
  const head = route.method === 'HEAD';
  const spec = table[`${head ? 'GET' : route.method} ${route.url}`];
  if (!spec)
    throw new Error(
      `Route ${route.method} ${route.url} has no expectations: add it to ${name} in test/security.test.ts.`,
    );
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      body: spec.body,
      expect: (kind, full) => {
        if (kind === 'rejected') return rejected;
        const e = spec.expect(kind, full);
        return head ? { status: e.status, absent: e.absent } : e;
      },
    },
  ];
}

/**
 * Replay routes: the one replay there is belongs to the administrator, so nobody here sees or
 * lists it; a replay of a type nobody has is refused alike for every caller, changing nothing.
 */
let adminReplay = 'replay-unset';
const ADMIN_REPLAY_TYPE = 'nowhere.ns:replayed:1';
const REPLAYS: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/replays': {
    expect: () => ({ status: 200, absent: [...ALL_MARKS, adminReplay, ADMIN_REPLAY_TYPE] }),
  },
  'GET /api/2/replays/:replayId': {
    expect: () => ({
      status: 404,
      error: 'replays:replay.notfound',
      absent: [...ALL_MARKS, ADMIN_REPLAY_TYPE],
    }),
  },
  'POST /api/2/replays': {
    body: () => ({ type: 'secure.ns:none:1', filter: `eq(thingId,"${VAULT}")` }),
    expect: () => ({ status: 400, error: 'replays:type.unknown', absent: ALL_MARKS }),
  },
};

function replayVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  const spec = REPLAYS[`${head ? 'GET' : route.method} ${route.url}`];
  if (!spec)
    throw new Error(
      `Replay route ${route.method} ${route.url} has no expectations: add it to REPLAYS in test/security.test.ts.`,
    );
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      body: spec.body,
      expect: (kind, full) => {
        if (kind === 'rejected') return rejected;
        const e = spec.expect(kind, full);
        return head ? { status: e.status, absent: e.absent } : e;
      },
    },
  ];
}
/**
 * Definition migrations: to a type nobody has, refused alike for every caller who may write (the
 * twin's existence is not weighed before the type), changing nothing; a read-only token is
 * refused first; nobody sees a migration of another.
 */
const NO_TYPE = 'secure.ns:none:1';
const MIGRATIONS: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'POST /api/2/things/:thingId/migrateDefinition': {
    body: () => ({ thingDefinitionUrl: NO_TYPE }),
    expect: (kind) =>
      kind === 'otherNamespace'
        ? notFound('things:thing.notfound')
        : kind === 'readOnly'
          ? readOnlyRefused
          : { status: 400, error: 'wot:skeleton.generation.failed', absent: ALL_MARKS },
  },
  'POST /api/2/migrations': {
    body: () => ({ filter: `eq(thingId,"${VAULT}")`, thingDefinitionUrl: NO_TYPE }),
    expect: changing({
      status: 400,
      error: 'wot:skeleton.generation.failed',
      absent: ALL_MARKS,
    }),
  },
  'GET /api/2/migrations': { expect: () => ({ status: 200, absent: ALL_MARKS, body: [] }) },
  'GET /api/2/migrations/:migrationId': { expect: () => notFound('things:migration.notfound') },
};
/**
 * Forks: one at no instant is refused alike for every caller who may write, copying nothing; there
 * is no fork to see, list or delete.
 */
const FORKS: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'POST /api/2/forks': {
    body: () => ({ filter: `eq(thingId,"${VAULT}")`, at: 'never', into: 'secure.fork' }),
    expect: changing({ status: 400, error: 'forks:request.invalid', absent: ALL_MARKS }),
  },
  'GET /api/2/forks': { expect: () => ({ status: 200, absent: ALL_MARKS, body: [] }) },
  'GET /api/2/forks/:namespace': { expect: () => notFound('forks:fork.notfound') },
  'DELETE /api/2/forks/:namespace': { expect: () => notFound('forks:fork.notfound') },
};
const migrationVariants = (route: RouteInfo) => tableVariants(route, MIGRATIONS, 'MIGRATIONS');
const forkVariants = (route: RouteInfo) => tableVariants(route, FORKS, 'FORKS');
const typeVariants = (route: RouteInfo) => tableVariants(route, TYPES, 'TYPES');

/**
 * Datacenter routes: their inputs and outputs are files on the server, so every one of them is an
 * administrator's; nobody here (no administrator) gets past the 403, whatever the body.
 */
const DATACENTER_FILES = {
  workload: '/etc',
  topology: '/etc/passwd',
  power: '/etc/shadow',
};
const DATACENTERS: Record<string, Omit<Variant, 'label' | 'url'>> = {
  'GET /api/2/datacenters': { expect: () => forbidden },
  'GET /api/2/datacenters/:id': { expect: () => forbidden },
  'POST /api/2/datacenters/:id/shadow': { body: () => DATACENTER_FILES, expect: () => forbidden },
  'GET /api/2/datacenters/:id/shadow': { expect: () => forbidden },
  'DELETE /api/2/datacenters/:id/shadow': { expect: () => forbidden },
  'GET /api/2/datacenters/:id/shadow/results': { expect: () => forbidden },
  'GET /api/2/datacenters/:id/shadow/utilisation': { expect: () => forbidden },
  'GET /api/2/datacenters/:id/shadow/plot.png': { expect: () => forbidden },
  'PUT /api/2/datacenters/:id/whatif/:name': {
    body: () => ({ topology: '/etc/passwd' }),
    expect: () => forbidden,
  },
  'GET /api/2/datacenters/:id/whatif/:name': { expect: () => forbidden },
  'DELETE /api/2/datacenters/:id/whatif/:name': { expect: () => forbidden },
};
const datacenterVariants = (route: RouteInfo) => tableVariants(route, DATACENTERS, 'DATACENTERS');
const alertVariants = (route: RouteInfo) => tableVariants(route, ALERTS, 'ALERTS');

function identityVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  const spec = IDENTITY[`${head ? 'GET' : route.method} ${route.url}`];
  if (!spec)
    throw new Error(
      `Identity route ${route.method} ${route.url} has no expectations: add it to IDENTITY in test/security.test.ts.`,
    );
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      body: spec.body,
      expect: (kind, full) => {
        if (kind === 'rejected') return rejected;
        const e = spec.expect(kind, full);
        return head ? { status: e.status, absent: e.absent } : e;
      },
    },
  ];
}

function methodNotAllowedVariants(route: RouteInfo): Variant[] {
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      expect: (kind) =>
        kind === 'rejected'
          ? rejected
          : { status: 405, error: 'method.notallowed', absent: ALL_MARKS },
    },
  ];
}

/** Public routes answer every caller alike (as an administrator) and show no protected data. */
function publicVariants(route: RouteInfo): Variant[] {
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      body: route.method === 'POST' ? () => ({}) : undefined,
      expect: () => ({ status: -1, absent: ALL_MARKS }),
    },
  ];
}

/**
 * Messages (fire and forget, so nothing waits): sending needs WRITE on message:/ (bob has thing:/
 * only), a read-only token sends none, and who may not see the thing learns nothing of it.
 */
function messageVariants(route: RouteInfo): Variant[] {
  return [
    {
      label: '',
      url: (targets) => `${concreteUrl(route, targets)}?timeout=0`,
      body: () => 'ping',
      expect(kind) {
        switch (kind) {
          case 'rejected':
            return rejected;
          case 'owner':
            return { status: 202, absent: ALL_MARKS };
          case 'readOnly':
            return readOnlyRefused;
          case 'subPathRevoked':
            return { status: 403, error: 'messages:send.notallowed', absent: ALL_MARKS };
          case 'otherNamespace':
          case 'stranger':
            return { status: 404, error: 'things:thing.notfound', absent: ALL_MARKS };
        }
      },
    },
  ];
}

/** A CloudEvent's command runs as the caller: a retrieve it may not make is refused as over HTTP. */
function cloudEventVariants(route: RouteInfo): Variant[] {
  return [
    {
      label: '',
      url: () => route.url,
      headers: {
        'ce-specversion': '1.0',
        'ce-id': 'security-1',
        'ce-source': '/security',
        'ce-type': 'org.example.probe',
      },
      body: () => ({
        topic: 'secure.ns/vault/things/twin/commands/retrieve',
        path: '/attributes/public',
      }),
      expect(kind) {
        switch (kind) {
          case 'rejected':
            return rejected;
          case 'owner':
          case 'readOnly':
          case 'subPathRevoked':
            return { status: 202, absent: ALL_MARKS };
          case 'otherNamespace':
          case 'stranger':
            return { status: 404, error: 'things:thing.notfound', absent: ALL_MARKS };
        }
      },
    },
  ];
}

/**
 * Time series: the vault's attributes/secret series (its value holds ATTR_MARK) is read and
 * backfilled only with READ or WRITE on that pointer; retention is an administrator's.
 */
const SERIES_MISSING: Expectation = {
  status: 404,
  error: 'timeseries:series.notfound',
  absent: ALL_MARKS,
};
function timeseriesVariants(route: RouteInfo): Variant[] {
  const head = route.method === 'HEAD';
  const key = `${head ? 'GET' : route.method} ${route.url}`;
  const quiet = (e: Expectation): Expectation =>
    head ? { status: e.status, absent: e.absent } : e;
  const thingMissing: Expectation = {
    status: 404,
    error: 'things:thing.notfound',
    absent: ALL_MARKS,
  };
  const expectations: Record<string, (kind: Kind) => Expectation> = {
    'GET /api/2/timeseries/things/:thingId': (kind) =>
      kind === 'otherNamespace' ? thingMissing : { status: 200, absent: ALL_MARKS },
    'GET /api/2/timeseries/things/:thingId/*': (kind) =>
      kind === 'owner' || kind === 'readOnly'
        ? { status: 200, absent: NOT_VAULT, present: head ? [] : [ATTR_MARK] }
        : SERIES_MISSING,
    'POST /api/2/timeseries/things/:thingId/*': (kind) =>
      kind === 'owner'
        ? { status: 200, absent: ALL_MARKS }
        : kind === 'readOnly'
          ? readOnlyRefused
          : thingMissing,
    'POST /api/2/timeseries/query': (kind) =>
      kind === 'owner' || kind === 'readOnly'
        ? { status: 200, absent: NOT_VAULT, present: [ATTR_MARK] }
        : SERIES_MISSING,
  };
  const forbidden: Expectation = {
    status: 403,
    error: 'timeseries:retention.forbidden',
    absent: ALL_MARKS,
  };
  const expect = route.url.startsWith('/api/2/timeseries/retention/')
    ? () => forbidden
    : expectations[key];
  if (!expect)
    throw new Error(`Time-series route ${key} has no expectations: add it to timeseriesVariants.`);
  const body: Record<string, () => unknown> = {
    'POST /api/2/timeseries/things/:thingId/*': () => ({ t: [1], v: ['backfilled'] }),
    'POST /api/2/timeseries/query': () => ({
      from: '0',
      series: [{ thingId: VAULT, pointer: SECRET_PATH.join('/') }],
    }),
    'PUT /api/2/timeseries/retention/:namespace': () => ({ raw: '7d' }),
  };
  return [
    {
      label: '',
      url: (targets) => concreteUrl(route, targets),
      body: body[key],
      expect: (kind) => (kind === 'rejected' ? rejected : quiet(expect(kind))),
    },
  ];
}

const VARIANTS: Record<Category, (route: RouteInfo) => Variant[]> = {
  timeseries: timeseriesVariants,
  message: messageVariants,
  cloudevents: cloudEventVariants,
  public: publicVariants,
  thing: thingVariants,
  relation: relationVariants,
  things: thingsVariants,
  history: historyVariants,
  search: searchVariants,
  policy: policyVariants,
  permissions: permissionsVariants,
  policyAction: policyActionVariants,
  identity: identityVariants,
  ingest: ingestVariants,
  webhook: webhookVariants,
  model: modelVariants,
  service: serviceVariants,
  replay: replayVariants,
  datacenter: datacenterVariants,
  migration: migrationVariants,
  fork: forkVariants,
  type: typeVariants,
  alert: alertVariants,
  methodNotAllowed: methodNotAllowedVariants,
};

// --- the routes, enumerated from the app itself ---

const enumeration = await createSecureFixture();
const ROUTES = routesOf(enumeration.app);
await enumeration.close();

// --- setup ---

let f: SecureFixture;
const adminViews = new Map<string, unknown>();
let copies = 0;
let sent = 0;
let counted = 0;
let initial: string;
let realClaims: JWTPayload;

const caseNamed = (name: string) => CASES.find((c) => c.name === name) as CredentialCase;

function request(
  method: string,
  url: string,
  auth: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  sent++;
  const form = body instanceof Form;
  const options: InjectOptions = {
    method: method as InjectOptions['method'],
    url,
    payload: body === undefined ? undefined : form ? body.text : JSON.stringify(body),
    headers: {
      ...(auth === undefined ? {} : { authorization: auth }),
      ...(body === undefined
        ? {}
        : {
            'content-type': form
              ? 'application/x-www-form-urlencoded'
              : method === 'PATCH'
                ? 'application/merge-patch+json'
                : 'application/json',
          }),
      ...headers,
    },
  };
  return f.request(options);
}

async function adminView(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const key = `${url} ${JSON.stringify(headers)}`;
  if (!adminViews.has(key)) {
    const response = await request('GET', url, f.admin, undefined, headers);
    if (response.statusCode !== 200)
      throw new Error(`setup: admin GET ${url} answered ${response.statusCode}: ${response.body}`);
    adminViews.set(key, response.json());
  }
  return adminViews.get(key);
}

async function created(response: LightMyRequestResponse, what: string) {
  if (response.statusCode !== 201 && response.statusCode !== 204)
    throw new Error(`setup: ${what} answered ${response.statusCode}: ${response.body}`);
  return response.body === '' ? null : response.json();
}

async function aliceToken(
  name: string,
  extra: object = {},
): Promise<{ id: string; token: string }> {
  const alice = caseNamed('owner (Basic)').header;
  return created(
    await request('POST', '/api/2/tokens', alice, { name, ...extra }),
    `token ${name}`,
  ) as Promise<{ id: string; token: string }>;
}

/** A JWT with the claims of a real login token of alice, but its own expiry, jti and signature. */
async function jwt(secret: Uint8Array, kid: string, expiresIn: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...realClaims, jti: randomUUID() })
    .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
    .setIssuedAt(now - 7200)
    .setExpirationTime(now + expiresIn)
    .sign(secret);
}

/** The seeded state that refused writes must leave as it was. */
function snapshot(): string {
  const policy = f.policies.get(VAULT);
  return JSON.stringify({
    vault: f.runtime.getThing(VAULT),
    box: f.runtime.getThing(BOX),
    policy: policy && { policy: policy.policy, revision: policy.revision },
  });
}

/** A fresh copy of the seeded thing or policy for a write that is expected to succeed. */
async function copyFor(category: Category): Promise<Targets> {
  copies++;
  if (category === 'thing') {
    const thingId = `scratch.ns:copy-${copies}`;
    await created(
      await request('PUT', `/api/2/things/${thingId}`, f.admin, { ...VAULT_BODY, policyId: VAULT }),
      'copy of the vault',
    );
    return { ...REAL, thingId };
  }
  if (category === 'relation') {
    const thingId = `scratch.ns:copy-${copies}`;
    await created(
      await request('PUT', `/api/2/things/${thingId}`, f.admin, { ...VAULT_BODY, policyId: VAULT }),
      'copy of the vault',
    );
    await created(
      await request('PUT', `/api/2/things/${thingId}/relations/partOf/${BOX}`, f.admin, {}),
      'relation of the copy',
    );
    return { ...REAL, thingId };
  }
  if (category === 'policy') {
    const policyId = `scratch.ns:policy-${copies}`;
    const policy = withoutKey(await adminView(`/api/2/policies/${VAULT}`), 'policyId');
    await created(
      await request('PUT', `/api/2/policies/${policyId}`, f.admin, policy),
      'copy of the policy',
    );
    return { ...REAL, policyId };
  }
  throw new Error(`no copies of ${category} resources`);
}

beforeAll(async () => {
  f = await createSecureFixture();
  const alice = await f.addUser('alice');
  const bob = await f.addUser('bob');
  const mallory = await f.addUser('mallory');
  caseNamed('owner (Basic)').header = alice;
  caseNamed('subject revoked on a sub-path').header = bob;
  caseNamed('subject without grant').header = mallory;
  caseNamed('bad password').header = f.basic('alice', 'not-the-password');

  await created(await request('PUT', `/api/2/things/${VAULT}`, alice, VAULT_BODY), 'vault');
  await created(await request('PUT', `/api/2/things/${BOX}`, alice, BOX_BODY), 'box');
  await created(
    await request('PUT', `/api/2/things/${VAULT}/relations/partOf/${BOX}`, alice, {
      note: `${MARK}-R`,
    }),
    'relation of the vault to the box',
  );
  await created(
    await request('PUT', `/api/2/policies/${VAULT}/entries/bob`, alice, BOB_ENTRY),
    'entry bob',
  );
  await created(
    await request('PUT', `/api/2/policies/${VAULT}/entries/keeper`, alice, KEEPER_ENTRY),
    'entry keeper',
  );
  // So that the routes of imports and of entry namespaces have something to show and change.
  await created(
    await request('PUT', `/api/2/policies/${ROLES}`, alice, {
      entries: {
        owner: {
          subjects: { 'user:alice': { type: 'user' } },
          resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
          importable: 'never',
        },
      },
    }),
    'imported policy',
  );
  await created(
    await request('PUT', `/api/2/policies/${VAULT}/imports/${ROLES}`, alice, { entries: [] }),
    'import',
  );
  const namespaces = await request(
    'PUT',
    `/api/2/policies/${VAULT}/entries/DEFAULT/namespaces`,
    alice,
    ['secure.ns', 'scratch.ns'],
  );
  expect(namespaces.statusCode, namespaces.body).toBe(204);

  const hook = await request('POST', '/api/2/webhooks', f.admin, {
    url: ADMIN_HOOK_URL,
    namespaces: ['nowhere.ns'],
  });
  expect(hook.statusCode, hook.body).toBe(201);
  adminWebhook = hook.json().id as string;
  await created(
    await request('PUT', `/api/2/models/${ADMIN_MODEL}`, f.admin, { kind: 'external' }),
    'model',
  );
  await created(
    await request('PUT', `/api/2/scenarios/${ADMIN_SCENARIO}`, f.admin, { parameters: {} }),
    'scenario',
  );
  const run = await request('POST', `/api/2/models/${ADMIN_MODEL}/runs`, f.admin, ADMIN_RUN_BODY);
  expect(run.statusCode, run.body).toBe(201);
  adminRun = run.json().runId as string;
  const service = await request('PUT', `/api/2/services/${ADMIN_SERVICE}`, f.admin, {
    kind: 'http',
    url: ADMIN_SERVICE_URL,
  });
  expect(service.statusCode, service.body).toBe(201);
  const serviceRun = await request('POST', `/api/2/services/${ADMIN_SERVICE}/run`, f.admin);
  expect(serviceRun.statusCode, serviceRun.body).toBe(202);
  adminServiceRun = serviceRun.json().runId as string;
  await created(
    await request('PUT', `/api/2/types/${ADMIN_TYPE}`, f.admin, ADMIN_TYPE_BODY),
    'type',
  );
  await created(
    await request('PUT', `/api/2/types/${ADMIN_REPLAY_TYPE}`, f.admin, {
      derived: { 'attributes/b': 'attributes.a * 2' },
    }),
    'replayed type',
  );
  const replay = await request('POST', '/api/2/replays', f.admin, {
    type: ADMIN_REPLAY_TYPE,
    filter: 'eq(thingId,"nowhere.ns:none")',
  });
  expect(replay.statusCode, replay.body).toBe(202);
  adminReplay = replay.json().replayId as string;

  caseNamed('read-only token').header = f.bearer(
    (await aliceToken(`${TOKEN_MARK}-ro`, { readOnly: true })).token,
  );
  caseNamed('token of another namespace').header = f.bearer(
    (await aliceToken(`${TOKEN_MARK}-ns`, { namespaces: ['other.ns'] })).token,
  );
  const revoked = await aliceToken(`${TOKEN_MARK}-revoked`);
  await created(await request('DELETE', `/api/2/tokens/${revoked.id}`, alice), 'revoke');
  caseNamed('revoked API token').header = f.bearer(revoked.token);

  const login = async () =>
    (
      await request('POST', '/api/2/auth/login', undefined, {
        username: 'alice',
        password: 'alice-password',
      })
    ).json() as { access_token: string; refresh_token: string };
  const session = await login();
  caseNamed('owner (JWT)').header = f.bearer(session.access_token);
  realClaims = decodeJwt(session.access_token);
  expect(realClaims).toMatchObject({ iss: 'twinfold', sub: 'user:alice' });
  const loggedOut = await login();
  const logout = await request('POST', '/api/2/auth/logout', f.bearer(loggedOut.access_token), {
    refresh_token: loggedOut.refresh_token,
  });
  expect(logout.statusCode).toBe(204);
  caseNamed('JWT after logout').header = f.bearer(loggedOut.access_token);

  const active = f.keys.active;
  const activeSecret = Buffer.from(active.secret, 'base64url');
  caseNamed('expired JWT').header = f.bearer(await jwt(activeSecret, active.kid, -3600));
  caseNamed('JWT signed with another key (same kid)').header = f.bearer(
    await jwt(randomBytes(32), active.kid, 3600),
  );
  caseNamed('JWT signed with another key (unknown kid)').header = f.bearer(
    await jwt(randomBytes(32), 'not-a-kid', 3600),
  );
  // The forged and expired tokens differ from a valid one only in what must be refused.
  const valid = await request(
    'GET',
    '/api/2/whoami',
    f.bearer(await jwt(activeSecret, active.kid, 3600)),
  );
  expect(valid.statusCode, valid.body).toBe(200);

  initial = snapshot();
});

afterAll(async () => {
  await f?.close();
});

// --- the generated cases ---

interface Failure {
  case: string;
  variant: string;
  problem: string;
}

function problemsOf(
  response: LightMyRequestResponse,
  expected: Expectation,
  method: string,
): string[] {
  const problems: string[] = [];
  const text = response.body;
  const all = `${text}\n${JSON.stringify(response.headers)}`;
  if (response.statusCode !== expected.status)
    problems.push(
      `status ${response.statusCode}, expected ${expected.status}: ${text.slice(0, 200)}`,
    );
  for (const mark of expected.absent)
    if (all.includes(mark)) problems.push(`leaks ${mark}: ${text.slice(0, 200)}`);
  for (const mark of expected.present ?? [])
    if (!text.includes(mark)) problems.push(`lacks ${mark} (the case would not notice a leak)`);
  if (expected.status === 401 && !response.headers['www-authenticate'])
    problems.push('401 without WWW-Authenticate');
  if (method === 'HEAD') {
    if (text !== '') problems.push('HEAD answered with a body');
    return problems;
  }
  let json: unknown;
  if (expected.error !== undefined || expected.body !== undefined || expected.check) {
    try {
      json = JSON.parse(text);
    } catch {
      problems.push(`body is not JSON: ${text.slice(0, 100)}`);
      return problems;
    }
  }
  if (expected.error !== undefined) {
    const code = (json as { error?: string }).error ?? '';
    const ok =
      typeof expected.error === 'string' ? code === expected.error : expected.error.test(code);
    if (!ok) problems.push(`error '${code}', expected ${String(expected.error)}`);
  }
  if (expected.body !== undefined && JSON.stringify(json) !== JSON.stringify(expected.body))
    problems.push(
      `body ${text.slice(0, 300)}, expected ${JSON.stringify(expected.body).slice(0, 300)}`,
    );
  const checked = expected.check?.(json);
  if (checked) problems.push(checked);
  return problems;
}

async function runRoute(route: RouteInfo, category: Category): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const variant of VARIANTS[category](route)) {
    const full =
      variant.adminUrl === undefined
        ? undefined
        : await adminView(variant.adminUrl, variant.headers);
    let publicAnswer: number | undefined;
    if (category === 'public') {
      const body = variant.body?.(full);
      publicAnswer = (await request(route.method, variant.url(REAL), f.admin, body)).statusCode;
    }
    for (const c of CASES) {
      const expected = variant.expect(c.kind, full);
      if (publicAnswer !== undefined) expected.status = publicAnswer;
      const targets = expected.onCopy ? await copyFor(category) : { ...REAL };
      if (route.url.includes('/:id'))
        targets.tokenId = (await aliceToken(`victim of ${c.name}`)).id;
      const response = await request(
        route.method,
        variant.url(targets),
        c.header,
        variant.body?.(full),
        variant.headers,
      );
      const problems = problemsOf(response, expected, route.method);
      if (snapshot() !== initial) {
        problems.push('changed the seeded things or policy');
        initial = snapshot();
      }
      for (const problem of problems)
        failures.push({ case: c.name, variant: variant.label, problem });
      counted++;
    }
  }
  return failures;
}

const classified = ROUTES.map((route) => ({ route, category: classify(route) }));

describe('security - every route × every credential case', () => {
  it('enumerates the routes of the app', () => {
    expect(ROUTES.length).toBeGreaterThan(60);
    const keys = ROUTES.map((r) => `${r.method} ${r.url}`);
    expect(keys).toContain('GET /api/2/things/:thingId');
    expect(keys).toContain('PUT /api/2/policies/:policyId/entries/:label/resources/*');
    expect(keys).toContain('POST /api/2/search/things/count');
  });

  for (const { route, category } of classified) {
    const name = `${route.method} ${route.url}`;
    if (category === null) {
      it(`${name} is classified`, () => {
        expect.fail(
          `The route ${name} is not classified for the security tests: add a rule for it to RULES in test/security.test.ts (public, thing, things, history, search, policy, permissions, identity or methodNotAllowed).`,
        );
      });
      continue;
    }
    it(`${name} [${category}]`, async () => {
      const failures = await runRoute(route, category);
      expect(failures).toEqual([]);
    });
  }
});

describe('security - search, listing, history and time travel', () => {
  it('cursors from an administrator search reveal nothing to a subject without grant', async () => {
    const params = `namespaces=secure.ns,other.ns&filter=${encodeURIComponent(SEARCH_FILTER)}`;
    const first = await request('GET', `/api/2/search/things?${params}&option=size(1)`, f.admin);
    const { cursor } = first.json() as { cursor?: string };
    expect(cursor).toBeDefined();
    const next = `/api/2/search/things?${params}&option=size(1),cursor(${cursor})`;
    for (const name of ['subject without grant', 'subject revoked on a sub-path']) {
      const auth = caseNamed(name).header;
      const page = await request('GET', next, auth);
      expect(page.statusCode).toBe(200);
      expect(page.json()).toEqual({ items: [] });
      const count = await request('GET', `/api/2/search/things/count?${params}`, auth);
      expect(count.json()).toBe(0);
    }
    const owner = await request('GET', next, caseNamed('owner (Basic)').header);
    expect(owner.json().items.map((t: { thingId: string }) => t.thingId)).toHaveLength(1);
  });

  it('sorting by a revoked field shows neither the field nor the order it gives', async () => {
    const bob = caseNamed('subject revoked on a sub-path').header;
    for (const dir of ['+', '-']) {
      const page = await request(
        'GET',
        `/api/2/search/things?namespaces=secure.ns&option=${encodeURIComponent(`sort(${dir}attributes/secret)`)}`,
        bob,
      );
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain(ATTR_MARK);
      const ids = page.json().items.map((t: { thingId: string }) => t.thingId);
      expect(ids).not.toContain(VAULT);
    }
  });

  it('GET /things?ids omits unreadable things and filters partly readable ones', async () => {
    const ids = `/api/2/things?ids=${VAULT},${BOX}`;
    const mallory = await request('GET', ids, caseNamed('subject without grant').header);
    expect(mallory.json()).toEqual([]);
    const bob = await request('GET', ids, caseNamed('subject revoked on a sub-path').header);
    expect(bob.json()).toHaveLength(1);
    expect(bob.json()[0].thingId).toBe(VAULT);
    expect(bob.json()[0].attributes).toEqual({ public: `${MARK}-pub`, serial: 7 });
  });

  it('history keeps the revoked value out of every event and refuses strangers', async () => {
    const bob = await request(
      'GET',
      `/api/2/things/${VAULT}/history`,
      caseNamed('subject revoked on a sub-path').header,
    );
    expect(bob.statusCode).toBe(200);
    expect(bob.body).not.toContain(ATTR_MARK);
    expect(bob.json()[0].value.attributes).toEqual({ public: `${MARK}-pub`, serial: 7 });
    for (const query of ['', '?from-revision=1000', '?to-revision=0']) {
      const mallory = await request(
        'GET',
        `/api/2/things/${VAULT}/history${query}`,
        caseNamed('subject without grant').header,
      );
      expect(mallory.statusCode).toBe(404);
    }
  });

  it('a condition or field selection on the revoked path is no oracle for its value', async () => {
    const bob = caseNamed('subject revoked on a sub-path').header;
    const statuses = [];
    for (const value of [ATTR_MARK, 'something else']) {
      const condition = encodeURIComponent(`eq(attributes/secret,"${value}")`);
      const response = await request('GET', `/api/2/things/${VAULT}?condition=${condition}`, bob);
      expect(response.body).not.toContain(ATTR_MARK);
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([412, 412]);
    const fields = await request('GET', `/api/2/things/${VAULT}?fields=attributes/secret`, bob);
    expect(fields.statusCode).toBe(200);
    expect(fields.body).not.toContain(ATTR_MARK);
  });

  it('a query string or percent-encoding does not make a protected route public', async () => {
    for (const url of [
      '/api/2/auth/keys/rotate?x=1',
      '/api/2/auth/keys/rot%61te',
      '/api/2/auth/keys/rotate?',
    ]) {
      const response = await request('POST', url, undefined);
      expect(response.statusCode, url).toBe(401);
      expect(response.json().error).toBe('gateway:authentication.failed');
    }
    expect(f.keys.list()).toHaveLength(1);
  });

  it('left the refused targets exactly as seeded', async () => {
    expect(snapshot()).toBe(initial);
    const vault = await request(
      'GET',
      `/api/2/things/${VAULT}?fields=_revision,attributes`,
      f.admin,
    );
    // Revision 2 is the seeded relation to the box.
    expect(vault.json()).toEqual({ _revision: 2, attributes: VAULT_BODY.attributes });
  });
});

afterAll(() => {
  const routes = classified.filter((c) => c.category !== null).length;
  console.log(
    `security: ${routes} routes × ${CASES.length} credential cases = ${counted} generated cases (${sent} requests, ${copies} copies)`,
  );
});
