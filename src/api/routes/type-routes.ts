// Twin types: /types (list), /types/{typeId} (create a version, read, delete while unused).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/json.js';
import type { TypeService } from '../../services/type-service.js';
import { noBody, typeDocumentSchema, typeListItemSchema } from '../openapi-schemas.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const tags = ['Types'];
const params = {
  type: 'object',
  properties: { typeId: { type: 'string', description: "'namespace:name:version'" } },
  required: ['typeId'],
};
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

function idOf(request: FastifyRequest): string {
  return (request.params as { typeId: string }).typeId;
}

export function registerTypeRoutes(api: FastifyInstance, types: TypeService): void {
  api.get(
    '/types',
    {
      schema: {
        tags,
        summary: 'The types of the namespaces the requester may see, in id order',
        querystring: noQuery,
        response: { 200: { type: 'array', items: typeListItemSchema } },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, (await types.list(identityOf(request))) as unknown as JsonValue),
  );
  api.get(
    '/types/:typeId',
    {
      schema: {
        tags,
        summary: 'One version of a type: its document, as created',
        params,
        querystring: noQuery,
        response: { 200: typeDocumentSchema },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, (await types.get(identityOf(request), idOf(request))).document),
  );
  api.put(
    '/types/:typeId',
    {
      schema: {
        tags,
        summary:
          'Create a version of a type (201); the same content again is a 204, other content a 409: versions never change',
        params,
        querystring: noQuery,
        describedBody: typeDocumentSchema,
        response: { 201: typeDocumentSchema, 204: noBody },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const id = idOf(request);
      const created = await types.put(identity, id, jsonBodyOf(request));
      if (!created) return reply.code(204).send();
      reply.header('location', requestUrl(request));
      return sendJson(reply, 201, (await types.get(identity, id)).document);
    },
  );
  api.delete(
    '/types/:typeId',
    {
      schema: {
        tags,
        summary: 'Delete a type no twin uses (409 while one does)',
        params,
        querystring: noQuery,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      await types.delete(identityOf(request), idOf(request));
      return reply.code(204).send();
    },
  );
}
