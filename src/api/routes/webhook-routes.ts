// Webhooks: /webhooks (list, create), /webhooks/{id} (read, replace, delete), pause, resume, the delivery
// log and the redrive of dead letters.
import {
  deliveryPageSchema,
  noBody,
  webhookConfigSchema,
  webhookRedriveSchema,
  webhookSchema,
} from '../openapi-schemas.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/json.js';
import type { DeliveryState } from '../../store/webhook-store.js';
import { deliveryView, type WebhookService } from '../../webhooks/webhook-service.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const tags = ['Webhooks'];
const params = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

/** The options of a route on one webhook (`/webhooks/:id…`) that takes no query parameters. */
function onOne(summary: string, response: object = { 200: webhookSchema }, describedBody?: object) {
  return { schema: { tags, summary, params, querystring: noQuery, response, describedBody } };
}

/** The webhook id of a `/webhooks/:id…` request. */
function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

export function registerWebhookRoutes(api: FastifyInstance, webhooks: WebhookService): void {
  api.get(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'The webhooks the requester may manage',
        querystring: noQuery,
        response: { 200: { type: 'array', items: webhookSchema } },
      },
    },
    async (request, reply) => sendJson(reply, 200, webhooks.list(identityOf(request))),
  );
  api.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary:
          'Create a webhook: every event committed from now on that it selects is POSTed to its url',
        querystring: noQuery,
        describedBody: webhookConfigSchema,
        response: { 201: webhookSchema },
      },
    },
    async (request, reply) => {
      const view = await webhooks.create(identityOf(request), jsonBodyOf(request));
      reply.header('location', `${requestUrl(request)}/${String(view.id)}`);
      return sendJson(reply, 201, view);
    },
  );
  api.get('/webhooks/:id', onOne('One webhook'), async (request, reply) =>
    sendJson(reply, 200, webhooks.get(identityOf(request), idOf(request))),
  );
  api.put(
    '/webhooks/:id',
    onOne(
      "Replace a webhook's settings; delivery goes on from where it was",
      { 200: webhookSchema },
      webhookConfigSchema,
    ),
    async (request, reply) =>
      sendJson(
        reply,
        200,
        await webhooks.replace(identityOf(request), idOf(request), jsonBodyOf(request)),
      ),
  );
  api.delete(
    '/webhooks/:id',
    onOne('Delete a webhook and its delivery log', { 204: noBody }),
    async (request, reply) => {
      await webhooks.delete(identityOf(request), idOf(request));
      return reply.code(204).send();
    },
  );
  for (const action of ['pause', 'resume'] as const) {
    api.post(
      `/webhooks/:id/${action}`,
      onOne(
        action === 'pause'
          ? 'Pause deliveries (events are kept and delivered after resume)'
          : 'Resume deliveries from where they were paused',
      ),
      async (request, reply) =>
        sendJson(
          reply,
          200,
          await webhooks.setPaused(identityOf(request), idOf(request), action === 'pause'),
        ),
    );
  }
  api.post(
    '/webhooks/:id/deliveries/redrive',
    onOne("Send every dead-lettered event again, before the webhook's newer events", {
      200: webhookRedriveSchema,
    }),
    async (request, reply) =>
      sendJson(reply, 200, {
        redriven: await webhooks.redrive(identityOf(request), idOf(request)),
      }),
  );
  api.post(
    '/webhooks/:id/deliveries/:seq/redrive',
    {
      schema: {
        tags,
        summary:
          'Send one dead-lettered event again (by its position, the seq of the delivery log)',
        params: {
          type: 'object',
          properties: { id: { type: 'string' }, seq: { type: 'integer', minimum: 1 } },
          required: ['id', 'seq'],
        },
        querystring: noQuery,
        response: { 200: webhookRedriveSchema },
      },
    },
    async (request, reply) => {
      const { seq } = request.params as { seq: number };
      const redriven = await webhooks.redrive(identityOf(request), idOf(request), seq);
      return sendJson(reply, 200, { redriven });
    },
  );
  api.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary:
          'The delivery log: delivered, pending (being retried) and dead (dead-lettered) events, in event order, paged',
        params,
        response: { 200: deliveryPageSchema },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'integer', minimum: 0, description: 'The cursor of the previous page' },
          },
        },
      },
    },
    async (request, reply) => {
      const query = request.query as { state?: DeliveryState; limit: number; cursor?: number };
      const items = await webhooks.deliveries(identityOf(request), idOf(request), {
        state: query.state,
        limit: query.limit,
        afterSeq: query.cursor,
      });
      const body: Record<string, JsonValue> = { items: items.map(deliveryView) };
      if (items.length === query.limit) body.cursor = items[items.length - 1].seq;
      return sendJson(reply, 200, body);
    },
  );
}
