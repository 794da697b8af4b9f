// A seeded generator of random and malformed telemetry payloads and Ditto Protocol frames, for fuzz tests.

/** A small seeded PRNG (mulberry32): the same seed gives the same payloads on every run. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
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
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const WEIRD_STRINGS = [
  '',
  ' ',
  'ä€😀',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '../../etc',
  'a/b',
  'a:b',
  '{{$.id}}',
  '$.v',
  '%00%ff',
  '<script>',
  'x'.repeat(300),
  'null',
  '__proto__',
  'constructor',
];

const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '9007199254740993',
  '1.7976931348623157e308',
  '5e-324',
  '0.1e1',
];

/** A JSON text (valid or not) of a random scalar. */
function scalar(r: Random): string {
  switch (r.int(6)) {
    case 0:
      return String(r.int(1000) - 500);
    case 1:
      return r.pick(HUGE_NUMBERS);
    case 2:
      return JSON.stringify(r.pick(WEIRD_STRINGS));
    case 3:
      return r.pick(['true', 'false', 'null']);
    case 4:
      return `"${r.pick(['\\ud800', '\\u0000', '\\uDFFF', '\\\\', '\\"'])}"`;
    default:
      return (r.next() * 1000).toFixed(3);
  }
}

/** A random JSON value (as text), nested up to `depth`. */
function value(r: Random, depth: number): string {
  if (depth <= 0 || r.chance(0.5)) return scalar(r);
  const n = r.int(4);
  if (r.chance(0.5)) return `[${Array.from({ length: n }, () => value(r, depth - 1)).join(',')}]`;
  const keys = ['v', 'a', 'id', '__proto__', 'constructor', '', 'ä', 'x.y', '$'];
  return `{${Array.from({ length: n }, () => `${JSON.stringify(r.pick(keys))}:${value(r, depth - 1)}`).join(',')}}`;
}

function deep(r: Random): string {
  const depth = 50 + r.int(r.chance(0.2) ? 20_000 : 500);
  return r.chance(0.5)
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Bytes that are not valid UTF-8, inside something that looks like JSON. */
function brokenUtf8(r: Random): Buffer {
  const bad = r.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80]]);
  return Buffer.concat([Buffer.from('{"id":"d1","v":"'), Buffer.from(bad), Buffer.from('"}')]);
}

function noise(r: Random): Buffer {
  const length = r.int(64);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = r.chance(0.7) ? 32 + r.int(95) : r.int(256);
  return bytes;
}

/**
 * One telemetry payload for a spec mapping `$.id` (or a topic token) to a twin and `$.v`, `$.a` to
 * values: about a quarter well-formed, the rest malformed in one of many ways. `ids` bounds the
 * set of valid twin names, so that accepted messages reuse a few twins.
 */
export function payload(r: Random, ids = 20): Buffer {
  const id = `d${r.int(ids)}`;
  switch (r.int(14)) {
    case 0:
    case 1:
    case 2:
      return Buffer.from(`{"id":"${id}","v":${r.int(1000)},"a":"ok"}`);
    case 3:
      return Buffer.from(`{"id":"${id}","v":${value(r, 4)},"a":${value(r, 3)}}`);
    case 4:
      return Buffer.from(`{"id":"${id}","v":${r.pick(HUGE_NUMBERS)}}`);
    case 5:
      return Buffer.from(`{"id":"${id}","v":${deep(r)}}`);
    case 6:
      return r.chance(0.5) ? Buffer.from(deep(r)) : brokenUtf8(r);
    case 7: {
      const good = `{"id":"${id}","v":${r.int(9)},"a":[1,2,{"b":null}]}`;
      return Buffer.from(good.slice(0, 1 + r.int(good.length - 1)));
    }
    case 8:
      return noise(r);
    case 9:
      return Buffer.from(
        `{"id":${r.chance(0.5) ? JSON.stringify(r.pick(WEIRD_STRINGS)) : scalar(r)},"v":1}`,
      );
    case 10:
      return Buffer.from(
        `{"__proto__":{"v":1,"id":"${id}"},"constructor":{"prototype":{}},"id":"${id}"}`,
      );
    case 11:
      return Buffer.from(r.pick(['[]', 'null', '1', '"str"', 'true', '{}', '[{"id":"d1"}]']));
    case 12:
      return Buffer.from(value(r, 5));
    default:
      return Buffer.from(`{"id":"${id}","v":"${'x'.repeat(r.int(20_000))}"}`);
  }
}

