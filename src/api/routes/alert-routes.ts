// Alerts raised by twins' assessments: /alerts (filtered, paged), /alerts/{alertId}, and
// acknowledging one (an event on its twin's journal).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../core/error-registry.js';
import { isJsonObject, type JsonObject } from '../../core/json.js';
import type { AlertService } from '../../services/alert-service.js';
import type { AlertQuery, AlertRecord, AlertState } from '../../store/behaviour-store.js';
import { alertSchema } from '../openapi-schemas.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { sendJson } from '../reply.js';

const tags = ['Alerts'];
const params = {
  type: 'object',
  properties: { alertId: { type: 'string', description: "'<thingId>:<assessment>:<revision>'" } },
  required: ['alertId'],
};
const noQuery = { type: 'object', additionalProperties: false, properties: {} };
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    thingId: { type: 'string' },
    type: { type: 'string', description: 'The type id whose assessment raised it' },
    assessment: { type: 'string' },
    severity: { type: 'string' },
    state: { type: 'string', description: 'active, acknowledged or resolved' },
    from: { type: 'string', description: 'Raised at or after (ISO 8601 or epoch ms)' },
    to: { type: 'string', description: 'Raised before (ISO 8601 or epoch ms)' },
    limit: { type: 'string', description: 'Page size, 1…200 (default 50)' },
    cursor: { type: 'string', description: 'From the previous page' },
  },
};

const STATES = new Set<AlertState>(['active', 'acknowledged', 'resolved']);
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

function timeOf(field: string, text: string): number {
  const ms = /^-?[0-9]+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw errors.alertQueryInvalid(field, `'${text}' is neither an ISO 8601 time nor epoch ms`);
  return ms;
}

/** Reads the list parameters; every one is honoured or refused. */
export function alertQueryOf(
  query: Record<string, string | undefined>,
): Omit<AlertQuery, 'namespaces'> {
  const result: Omit<AlertQuery, 'namespaces'> = { limit: DEFAULT_LIMIT };
  for (const field of ['thingId', 'type', 'assessment', 'severity', 'cursor'] as const) {
    const value = query[field];
    if (value === undefined) continue;
    if (value === '') throw errors.alertQueryInvalid(field, 'it is empty');
    result[field] = value;
  }
  if (query.state !== undefined) {
    if (!STATES.has(query.state as AlertState))
      throw errors.alertQueryInvalid('state', 'it must be active, acknowledged or resolved');
    result.state = query.state as AlertState;
  }
  if (query.from !== undefined) result.from = timeOf('from', query.from);
  if (query.to !== undefined) result.to = timeOf('to', query.to);
  if (result.from !== undefined && result.to !== undefined && result.from >= result.to)
    throw errors.alertQueryInvalid('to', 'it must be after from');
  if (query.limit !== undefined) {
    const limit = Number(query.limit);
    if (!/^[0-9]+$/.test(query.limit) || limit < 1 || limit > MAX_LIMIT)
      throw errors.alertQueryInvalid('limit', `it must be a whole number from 1 to ${MAX_LIMIT}`);
    result.limit = limit;
  }
  return result;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An alert as the API shows it. */
export function alertView(alert: AlertRecord): JsonObject {
  const view: JsonObject = {
    alertId: alert.id,
    thingId: alert.thingId,
    type: alert.type,
    assessment: alert.assessment,
    severity: alert.severity,
    state: alert.state,
    raised: iso(alert.raisedAt),
    raisedRevision: alert.raisedRevision,
  };
  if (alert.resolvedAt !== null) view.resolved = iso(alert.resolvedAt);
  if (alert.resolvedRevision !== null) view.resolvedRevision = alert.resolvedRevision;
  if (alert.acknowledgedAt !== null) {
    const acknowledged: JsonObject = { at: iso(alert.acknowledgedAt) };
    if (alert.acknowledgedBy !== null) acknowledged.by = alert.acknowledgedBy;
    if (alert.note !== null) acknowledged.note = alert.note;
    view.acknowledged = acknowledged;
  }
  return view;
}

function idOf(request: FastifyRequest): string {
  return (request.params as { alertId: string }).alertId;
}

/** The note of an acknowledgement body `{"note": "…"}` (the body is optional). */
function noteOf(request: FastifyRequest): string | null {
  const raw = request.body;
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''))
    return null;
  const body = jsonBodyOf(request);
  if (!isJsonObject(body)) throw errors.alertQueryInvalid('body', 'send {"note": "…"} or nothing');
  for (const key of Object.keys(body))
    if (key !== 'note')
      throw errors.alertQueryInvalid(key, 'unknown field; an acknowledgement has a note');
  if (body.note === undefined) return null;
  if (typeof body.note !== 'string') throw errors.alertQueryInvalid('note', 'it must be a string');
  return body.note;
}

export function registerAlertRoutes(api: FastifyInstance, alerts: AlertService): void {
  api.get(
    '/alerts',
    {
      schema: {
        tags,
        summary: 'The alerts the requester may read, newest raised first, filtered and paged',
        querystring: listQuery,
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: {
              items: { type: 'array', items: alertSchema },
              cursor: { type: 'string' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const query = alertQueryOf(request.query as Record<string, string | undefined>);
      const page = await alerts.list(identityOf(request), query);
      const body: JsonObject = { items: page.items.map(alertView) };
      if (page.cursor !== undefined) body.cursor = page.cursor;
      return sendJson(reply, 200, body);
    },
  );
  api.get(
    '/alerts/:alertId',
    {
      schema: {
        tags,
        summary: 'One alert',
        params,
        querystring: noQuery,
        response: { 200: alertSchema },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, alertView(await alerts.get(identityOf(request), idOf(request)))),
  );
  api.post(
    '/alerts/:alertId/ack',
    {
      schema: {
        tags,
        summary: 'Acknowledge an active alert, with an optional note (an event on its twin)',
        params,
        querystring: noQuery,
        describedBody: { type: 'object', properties: { note: { type: 'string' } } },
        response: { 200: alertSchema },
      },
    },
    async (request, reply) => {
      const alert = await alerts.acknowledge(identityOf(request), idOf(request), noteOf(request));
      return sendJson(reply, 200, alertView(alert));
    },
  );
}
