// Ditto's messages API: POST …/inbox|outbox/messages/{subject} of a thing or feature, delivered to
// live subscribers as a Ditto Protocol message; the first response completes the request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assertWritable } from '../../auth/identity.js';
import { errors } from '../../core/error-registry.js';
import { assertThingId } from '../../core/ids.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { resourceOf } from '../../core/thing-resource.js';
import type { ProtocolMessage } from '../../messaging/device-channel.js';
import { evaluateFilter } from '../../rql/evaluate.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { liveTopic, publishForResponse } from '../live-exchange.js';
import { accepted, DEFAULT_LIVE_TIMEOUT_MS } from '../processing-headers.js';
import { conditionOf } from '../request-options.js';

const BOXES = ['inbox', 'outbox'] as const;

/** Headers of the HTTP request that travel with the message (Ditto keeps custom ones too). */
const NOT_FORWARDED = new Set([
  'authorization',
  'cookie',
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'accept',
  'accept-encoding',
  'user-agent',
  'x-twinfold-socket-session',
  'condition',
  'timeout',
  'requested-acks',
  'response-required',
]);

/** True for a JSON media type (`application/json`, `…+json`). */
function isJson(contentType: string): boolean {
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

function isText(contentType: string): boolean {
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/xml' || type.endsWith('+xml');
}

/** The payload as the message's value: JSON parsed, text as a string, anything else base64 (as Ditto). */
function valueOf(body: Buffer | undefined, contentType: string): JsonValue | undefined {
  if (body === undefined || body.length === 0) return undefined;
  if (isJson(contentType)) {
    try {
      return JSON.parse(body.toString('utf8')) as JsonValue;
    } catch (error) {
      throw errors.jsonInvalid((error as Error).message);
    }
  }
  if (isText(contentType)) return body.toString('utf8');
  return body.toString('base64');
}

/** Answers with a device's response: its status, and its value in its content type. */
function sendResponse(reply: FastifyReply, response: ProtocolMessage): FastifyReply {
  const status = response.status ?? 200;
  reply.code(status);
  for (const [name, value] of Object.entries(response.headers)) {
    if (name === 'correlation-id' || name === 'content-type') continue;
    if (name.startsWith('ditto-') || name === 'subject' || name === 'direction') continue;
    if (/^[a-z0-9-]+$/.test(name) && !NOT_FORWARDED.has(name)) reply.header(name, value);
  }
  // As in Ditto, a 204 never has a body.
  if (status === 204 || response.value === undefined) return reply.send();
  const contentType = response.headers['content-type'] ?? 'application/json';
  reply.header('content-type', contentType);
  if (isJson(contentType)) return reply.send(JSON.stringify(response.value));
  if (typeof response.value === 'string')
    return reply.send(isText(contentType) ? response.value : Buffer.from(response.value, 'base64'));
  return reply.send(JSON.stringify(response.value));
}

export function registerMessageRoutes(app: FastifyInstance, context: ApiContext): void {
  app.register(async (scope) => {
    // A message's payload is any content: read as bytes, decoded by its content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    for (const feature of [false, true]) {
      for (const box of BOXES) {
        const url = `/things/:thingId${feature ? '/features/:featureId' : ''}/${box}/messages/*`;
        scope.post(
          url,
          {
            schema: {
              tags: ['Messages'],
              summary: `Send a message ${box === 'inbox' ? 'TO' : 'FROM'} a ${feature ? 'feature' : 'thing'}`,
              querystring: {
                type: 'object',
                properties: { condition: { type: 'string' } },
                additionalProperties: false,
              },
            },
          },
          (request, reply) => send(context, box, request, reply),
        );
      }
    }
  });
}

async function send(
  { runtime, guard, live }: ApiContext,
  box: 'inbox' | 'outbox',
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const params = request.params as { thingId: string; featureId?: string; '*': string };
  const { thingId, featureId } = params;
  assertThingId(thingId);
  const subject = params['*'];
  if (subject === '' || subject.split('/').some((segment) => segment === ''))
    throw errors.messageSubjectInvalid(subject);
  const identity = identityOf(request);
  guard.assertInScope(identity, thingId);
  // A read-only credential commands no device.
  assertWritable(identity);
  const thing = runtime.getThing(thingId)?.thing as unknown as JsonObject | undefined;
  if (!thing) throw errors.thingNotFound(thingId);
  const prefix = featureId === undefined ? '' : `/features/${featureId}`;
  const path = `${prefix}/${box}/messages/${subject}`;
  const resource = `message:${path}`;
  if (!live.allowed(identity, thingId, resource, 'WRITE')) {
    // Who may see nothing of the thing learns nothing of it (as Ditto's 404).
    const visible = guard.readAccess(identity, thing, resourceOf(thingId, 'thing')) !== null;
    throw visible ? errors.messageSendNotAllowed(thingId) : errors.thingNotFound(thingId);
  }
  const condition = conditionOf(request);
  if (condition) {
    const access = guard.checkRead(identity, thing, resourceOf(thingId, 'thing'));
    if (!evaluateFilter(condition, access.docView(thing))) throw errors.conditionFailed();
  }
  const processing = request.processing;
  const timeoutMs = processing.timeoutMs ?? DEFAULT_LIVE_TIMEOUT_MS;
  const contentType = String(request.headers['content-type'] ?? 'application/octet-stream');
  const value = valueOf(request.body as Buffer | undefined, contentType);
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(request.headers)) {
    if (raw === undefined || NOT_FORWARDED.has(name) || name.startsWith('x-forwarded')) continue;
    headers[name] = Array.isArray(raw) ? raw.join(',') : raw;
  }
  Object.assign(headers, {
    'correlation-id': processing.correlationId,
    'content-type': contentType,
    subject,
    direction: box === 'inbox' ? 'TO' : 'FROM',
    'thing-id': thingId,
    timeout: String(Math.round(timeoutMs / 1000)),
    'ditto-originator': identity.id,
  });
  if (featureId !== undefined) headers['feature-id'] = featureId;
  if (!processing.responseRequired) headers['response-required'] = 'false';
  const message: ProtocolMessage = {
    topic: liveTopic(thingId, 'messages', subject),
    headers,
    path,
  };
  if (value !== undefined) message.value = value;
  const signal = { thingId, kind: 'messages' as const, resource, message };
  // timeout=0 or response-required=false: fire and forget, Ditto's 202 without a body.
  if (!processing.responseRequired || timeoutMs === 0) {
    await live.router.publish(signal);
    return accepted(reply).send();
  }
  const response = await publishForResponse(
    live.router,
    signal,
    processing.correlationId,
    timeoutMs,
  );
  if (!response) throw errors.messageTimeout(Math.round(timeoutMs / 1000));
  return sendResponse(reply, response);
}
