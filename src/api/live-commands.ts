// Ditto's live channel on the HTTP thing routes: `channel=live` (or a matching
// `live-channel-condition`) sends the command to the device and answers with its response, never
// touching the twin; a live retrieve with `live-channel-timeout-strategy=use-twin` falls back.
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { assertThingId } from '../core/ids.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { resourceOf } from '../core/thing-resource.js';
import type { ProtocolMessage } from '../messaging/device-channel.js';
import { evaluateFilter } from '../rql/evaluate.js';
import { parseFilter } from '../rql/parse-filter.js';
import type { ApiContext } from './api-context.js';
import { identityOf } from './authentication.js';
import { liveTopic, publishForResponse } from './live-exchange.js';
import { accepted, DEFAULT_LIVE_TIMEOUT_MS } from './processing-headers.js';
import { sendJson } from './reply.js';

const ACTION: Record<string, string> = {
  GET: 'retrieve',
  PUT: 'modify',
  PATCH: 'merge',
  DELETE: 'delete',
};

/** The segments of a thing route's URL after the thing id, decoded. */
function innerPath(request: FastifyRequest): string[] {
  const path = request.url.split('?')[0];
  const rest = path.slice('/api/2/things/'.length).split('/').slice(1);
  return rest.filter((segment) => segment !== '').map((segment) => decodeURIComponent(segment));
}

function liveConditionHolds(raw: string, twin: JsonObject): boolean {
  try {
    return evaluateFilter(parseFilter(raw), twin);
  } catch (error) {
    if (error instanceof TwinfoldError) throw errors.conditionInvalid(raw, error.message);
    throw error;
  }
}

/**
 * The preHandler of the thing routes. A twin request passes on untouched; a live one is answered
 * here (or, falling back to the twin, passed on with the headers that say so).
 */
export function liveCommandHook(context: () => ApiContext): preHandlerHookHandler {
  const answer = liveAnswer(context);
  // A callback hook, not an async one: a twin request (nearly all of them) passes on without a
  // promise and a microtask of its own.
  return function liveCommand(request: FastifyRequest, reply: FastifyReply, done) {
    const processing = request.processing as typeof request.processing | undefined;
    if (!processing || (!processing.live && processing.liveCondition === undefined)) return done();
    answer(request, reply, processing).then(
      () => {
        if (!reply.sent) done();
      },
      (error: unknown) => done(error as Error),
    );
  };
}

/** Sends a live command to the device and answers with its response, or falls back to the twin. */
function liveAnswer(context: () => ApiContext) {
  return async function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    processing: NonNullable<FastifyRequest['processing']>,
  ): Promise<unknown> {
    const { runtime, guard, live } = context();
    const thingId = (request.params as { thingId: string }).thingId;
    assertThingId(thingId);
    const identity = identityOf(request);
    guard.assertInScope(identity, thingId);
    const thing = runtime.getThing(thingId)?.thing as unknown as JsonObject | undefined;
    if (!thing) throw errors.thingNotFound(thingId);
    const whole = guard.readAccess(identity, thing, resourceOf(thingId, 'thing'));
    if (!whole) throw errors.thingNotFound(thingId);
    if (processing.liveCondition !== undefined) {
      const matched = liveConditionHolds(processing.liveCondition, whole.docView(thing));
      reply.header('live-channel-condition-matched', String(matched));
      if (!matched) {
        reply.header('channel', 'twin');
        return;
      }
    }
    const segments = innerPath(request);
    const path = '/' + segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const read = request.method === 'GET' || request.method === 'HEAD';
    const resource = `thing:${path === '/' ? '/' : path}`;
    if (!live.allowed(identity, thingId, resource, read ? 'READ' : 'WRITE')) {
      if (read) throw errors.thingNotFound(thingId);
      throw errors.resourceNotModifiable('thing', `The Thing with ID '${thingId}'`);
    }
    const action = ACTION[request.method === 'HEAD' ? 'GET' : request.method];
    const timeoutMs = processing.timeoutMs ?? DEFAULT_LIVE_TIMEOUT_MS;
    const headers: Record<string, string> = {
      'correlation-id': processing.correlationId,
      channel: 'live',
      'ditto-originator': identity.id,
      timeout: `${timeoutMs}ms`,
    };
    const message: ProtocolMessage = {
      topic: liveTopic(thingId, 'commands', action),
      headers,
      path,
    };
    if (!read && request.method !== 'DELETE') {
      headers['content-type'] =
        request.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      message.value = request.body as JsonValue;
    }
    const fields = (request.query as { fields?: string } | undefined)?.fields;
    if (read && fields !== undefined)
      (message as ProtocolMessage & { fields?: string }).fields = fields;
    const signal = { thingId, kind: 'commands' as const, resource, message };
    if (!processing.responseRequired) {
      await live.router.publish(signal);
      return accepted(reply).send();
    }
    const response = await publishForResponse(
      live.router,
      signal,
      processing.correlationId,
      timeoutMs,
    );
    if (!response) {
      if (processing.useTwinOnTimeout) {
        // As in Ditto: the twin answers, and the headers say so.
        reply.header('channel', 'twin');
        if (processing.liveCondition === undefined)
          reply.header('live-channel-condition-matched', 'true');
        return;
      }
      reply.header('channel', 'live');
      throw errors.commandTimeout(timeoutMs, false);
    }
    reply.header('channel', 'live');
    const status = response.status ?? 200;
    if (response.headers.etag !== undefined) reply.header('etag', response.headers.etag);
    if (status === 204 || response.value === undefined) return reply.code(status).send();
    return sendJson(reply, status, response.value);
  };
}
