// Robustness: thousands of malformed requests on every route get a Ditto 4xx, never a 5xx, and change nothing.
import type { ResourceKind } from '../src/core/thing-resource.js';
import Database from 'better-sqlite3';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFixture, type AppFixture } from './support/app-fixture.js';

// --- deterministic randomness ---------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run sends the same requests. */
class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  word(min = 1, max = 8): string {
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    let out = '';
    for (let i = this.between(min, max); i > 0; i--) out += letters[this.int(letters.length)];
    return out;
  }
}

// --- the seeded twins -------------------------------------------------------------------------

const FULL_ID = 'org.robust:full';
const MISSING_ID = 'org.robust:missing';
const FULL = {
  policyId: 'org.robust:policy',
  definition: 'org.robust:pump:1.0.0',
  attributes: {
    name: 'pump',
    location: { lat: 47.1, lon: 8.5 },
    tags: ['a', 'b'],
    nested: { deep: { x: 1 } },
  },
  features: {
    lamp: {
      definition: ['org.robust:lamp:1.0.0'],
      properties: { on: true, brightness: { value: 40 } },
      desiredProperties: { on: false },
    },
    sensor: { properties: { temp: 21.5 } },
  },
};
const SEEDS: Record<string, object> = {
  [FULL_ID]: FULL,
  'org.robust:bare': {},
  'org.robust.sub:attributes-only': { attributes: { n: 1, s: 'x', list: [1, { k: 'v' }] } },
  ':no-namespace': { features: { lamp: { properties: { on: false } } } },
  "org.robust-x:special$@&=+,.!~*'_;<>": { definition: null, attributes: { odd: true } },
};
const THING_IDS = Object.keys(SEEDS);

/** A thing id as a URL path segment (the colon stays readable). */
const seg = (id: string) => encodeURIComponent(id).replace(/%3A/gi, ':');

// --- resources, methods and the values each accepts ------------------------------------------

type Method = 'GET' | 'PUT' | 'PATCH' | 'DELETE';
// Relations have their own routes and tests (test/relations-api.test.ts).
type Kind = Exclude<ResourceKind, 'relation'>;

const KINDS: Kind[] = [
  'thing',
  'policyId',
  'definition',
  'attributes',
  'attribute',
  'features',
  'feature',
  'featureDefinition',
  'properties',
  'property',
  'desiredProperties',
  'desiredProperty',
];
const METHODS: Method[] = ['GET', 'PUT', 'PATCH', 'DELETE'];
const POINTER_KINDS: Kind[] = ['attribute', 'property', 'desiredProperty'];
const FEATURE_KINDS: Kind[] = [
  'feature',
  'featureDefinition',
  'properties',
  'property',
  'desiredProperties',
  'desiredProperty',
];

const methodsOf = (kind: Kind): Method[] =>
  kind === 'policyId' ? ['GET', 'PUT', 'PATCH'] : METHODS;

const TEMPLATE: Record<Kind, string> = {
  thing: '/things/{id}',
  policyId: '/things/{id}/policyId',
  definition: '/things/{id}/definition',
  attributes: '/things/{id}/attributes',
  attribute: '/things/{id}/attributes/{ptr}',
  features: '/things/{id}/features',
  feature: '/things/{id}/features/{fid}',
  featureDefinition: '/things/{id}/features/{fid}/definition',
  properties: '/things/{id}/features/{fid}/properties',
  property: '/things/{id}/features/{fid}/properties/{ptr}',
  desiredProperties: '/things/{id}/features/{fid}/desiredProperties',
  desiredProperty: '/things/{id}/features/{fid}/desiredProperties/{ptr}',
};

/** URL parts, already encoded. */
interface Parts {
  id: string;
  fid: string;
  ptr: string;
}

const DEFAULT_POINTER: Partial<Record<Kind, string>> = {
  attribute: 'location/lat',
  property: 'brightness/value',
  desiredProperty: 'on',
};

function urlOf(kind: Kind, parts: Partial<Parts> = {}): string {
  const p: Parts = {
    id: seg(FULL_ID),
    fid: 'lamp',
    ptr: DEFAULT_POINTER[kind] ?? 'x',
    ...parts,
  };
  return (
    '/api/2' + TEMPLATE[kind].replace('{id}', p.id).replace('{fid}', p.fid).replace('{ptr}', p.ptr)
  );
}

/** A valid body for PUT and PATCH of each kind: the defect of a case is always elsewhere. */
const VALID: Record<Kind, unknown> = {
  thing: { attributes: { fresh: 1 } },
  policyId: 'org.robust:other-policy',
  definition: 'org.robust:pump:2.0.0',
  attributes: { fresh: 1 },
  attribute: 42,
  features: { f: { properties: { a: 1 } } },
  feature: { properties: { a: 1 } },
  featureDefinition: ['org.robust:lamp:2.0.0'],
  properties: { a: 1 },
  property: 42,
  desiredProperties: { a: 1 },
  desiredProperty: 42,
};

/** The current value of each resource of FULL (for if-equal: skip). */
const CURRENT: Record<Kind, unknown> = {
  thing: { thingId: FULL_ID, ...FULL },
  policyId: FULL.policyId,
  definition: FULL.definition,
  attributes: FULL.attributes,
  attribute: FULL.attributes.location.lat,
  features: FULL.features,
  feature: FULL.features.lamp,
  featureDefinition: FULL.features.lamp.definition,
  properties: FULL.features.lamp.properties,
  property: FULL.features.lamp.properties.brightness.value,
  desiredProperties: FULL.features.lamp.desiredProperties,
  desiredProperty: FULL.features.lamp.desiredProperties.on,
};

