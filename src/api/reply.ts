// Small helpers to send JSON the way Ditto does (pre-serialised, ETag, Location).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JsonValue } from '../core/json.js';

export function sendJson(
  reply: FastifyReply,
  status: number,
  body: JsonValue,
  etag?: string,
): FastifyReply {
  if (etag) reply.header('etag', etag);
  return reply.code(status).type('application/json').send(JSON.stringify(body));
}

/** The absolute URL of the request without its query string. */
export function requestUrl(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return `${request.protocol}://${request.host}${path}`;
}
