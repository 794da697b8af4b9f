// Server-sent events as in Ditto: `GET /api/2/things[/{id}[/<path>]]` with `Accept: text/event-stream`
// streams the changed part of each readable thing; every event has `id: <seq>`, and `Last-Event-ID`
// resumes from the journal with no gap and no duplicate; history streams replay a thing's revisions.
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Identity } from '../../auth/identity.js';
import { errors } from '../../core/error-registry.js';
import { TwinfoldError } from '../../core/errors.js';
import type { TwinEvent } from '../../core/events.js';
import { parseFields, projectFields, type FieldSelector } from '../../core/fields.js';
import { assertThingId } from '../../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import { getAt } from '../../core/json-pointer.js';
import { innerSegments, resourceOf, type ResourceKind } from '../../core/thing-resource.js';
import { isoTime } from '../../core/thing.js';
import type { EventSubscription } from '../../runtime/committed-event-stream.js';
import { eventEnvelope } from '../../streams/ditto-protocol.js';
import { changedThing, parseSelection } from '../../streams/event-filter.js';
import { isRelationPath } from '../../core/relations.js';
import { readableHistory, type HistoryRange } from '../../streams/history-stream.js';
import { SubscriberView, type SeenEvent } from '../../streams/subscriber-view.js';
import type { ApiContext } from '../api-context.js';

export interface ServerSentEventsOptions {
  /** Bytes of events a client may leave unread before the stream is closed (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Events the committed-event stream holds for one stream before it reads the journal. */
  streamBuffer?: number;
  /** Milliseconds between keep-alive comments (default 15,000). */
  keepAliveMs?: number;
}

const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;

/** The routes that stream, by their URL pattern inside /api/2, and the resource each addresses. */
const STREAMING: Record<string, ResourceKind | 'things'> = {
  '/api/2/things': 'things',
  '/api/2/things/:thingId': 'thing',
  '/api/2/things/:thingId/policyId': 'policyId',
  '/api/2/things/:thingId/definition': 'definition',
  '/api/2/things/:thingId/attributes': 'attributes',
  '/api/2/things/:thingId/attributes/*': 'attribute',
  '/api/2/things/:thingId/features': 'features',
  '/api/2/things/:thingId/features/:featureId': 'feature',
  '/api/2/things/:thingId/features/:featureId/definition': 'featureDefinition',
  '/api/2/things/:thingId/features/:featureId/properties': 'properties',
  '/api/2/things/:thingId/features/:featureId/properties/*': 'property',
  '/api/2/things/:thingId/features/:featureId/desiredProperties': 'desiredProperties',
  '/api/2/things/:thingId/features/:featureId/desiredProperties/*': 'desiredProperty',
};

const SELECTION = ['filter', 'namespaces', 'extraFields', 'fields'];
const HISTORY = [
  'from-historical-revision',
  'to-historical-revision',
  'from-historical-timestamp',
  'to-historical-timestamp',
];

/** True when the client asks for an event stream (EventSource sends exactly `text/event-stream`). */
export function wantsEventStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

/** True when the Accept header also takes JSON, so a route without a stream may answer in JSON. */
function acceptsJson(accept: string): boolean {
  return /(^|,)\s*(application\/json|application\/\*|\*\/\*)\s*(;|,|$)/i.test(accept);
}

/**
 * The hook that turns a GET of a things resource with `Accept: text/event-stream` into a stream,
 * and answers 406 to such a request on a resource that cannot stream. Registered on the /api/2
 * scope, it runs after authentication.
 */