/** A topic or subject token: usually valid, sometimes odd. */
export function token(r: Random, ids = 20): string {
  if (r.chance(0.7)) return `d${r.int(ids)}`;
  return r.pick(['ä€😀', 'x'.repeat(300), 'a:b', '__proto__', '-', '_', 'A-Z_09', '%41', '~']);
}

const ACTIONS = ['create', 'retrieve', 'modify', 'merge', 'delete', 'frob', ''];
const CRITERIA = ['commands', 'events', 'search', 'messages', 'errors', 'acks', 'x'];
const CHANNELS = ['twin', 'TWIN', '', 'other'];
const PATHS = [
  '/',
  '/attributes',
  '/attributes/v',
  '/features',
  '/features/f/properties/v',
  '/features/f/desiredProperties/v',
  '/definition',
  '/policyId',
  '/attributes/%2F',
  '//',
  '/attributes/ä/😀',
  '/thingId',
  'no-slash',
  '/features/f/properties/' + 'a/'.repeat(200),
];

/**
 * One WebSocket text frame for `/ws/2`: a Ditto Protocol message (often malformed), a control
 * message, or noise. None asks for no answer (`response-required: false`) and none uses the live
 * channel, whose answers wait for a device: every frame gets exactly one answer or error.
 */
export function frame(r: Random, namespace: string): string {
  switch (r.int(8)) {
    case 0:
      return noise(r).toString('latin1');
    case 1:
      return `${r.pick(['START', 'STOP'])}-SEND-${r.pick(['EVENTS', 'MESSAGES', 'LIVE-COMMANDS', 'LIVE-EVENTS', 'POLICY-ANNOUNCEMENTS', 'FOO', ''])}${r.pick(['', '?', '?namespaces=', `?namespaces=${namespace}`, '?filter=eq(', '?filter=eq(attributes/v,1)', '?extraFields=attributes', '?bogus=1', '?namespaces=a&namespaces=b', '?filter=' + 'and('.repeat(300)])}`;
    case 2:
      return r.pick(['JWT-TOKEN', 'JWT-TOKEN?', 'JWT-TOKEN?jwtToken=', 'JWT-TOKEN?jwtToken=a.b.c']);
    case 3:
      return value(r, 5);
    default: {
      const id = r.chance(0.8) ? `d${r.int(10)}` : r.pick(WEIRD_STRINGS);
      const ns = r.chance(0.8) ? namespace : r.pick(WEIRD_STRINGS);
      const topic = r.chance(0.1)
        ? r.pick(WEIRD_STRINGS)
        : [ns, id, 'things', r.pick(CHANNELS), r.pick(CRITERIA), r.pick(ACTIONS)]
            .slice(0, 3 + r.int(4))
            .join('/');
      const headers = r.chance(0.8)
        ? `{"correlation-id":${r.chance(0.8) ? `"c${r.int(1e9)}"` : scalar(r)}${r.chance(0.3) ? `,"if-match":${scalar(r)}` : ''}${r.chance(0.2) ? `,"timeout":${scalar(r)}` : ''}}`
        : value(r, 2);
      const parts = [`"topic":${JSON.stringify(topic)}`, `"headers":${headers}`];
      if (r.chance(0.8)) parts.push(`"path":${JSON.stringify(r.pick(PATHS))}`);
      if (r.chance(0.6)) parts.push(`"value":${r.chance(0.1) ? deep(r) : value(r, 4)}`);
      if (r.chance(0.1)) parts.push(`"status":${scalar(r)}`);
      return `{${parts.join(',')}}`;
    }
  }
}