const LONG_KEY = 'k'.repeat(257);
/** Objects whose keys break Ditto's key rules (values non-null so a merge patch keeps them). */
const BAD_KEY_OBJECTS: unknown[] = [
  { 'a/b': 1 },
  { ok: { 'bad/key': 1 } },
  { '\u0001': 1 },
  { '': 1 },
  { [LONG_KEY]: 1 },
  { '\u00e9': 1 },
  { '\u007f': 'x' },
  { ok: { deeper: { 'line\nbreak': true } } },
];
const NON_OBJECTS: unknown[] = [[], [1, 2], 'text', 42, true, 0.5];
const BAD_DEFINITIONS: unknown[] = [
  5,
  {},
  [],
  true,
  'bad',
  'a:b',
  'a:b:c:d',
  '',
  'a:b:c d',
  'a::c',
  'ä:b:c',
];
const BAD_POLICY_IDS: unknown[] = [
  5,
  {},
  [],
  true,
  'nocolon',
  '1ns:x',
  'ns:',
  'ns:a/b',
  'ns:' + 'x'.repeat(300),
  'ns:\u0001',
  '.ns:x',
];
const BAD_FEATURES: unknown[] = [
  ...NON_OBJECTS,
  { f: 5 },
  { f: [] },
  { f: { unknown: 1 } },
  { 'f/x': {} },
  { '': {} },
  { f: { properties: 5 } },
  { f: { definition: 'a:b:c' } },
  { f: { definition: ['bad'] } },
  { f: { desiredProperties: { 'a/b': 1 } } },
];
const BAD_FEATURE: unknown[] = [
  ...NON_OBJECTS,
  { unknown: 1 },
  { properties: 5 },
  { properties: { 'a/b': 1 } },
  { definition: 'a:b:c' },
  { definition: [] },
  { definition: ['bad'] },
  { desiredProperties: [] },
];
const BAD_FEATURE_DEFINITION: unknown[] = [
  5,
  {},
  [],
  'a:b:c',
  ['bad'],
  [5],
  [null],
  ['org.robust:lamp:1.0.0', 'bad'],
];
const BAD_THING: unknown[] = [
  [],
  'text',
  42,
  true,
  { thingId: 'org.robust:other' },
  { thingId: 5 },
  { policyId: 5 },
  { policyId: 'nocolon' },
  { definition: 'bad' },
  { definition: 5 },
  { definition: ['a:b:c'] },
  { attributes: [] },
  { attributes: 'x' },
  { attributes: { 'a/b': 1 } },
  { features: [] },
  { features: { f: 1 } },
  { features: { f: { unknown: 1 } } },
  { features: { 'f/x': {} } },
  { features: { f: { definition: [] } } },
  { features: { lamp: { definition: ['bad'] } } },
  { unknownField: 1 },
  { attributes: { ok: 1 }, extra: true },
];

/** Invalid bodies for a kind and method. PUT may use null where the kind needs a value. */
function invalidValues(kind: Kind, method: 'PUT' | 'PATCH'): unknown[] {
  const put = method === 'PUT';
  switch (kind) {
    case 'thing':
      return put
        ? [...BAD_THING, null]
        : [...BAD_THING, null, { policyId: null }, { thingId: null }];
    case 'policyId':
      return [...BAD_POLICY_IDS, null];
    case 'definition':
      return BAD_DEFINITIONS;
    case 'attributes':
    case 'properties':
    case 'desiredProperties':
      return put
        ? [...NON_OBJECTS, ...BAD_KEY_OBJECTS, null]
        : [...NON_OBJECTS, ...BAD_KEY_OBJECTS];
    case 'attribute':
    case 'property':
    case 'desiredProperty':
      return BAD_KEY_OBJECTS;
    case 'features':
      return put ? [...BAD_FEATURES, null] : BAD_FEATURES;
    case 'feature':
      return put ? [...BAD_FEATURE, null] : BAD_FEATURE;
    case 'featureDefinition':
      return put ? [...BAD_FEATURE_DEFINITION, null] : BAD_FEATURE_DEFINITION;
  }
}

// --- invalid ids, keys, pointers, headers, RQL ----------------------------------------------

const BAD_THING_IDS = [
  'nocolon',
  '1ns:x',
  '.ns:x',
  'ns.:x',
  'a..b:x',
  '-ns:x',
  'a.-b:x',
  'ns:',
  ':',
  'n%20s:x',
  'ns:a%2Fb',
  'ns:a%00b',
  'ns:%01',
  'ns:a%7F',
  'ns:%C3%A4',
  'ns:%C2%80',
  'ns:a%0A',
  'ns:%09x',
  'ns:' + 'x'.repeat(254),
  'ns.' + 'a'.repeat(300) + ':x',
  '%C3%BCber:x',
  'ns%21:x',
  'org.robust%2Ffull',
  'org.robust:full%00',
];
const FORBIDDEN_NAME_CHARS = [
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 129 }, (_, i) => String.fromCharCode(0x7f + i)),
  '/',
];

function badThingId(rng: Rng): string {
  if (rng.chance(0.5)) return rng.pick(BAD_THING_IDS);
  const id = rng.pick(THING_IDS.filter((t) => t.includes('.')));
  const colon = id.indexOf(':');
  if (rng.chance(0.5)) {
    // a forbidden character in the name
    const at = colon + 1 + rng.int(id.length - colon);
    return seg(id.slice(0, at) + rng.pick(FORBIDDEN_NAME_CHARS) + id.slice(at));
  }
  // a namespace character outside [a-zA-Z0-9_.-], or a segment starting with a digit or dot
  const at = rng.int(colon);
  const bad = rng.pick(['!', '$', ' ', '~', '*', '1', '..', 'ä', '+', "'"]);
  const broken = id.slice(0, at) + bad + id.slice(at);
  return seg(bad === '1' ? '1' + broken : broken);
}

const BAD_FEATURE_IDS = [
  '%01',
  '%7F',
  '%C3%A9',
  'f'.repeat(257),
  'a%2Fb',
  '__proto__',
  '%0A',
  'x%00',
  'lamp%09',
];
const BAD_POINTERS = [
  'a//b',
  // ('a/' is the pointer 'a': Ditto matches its routes with or without one trailing slash.)
  'a//',
  'a/%01',
  '%7F',
  '%C3%A9',
  LONG_KEY,
  'a/' + 'k'.repeat(300),
  '__proto__',
  'location/__proto__',
  'a/%00/b',
  '%0D%0A',
  'location//lat',
];

function badPointer(rng: Rng, kind: Kind): string {
  if (rng.chance(0.5)) return rng.pick(BAD_POINTERS);
  const segments = (DEFAULT_POINTER[kind] ?? 'x').split('/');
  const bad = rng.pick(['', '%1F', '%C2%A0', 'k'.repeat(257 + rng.int(100)), '__proto__']);
  // An empty segment at the end is one trailing slash, which Ditto (and Twinfold) ignore.
  segments.splice(rng.int(bad === '' ? segments.length : segments.length + 1), 0, bad);
  return segments.join('/');
}

/** Header values that are no entity tag: a letter or digit outside quotes can never be one. */
function badEntityTag(rng: Rng): string {
  const fixed = [
    'rev:1',
    '"rev:1',
    'rev:1"',
    'W/rev:1',
    'w/"rev:1"',
    '"a"b"',
    '"*"',
    '"rev:1" "rev:2"',
    ',',
    '""x',
    '*x',
    '**',
    '"rev:1",,',
    '',
  ];
  if (rng.chance(0.6)) return rng.pick(fixed);
  const chars = 'abcXYZ019:*,;=/- W';
  let out = rng.pick(['x', '1', 'W']);
  for (let i = rng.int(12); i > 0; i--) out += rng.pick([...chars]);
  return rng.chance(0.5) ? out : `"rev:1", ${out}`;
}

