// A twin's journal: its events by revision or time range, as Ditto Protocol events.
import { thingEventSchema } from '../openapi-schemas.js';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/error-registry.js';
import { toProtocolEvent } from '../../core/events.js';
import { assertThingId } from '../../core/ids.js';
import { incarnationAt } from '../../services/thing-incarnations.js';
import type { JsonValue } from '../../core/json.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { sendJson } from '../reply.js';

const MAX_EVENTS = 10_000;

function timestampParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed))
    throw errors.queryParameterInvalid(name, `'${value}' is not an ISO-8601 timestamp`);
  return parsed;
}

export function registerHistoryRoutes(
  app: FastifyInstance,
  { runtime, guard, incarnations }: ApiContext,
): void {
  app.get(
    '/things/:thingId/history',
    {
      schema: {
        tags: ['History'],
        summary: "A thing's events (Ditto Protocol) by revision or time range, oldest first",
        response: { 200: { type: 'array', items: thingEventSchema } },
        params: { type: 'object', properties: { thingId: { type: 'string' } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            'from-revision': { type: 'integer', minimum: 0 },
            'to-revision': { type: 'integer', minimum: 0 },
            'from-timestamp': { type: 'string', description: 'ISO-8601' },
            'to-timestamp': { type: 'string', description: 'ISO-8601' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_EVENTS, default: 1000 },
          },
        },
      },
    },
    async (request, reply) => {
      const { thingId } = request.params as { thingId: string };
      assertThingId(thingId);
      const identity = identityOf(request);
      guard.assertInScope(identity, thingId);
      // Each incarnation of the thing (created … deleted) is guarded by its own policy. READ is
      // checked before reading the range: an empty range must not confirm the thing exists.
      const lives = (await incarnations.of(thingId)) ?? [];
      const viewers = new Map(
        lives.map((life) => [life, guard.eventViewer(identity, thingId, life.policyId)]),
      );
      if (![...viewers.values()].some((viewer) => viewer !== null))
        throw errors.thingNotFound(thingId);
      const q = request.query as Record<string, string | number | undefined>;
      const events = await runtime.history(thingId, {
        fromRevision: q['from-revision'] as number | undefined,
        toRevision: q['to-revision'] as number | undefined,
        fromTimestamp: timestampParam('from-timestamp', q['from-timestamp'] as string | undefined),
        toTimestamp: timestampParam('to-timestamp', q['to-timestamp'] as string | undefined),
        limit: q.limit as number,
      });
      if (events === null) throw errors.thingNotFound(thingId);
      const visible = events.flatMap((event) => {
        const life = incarnationAt(lives, event.revision);
        const seen = life ? viewers.get(life)?.(event) : null;
        return seen ? [toProtocolEvent(seen)] : [];
      });
      return sendJson(reply, 200, visible as unknown as JsonValue);
    },
  );
}
