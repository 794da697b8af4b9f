// Ingest: specs (/ingest/specs), HTTP ingest (POST /ingest/{specId}) and dead letters (/ingest/deadletters).
import {
  deadLetterPageSchema,
  deadLetterSchema,
  noBody,
  purgeSchema,
  redriveSchema,
  specBodySchema,
  specTestSchema,
  specViewSchema,
} from '../openapi-schemas.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../core/error-registry.js';
import type { JsonValue } from '../../core/json.js';
import { httpMessages, templateHeaders } from '../../ingest/http-messages.js';
import type { IngestService, RawMessage } from '../../ingest/ingest-service.js';
import { topicContext } from '../../ingest/topic-context.js';
import type { DeadLetterFilter, DeadLetterRecord } from '../../store/ingest-store.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { ingestMediaType } from '../../ingest/ingest-media-type.js';
import { requestUrl, sendJson } from '../reply.js';

/** Largest HTTP ingest body (bytes): 1,000 NDJSON messages of several KB each fit. */
export const MAX_INGEST_BODY_BYTES = 32 * 1024 * 1024;

const tags = ['Ingest'];
const specParams = {
  type: 'object',
  properties: { specId: { type: 'string' } },
  required: ['specId'],
};
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };
const letterParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const filterProperties = {
  spec: { type: 'string', description: 'Only dead letters of this spec' },
  reason: {
    type: 'string',
    description: 'Only dead letters with this reason, e.g. thing.notfound',
  },
  since: { type: 'string', description: 'Received at or after (ISO-8601)' },
  until: { type: 'string', description: 'Received before (ISO-8601)' },
};

function time(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(ms))
    throw errors.queryParameterInvalid(name, `'${value}' is not an ISO-8601 time`);
  return ms;
}

function filterOf(query: Record<string, string | undefined>): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  if (query.spec !== undefined) filter.specId = query.spec;
  if (query.reason !== undefined) filter.reason = query.reason;
  const since = time('since', query.since);
  const until = time('until', query.until);
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  return filter;
}

function letterView(letter: DeadLetterRecord): JsonValue {
  return {
    id: letter.id,
    spec: letter.specId,
    transport: letter.transport,
    topic: letter.topic,
    headers: letter.headers,
    received: new Date(letter.received).toISOString(),
    reason: letter.reason,
    detail: letter.detail,
    payload: letter.payload,
    encoding: letter.encoding,
    attempts: letter.attempts,
  };
}

