// Ditto's processing headers on every route: query parameters as headers, timeout, response-required,
// requested-acks, correlation-id, channel; each is honoured or refused with a 400, never ignored.
import { randomBytes } from 'node:crypto';
import type {
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onSendHookHandler,
} from 'fastify';
import { isAckLabel } from '../core/ack-labels.js';
import { errors } from '../core/error-registry.js';
import { hex48 } from '../core/hex-digits.js';
import type { AckAggregation } from '../messaging/ack-aggregation.js';
import { renderError } from './http-errors.js';

/**
 * Ditto's `query-params-as-headers` (gateway.conf): each of these query parameters is read as the
 * header of the same name, and wins over it.
 */
export const QUERY_PARAMS_AS_HEADERS = [
  'accept',
  'channel',
  'correlation-id',
  'requested-acks',
  'declared-acks',
  'response-required',
  'timeout',
  'live-channel-timeout-strategy',
  'allow-policy-lockout',
  'condition',
  'live-channel-condition',
  'at-historical-revision',
  'at-historical-timestamp',
  'dry-run',
] as const;
const AS_HEADERS = new Set<string>(QUERY_PARAMS_AS_HEADERS);

/** Ditto's `gateway.command.max-timeout`. */
export const MAX_TIMEOUT_MS = 60_000;

/** The acknowledgement labels Twinfold fulfils: both at commit, when the index is updated too. */
export const BUILT_IN_ACKS = ['twin-persisted', 'search-persisted'] as const;
/** A built-in label or a custom one, declared and issued by a subscriber. */
export type AckLabel = string;

/** How long a message or live command waits for its response when no `timeout` is given (Ditto: 10 s). */
export const DEFAULT_LIVE_TIMEOUT_MS = 10_000;
/** How long a write waits for custom acknowledgements when no `timeout` is given (Ditto: 10 s). */
export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * What a route does with Ditto's resource headers. The processing headers (timeout,
 * response-required, correlation-id, channel, accept, …) apply to every route alike.
 */
export type RouteClass =
  | 'thing-read'
  | 'thing-write'
  | 'thing-merge'
  | 'thing-delete'
  | 'thing-create'
  | 'thing-list'
  | 'policy-read'
  | 'policy-write'
  | 'policy-delete'
  | 'search'
  | 'message'
  | 'api'
  /** Time-series reads, which also answer in CSV and Parquet. */
  | 'series'
  /** Definition migrations (Ditto's migrateDefinition and the bulk form): they read `dry-run`. */
  | 'migration'
  | 'system';

const THING_ROUTES: readonly RouteClass[] = [
  'thing-read',
  'thing-write',
  'thing-merge',
  'thing-delete',
  'thing-create',
];

/** Resource headers and the route classes that read them; elsewhere they are refused. */
const RESOURCE_HEADERS: Record<string, readonly RouteClass[]> = {
  'if-match': [
    'thing-read',
    'thing-write',
    'thing-merge',
    'thing-delete',
    'policy-read',
    'policy-write',
    'policy-delete',
  ],
  'if-none-match': [
    'thing-read',
    'thing-write',
    'thing-merge',
    'thing-delete',
    'policy-read',
    'policy-write',
    'policy-delete',
  ],
  // Ditto weighs if-equal on modify and merge commands only.
  'if-equal': ['thing-write', 'thing-merge', 'policy-write'],
  condition: ['thing-read', 'thing-write', 'thing-merge', 'thing-delete', 'message'],
  'at-historical-revision': ['thing-read', 'policy-read'],
  'at-historical-timestamp': ['thing-read', 'policy-read'],
  'merge-thing-patch-conditions': ['thing-merge'],
  // Metadata goes with thing routes, which answer its misuse with Ditto's own errors.
  'put-metadata': THING_ROUTES,
  'delete-metadata': THING_ROUTES,
  'get-metadata': THING_ROUTES,
  // Ditto's lock-out rule is weighed where a write may create a thing and its policy.
  'allow-policy-lockout': ['thing-write', 'thing-merge', 'thing-create'],
};
const RESOURCE_HEADER_NAMES = Object.keys(RESOURCE_HEADERS);

/** Route classes whose writes take acknowledgement requests. */
const ACKNOWLEDGED: ReadonlySet<RouteClass> = new Set([
  'thing-write',
  'thing-merge',
  'thing-delete',
  'thing-create',
]);