const VALID_RQL = [
  'eq(attributes/name,"pump")',
  'and(gt(_revision,1),exists(features/lamp))',
  'or(like(thingId,"org.*"),in(attributes/n,1,2,3))',
  'not(ne(features/lamp/properties/on,true))',
  'ilike(attributes/name,"P?MP")',
  'lt(attributes/location/lat,50.5)',
];
const BAD_RQL_FIXED = [
  '',
  ' ',
  'eq(',
  'eq(a,1',
  'eq(a,1))',
  'and(eq(a,1),',
  'foo(a,1)',
  'EQ(a,1)',
  'eq (a,1)',
  'eq(a 1)',
  'eq(a,)',
  'eq(,1)',
  'eq(a//b,1)',
  'eq(a,01)',
  'eq(a,1.)',
  'eq(a,.5)',
  'eq(a,--1)',
  'eq(a,tru)',
  'eq(a,"x)',
  "eq(a,'x)",
  'eq(a,"\\x")',
  'eq(a,1e999)',
  'in(a)',
  'in(a,)',
  'like(a,1)',
  'exists()',
  'exists(a,1)',
  'not(eq(a,1),eq(b,2))',
  'and()',
  'or(,)',
  'eq(a,time:then)',
  'eq(a,"x")garbage',
  'eq(a,1) ',
  'eq(a,"\\u12")',
  'eq(a,\\',
];

function badRql(rng: Rng): string {
  const r = rng.int(10);
  if (r < 4) return rng.pick(BAD_RQL_FIXED);
  if (r < 7) {
    // Every proper prefix of a valid filter is invalid: the final ')' is missing.
    const valid = rng.pick(VALID_RQL);
    return valid.slice(0, rng.int(valid.length));
  }
  if (r < 9) {
    const depth = rng.between(101, rng.chance(0.2) ? 20_000 : 500);
    const op = rng.pick(['not(', 'and(', 'or(']);
    return op.repeat(depth) + 'exists(thingId)' + ')'.repeat(depth);
  }
  return `eq(attributes/x,"${'y'.repeat(100_001)}")`;
}

const BAD_FIELDS = [
  '',
  '(',
  ')',
  'a(b',
  'a)b(',
  'attributes(',
  'attributes(location',
  'a//b',
  '/',
  ',',
  'a,,b',
  'a,',
  ',a',
  '()',
  'a(,)',
  'a()',
  'thingId,attributes(location(lat)',
  'x'.repeat(10_001),
];

function badFields(rng: Rng): string {
  if (rng.chance(0.6)) return rng.pick(BAD_FIELDS);
  // an unbalanced selector: drop one parenthesis of a valid one
  const valid = 'thingId,attributes(location(lat,lon),name),features/lamp/properties(on)';
  const parens = [...valid].flatMap((c, i) => (c === '(' || c === ')' ? [i] : []));
  const at = rng.pick(parens);
  return valid.slice(0, at) + valid.slice(at + 1);
}

const BAD_OPTIONS = [
  'size(0)',
  'size(201)',
  'size(1000)',
  'size(-1)',
  'size()',
  'size(a)',
  'size(1',
  'sort(attributes/a)',
  'sort(a)',
  'sort( a)',
  'sort()',
  'sort(+)',
  'sort(+a//b)',
  'sort(+*)',
  'sort(+features/*/properties/x)',
  'cursor()',
  'cursor(garbage)',
  // (limit(0,10) alone is Ditto's deprecated paging, honoured: combined with a cursor it is not.)
  'limit(0,10),cursor(x)',
  'limit()',
  'size(5),size(5)',
  'foo(1)',
  'size(5),',
  ',size(5)',
  'SIZE(5)',
  'size(5) ',
  'sort(+a),,size(2)',
  'sort("a")',
  'cursor(a"b)',
];
const BAD_NAMESPACES = [
  '1bad',
  'a..b',
  '.a',
  'a.',
  'ns,1bad',
  'a b',
  'ns:x',
  'x'.repeat(300),
  'ä',
  'a/b',
];

// --- request bodies -----------------------------------------------------------------------

const json = (value: unknown) => JSON.stringify(value);

/** True when the server cannot read `body` as JSON, whichever way it decodes it. */
function unparseable(body: string | Buffer): boolean {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

/** Breaks a JSON text: truncation, a stray or missing character, or a non-JSON extension. */
function breakJson(rng: Rng, text: string): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    let broken: string;
    const at = rng.int(text.length + 1);
    switch (rng.int(8)) {
      case 0:
        broken = text.slice(0, Math.max(0, Math.min(at, text.length - 1)));
        break;
      case 1:
        broken =
          text.slice(0, at) + rng.pick(['{', '}', '[', ']', '"', ':', ',', '\\']) + text.slice(at);
        break;
      case 2:
        broken = text.slice(0, at) + text.slice(at + 1);
        break;
      case 3:
        broken = text.replace(/"(\w+)":/, '$1:');
        break;
      case 4:
        broken = text.replace(/"/g, "'");
        break;
      case 5:
        broken = text + rng.pick(['}', ']', ',', 'x', ' null', '\u0000']);
        break;
      case 6:
        broken = rng.pick([
          'NaN',
          'undefined',
          '{"a":1,}',
          '[1,]',
          '{"a":Infinity}',
          '// c\n{}',
          '0x10',
        ]);
        break;
      default:
        broken = rng.pick(['<thing id="x"/>', 'a=1&b=2', 'plain text', '{{}}', '"unterminated']);
    }
    if (unparseable(broken)) return broken;
  }
  return '{';
}