function rawBody(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

/** Registers the ingest routes; the raw-body routes live in a scope of their own. */
export async function registerIngestRoutes(
  api: FastifyInstance,
  ingest: IngestService,
): Promise<void> {
  api.get(
    '/ingest/specs',
    {
      schema: {
        tags,
        summary: 'The ingest specs the requester may manage',
        querystring: noQuery,
        response: { 200: { type: 'array', items: specViewSchema } },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, ingest.list(identityOf(request)) as unknown as JsonValue),
  );
  api.get(
    '/ingest/specs/:specId',
    {
      schema: {
        tags,
        summary: 'One ingest spec',
        params: specParams,
        querystring: noQuery,
        response: { 200: specViewSchema },
      },
    },
    async (request, reply) => {
      const { specId } = request.params as { specId: string };
      return sendJson(reply, 200, ingest.get(identityOf(request), specId) as unknown as JsonValue);
    },
  );
  api.put(
    '/ingest/specs/:specId',
    {
      schema: {
        tags,
        summary: 'Create or replace an ingest spec (validated; effective for the next message)',
        params: specParams,
        querystring: noQuery,
        describedBody: specBodySchema,
        response: { 201: specViewSchema, 204: noBody },
      },
    },
    async (request, reply) => {
      const { specId } = request.params as { specId: string };
      const { created, view } = await ingest.put(identityOf(request), specId, jsonBodyOf(request));
      if (!created) return reply.code(204).send();
      reply.header('location', requestUrl(request));
      return sendJson(reply, 201, view as unknown as JsonValue);
    },
  );
  api.delete(
    '/ingest/specs/:specId',
    {
      schema: {
        tags,
        summary: 'Delete an ingest spec',
        params: specParams,
        querystring: noQuery,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      const { specId } = request.params as { specId: string };
      await ingest.delete(identityOf(request), specId);
      return reply.code(204).send();
    },
  );

  const filterQuery = { type: 'object', additionalProperties: false, properties: filterProperties };
  api.get(
    '/ingest/deadletters',
    {
      schema: {
        tags,
        summary: 'Dead letters, oldest first, paged (cursor)',
        response: { 200: deadLetterPageSchema },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', description: 'The cursor of the previous page' },
          },
        },
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined> & { limit: number };
      const page = { ...filterOf(query), limit: query.limit, after: query.cursor };
      const items = await ingest.listDeadLetters(identityOf(request), page);
      const body: Record<string, JsonValue> = { items: items.map(letterView) };
      if (items.length === query.limit) body.cursor = items[items.length - 1].id;
      return sendJson(reply, 200, body);
    },
  );
  api.get(
    '/ingest/deadletters/:id',
    {
      schema: {
        tags,
        summary: 'One dead letter',
        params: letterParams,
        querystring: noQuery,
        response: { 200: deadLetterSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      return sendJson(reply, 200, letterView(await ingest.getDeadLetter(identityOf(request), id)));
    },
  );
  api.delete(
    '/ingest/deadletters/:id',
    {
      schema: {
        tags,
        summary: 'Delete one dead letter',
        params: letterParams,
        querystring: noQuery,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      await ingest.purge(identityOf(request), { ids: [id] });
      return reply.code(204).send();
    },
  );
  api.delete(
    '/ingest/deadletters',
    {
      schema: {
        tags,
        summary: 'Purge the dead letters the filter selects',
        querystring: filterQuery,
        response: { 200: purgeSchema },
      },
    },
    async (request, reply) => {
      const filter = filterOf(request.query as Record<string, string | undefined>);
      const purged = await ingest.purge(identityOf(request), filter);
      return sendJson(reply, 200, { purged });
    },
  );
  api.post(
    '/ingest/deadletters/:id/redrive',
    {
      schema: {
        tags,
        summary: 'Send one dead letter through its spec again',
        params: letterParams,
        querystring: noQuery,
        response: { 200: redriveSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const identity = identityOf(request);
      const letter = await ingest.getDeadLetter(identity, id);
      return sendJson(reply, 200, await ingest.redrive(identity, [letter]));
    },
  );
  api.post(
    '/ingest/deadletters/redrive',
    {
      schema: {
        tags,
        summary: 'Send the dead letters the filter selects through their specs again',
        querystring: filterQuery,
        response: { 200: redriveSchema },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const letters = await ingest.lettersOf(
        identity,
        filterOf(request.query as Record<string, string | undefined>),
      );
      return sendJson(reply, 200, await ingest.redrive(identity, letters));
    },
  );

  // The message routes take their body as text, whatever its media type: the raw text of each
  // message is what a dead letter keeps, and NDJSON is split here.
  await api.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: MAX_INGEST_BODY_BYTES },
      (_r, body, done) => done(null, body),
    );
    raw.post(
      '/ingest/specs/:specId/test',
      {
        bodyLimit: MAX_INGEST_BODY_BYTES,
        schema: {
          tags,
          summary: 'The observations a sample message would give, or its errors; changes nothing',
          params: specParams,
          describedBody: { description: 'A sample message: JSON, a JSON array or NDJSON' },
          response: { 200: specTestSchema },
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { topic: { type: 'string', description: 'MQTT topic or NATS subject' } },
          },
        },
      },
      async (request, reply) => {
        const { specId } = request.params as { specId: string };
        const { topic } = request.query as { topic?: string };
        const identity = identityOf(request);
        ingest.get(identity, specId);
        const spec = ingest.specFor(specId);
        const headers = templateHeaders(spec, request.headers);
        const messages = httpMessages(
          ingestMediaType(request.headers['content-type']),
          rawBody(request),
          headers,
          Date.now(),
        );
        const context = topicContext(spec.source, spec.filter ?? undefined, topic ?? null, headers);
        if (typeof context === 'string') throw errors.queryParameterInvalid('topic', context);
        const results = [];
        for (const message of messages)
          results.push(
            await ingest.test(identity, specId, { ...message, context, topic: topic ?? null }),
          );
        return sendJson(
          reply,
          200,
          (results.length === 1 ? results[0] : results) as unknown as JsonValue,
        );
      },
    );
    raw.post(
      '/ingest/:specId',
      {
        bodyLimit: MAX_INGEST_BODY_BYTES,
        schema: {
          tags,
          summary:
            'Ingest one JSON document, a JSON array of them, or NDJSON; answers once the accepted observations are durable',
          params: specParams,
          querystring: noQuery,
        },
      },
      async (request, reply) => {
        const { specId } = request.params as { specId: string };
        const identity = identityOf(request);
        const spec = ingest.specFor(specId);
        // Sending is writing: who may send to a spec is who may manage it.
        ingest.get(identity, specId);
        if (identity.readOnly) throw errors.readOnlyIdentity();
        if (spec.source !== 'http') throw errors.ingestSourceMismatch(specId, spec.source);
        const headers = templateHeaders(spec, request.headers);
        const messages: RawMessage[] = httpMessages(
          ingestMediaType(request.headers['content-type']),
          rawBody(request),
          headers,
          Date.now(),
        );
        return sendJson(
          reply,
          200,
          (await ingest.ingest(specId, messages)) as unknown as JsonValue,
        );
      },
    );
  });
}
