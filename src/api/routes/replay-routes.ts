// Replays: POST /replays starts one (202 and its Location), GET /replays/{replayId} shows its state
// and progress, then the comparison with what happened live; GET /replays lists them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/json.js';
import type { ReplayService } from '../../services/replay-service.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const tags = ['Replays'];
const params = {
  type: 'object',
  properties: { replayId: { type: 'string' } },
  required: ['replayId'],
};
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

const replayBody = {
  type: 'object',
  description:
    'Re-runs a type version over the journaled inputs of the twins `filter` selects, for events committed in [from, to); `into` writes the replayed twins into a scenario namespace',
  properties: {
    type: { type: 'string', description: "The type replayed, 'namespace:name:version'" },
    filter: {
      type: 'string',
      description: 'RQL selecting the twins (default: every readable one)',
    },
    from: { type: ['string', 'integer'], description: 'ISO 8601 or epoch ms (default: the start)' },
    to: { type: ['string', 'integer'], description: 'ISO 8601 or epoch ms (default: now)' },
    into: { type: 'string', description: 'A scenario namespace, not one of the replayed twins' },
  },
  required: ['type'],
};

const replayView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    replayId: { type: 'string' },
    state: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    progress: {
      type: 'object',
      properties: {
        twins: { type: 'integer' },
        events: { type: ['integer', 'null'] },
        eventsDone: { type: 'integer' },
        fraction: { type: 'number' },
      },
    },
  },
};

function idOf(request: FastifyRequest): string {
  return (request.params as { replayId: string }).replayId;
}

export function registerReplayRoutes(api: FastifyInstance, replays: ReplayService): void {
  api.post(
    '/replays',
    {
      schema: {
        tags,
        summary: 'Start a replay of a type over the journal (202; follow its Location)',
        querystring: noQuery,
        describedBody: replayBody,
        response: { 202: replayView },
      },
    },
    async (request, reply) => {
      const view = await replays.start(identityOf(request), jsonBodyOf(request));
      reply.header('location', `${requestUrl(request)}/${view.replayId}`);
      return sendJson(reply, 202, view as unknown as JsonValue);
    },
  );
  api.get(
    '/replays',
    {
      schema: {
        tags,
        summary: "The requester's replays, newest first (the last 100, kept across restarts)",
        querystring: noQuery,
        response: { 200: { type: 'array', items: replayView } },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, (await replays.list(identityOf(request))) as unknown as JsonValue),
  );
  api.get(
    '/replays/:replayId',
    {
      schema: {
        tags,
        summary: 'A replay: state and progress, then the comparison with what happened live',
        params,
        querystring: noQuery,
        response: { 200: replayView },
      },
    },
    async (request, reply) =>
      sendJson(
        reply,
        200,
        (await replays.get(identityOf(request), idOf(request))) as unknown as JsonValue,
      ),
  );
}