export function serverSentEventsHook(
  context: ApiContext,
  options: ServerSentEventsOptions = {},
  open: Set<EventStream> = new Set(),
): preHandlerHookHandler {
  return (request, reply, done) => {
    if (!wantsEventStream(request)) return done();
    const kind = request.method === 'GET' ? STREAMING[request.routeOptions.url ?? ''] : undefined;
    if (kind === undefined) {
      if (acceptsJson(String(request.headers.accept))) return done();
      const error = errors.eventStreamNotAcceptable(
        `${request.method} ${request.routeOptions.url ?? request.url} has no event stream; streams are GET /api/2/things, /api/2/things/{thingId} and its parts.`,
      );
      void reply
        .code(406)
        .type('text/plain; charset=utf-8')
        .send(`${error.code}: ${error.message}`);
      return;
    }
    let stream: EventStream;
    try {
      stream = new EventStream(context, options, request, kind);
    } catch (error) {
      done(error as Error);
      return;
    }
    open.add(stream);
    // Listed with its resource and selection as asked (`/api/2/things?namespaces=org.acme`).
    const connection = context.connections.open('sse', {
      identity: request.identity.id,
      remoteAddress: request.ip,
    });
    connection.subscribe('events', readableUrl(request.url));
    stream
      .start(reply)
      .catch((error: unknown) => {
        request.log.error({ err: error }, 'an event stream failed');
      })
      .finally(() => {
        open.delete(stream);
        connection.close();
      });
  };
}

/** The URL decoded for people to read; as sent when it does not decode. */
function readableUrl(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw errors.queryParameterInvalid(name, 'it is given more than once');
  return String(value);
}

function integerParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(value.trim()))
    throw errors.queryParameterInvalid(name, `'${value}' is not an integer`);
  return Number(value);
}

function timestampParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed))
    throw errors.queryParameterInvalid(name, `'${value}' is not an ISO-8601 timestamp`);
  return parsed;
}

/** One open event stream: what it selects, where it resumes, and its writing. */
export class EventStream {
  private readonly identity: Identity;
  private readonly thingIds: ReadonlySet<string> | null = null;
  /** Segments of the streamed resource inside the thing ([] for whole things). */
  private readonly segments: string[] = [];
  private readonly fields?: FieldSelector;
  private readonly view: SubscriberView;
  private readonly resumeFrom?: number;
  private readonly history?: HistoryRange;
  private readonly maxBuffered: number;
  private subscription: EventSubscription | null = null;
  private closed = false;
  private res: ServerResponse | null = null;

  constructor(
    private readonly context: ApiContext,
    private readonly options: ServerSentEventsOptions,
    private readonly request: FastifyRequest,
    kind: ResourceKind | 'things',
  ) {
    this.identity = request.identity;
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    const query = request.query as Record<string, unknown>;
    const allowed = new Set(kind === 'things' ? [...SELECTION, 'ids'] : [...SELECTION, ...HISTORY]);
    for (const name of Object.keys(query)) {
      if (!allowed.has(name))
        throw errors.queryParameterInvalid(
          name,
          `an event stream of this resource takes only ${[...allowed].join(', ')}`,
        );
    }
    for (const name of [
      'if-match',
      'if-none-match',
      'condition',
      'at-historical-revision',
      'at-historical-timestamp',
    ])
      if (request.headers[name] !== undefined)
        throw errors.headerInvalid(
          name,
          String(request.headers[name]),
          'header of an event stream (it takes none)',
        );
    const selection = parseSelection(
      {
        namespaces: single(query, 'namespaces'),
        filter: single(query, 'filter'),
        extraFields: single(query, 'extraFields'),
      },
      errors.queryParameterInvalid,
    );
    const fields = single(query, 'fields');
    if (fields !== undefined) this.fields = parseFields(fields);
    if (kind === 'things') {
      const ids = single(query, 'ids');
      if (ids !== undefined) {
        const list = ids.split(',').filter((id) => id !== '');
        if (list.length === 0) throw errors.thingIdsMissing();
        list.forEach(assertThingId);
        this.thingIds = new Set(list);
      }
    } else {
      const params = request.params as Record<string, string>;
      assertThingId(params.thingId);
      this.context.guard.assertInScope(this.identity, params.thingId);
      const rest = params['*'];
      const resource = resourceOf(
        params.thingId,
        kind,
        params.featureId,
        rest === undefined ? undefined : innerSegments(rest),
      );
      this.thingIds = new Set([params.thingId]);
      this.segments = resource.segments;
      this.history = this.historyRange(query);
    }
    const last = request.headers['last-event-id'];
    if (last !== undefined) {
      if (this.history)
        throw errors.headerInvalid(
          'last-event-id',
          String(last),
          'header of a live stream (a history stream starts where its parameters say)',
        );
      if (!/^\d{1,15}$/.test(String(last).trim()))
        throw errors.headerInvalid('last-event-id', String(last), 'event id (a journal position)');
      this.resumeFrom = Number(last) + 1;
    }
    this.view = new SubscriberView(context.runtime, context.guard, () => this.identity, selection);
  }

