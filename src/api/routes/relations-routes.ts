// Relations between twins (Twinfold): PUT, GET and DELETE one relation; list or walk a twin's
// relations. Validation, authorisation and the write itself are the relation service's.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertWritable } from '../../auth/identity.js';
import type { JsonValue } from '../../core/json.js';
import { parseRelationQuery } from '../../services/relation-service.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { noBody } from '../openapi-schemas.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const RELATION_URL = '/things/:thingId/relations/:name/:targetThingId';

const relationParams = {
  type: 'object',
  properties: {
    thingId: { type: 'string', description: 'The source twin, namespace:name' },
    name: { type: 'string', description: "The relation's name: 1-64 of A-Z a-z 0-9 _ . -" },
    targetThingId: { type: 'string', description: 'The target twin, namespace:name' },
  },
} as const;

const propertiesSchema = {
  type: 'object',
  additionalProperties: true,
  description: "The relation's properties (any JSON object)",
} as const;

const listedRelation = {
  type: 'object',
  properties: {
    source: { type: 'string' },
    name: { type: 'string' },
    target: { type: 'string' },
    depth: { type: 'integer' },
    properties: propertiesSchema,
    targetExists: { type: 'boolean' },
    cycle: { type: 'boolean' },
  },
} as const;

interface RelationParams {
  thingId: string;
  name: string;
  targetThingId: string;
}

/** The properties a PUT sends: its JSON body, or none (an empty body) for a bare relation. */
function propertiesOf(request: FastifyRequest): JsonValue {
  const body = request.body;
  if (body === undefined || (typeof body === 'string' && body.trim() === '')) return {};
  return jsonBodyOf(request);
}

export function registerRelationsRoutes(app: FastifyInstance, { relations }: ApiContext): void {
  app.put(
    RELATION_URL,
    {
      schema: {
        tags: ['Relations'],
        summary:
          'Create or replace a relation from a twin to another (WRITE on thing:/ of both); 201 or 204',
        params: relationParams,
        describedBody: propertiesSchema,
        response: { 201: propertiesSchema, 204: noBody },
      },
    },
    async (request, reply) => {
      const { thingId, name, targetThingId } = request.params as RelationParams;
      const identity = identityOf(request);
      assertWritable(identity);
      const properties = propertiesOf(request);
      const result = await relations.put(identity, thingId, name, targetThingId, properties);
      if (result.etag) reply.header('etag', result.etag);
      if (!result.created) return reply.code(204).send();
      reply.header('location', requestUrl(request));
      return sendJson(reply, 201, result.value ?? {});
    },
  );

  app.delete(
    RELATION_URL,
    {
      schema: {
        tags: ['Relations'],
        summary:
          'Delete a relation (WRITE on thing:/ of both ends); 204, or 404 when there is none',
        params: relationParams,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      const { thingId, name, targetThingId } = request.params as RelationParams;
      const identity = identityOf(request);
      assertWritable(identity);
      await relations.delete(identity, thingId, name, targetThingId);
      return reply.code(204).send();
    },
  );

  app.get(
    RELATION_URL,
    {
      schema: {
        tags: ['Relations'],
        summary: "A relation's properties",
        params: relationParams,
        response: { 200: propertiesSchema },
      },
    },
    async (request, reply) => {
      const { thingId, name, targetThingId } = request.params as RelationParams;
      const found = await relations.get(identityOf(request), thingId, name, targetThingId);
      return sendJson(reply, 200, found.properties, found.etag);
    },
  );

  app.get(
    '/things/:thingId/relations',
    {
      schema: {
        tags: ['Relations'],
        summary:
          "A twin's relations: children (direction=out) or parents (in), down to depth edges (descendants, ancestors)",
        params: { type: 'object', properties: { thingId: { type: 'string' } } },
        querystring: {
          type: 'object',
          properties: {
            direction: { type: 'string', description: 'out (default) or in' },
            name: { type: 'string', description: 'Only relations of this name' },
            depth: { type: 'string', description: 'Edges to walk, 1 (default) to 16' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { relations: { type: 'array', items: listedRelation } },
          },
        },
      },
    },
    async (request, reply) => {
      const { thingId } = request.params as { thingId: string };
      const query = parseRelationQuery(request.query as Record<string, unknown>);
      const listing = await relations.list(identityOf(request), thingId, query);
      return sendJson(reply, 200, listing as unknown as JsonValue);
    },
  );
}