function nested(rng: Rng, depth: number): string {
  if (rng.chance(0.5)) return '['.repeat(depth) + ']'.repeat(depth);
  const key = rng.pick(['a', 'k', 'x']);
  return `{"${key}":`.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A body that is valid for `kind` except for the embedded `inner` JSON text (as a value). */
function embed(kind: Kind, inner: string): string {
  switch (kind) {
    case 'thing':
      return `{"attributes":{"v":${inner}}}`;
    case 'attributes':
    case 'properties':
    case 'desiredProperties':
      return `{"v":${inner}}`;
    case 'features':
      return `{"f":{"properties":{"v":${inner}}}}`;
    case 'feature':
      return `{"properties":{"v":${inner}}}`;
    default:
      return inner;
  }
}
const EMBEDDABLE: Kind[] = [
  'thing',
  'attributes',
  'attribute',
  'features',
  'feature',
  'properties',
  'property',
  'desiredProperties',
  'desiredProperty',
];

// --- cases ------------------------------------------------------------------------------------

interface Case {
  family: string;
  /** `METHOD /template`, for the coverage check. */
  route: string;
  request: InjectOptions;
  /** 304 is a correct answer (If-None-Match on a read, if-equal: skip on an unchanged write). */
  notModified?: boolean;
}

const JSON_TYPE = 'application/json';
const MERGE_TYPE = 'application/merge-patch+json';

function write(
  family: string,
  kind: Kind,
  method: Method,
  url: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
): Case {
  const withType =
    body !== undefined && !('content-type' in headers)
      ? { 'content-type': method === 'PATCH' ? MERGE_TYPE : JSON_TYPE, ...headers }
      : headers;
  return {
    family,
    route: `${method} ${TEMPLATE[kind]}`,
    request: { method, url, headers: withType, ...(body === undefined ? {} : { payload: body }) },
  };
}

/** A request of `method` on `kind` with a valid body (for writes) and these URL parts. */
function validRequest(
  family: string,
  kind: Kind,
  method: Method,
  parts: Partial<Parts>,
  headers: Record<string, string> = {},
  query = '',
): Case {
  const body = method === 'PUT' || method === 'PATCH' ? json(VALID[kind]) : undefined;
  return write(family, kind, method, urlOf(kind, parts) + query, body, headers);
}

/** Makes one case; `cursor` is a real search cursor, for the tampered-cursor family. */
type Generator = (rng: Rng, cursor: string) => Case;

const anyThing = (rng: Rng) => seg(rng.pick([...THING_IDS, MISSING_ID]));

const generators: Record<string, [count: number, generate: Generator]> = {
  'bad thing id': [
    400,
    (rng) => {
      if (rng.chance(0.1)) {
        return {
          family: 'bad thing id',
          route: 'GET /things/{id}/history',
          request: { method: 'GET', url: `/api/2/things/${badThingId(rng)}/history` },
        };
      }
      const kind = rng.pick(KINDS);
      return validRequest('bad thing id', kind, rng.pick(methodsOf(kind)), {
        id: badThingId(rng),
      });
    },
  ],
  'bad feature id': [
    150,
    (rng) => {
      const kind = rng.pick(FEATURE_KINDS);
      return validRequest('bad feature id', kind, rng.pick(METHODS), {
        id: anyThing(rng),
        fid: rng.pick(BAD_FEATURE_IDS),
      });
    },
  ],
  'bad pointer': [
    200,
    (rng) => {
      const kind = rng.pick(POINTER_KINDS);
      return validRequest('bad pointer', kind, rng.pick(METHODS), { ptr: badPointer(rng, kind) });
    },
  ],
  'wrong value for the resource': [
    600,
    (rng) => {
      const kind = rng.pick(KINDS);
      const method = rng.pick(['PUT', 'PATCH'] as const);
      const id = kind === 'thing' && rng.chance(0.3) ? MISSING_ID : rng.pick(THING_IDS);
      const body = json(rng.pick(invalidValues(kind, method)));
      return write(
        'wrong value for the resource',
        kind,
        method,
        urlOf(kind, { id: seg(id) }),
        body,
      );
    },
  ],
  'broken JSON': [
    400,
    (rng) => {
      const kind = rng.pick(KINDS);
      const method = rng.pick(['PUT', 'PATCH'] as const);
      let body = breakJson(rng, json(VALID[kind]));
      if (rng.chance(0.2)) body = '\uFEFF' + body;
      const types =
        method === 'PATCH'
          ? [MERGE_TYPE, MERGE_TYPE, 'application/merge-patch+json; charset=utf-8']
          : [
              JSON_TYPE,
              'text/plain',
              'application/xml',
              MERGE_TYPE,
              'APPLICATION/JSON',
              'application/octet-stream',
              'application/vnd.custom+json',
              'application/json; charset=utf-8',
              '',
            ];
      const type = rng.pick(types);
      const headers: Record<string, string> = type === '' ? {} : { 'content-type': type };
      if (rng.chance(0.1)) body = '';
      const c = write(
        'broken JSON',
        kind,
        method,
        urlOf(kind, { id: anyThing(rng) }),
        body,
        headers,
      );
      if (type === '') c.request.headers = {};
      return c;
    },
  ],
  'wrong media type': [
    150,
    (rng) => {
      const kind = rng.pick(KINDS);
      if (rng.chance(0.5)) {
        const type = rng.pick([
          JSON_TYPE,
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'application/merge-patch',
          'application/json-patch+json',
          'application/json; charset=utf-8',
        ]);
        return write('wrong media type', kind, 'PATCH', urlOf(kind), json(VALID[kind]), {
          'content-type': type,
        });
      }
      const type = rng.pick([
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'multipart/mixed',
      ]);
      return write('wrong media type', kind, 'PUT', urlOf(kind), json(VALID[kind]), {
        'content-type': type,
      });
    },
  ],
  'odd encoding': [
    150,
    (rng) => {
      const kind = rng.pick(KINDS);
      const method = rng.pick(['PUT', 'PATCH'] as const);
      const text = json(VALID[kind]);
      const type = method === 'PATCH' ? MERGE_TYPE : JSON_TYPE;
      let body: Buffer;
      let contentType = type;
      switch (rng.int(4)) {
        case 0: {
          // invalid UTF-8 bytes where JSON expects structure
          const at = rng.chance(0.5) ? 0 : text.length;
          const junk = Buffer.from(
            rng.pick([
              [0xff, 0xfe],
              [0xc3, 0x28],
              [0xc0, 0xbb],
              [0xed, 0xa0, 0x80],
              [0xf8, 0x88, 0x80, 0x80, 0x80],
            ]),
          );
          body = Buffer.concat([Buffer.from(text.slice(0, at)), junk, Buffer.from(text.slice(at))]);
          break;
        }
        case 1:
          body = Buffer.from(text, 'utf16le');
          contentType = `${type}; charset=utf-16`;
          if (rng.chance(0.5)) body = Buffer.concat([Buffer.from([0xff, 0xfe]), body]);
          break;
        case 2:
          body = Buffer.from('\uFEFF' + breakJson(rng, text));
          break;
        default:
          body = Buffer.concat([Buffer.from(text), Buffer.from([0x00])]);
      }
      if (!unparseable(body)) body = Buffer.from([0xff]);
      return write('odd encoding', kind, method, urlOf(kind, { id: anyThing(rng) }), body, {
        'content-type': contentType,
      });
    },
  ],
  'bad header': [
    500,
    (rng) => {
      const kind = rng.pick(KINDS);
      const method = rng.pick(methodsOf(kind));
      const id = kind === 'thing' && method !== 'GET' && rng.chance(0.3) ? MISSING_ID : FULL_ID;
      const headers: Record<string, string> = {};
      let query = '';
      const choice = rng.int(method === 'GET' ? 9 : 6);
      switch (choice) {
        case 0:
          headers['if-match'] = badEntityTag(rng);
          break;
        case 1:
          headers['if-none-match'] = badEntityTag(rng);
          break;
        case 2:
          headers['if-equal'] = rng.pick([
            'SKIP',
            'true',
            'Update',
            'never',
            '',
            'skip-minimizing',
            '1',
          ]);
          break;
        case 3:
        case 4:
          headers.condition = badRql(rng).slice(0, 8_000);
          break;
        case 5:
          query = `?condition=${encodeURIComponent(badRql(rng))}`;
          break;
        case 6:
          headers['at-historical-revision'] = rng.pick([
            'abc',
            '-1',
            '1.5',
            '1e3',
            '',
            '0x10',
            '9'.repeat(16),
            '+1',
            'rev:1',
          ]);
          break;
        case 7:
          headers['at-historical-timestamp'] = rng.pick([
            'garbage',
            '2020',
            '2020-01-01',
            '1700000000000',
            'yesterday',
            '2020-13-45T00:00:00Z',
            '2020-01-01Tgarbage',
            '',
          ]);
          break;
        default:
          query = `?fields=${encodeURIComponent(badFields(rng))}`;
      }
      return validRequest('bad header', kind, method, { id: seg(id) }, headers, query);
    },
  ],
  'failed precondition': [
    300,
    (rng) => {
      const kind = rng.pick(KINDS);
      const method = rng.pick(methodsOf(kind));
      const headers: Record<string, string> = {};
      let notModified = false;
      const choice = rng.int(method === 'GET' ? 5 : 4);
      switch (choice) {
        case 0:
          headers['if-match'] = rng.pick([
            '"rev:999"',
            '"hash:00000000"',
            'W/"rev:1"',
            '""',
            '"rev:1"',
          ]);
          break;
        case 1:
          headers['if-none-match'] = rng.pick(['*', '"x", *']);
          notModified = method === 'GET';
          break;
        case 2:
          headers.condition = rng.pick([
            'eq(thingId,"org.robust:nope")',
            'not(exists(thingId))',
            'gt(_revision,1000000)',
            'eq(attributes/name,"not-pump")',
          ]);
          break;
        case 3:
          if (method === 'PUT' || method === 'PATCH') {
            const c = write('failed precondition', kind, method, urlOf(kind), json(CURRENT[kind]), {
              'if-equal': 'skip',
            });
            c.notModified = true;
            return c;
          }
          headers['if-match'] = '"rev:0"';
          break;
        default:
          headers['at-historical-revision'] = rng.pick(['99999', '0', '999999999999999']);
      }
      const c = validRequest('failed precondition', kind, method, {}, headers);
      c.notModified = notModified;
      return c;
    },
  ],
  oversized: [
    60,
    (rng) => {
      const huge = rng.chance(0.4);
      const blob = 'x'.repeat(
        huge ? 1024 * 1024 + rng.int(100_000) : 100 * 1024 + rng.int(500_000),
      );
      const inner = json(blob);
      if (rng.chance(0.15)) {
        return {
          family: 'oversized',
          route: 'POST /things',
          request: {
            method: 'POST',
            url: '/api/2/things?namespace=org.robust',
            headers: { 'content-type': JSON_TYPE },
            payload: `{"attributes":{"blob":${inner}}}`,
          },
        };
      }
      if (huge && rng.chance(0.15)) {
        return {
          family: 'oversized',
          route: 'POST /search/things',
          request: {
            method: 'POST',
            url: '/api/2/search/things',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `filter=${encodeURIComponent(`eq(attributes/x,${inner})`)}`,
          },
        };
      }
      const kind = rng.pick(EMBEDDABLE);
      const method = rng.pick(['PUT', 'PATCH'] as const);
      return write('oversized', kind, method, urlOf(kind), embed(kind, inner));
    },
  ],
  'deep nesting': [
    60,
    (rng) => {
      const depth = rng.chance(0.15) ? 100_000 : rng.between(501, 12_000);
      if (rng.chance(0.1)) {
        return {
          family: 'deep nesting',
          route: 'POST /things',
          request: {
            method: 'POST',
            url: '/api/2/things?namespace=org.robust',
            headers: { 'content-type': JSON_TYPE },
            payload: `{"attributes":{"v":${nested(rng, depth)}}}`,
          },
        };
      }
      const kind = rng.pick(EMBEDDABLE);
      const method = rng.pick(['PUT', 'PATCH'] as const);
      return write(
        'deep nesting',
        kind,
        method,
        urlOf(kind, { id: anyThing(rng) }),
        embed(kind, nested(rng, depth)),
      );
    },
  ],
  'huge number': [
    80,
    (rng) => {
      const kind = rng.pick(EMBEDDABLE);
      const method = rng.pick(['PUT', 'PATCH'] as const);
      const n = rng.pick([
        '1e400',
        '-1e400',
        '1' + '0'.repeat(400),
        '1.7976931348623159e308',
        '[1,2,1e999]',
        '{"n":-1E+309}',
      ]);
      return write('huge number', kind, method, urlOf(kind), embed(kind, n));
    },
  ],
  'prototype keys': [
    120,
    (rng) => {
      const r = rng.int(5);
      if (r === 0) {
        const kind = rng.pick(POINTER_KINDS);
        return validRequest('prototype keys', kind, rng.pick(METHODS), {
          ptr: rng.pick(['__proto__', 'location/__proto__', '__proto__/polluted']),
        });
      }
      if (r === 1) {
        const kind = rng.pick(FEATURE_KINDS);
        return validRequest('prototype keys', kind, rng.pick(METHODS), { fid: '__proto__' });
      }
      // bodies: JSON types are refused by the parser, other types reach validation
      const kind = rng.pick([
        'thing',
        'attributes',
        'properties',
        'desiredProperties',
        'features',
        'feature',
        'attribute',
      ] as const);
      const method = rng.pick(['PUT', 'PATCH'] as const);
      const proto = rng.pick([
        '{"__proto__":{"polluted":true}}',
        '{"ok":{"__proto__":{"polluted":true}}}',
      ]);
      const inner = r === 2 ? '{"constructor":{"prototype":{"polluted":true}}}' : proto;
      // (a thing body drops `_` fields, so the key goes one level down there)
      const body = kind === 'attribute' ? proto : embed(kind, inner);
      const textual = method === 'PUT' && r !== 2 && rng.chance(0.5);
      return write(
        'prototype keys',
        kind,
        method,
        urlOf(kind),
        body,
        textual ? { 'content-type': 'text/plain' } : {},
      );
    },
  ],
  search: [
    550,
    (rng) => {
      const endpoint = rng.pick([
        '/api/2/search/things',
        '/api/2/search/things/count',
        '/api/2/things',
      ] as const);
      const isCount = endpoint.endsWith('/count');
      const route = (method: string) => `${method} ${endpoint.slice('/api/2'.length)}`;
      const defects: string[] = [];
      const r = rng.int(10);
      if (endpoint === '/api/2/things') {
        if (r < 4)
          defects.push(
            `ids=${rng.pick(['bad', 'org.robust:full,bad', ',,,', '', 'ns:%01', 'org.robust:full,1x:y', encodeURIComponent('ns:a/b'), 'ns:' + 'x'.repeat(300)])}`,
          );
        else if (r < 7) defects.push(`option=${encodeURIComponent(rng.pick(BAD_OPTIONS))}`);
        else if (r < 9) defects.push(`fields=${encodeURIComponent(badFields(rng))}`);
        else defects.push('ids=org.robust:full&ids=org.robust:bare');
        return {
          family: 'search',
          route: route('GET'),
          request: { method: 'GET', url: `${endpoint}?${defects.join('&')}` },
        };
      }
      if (r < 4 || isCount) {
        if (isCount && r >= 7)
          defects.push(`namespaces=${encodeURIComponent(rng.pick(BAD_NAMESPACES))}`);
        else defects.push(`filter=${encodeURIComponent(badRql(rng))}`);
        if (rng.chance(0.2)) defects.unshift(`filter=${encodeURIComponent(rng.pick(VALID_RQL))}`);
      } else if (r < 7) {
        defects.push(`option=${encodeURIComponent(rng.pick(BAD_OPTIONS))}`);
      } else if (r < 8) {
        defects.push(`namespaces=${encodeURIComponent(rng.pick(BAD_NAMESPACES))}`);
      } else if (r < 9) {
        defects.push(`fields=${encodeURIComponent(badFields(rng))}`);
      } else {
        defects.push(
          rng.pick([
            'fields=thingId&fields=policyId',
            `option=${encodeURIComponent(`cursor(${rng.word(4, 40)})`)}`,
          ]),
        );
      }
      if (rng.chance(0.4)) {
        // the same parameters as a form body, or a body that is no form
        if (rng.chance(0.8)) {
          return {
            family: 'search',
            route: route('POST'),
            request: {
              method: 'POST',
              url: endpoint,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              payload: defects.join('&'),
            },
          };
        }
        const [type, payload] = rng.pick([
          [JSON_TYPE, '{"filter":"eq(thingId,\\"x\\")"}'],
          [JSON_TYPE, '{}'],
          ['text/plain', 'filter=exists(thingId)'],
          ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
          [MERGE_TYPE, '[]'],
        ] as const);
        return {
          family: 'search',
          route: route('POST'),
          request: { method: 'POST', url: endpoint, headers: { 'content-type': type }, payload },
        };
      }
      return {
        family: 'search',
        route: route('GET'),
        request: { method: 'GET', url: `${endpoint}?${defects.join('&')}` },
      };
    },
  ],
  'tampered cursor': [40, (rng, cursor) => tamperedCursorCase(rng, cursor)],
  history: [
    150,
    (rng) => {
      const query = rng.pick([
        'from-revision=abc',
        'from-revision=-1',
        'from-revision=1.5',
        'to-revision=x',
        'limit=0',
        'limit=10001',
        'limit=-5',
        'limit=abc',
        'limit=',
        'from-timestamp=garbage',
        'to-timestamp=2020',
        'from-timestamp=2020-13-45T00%3A00%3A00Z',
        'unknown=1',
        'fields=thingId',
        'from-revision=1&from-revision=2',
      ]);
      const id = rng.chance(0.8)
        ? seg(rng.pick(THING_IDS))
        : rng.chance(0.5)
          ? seg(MISSING_ID)
          : badThingId(rng);
      const url = `/api/2/things/${id}/history${id === seg(MISSING_ID) && rng.chance(0.5) ? '' : `?${query}`}`;
      return {
        family: 'history',
        route: 'GET /things/{id}/history',
        request: { method: 'GET', url },
      };
    },
  ],
  'weird URL': [
    200,
    (rng) => {
      const full = seg(FULL_ID);
      const urls = [
        '/api/2/things/ns:a%zz',
        '/api/2/things/ns:%',
        '/api/2/things/%E0%A4%A',
        `/api/2/things/${full}/attributes/%ZZ`,
        '/api/2/things/ns:%ED%A0%80',
        '/api/2/things/ns:a%C0%AF',
        `/api/2/things/${full}%00`,
        `/api/2/things/org.robust%2Ffull`,
        '/api/2/things/ns:' + 'a'.repeat(rng.between(1025, 5000)),
        `/api/2/things/${full}/attributes/` + 'a/'.repeat(rng.between(10, 2000)) + '/',
        `/api/2/things/${full}/features/` + 'f'.repeat(rng.between(257, 3000)),
        '/api/2/things//attributes',
        `/api/2/things/${full}//attributes`,
        `/api/2/things/${full}/attributes//location`,
        `/api/2/things/${full}/features//properties`,
        '/api/2//things/' + full,
        '//api/2/things/' + full,
      ];
      const method = rng.pick(METHODS);
      const c: Case = {
        family: 'weird URL',
        route: 'weird',
        request: { method, url: rng.pick(urls) },
      };
      if (method === 'PUT' || method === 'PATCH') {
        c.request.headers = { 'content-type': method === 'PATCH' ? MERGE_TYPE : JSON_TYPE };
        c.request.payload = '{"a":1}';
      }
      return c;
    },
  ],
  'unknown route or method': [
    200,
    (rng) => {
      const full = seg(FULL_ID);
      if (rng.chance(0.4)) {
        const url = rng.pick([
          '/api/2/thingz',
          '/api/3/things',
          `/api/2/things/${full}/unknown`,
          `/api/2/things/${full}/features/lamp/unknown`,
          `/api/2/things/${full}/inbox/messages/x`,
          '/api/2/search/thingz',
          '/api/2/search',
          '/api2/things',
          '/API/2/things',
          `/api/2/things/${full}/history/1`,
        ]);
        return {
          family: 'unknown route or method',
          route: 'unknown',
          request: { method: rng.pick(METHODS), url },
        };
      }
      if (rng.chance(0.15)) {
        return {
          family: 'unknown route or method',
          route: 'DELETE /things/{id}/policyId',
          request: { method: 'DELETE', url: urlOf('policyId') },
        };
      }
      if (rng.chance(0.15)) {
        const kind = rng.pick(KINDS);
        return {
          family: 'unknown route or method',
          route: `HEAD ${TEMPLATE[kind]}`,
          request: { method: 'HEAD', url: urlOf(kind, { id: badThingId(rng) }) },
        };
      }
      const [method, url] = rng.pick([
        ['POST', urlOf(rng.pick(KINDS))],
        ['OPTIONS', urlOf(rng.pick(KINDS))],
        ['PROPFIND', urlOf('thing')],
        ['TRACE', urlOf('attributes')],
        ['PUT', '/api/2/things'],
        ['DELETE', '/api/2/things'],
        ['PATCH', '/api/2/things'],
        ['PUT', '/api/2/search/things'],
        ['DELETE', '/api/2/search/things/count'],
        ['POST', `/api/2/things/${full}/history`],
        ['DELETE', `/api/2/things/${full}/history`],
      ] as const);
      const c: Case = {
        family: 'unknown route or method',
        route: 'unknown',
        request: { method, url },
      };
      if (method !== 'OPTIONS' && method !== 'TRACE') {
        c.request.headers = { 'content-type': JSON_TYPE };
        c.request.payload = '{}';
      }
      return c;
    },
  ],
  'POST /things': [
    150,
    (rng) => {
      const r = rng.int(5);
      let query = '?namespace=org.robust';
      let body = '{}';
      let type = JSON_TYPE;
      if (r === 0) {
        const namespace = rng.pick([
          '1bad',
          'a..b',
          'ns:x',
          'a'.repeat(300),
          'a\u0000',
          '.ns',
          'ns.',
          'ä',
        ]);
        query = `?namespace=${encodeURIComponent(namespace)}`;
      } else if (r === 1) {
        body = json({
          thingId: rng.pick(['org.robust:x', FULL_ID, 5, null]),
          attributes: { a: 1 },
        });
      } else if (r === 2) {
        body = json(
          rng.pick(
            BAD_THING.filter((b) => !(typeof b === 'object' && b !== null && 'thingId' in b)),
          ),
        );
      } else if (r === 3) {
        body = breakJson(rng, '{"attributes":{"a":1}}');
        type = rng.pick([JSON_TYPE, 'text/plain', '']);
      } else {
        type = rng.pick(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']);
      }
      return {
        family: 'POST /things',
        route: 'POST /things',
        request: {
          method: 'POST',
          url: `/api/2/things${query}`,
          headers: type ? { 'content-type': type } : {},
          payload: body,
        },
      };
    },
  ],
};

/**
 * Cursor variants that decode but do not belong to the query, or are malformed inside. A search
 * cursor is `<instant>~<index cursor>`; the index cursor is base64url JSON `{h, k}`.
 */
function tamperedCursors(real: string): string[] {
  const [instant, inner] = real.split('~');
  const decoded = JSON.parse(Buffer.from(inner, 'base64url').toString('utf8')) as {
    h: string;
    k: unknown;
  };
  const enc = (v: unknown) => `${instant}~${Buffer.from(JSON.stringify(v)).toString('base64url')}`;
  return [
    inner,
    `zzzzzzzzzzzzz~${inner}`,
    `~${inner}`,
    enc({ ...decoded, h: 'not-the-hash' }),
    enc({ h: decoded.h, k: [] }),
    enc({ h: decoded.h, k: [[99]] }),
    enc({ h: decoded.h, k: [[2, 5]] }),
    enc({ h: decoded.h, k: 'x' }),
    enc({ h: decoded.h }),
    enc([decoded.h, decoded.k]),
    enc(null),
    enc({ h: decoded.h, k: [[1, 'NaN']] }),
    real.slice(0, -3),
    real + '!!',
    '%%%',
  ];
}

const NOISE_HEADERS: Record<string, string>[] = [
  { 'correlation-id': 'robustness' },
  { accept: 'application/xml' },
  { 'x-unknown': 'x' },
  { 'response-required': 'false' },
];

function generateCases(seed: number, cursor: string): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (const [count, generate] of Object.values(generators)) {
    for (let i = 0; i < count; i++) {
      const c = generate(rng, cursor);
      if (rng.chance(0.1)) c.request.headers = { ...rng.pick(NOISE_HEADERS), ...c.request.headers };
      cases.push(c);
    }
  }
  return cases;
}

function tamperedCursorCase(rng: Rng, real: string): Case {
  const cursor = rng.chance(0.3) ? real : rng.pick(tamperedCursors(real));
  // The real cursor is only ever sent with another query (filter or sort), where it must fail.
  const other = cursor === real ? `&filter=${encodeURIComponent('exists(thingId)')}` : '';
  const sort = cursor === real && rng.chance(0.5) ? ',sort(-thingId)' : '';
  const option = encodeURIComponent(`size(1),cursor(${cursor})${sort}`);
  const url = `/api/2/search/things?option=${option}${sort ? '' : other}`;
  return {
    family: 'tampered cursor',
    route: 'GET /search/things',
    request: { method: 'GET', url },
  };
}

// --- checking responses and state -----------------------------------------------------------

function problemWith(c: Case, res: LightMyRequestResponse): string | null {
  const status = res.statusCode;
  if (status >= 500) return `server error ${status}`;
  if (status < 300) return `accepted an invalid request (${status})`;
  if (status === 304) {
    if (!c.notModified) return 'unexpected 304';
    return res.body === '' ? null : '304 with a body';
  }
  if (status < 400) return `unexpected status ${status}`;
  if (c.request.method === 'HEAD') return res.body === '' ? null : 'HEAD response with a body';
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json'))
    return `error without JSON content type (${res.headers['content-type']})`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return 'error body is not JSON';
  }
  const b = body as Record<string, unknown>;
  if (b.status !== status) return `error body status ${String(b.status)} differs from ${status}`;
  for (const key of ['error', 'message', 'description']) {
    if (typeof b[key] !== 'string' || b[key] === '') return `error body lacks a non-empty '${key}'`;
  }
  return null;
}

