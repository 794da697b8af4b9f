// Reads a request body as JSON, enforcing Ditto's media types (merge patch for PATCH).
import type { FastifyRequest } from 'fastify';
import { errors } from '../core/error-registry.js';
import type { JsonValue } from '../core/json.js';

const JSON_TYPES = new Set(['application/json', 'application/merge-patch+json']);

export function mediaTypeOf(request: FastifyRequest): string {
  const raw = request.headers['content-type'];
  return (raw ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The JSON body of a write. PATCH needs `application/merge-patch+json`; other writes take
 * `application/json`, or `application/octet-stream` or no media type with a body that parses as
 * JSON (Ditto's default fallback); any other media type is a 415.
 */
export function jsonBodyOf(request: FastifyRequest): JsonValue {
  const type = mediaTypeOf(request);
  if (request.method === 'PATCH' && type !== 'application/merge-patch+json') {
    throw errors.mediaTypeUnsupported(type || '(none)', 'application/merge-patch+json');
  }
  if (JSON_TYPES.has(type)) {
    if (request.body === undefined)
      throw errors.jsonInvalid('The request body is missing: send a JSON value.');
    return request.body as JsonValue;
  }
  // Ditto's default: application/json and the fallback application/octet-stream (also what a
  // body without a Content-Type is taken for); text/plain and the rest are a 415.
  if (type !== '' && type !== 'application/octet-stream') {
    throw errors.mediaTypeUnsupported(type, 'application/json');
  }
  const raw = typeof request.body === 'string' ? request.body : '';
  if (raw.trim() === '')
    throw errors.jsonInvalid('The request body is missing: send a JSON value.');
  try {
    return JSON.parse(raw) as JsonValue;
  } catch (error) {
    throw errors.jsonInvalid(`Failed to parse JSON: ${(error as Error).message}`);
  }
}
