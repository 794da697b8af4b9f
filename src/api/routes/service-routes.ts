// Scheduled services: /services (list), /services/{serviceId} (create or replace, read, delete), an
// on-demand run, and the run log.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/json.js';
import { runView, type ServiceManager } from '../../scheduler/service-manager.js';
import {
  noBody,
  serviceConfigSchema,
  serviceRunPageSchema,
  serviceRunSchema,
  serviceSchema,
} from '../openapi-schemas.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const tags = ['Services'];
const params = {
  type: 'object',
  properties: { serviceId: { type: 'string' } },
  required: ['serviceId'],
};
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

function idOf(request: FastifyRequest): string {
  return (request.params as { serviceId: string }).serviceId;
}

/** The body of a request whose body is optional: undefined when none was sent. */
function optionalBody(request: FastifyRequest): JsonValue | undefined {
  const body = request.body;
  if (body === undefined || body === null || (typeof body === 'string' && body.trim() === ''))
    return undefined;
  return jsonBodyOf(request);
}

export function registerServiceRoutes(api: FastifyInstance, services: ServiceManager): void {
  api.get(
    '/services',
    {
      schema: {
        tags,
        summary: 'The scheduled services the requester may manage, in id order',
        querystring: noQuery,
        response: { 200: { type: 'array', items: serviceSchema } },
      },
    },
    async (request, reply) => sendJson(reply, 200, await services.list(identityOf(request))),
  );
  api.get(
    '/services/:serviceId',
    {
      schema: {
        tags,
        summary: 'One service, with its next scheduled run',
        params,
        querystring: noQuery,
        response: { 200: serviceSchema },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, await services.get(identityOf(request), idOf(request))),
  );
  api.put(
    '/services/:serviceId',
    {
      schema: {
        tags,
        summary:
          "Create or replace a service (it runs with the creator's rights; a replacement starts its schedule afresh)",
        params,
        querystring: noQuery,
        describedBody: serviceConfigSchema,
        response: { 201: serviceSchema, 204: noBody },
      },
    },
    async (request, reply) => {
      const { created, view } = await services.put(
        identityOf(request),
        idOf(request),
        jsonBodyOf(request),
      );
      if (!created) return reply.code(204).send();
      reply.header('location', requestUrl(request));
      return sendJson(reply, 201, view);
    },
  );
  api.delete(
    '/services/:serviceId',
    {
      schema: {
        tags,
        summary: 'Delete a service and its run log',
        params,
        querystring: noQuery,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      await services.delete(identityOf(request), idOf(request));
      return reply.code(204).send();
    },
  );
  api.post(
    '/services/:serviceId/run',
    {
      schema: {
        tags,
        summary:
          'Run a service now (202 with the run, which goes on in the background; 409 while it is running already)',
        params,
        querystring: noQuery,
        describedBody: {
          type: 'object',
          properties: {
            parameters: { type: 'object', description: "Overlaid on the service's parameters" },
          },
        },
        response: { 202: serviceRunSchema },
      },
    },
    async (request, reply) => {
      const id = idOf(request);
      const run = await services.run(identityOf(request), id, optionalBody(request));
      reply.header(
        'location',
        `${requestUrl(request).replace(/\/run$/, '')}/runs/${String(run.runId)}`,
      );
      return sendJson(reply, 202, run);
    },
  );
  api.get(
    '/services/:serviceId/runs',
    {
      schema: {
        tags,
        summary: 'The run log of a service, newest first, paged',
        params,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', description: 'The cursor of the previous page' },
          },
        },
        response: { 200: serviceRunPageSchema },
      },
    },
    async (request, reply) => {
      const query = request.query as { limit: number; cursor?: string };
      const items = await services.runs(identityOf(request), idOf(request), {
        limit: query.limit,
        beforeRunId: query.cursor,
      });
      const body: Record<string, JsonValue> = { items: items.map(runView) };
      if (items.length === query.limit) body.cursor = items[items.length - 1].runId;
      return sendJson(reply, 200, body);
    },
  );
  api.get(
    '/services/:serviceId/runs/:runId',
    {
      schema: {
        tags,
        summary: 'One run of a service',
        params: {
          type: 'object',
          properties: { serviceId: { type: 'string' }, runId: { type: 'string' } },
          required: ['serviceId', 'runId'],
        },
        querystring: noQuery,
        response: { 200: serviceRunSchema },
      },
    },
    async (request, reply) => {
      const { runId } = request.params as { runId: string };
      return sendJson(reply, 200, await services.getRun(identityOf(request), idOf(request), runId));
    },
  );
}