/** The processing options of one request, read once by {@link processingHook}. */
export interface Processing {
  /** Echoed in the response; generated when the request has none. */
  correlationId: string;
  /** The `timeout` header in milliseconds; null when absent (then a request waits for its result). */
  timeoutMs: number | null;
  /** False: answer 202 without a body, without waiting for the write's commit. */
  responseRequired: boolean;
  /** The requested acknowledgements; null when not requested explicitly (the usual response). */
  acks: AckLabel[] | null;
  /** `channel=live`: the command goes to the device, never to the twin. */
  live: boolean;
  /** `live-channel-condition`: the RQL that sends a retrieve to the device when the twin matches it. */
  liveCondition?: string;
  /** `live-channel-timeout-strategy`: a live retrieve that times out answers from the twin. */
  useTwinOnTimeout: boolean;
  /** The timer of an explicit timeout, cleared once the response is sent. */
  timer?: NodeJS.Timeout;
  /** When the request was read (epoch ms): timeouts count from here. */
  startedAt: number;
  /** The open aggregation of custom acknowledgements of a write. */
  ackAggregation?: AckAggregation;
  /** Releases what the request holds (its acknowledgement aggregation), once it is answered. */
  release?: () => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    processing: Processing;
  }
}

/**
 * Generated correlation ids: a random UUID (version 4) per process whose last 12 hex digits count
 * up, unique without drawing random bytes for every request.
 */