  private historyRange(query: Record<string, unknown>): HistoryRange | undefined {
    const fromRevision = integerParam(
      'from-historical-revision',
      single(query, 'from-historical-revision'),
    );
    const toRevision = integerParam(
      'to-historical-revision',
      single(query, 'to-historical-revision'),
    );
    const fromTimestamp = timestampParam(
      'from-historical-timestamp',
      single(query, 'from-historical-timestamp'),
    );
    const toTimestamp = timestampParam(
      'to-historical-timestamp',
      single(query, 'to-historical-timestamp'),
    );
    if ([fromRevision, toRevision, fromTimestamp, toTimestamp].every((v) => v === undefined))
      return undefined;
    if (fromRevision === undefined && fromTimestamp === undefined)
      throw errors.queryParameterInvalid(
        toRevision === undefined ? 'to-historical-timestamp' : 'to-historical-revision',
        'a history stream needs from-historical-revision or from-historical-timestamp',
      );
    if (fromRevision !== undefined && fromTimestamp !== undefined)
      throw errors.queryParameterInvalid(
        'from-historical-timestamp',
        'give a revision or a timestamp range, not both',
      );
    if (
      (fromRevision !== undefined && toTimestamp !== undefined) ||
      (fromTimestamp !== undefined && toRevision !== undefined)
    )
      throw errors.queryParameterInvalid(
        'to-historical-revision',
        'give a revision or a timestamp range, not both',
      );
    return { fromRevision, toRevision, fromTimestamp, toTimestamp };
  }