interface Snapshot {
  things: Record<string, { status: number; etag: unknown; body: string; history: string }>;
  list: string;
  count: string;
  size: number;
  journal: unknown;
}

async function snapshot(f: AppFixture): Promise<Snapshot> {
  await f.runtime.flush();
  const things: Snapshot['things'] = {};
  for (const id of [...THING_IDS, MISSING_ID]) {
    const fields = 'thingId,policyId,definition,attributes,features,_revision,_created,_modified';
    const thing = await f.request({
      method: 'GET',
      url: `/api/2/things/${seg(id)}?fields=${fields}`,
    });
    const history = await f.request({ method: 'GET', url: `/api/2/things/${seg(id)}/history` });
    things[id] = {
      status: thing.statusCode,
      etag: thing.headers.etag,
      body: thing.body,
      history: history.body,
    };
  }
  const list = await f.request({ method: 'GET', url: '/api/2/things?option=size(200)' });
  const count = await f.request({ method: 'GET', url: '/api/2/search/things/count' });
  const db = new Database(join(f.dir, 'journal.db'), { readonly: true });
  try {
    const journal = db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM things) AS things,
                (SELECT COUNT(*) FROM snapshots) AS snapshots, (SELECT MAX(ts) FROM events) AS lastEvent`,
      )
      .get();
    return { things, list: list.body, count: count.body, size: f.runtime.size, journal };
  } finally {
    db.close();
  }
}

async function seed(f: AppFixture): Promise<void> {
  for (const [id, body] of Object.entries(SEEDS)) {
    expect((await f.send('PUT', `/api/2/things/${seg(id)}`, body)).statusCode).toBe(201);
  }
  // a little history on FULL that leaves it as seeded
  expect(
    (await f.send('PUT', `/api/2/things/${seg(FULL_ID)}/attributes/name`, 'pump')).statusCode,
  ).toBe(204);
  const lamp = `/api/2/things/${seg(FULL_ID)}/features/lamp/properties`;
  expect((await f.send('PATCH', lamp, { brightness: { value: 40 } })).statusCode).toBe(204);
}

// --- the tests --------------------------------------------------------------------------------

const SEED = 0x7717f01d;

describe('robustness - malformed requests', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await createAppFixture();
    await seed(f);
  });
  afterAll(async () => {
    await f.close();
  });

  it('thousands of malformed requests on every route get Ditto 4xx errors and change nothing', async () => {
    const page = await f.request({ method: 'GET', url: '/api/2/search/things?option=size(1)' });
    const cursor = (page.json() as { cursor: string }).cursor;
    expect(cursor).toBeTruthy();

    const before = await snapshot(f);
    const cases = generateCases(SEED, cursor);
    expect(cases.length).toBeGreaterThanOrEqual(3000);

    const histogram: Record<number, number> = {};
    const failures: string[] = [];
    for (const c of cases) {
      const res = await f.request(c.request);
      histogram[res.statusCode] = (histogram[res.statusCode] ?? 0) + 1;
      const problem = problemWith(c, res);
      if (problem) {
        const url = c.request.url as string;
        failures.push(
          `[${c.family}] ${c.request.method} ${url.length > 120 ? url.slice(0, 120) + '…' : url} ` +
            `${JSON.stringify(c.request.headers ?? {}).slice(0, 120)} -> ${problem}: ${res.body.slice(0, 200)}`,
        );
      }
    }
    const after = await snapshot(f);
    console.log(
      `robustness: ${cases.length} malformed requests, status histogram ${JSON.stringify(histogram)}`,
    );

    expect(failures.slice(0, 25), `${failures.length} bad responses`).toEqual([]);
    expect(after).toEqual(before);

    // every resource and method was exercised
    const seen = new Set(cases.map((c) => c.route));
    const required = [
      ...KINDS.flatMap((k) => methodsOf(k).map((m) => `${m} ${TEMPLATE[k]}`)),
      'GET /things',
      'POST /things',
      'GET /things/{id}/history',
      'GET /search/things',
      'POST /search/things',
      'GET /search/things/count',
      'POST /search/things/count',
      'DELETE /things/{id}/policyId',
    ];
    expect(required.filter((r) => !seen.has(r))).toEqual([]);
  });
});

describe('robustness - regressions', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await createAppFixture();
    await seed(f);
  });
  afterAll(async () => {
    await f.close();
  });

  const full = `/api/2/things/${seg(FULL_ID)}`;
  const errorOf = (res: LightMyRequestResponse) => res.json() as Record<string, unknown>;

  it('every valid body the fuzzer pairs with a defect is accepted on its own', async () => {
    const control = await createAppFixture();
    try {
      await seed(control);
      for (const kind of KINDS) {
        for (const method of ['PUT', 'PATCH'] as const) {
          const res = await control.send(method, urlOf(kind), VALID[kind]);
          expect(res.statusCode, `${method} ${kind}: ${res.body}`).toBeLessThan(300);
        }
      }
    } finally {
      await control.close();
    }
  });

  it('malformed percent-encoding in the path gets a Ditto 400 body, not Fastify’s', async () => {
    for (const url of ['/api/2/things/ns:a%zz', '/api/2/things/ns:%ED%A0%80/attributes']) {
      const res = await f.request({ method: 'GET', url });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res)).toMatchObject({ status: 400, error: 'request.invalid' });
      expect(errorOf(res).description).toEqual(expect.any(String));
    }
  });

  it('a path parameter longer than the router allows gets a Ditto 414 body', async () => {
    const res = await f.request({ method: 'GET', url: `/api/2/things/ns:${'a'.repeat(2000)}` });
    expect(res.statusCode).toBe(414);
    expect(errorOf(res)).toMatchObject({ status: 414, error: 'request.invalid' });
  });

  it('a body nested 10,000 levels deep is a 400 json.invalid, not a stack overflow', async () => {
    const before = await snapshot(f);
    for (const payload of [
      '['.repeat(10_000) + ']'.repeat(10_000),
      '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
    ]) {
      const res = await f.request({
        method: 'PUT',
        url: `${full}/attributes/deep`,
        headers: { 'content-type': JSON_TYPE },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res)).toMatchObject({ error: 'json.invalid' });
    }
    const patch = await f.request({
      method: 'PATCH',
      url: full,
      headers: { 'content-type': MERGE_TYPE },
      payload: `{"attributes":{"deep":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    });
    expect(patch.statusCode).toBe(400);
    expect(await snapshot(f)).toEqual(before);
  });

  it('a body nested 500 levels deep is still accepted', async () => {
    const res = await f.request({
      method: 'PUT',
      url: `/api/2/things/org.robust:deep-ok/attributes/deep`,
      headers: { 'content-type': JSON_TYPE },
      payload: '{"a":'.repeat(499) + '1' + '}'.repeat(499),
    });
    expect(res.statusCode).toBe(404); // the thing does not exist: validation passed
    const thing = await f.send('PUT', '/api/2/things/org.robust:deep-ok', {
      attributes: { deep: JSON.parse('['.repeat(498) + ']'.repeat(498)) as unknown },
    });
    expect(thing.statusCode).toBe(201);
    expect(
      (await f.request({ method: 'DELETE', url: '/api/2/things/org.robust:deep-ok' })).statusCode,
    ).toBe(204);
  });

  it('a number beyond the range of a double is a 400, not silently stored as null', async () => {
    for (const payload of ['1e400', '{"n":[1,-1e400]}']) {
      const res = await f.request({
        method: 'PUT',
        url: `${full}/attributes/big`,
        headers: { 'content-type': JSON_TYPE },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res)).toMatchObject({ error: 'json.invalid' });
    }
    const get = await f.request({ method: 'GET', url: `${full}/attributes/big` });
    expect(get.statusCode).toBe(404);
  });

  it("the key '__proto__' is refused, not acknowledged and then lost", async () => {
    const before = await snapshot(f);
    const put = await f.request({
      method: 'PUT',
      url: `${full}/attributes/__proto__`,
      headers: { 'content-type': JSON_TYPE },
      payload: '{"polluted":true}',
    });
    expect(put.statusCode).toBe(400);
    expect(errorOf(put)).toMatchObject({ error: 'json.key.invalid' });
    const text = await f.request({
      method: 'PUT',
      url: `${full}/attributes`,
      // Ditto's fallback media type (text/plain is a 415 now, as in Ditto): parsed as JSON too.
      headers: { 'content-type': 'application/octet-stream' },
      payload: '{"ok":{"__proto__":{"polluted":true}}}',
    });
    expect(text.statusCode).toBe(400);
    expect(errorOf(text)).toMatchObject({ error: 'json.key.invalid' });
    const feature = await f.send('PUT', `${full}/features/__proto__`, { properties: {} });
    expect(feature.statusCode).toBe(400);
    expect(await snapshot(f)).toEqual(before);
  });

  it('a cursor with characters outside base64url is refused, not decoded leniently', async () => {
    const page = await f.request({ method: 'GET', url: '/api/2/search/things?option=size(1)' });
    const cursor = (page.json() as { cursor: string }).cursor;
    for (const tampered of [`${cursor}!!`, `${cursor.slice(0, 4)}.${cursor.slice(4)}`]) {
      const option = encodeURIComponent(`size(1),cursor(${tampered})`);
      const res = await f.request({ method: 'GET', url: `/api/2/search/things?option=${option}` });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res)).toMatchObject({ error: 'thing-search:search.option.invalid' });
    }
  });

  it('POST /search/things with a JSON body is a 415, not a search that ignores it', async () => {
    for (const url of ['/api/2/search/things', '/api/2/search/things/count']) {
      const res = await f.request({
        method: 'POST',
        url,
        headers: { 'content-type': JSON_TYPE },
        payload: '{"filter":"eq(thingId,\\"nope:x\\")"}',
      });
      expect(res.statusCode).toBe(415);
      expect(errorOf(res)).toMatchObject({ status: 415, error: 'mediatype.unsupported' });
    }
    const form = await f.request({
      method: 'POST',
      url: '/api/2/search/things/count',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `filter=${encodeURIComponent('eq(thingId,"nope:x")')}`,
    });
    expect(form.body).toBe('0');
  });
});
