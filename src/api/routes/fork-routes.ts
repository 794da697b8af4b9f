// What-if forks: POST /forks copies the twins a filter selects, as they were at an instant, into a
// scenario namespace (201 and its Location); GET /forks and GET /forks/{namespace} show them;
// DELETE /forks/{namespace} deletes the whole scenario namespace in one call.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/json.js';
import type { ForkService } from '../../services/fork-service.js';
import { noBody } from '../openapi-schemas.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const tags = ['Forks'];
const params = {
  type: 'object',
  properties: { namespace: { type: 'string', description: 'The scenario namespace' } },
  required: ['namespace'],
};
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

const forkBody = {
  type: 'object',
  description:
    'Copies the twins `filter` selects, as they were at `at`, with the relations among them, into `into` as `<into>:<name>`',
  properties: {
    filter: { type: 'string', description: 'RQL selecting the source twins' },
    at: {
      type: ['string', 'integer'],
      description: 'The instant copied: ISO 8601 or epoch ms (default: now)',
    },
    into: { type: 'string', description: 'The scenario namespace (empty, not a source namespace)' },
  },
  required: ['filter', 'into'],
};

const forkView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    namespace: { type: 'string' },
    filter: { type: 'string' },
    at: { type: 'string' },
    created: { type: 'string' },
    owner: { type: 'string' },
    twins: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          thingId: { type: 'string' },
          of: { type: 'string' },
          revision: { type: 'integer' },
        },
      },
    },
    relations: { type: 'integer' },
    skipped: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
};

function namespaceOf(request: FastifyRequest): string {
  return (request.params as { namespace: string }).namespace;
}

export function registerForkRoutes(api: FastifyInstance, forks: ForkService): void {
  api.post(
    '/forks',
    {
      schema: {
        tags,
        summary:
          'Fork twins as they were at an instant into a scenario namespace (201; the copies are then changed through the normal API)',
        querystring: noQuery,
        describedBody: forkBody,
        response: { 201: forkView },
      },
    },
    async (request, reply) => {
      const view = await forks.create(identityOf(request), jsonBodyOf(request));
      reply.header('location', `${requestUrl(request)}/${view.namespace}`);
      return sendJson(reply, 201, view as unknown as JsonValue);
    },
  );
  api.get(
    '/forks',
    {
      schema: {
        tags,
        summary:
          "The requester's forks (an administrator's: all), known to this node until it restarts",
        querystring: noQuery,
        response: { 200: { type: 'array', items: forkView } },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, forks.list(identityOf(request)) as unknown as JsonValue),
  );
  api.get(
    '/forks/:namespace',
    {
      schema: {
        tags,
        summary: 'One fork',
        params,
        querystring: noQuery,
        response: { 200: forkView },
      },
    },
    async (request, reply) =>
      sendJson(
        reply,
        200,
        forks.get(identityOf(request), namespaceOf(request)) as unknown as JsonValue,
      ),
  );
  api.delete(
    '/forks/:namespace',
    {
      schema: {
        tags,
        summary:
          'Delete the whole scenario namespace of a fork: every twin in it and the policies made for them (204; 200 naming what the requester may not delete)',
        params,
        querystring: noQuery,
        response: {
          204: noBody,
          200: { type: 'object', additionalProperties: true },
        },
      },
    },
    async (request, reply) => {
      const outcome = await forks.delete(identityOf(request), namespaceOf(request));
      if (outcome.failed.length === 0) return reply.code(204).send();
      return sendJson(reply, 200, outcome as unknown as JsonValue);
    },
  );
}