  async start(reply: FastifyReply): Promise<void> {
    // A resume or a live stream subscribes before the response starts: nothing committed after
    // this request was accepted is missed.
    if (!this.history)
      this.subscription = this.context.runtime.events.subscribe({
        fromSeq: this.resumeFrom,
        bufferSize: this.options.streamBuffer,
      });
    // The headers the app's hooks set (CORS for a browser's EventSource on another origin) are
    // kept: a hijacked reply would otherwise drop them.
    const hooked = reply.getHeaders() as OutgoingHttpHeaders;
    reply.hijack();
    const res = reply.raw;
    this.res = res;
    res.writeHead(200, {
      ...hooked,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.write(':\n\n');
    res.on('close', () => this.end());
    const keepAlive = setInterval(() => this.write(':\n\n'), this.options.keepAliveMs ?? 15_000);
    keepAlive.unref();
    try {
      if (this.history) await this.replay(this.history);
      else {
        await this.pump(this.subscription as EventSubscription);
        if (!this.closed)
          this.finish('the event stream ended; reconnect with Last-Event-ID to resume');
      }
    } catch (error) {
      if (!this.closed) {
        const detail =
          error instanceof TwinfoldError
            ? error.message
            : 'storage is unavailable, reconnect later';
        this.finish(`the event stream failed: ${detail}`);
      }
      if (!(error instanceof TwinfoldError)) throw error;
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Ends the stream because the server stops (the client may reconnect with Last-Event-ID). */
  shutdown(): void {
    this.finish('the server is shutting down; reconnect with Last-Event-ID to resume');
  }

  private end(): void {
    this.closed = true;
    void this.subscription?.return();
  }

  /** Ends the stream with a comment saying why. */
  private finish(why: string): void {
    const res = this.res;
    this.end();
    if (res && !res.writableEnded) res.end(`: ${why.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  private write(text: string): boolean {
    const res = this.res;
    if (this.closed || !res || res.writableEnded) return false;
    res.write(text);
    if (res.writableLength > this.maxBuffered) {
      this.finish(
        `closed: event buffer overflow, more than ${this.maxBuffered} bytes unread; the client reads too slowly (reconnect with Last-Event-ID to resume)`,
      );
      return false;
    }
    return true;
  }

  private async pump(subscription: EventSubscription): Promise<void> {
    for (;;) {
      const next = await subscription.next();
      if (next.done || this.closed) return;
      const event = next.value;
      if (this.thingIds && !this.thingIds.has(event.thingId)) continue;
      const result = this.view.see(event);
      const seen = result instanceof Promise ? await result : result;
      if (!seen || !this.emit(seen)) {
        if (this.closed) return;
      }
    }
  }

  /** Writes one event; false when nothing was written (not part of the streamed resource). */
  private emit(seen: SeenEvent): boolean {
    const data = this.dataOf(seen);
    if (data === undefined) return false;
    return this.write(`data:${JSON.stringify(data)}\nid:${seen.event.seq}\n\n`);
  }

  /** Ditto's SSE data: the changed part of the thing (extra fields merged in), or of the resource. */
  private dataOf(seen: SeenEvent): JsonValue | undefined {
    const { event } = seen;
    // A relation is no part of the thing's JSON that SSE streams (WebSocket and webhooks get its
    // relationModified / relationDeleted events).
    if (isRelationPath(event.path)) return undefined;
    let thing = changedThing(event);
    // Extra fields are merged in under what changed; the thingId stays first, as in Ditto.
    if (seen.extra) thing = { thingId: event.thingId, ...mergeUnder(thing, seen.extra) };
    if (this.segments.length > 0) {
      const value = this.relevant(event) ? getAt(thing, this.segments) : undefined;
      if (value === undefined) return undefined;
      if (!this.fields) return value;
      return isJsonObject(value) ? projectFields(value, this.fields) : value;
    }
    if (!this.fields) return thing;
    const context: JsonObject = {
      topic: eventEnvelope(event).topic,
      path: eventEnvelope(event).path,
      headers: eventEnvelope(event).headers,
    };
    if (event.value !== undefined) context.value = event.value;
    const full: JsonObject = {
      ...thing,
      _revision: event.revision,
      _modified: isoTime(event.timestamp),
      _context: context,
    };
    return projectFields(full, this.fields);
  }

  /** Whether an event touches the streamed resource (it is inside it, or replaces it). */
  private relevant(event: TwinEvent): boolean {
    const n = Math.min(event.path.length, this.segments.length);
    for (let i = 0; i < n; i++) if (event.path[i] !== this.segments[i]) return false;
    return true;
  }

  /** Replays a thing's events in a revision or time range, each guarded by its incarnation's policy. */
  private async replay(range: HistoryRange): Promise<void> {
    const thingId = [...(this.thingIds as ReadonlySet<string>)][0];
    const events = await readableHistory(this.context, this.identity, thingId, range);
    for (const seen of events ?? []) {
      if (this.closed) return;
      const passed = this.view.select(seen);
      if (passed && !this.emit(passed) && this.closed) return;
    }
    this.finish('the history stream is complete');
  }
}

function mergeUnder(base: JsonObject, extra: JsonObject): JsonObject {
  const result: JsonObject = { ...extra };
  for (const [key, value] of Object.entries(base)) {
    const below = result[key];
    result[key] = isJsonObject(value) && isJsonObject(below) ? mergeUnder(value, below) : value;
  }
  return result;
}

/** Registers the event-stream hook on the /api/2 scope (before its routes). */
export function registerServerSentEvents(
  api: FastifyInstance,
  context: ApiContext,
  options: ServerSentEventsOptions = {},
): void {
  const open = new Set<EventStream>();
  api.addHook('preHandler', serverSentEventsHook(context, options, open));
  // Streams never end by themselves: at shutdown they are ended, or the server would wait forever.
  api.addHook('preClose', (done) => {
    for (const stream of open) stream.shutdown();
    done();
  });
}