const CORRELATION_BASE = ((): string => {
  const hex = randomBytes(10).toString('hex');
  const variant = ((parseInt(hex[15], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-${variant}${hex.slice(16, 19)}-`;
})();
let correlationCounter = Math.floor(Math.random() * 2 ** 40);

function nextCorrelationId(): string {
  correlationCounter = (correlationCounter + 1) % 2 ** 48;
  return CORRELATION_BASE + hex48(correlationCounter);
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Parses one of Ditto's durations: an amount and a unit (`ms`, `s`, `m`, `h`, `d`, `w`, `mo`, `y`)
 * or a plain amount of seconds.
 *
 * @example parseDuration('500ms') // 500
 * @returns milliseconds
 * @throws TwinfoldError `timeout.invalid` for anything else or a negative amount
 */
export function parseDuration(raw: string): number {
  const match = /^([+-]?\d+)(ms|s|m|h|d|w|mo|y)?$/.exec(raw);
  if (!match) throw errors.timeoutInvalid(`For input string: "${raw}"`);
  const amount = Number(match[1]);
  if (amount < 0)
    throw errors.timeoutInvalid(`The duration must not be negative but was <${raw}>!`);
  const unitMs: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
    mo: 2_592_000_000,
    y: 31_536_000_000,
  };
  return amount * unitMs[match[2] ?? 's'];
}

/**
 * Parses `requested-acks`: a JSON array of labels or a comma-separated list (empty: none).
 *
 * @throws TwinfoldError `header.invalid` for a malformed list or label
 */
export function parseRequestedAcks(raw: string): string[] {
  const text = raw.trim();
  let labels: unknown[];
  if (text.startsWith('[')) {
    try {
      labels = JSON.parse(text) as unknown[];
    } catch {
      throw errors.headerInvalid('requested-acks', raw, 'JSON array');
    }
    if (!Array.isArray(labels)) throw errors.headerInvalid('requested-acks', raw, 'JSON array');
  } else {
    labels = text === '' ? [] : text.split(',').map((label) => label.trim());
  }
  for (const label of labels) {
    if (!isAckLabel(label))
      throw errors.headerInvalid('requested-acks', raw, 'JSON array of acknowledgement labels');
  }
  return labels as string[];
}

function parseBoolean(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw errors.headerInvalid(name, raw, 'boolean');
}

/**
 * True when an Accept header admits a JSON response, or asks for an event stream (which the
 * server-sent events hook serves, or refuses with a 406 in plain text, never in JSON).
 */
function acceptsJson(accept: string): boolean {
  for (const range of accept.split(',')) {
    const type = range.split(';')[0].trim().toLowerCase();
    if (
      type === '' ||
      type === '*/*' ||
      type === 'application/*' ||
      type === 'application/json' ||
      type === 'application/merge-patch+json' ||
      type === 'text/event-stream'
    )
      return true;
  }
  return false;
}

/** Moves Ditto's query-params-as-headers into the headers (the query value wins). */
function queryToHeaders(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined;
  if (!query) return;
  for (const key in query) {
    if (!AS_HEADERS.has(key)) continue;
    const value = query[key];
    request.headers[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
    // The route's query schema (and its own parameter checks) never see it again.
    delete query[key];
  }
}

/** Reads and validates the processing headers of a request of a route of class `routeClass`. */
/** Every header {@link readProcessing} reads: a request with none of them takes the fast path. */
const READ_HEADERS = new Set<string>([...QUERY_PARAMS_AS_HEADERS, ...RESOURCE_HEADER_NAMES]);

/** True when the request has a header {@link readProcessing} reads (a few keys to look at). */
function hasProcessingHeader(headers: Record<string, unknown>): boolean {
  for (const name in headers) if (READ_HEADERS.has(name)) return true;
  return false;
}

export function readProcessing(request: FastifyRequest, routeClass: RouteClass): Processing {
  queryToHeaders(request);
  const headers = request.headers;
  if (!hasProcessingHeader(headers)) {
    return {
      correlationId: nextCorrelationId(),
      timeoutMs: null,
      responseRequired: true,
      acks: null,
      live: false,
      useTwinOnTimeout: false,
      startedAt: Date.now(),
    };
  }
  const correlation = headerOf(request, 'correlation-id');
  if (correlation !== undefined && correlation.trim() === '')
    throw errors.headerInvalid('correlation-id', correlation, 'non-empty string');
  const path = request.url.split('?')[0];
  const channel = headerOf(request, 'channel');
  let live = false;
  if (channel !== undefined) {
    const value = channel.trim().toLowerCase();
    if (value !== 'twin' && value !== 'live')
      throw errors.headerInvalid('channel', channel, "'twin' or 'live'");
    live = value === 'live';
    if (live && !LIVE_ROUTES.has(routeClass))
      throw errors.headerNotApplicable('channel', request.method, path);
  }
  const liveCondition = headerOf(request, 'live-channel-condition');
  if (liveCondition !== undefined && routeClass !== 'thing-read')
    throw errors.liveChannelHeaderNotHere('live-channel-condition', request.method, path);
  const strategy = headerOf(request, 'live-channel-timeout-strategy');
  let useTwinOnTimeout = false;
  if (strategy !== undefined) {
    const value = strategy.trim().toLowerCase();
    if (value !== 'fail' && value !== 'use-twin')
      throw errors.headerInvalid('live-channel-timeout-strategy', strategy, "'fail' or 'use-twin'");
    if (!live && liveCondition === undefined)
      throw errors.headerInvalid(
        'live-channel-timeout-strategy',
        strategy,
        'a strategy for a live command (with channel=live or live-channel-condition)',
      );
    // As in Ditto, the twin answers for a timed-out live retrieve only; a write fails.
    useTwinOnTimeout = value === 'use-twin' && routeClass === 'thing-read';
  }
  if (headers['declared-acks'] !== undefined) throw errors.declaredAcksNotHere();
  if (headers['dry-run'] !== undefined && routeClass !== 'migration') throw errors.dryRunNotHere();
  for (const name of RESOURCE_HEADER_NAMES) {
    if (headers[name] !== undefined && !RESOURCE_HEADERS[name].includes(routeClass))
      throw errors.headerNotApplicable(name, request.method, request.url.split('?')[0]);
  }
  const accept = headerOf(request, 'accept');
  if (
    accept !== undefined &&
    routeClass !== 'system' &&
    !acceptsJson(accept) &&
    !(routeClass === 'series' && SERIES_MEDIA_TYPES.test(accept)) &&
    // A thing or a feature answers a WoT Thing Description, as in Ditto (things-routes).
    !(routeClass === 'thing-read' && /application\/td\+json/i.test(accept))
  )
    throw errors.notAcceptable(accept);

  const rawTimeout = headerOf(request, 'timeout');
  let timeoutMs: number | null = null;
  if (rawTimeout !== undefined) {
    timeoutMs = parseDuration(rawTimeout.trim());
    if (timeoutMs > MAX_TIMEOUT_MS) throw errors.timeoutOutOfBounds(timeoutMs, MAX_TIMEOUT_MS);
  }
  const explicitResponse = parseBoolean(
    'response-required',
    headerOf(request, 'response-required'),
  );
  const rawAcks = headerOf(request, 'requested-acks');
  let acks: AckLabel[] | null = null;
  if (rawAcks !== undefined) {
    const labels = parseRequestedAcks(rawAcks);
    if (labels.length > 0 && !ACKNOWLEDGED.has(routeClass) && routeClass !== 'message')
      throw errors.acknowledgementsNotHere(request.method, path);
    for (const label of labels) {
      // Messages and live commands are answered by their response (`live-response`) only.
      if ((routeClass === 'message' || live) && label !== 'live-response')
        throw errors.acknowledgementUnavailable(label);
      if (routeClass !== 'message' && !live && label === 'live-response')
        throw errors.ackNotForWrite(label);
    }
    acks = [...new Set(labels)];
  }
  // Ditto: a zero timeout means "do not wait", which cannot go with a response or acknowledgements.
  if (timeoutMs === 0 && (explicitResponse === true || (acks !== null && acks.length > 0)))
    throw errors.timeoutZeroWithResponse();
  return {
    correlationId: correlation ?? nextCorrelationId(),
    timeoutMs,
    responseRequired: explicitResponse ?? timeoutMs !== 0,
    acks: acks !== null && acks.length > 0 ? acks : null,
    live,
    liveCondition,
    useTwinOnTimeout,
    startedAt: Date.now(),
  };
}

/** The route classes that take `channel=live`: the thing resources and messages. */
const LIVE_ROUTES: ReadonlySet<RouteClass> = new Set([
  'thing-read',
  'thing-write',
  'thing-merge',
  'thing-delete',
  // A message always travels on the live channel: saying so changes nothing.
  'message',
]);

/** The custom acknowledgement labels of a request (those a subscriber issues), or none. */
export function customAcksOf(processing: Processing): string[] {
  return (processing.acks ?? []).filter(
    (label) => !(BUILT_IN_ACKS as readonly string[]).includes(label),
  );
}

/**
 * The onRequest hook of a route: reads the processing headers, echoes the correlation id and arms
 * an explicit timeout. A request still unanswered at its timeout gets Ditto's 408
 * `command.timeout`; a write it started may still be committed, and the message says so.
 */
export function processingHook(routeClass: RouteClass): onRequestHookHandler {
  const writes = routeClass !== 'thing-read' && routeClass !== 'policy-read';
  return function processing(request, reply, done) {
    let processing: Processing;
    try {
      processing = readProcessing(request, routeClass);
    } catch (error) {
      const id = headerOf(request, 'correlation-id');
      if (id) reply.header('correlation-id', id);
      renderError(error, request, reply);
      return;
    }
    request.processing = processing;
    reply.header('correlation-id', processing.correlationId);
    // Messages, live commands and custom acknowledgements answer their own timeouts.
    const ownTimeout =
      routeClass === 'message' ||
      processing.live ||
      processing.liveCondition !== undefined ||
      customAcksOf(processing).length > 0;
    if (
      !ownTimeout &&
      processing.timeoutMs !== null &&
      processing.timeoutMs > 0 &&
      processing.responseRequired
    ) {
      const ms = processing.timeoutMs;
      processing.timer = setTimeout(() => {
        if (reply.sent) return;
        renderError(errors.commandTimeout(ms, writes && request.method !== 'GET'), request, reply);
      }, ms);
      processing.timer.unref();
    }
    done();
  };
}

/**
 * The onSend hook of a route: clears the timeout and, when no response is required, turns a
 * successful answer into Ditto's 202 without a body.
 */
export const processingOnSend: onSendHookHandler = (request, reply, payload, done) => {
  const processing = request.processing as Processing | undefined;
  if (processing === undefined) return done(null, payload);
  if (processing.timer !== undefined) clearTimeout(processing.timer);
  processing.release?.();
  processing.release = undefined;
  if (processing.responseRequired || reply.statusCode >= 300) return done(null, payload);
  accepted(reply);
  done(null, '');
};

/** Makes a reply Ditto's 202 of a request that needs no response. */
export function accepted(reply: FastifyReply): FastifyReply {
  reply.removeHeader('content-type');
  reply.removeHeader('etag');
  reply.removeHeader('location');
  return reply.code(202);
}

/**
 * The route class of a route of the app, from its method and URL.
 *
 * @example routeClassOf('PATCH', '/api/2/things/:thingId') // 'thing-merge'
 */
/** What a series read answers in besides JSON. */
const SERIES_MEDIA_TYPES = /(^|,)\s*(text\/csv|application\/vnd\.apache\.parquet)\s*(;|,|$)/i;

export function routeClassOf(method: string, url: string): RouteClass {
  if (!url.startsWith('/api/2/') || url.startsWith('/api/2/docs') || url === '/api/2/openapi.json')
    return 'system';
  const read = method === 'GET' || method === 'HEAD';
  if (url === '/api/2/things') return read ? 'thing-list' : 'thing-create';
  if (url.includes('/inbox/messages/') || url.includes('/outbox/messages/')) return 'message';
  if (url === '/api/2/things/:thingId/migrateDefinition' || url === '/api/2/migrations')
    return method === 'POST' ? 'migration' : 'api';
  // Relations (Twinfold) take none of Ditto's resource headers: they are no part of the thing JSON.
  if (url.startsWith('/api/2/things/:thingId/relations')) return 'api';
  if (url.startsWith('/api/2/things/:thingId') && !url.endsWith('/history')) {
    if (read) return 'thing-read';
    if (method === 'PATCH') return 'thing-merge';
    return method === 'DELETE' ? 'thing-delete' : 'thing-write';
  }
  // Actions act on no resource representation: resource headers have nothing to weigh there.
  if (url.startsWith('/api/2/policies/') && url.includes('/actions/')) return 'api';
  if (url.startsWith('/api/2/policies/')) {
    if (read) return 'policy-read';
    return method === 'DELETE' ? 'policy-delete' : 'policy-write';
  }
  if (url.startsWith('/api/2/search/')) return 'search';
  if (
    (read &&
      (url === '/api/2/timeseries/things/:thingId/*' || url === '/api/2/runs/:runId/series')) ||
    (method === 'POST' && url === '/api/2/timeseries/query')
  )
    return 'series';
  return 'api';
}
