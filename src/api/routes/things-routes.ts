// Ditto's /things resources: the thing and every sub-resource, with GET, PUT, PATCH and DELETE.
import { noBody, thingSchema } from '../openapi-schemas.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assertWritable, type Identity } from '../../auth/identity.js';
import type { ReadAccess } from '../../auth/thing-guard.js';
import { errors } from '../../core/error-registry.js';
import { hasCode, type TwinfoldError } from '../../core/errors.js';
import { projectFields, projectValue } from '../../core/fields.js';
import { assertThingId, isValidNamespace } from '../../core/ids.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import {
  innerSegments,
  resourceOf,
  type ResourceKind,
  type ThingResource,
} from '../../core/thing-resource.js';
import { metadataHeaderValue, metadataOf, selectMetadata, valuesAt } from '../../core/metadata.js';
import { withoutHiddenMembers } from '../../core/hidden-members.js';
import { featureDescription, thingDescription } from '../../types/wot.js';
import { thingOfDocument, toSearchDocument } from '../../core/thing.js';
import type { FieldSelector } from '../../core/fields.js';
import { parseOptions } from '../../rql/parse-options.js';
import { filterPaths } from '../../rql/filter-paths.js';
import type { WriteKind, WriteRequest, WriteResult } from '../../runtime/twin-runtime.js';
import { incarnationAt } from '../../services/thing-incarnations.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import {
  allowPolicyLockoutOf,
  conditionOf,
  fieldsOf,
  historicalOf,
  metadataHeadersOf,
  patchConditionsOf,
  preconditionsOf,
} from '../request-options.js';
import { requestUrl, sendJson } from '../reply.js';
import { accepted, customAcksOf, DEFAULT_ACK_TIMEOUT_MS } from '../processing-headers.js';
import { aggregateAcks, type Ack } from '../../messaging/ack-aggregation.js';

type Method = 'GET' | 'PUT' | 'PATCH' | 'DELETE';
const ALL: Method[] = ['GET', 'PUT', 'PATCH', 'DELETE'];

interface ResourceRoute {
  url: string;
  kind: ResourceKind;
  methods: Method[];
  what: string;
}

const RESOURCES: ResourceRoute[] = [
  { url: '/things/:thingId', kind: 'thing', methods: ALL, what: 'the thing' },
  {
    url: '/things/:thingId/policyId',
    kind: 'policyId',
    methods: ['GET', 'PUT', 'PATCH'],
    what: 'the policy id',
  },
  {
    url: '/things/:thingId/definition',
    kind: 'definition',
    methods: ALL,
    what: 'the thing definition',
  },
  { url: '/things/:thingId/attributes', kind: 'attributes', methods: ALL, what: 'all attributes' },
  {
    url: '/things/:thingId/attributes/*',
    kind: 'attribute',
    methods: ALL,
    what: 'one attribute (a JSON pointer)',
  },
  { url: '/things/:thingId/features', kind: 'features', methods: ALL, what: 'all features' },
  {
    url: '/things/:thingId/features/:featureId',
    kind: 'feature',
    methods: ALL,
    what: 'one feature',
  },
  {
    url: '/things/:thingId/features/:featureId/definition',
    kind: 'featureDefinition',
    methods: ALL,
    what: 'a feature definition',
  },
  {
    url: '/things/:thingId/features/:featureId/properties',
    kind: 'properties',
    methods: ALL,
    what: 'the properties of a feature',
  },
  {
    url: '/things/:thingId/features/:featureId/properties/*',
    kind: 'property',
    methods: ALL,
    what: 'one feature property (a JSON pointer)',
  },
  {
    url: '/things/:thingId/features/:featureId/desiredProperties',
    kind: 'desiredProperties',
    methods: ALL,
    what: 'the desired properties of a feature',
  },
  {
    url: '/things/:thingId/features/:featureId/desiredProperties/*',
    kind: 'desiredProperty',
    methods: ALL,
    what: 'one desired property (a JSON pointer)',
  },
];

const WRITE_KIND: Record<Exclude<Method, 'GET'>, WriteKind> = {
  PUT: 'modify',
  PATCH: 'merge',
  DELETE: 'delete',
};

const CONDITIONAL_HEADERS = {
  type: 'object',
  properties: {
    'if-match': { type: 'string', description: 'Entity tags, e.g. "rev:3"; 412 when none matches' },
    'if-none-match': {
      type: 'string',
      description: 'Entity tags or *; 304 on reads, 412 on writes when one matches',
    },
    condition: { type: 'string', description: 'RQL the current thing must satisfy' },
  },
} as const;

function resourceFrom(request: FastifyRequest, kind: ResourceKind): ThingResource {
  const params = request.params as Record<string, string>;
  assertThingId(params.thingId);
  const rest = params['*'];
  const inner = rest === undefined ? undefined : innerSegments(rest);
  return resourceOf(params.thingId, kind, params.featureId, inner);
}

function paramsSchema(url: string) {
  const properties: Record<string, object> = {
    thingId: { type: 'string', description: 'namespace:name' },
  };
  if (url.includes(':featureId')) properties.featureId = { type: 'string' };
  if (url.endsWith('*'))
    properties['*'] = { type: 'string', description: 'JSON pointer inside the object' };
  return { type: 'object', properties };
}

/** The bodies of a whole thing's routes, for the OpenAPI document. */
function thingDocumentation(method: Method) {
  if (method === 'GET') return { response: { 200: thingSchema } };
  if (method === 'PUT')
    return { describedBody: thingSchema, response: { 201: thingSchema, 204: noBody } };
  if (method === 'PATCH') return { describedBody: thingSchema, response: { 204: noBody } };
  return { response: { 204: noBody } };
}

export function registerThingsRoutes(app: FastifyInstance, context: ApiContext): void {
  const { runtime, guard } = context;
  for (const route of RESOURCES) {
    for (const method of route.methods) {
      app.route({
        method,
        url: route.url,
        schema: {
          tags: ['Things'],
          summary: `${method === 'GET' ? 'Retrieve' : method === 'PUT' ? 'Create or replace' : method === 'PATCH' ? 'Merge-patch' : 'Delete'} ${route.what}`,
          params: paramsSchema(route.url),
          headers: CONDITIONAL_HEADERS,
          ...(route.kind === 'thing' ? thingDocumentation(method) : {}),
          querystring: {
            type: 'object',
            properties: {
              fields: {
                type: 'string',
                description: 'Field selector, e.g. attributes/location(lat,lon)',
              },
              condition: { type: 'string' },
            },
          },
        },
        handler: (request, reply) =>
          method === 'GET'
            ? retrieve(context, route.kind, request, reply)
            : change(context, route.kind, method, request, reply),
      });
    }
  }
  app.delete('/things/:thingId/policyId', { schema: { hide: true } }, (request) => {
    throw errors.methodNotAllowed(request.method, request.url);
  });

  app.get(
    '/things',
    {
      schema: {
        tags: ['Things'],
        summary: 'Retrieve things by id (ids=a,b) or list things (option=size(n),cursor(c))',
        response: { 200: { type: 'array', items: thingSchema } },
        querystring: {
          type: 'object',
          properties: {
            ids: { type: 'string' },
            fields: { type: 'string' },
            option: { type: 'string', description: 'sort(+path,-path),size(n),cursor(c)' },
            namespaces: {
              type: 'string',
              description: 'Comma-separated namespaces the listing is limited to (not with ids)',
            },
          },
        },
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const identity = identityOf(request);
      const fields = fieldsOf(request);
      if (query.filter !== undefined)
        throw errors.queryParameterInvalid(
          'filter',
          'GET /api/2/things takes no filter (as in Ditto): search with GET /api/2/search/things?filter=…',
        );
      if (query.ids === undefined) {
        const options = parseOptions(query.option);
        if (options.offset !== undefined)
          throw errors.searchOptionInvalid(
            'limit(offset,count) is for GET /api/2/search/things; list things with size(n) and cursor(token)',
          );
        const namespaces = guard.scopeNamespaces(identity, namespacesParam(query.namespaces));
        if (namespaces === null) return sendJson(reply, 200, []);
        const visible = guard.searchVisibility(
          identity,
          options.sort.map((key) => key.path),
        );
        const page = await runtime.search({ ...options, namespaces, visible });
        if (page.cursor)
          reply.header('link', `</api/2/things?option=cursor(${page.cursor})>; rel="next"`);
        const items = page.docs.map((d) =>
          guard.searchView(identity, fields ? withPolicyField(context, identity, d, fields) : d),
        );
        return sendJson(
          reply,
          200,
          items.map((d) =>
            fields ? projectFields(d, fields) : (thingOfDocument(d) as unknown as JsonValue),
          ),
        );
      }
      if (query.namespaces !== undefined)
        throw errors.queryParameterInvalid(
          'namespaces',
          `it lists things and does not apply to GET /api/2/things?ids=…, which answers the things named`,
        );
      const order = idsOrderOf(query.option);
      const ids = query.ids.split(',').filter((id) => id !== '');
      if (order) ids.sort((a, b) => (a < b ? -order : a > b ? order : 0));
      if (ids.length === 0) throw errors.thingIdsMissing();
      ids.forEach(assertThingId);
      const things: JsonValue[] = [];
      for (const { thing, meta } of runtime.getMany(ids)) {
        const resource = resourceOf(thing.thingId, 'thing');
        const access = guard.readAccess(identity, thing as unknown as JsonObject, resource);
        if (!access) continue; // unreadable things are left out, as missing ones are
        things.push(
          fields
            ? projectFields(
                access.docView(
                  withPolicyField(context, identity, toSearchDocument(thing, meta), fields),
                ),
                fields,
              )
            : access.view(withoutHiddenMembers(thing as unknown as JsonValue)),
        );
      }
      return sendJson(reply, 200, things);
    },
  );

  app.post(
    '/things',
    {
      schema: {
        tags: ['Things'],
        summary: 'Create a thing with a generated id <namespace>:<uuid>',
        describedBody: thingSchema,
        response: { 201: thingSchema },
        querystring: { type: 'object', properties: { namespace: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const namespace = (request.query as Record<string, string | undefined>).namespace;
      const body = request.body === undefined || request.body === '' ? {} : jsonBodyOf(request);
      const identity = identityOf(request);
      assertWritable(identity);
      const metadata = metadataHeadersOf(request)?.command;
      const { thingId, pending } = await context.creation.createWithGeneratedId(
        identity,
        namespace,
        (id) => ({
          value: body,
          originator: identity.id,
          ackRequest: ackRequestOf(context, request),
          metadata,
          authorize: (thing) =>
            guard.checkWrite(identity, thing, 'modify', resourceOf(id, 'thing'), body),
        }),
        { allowPolicyLockout: allowPolicyLockoutOf(request) },
      );
      return answerWrite(
        request,
        reply,
        pending,
        () => `${requestUrl(request).replace(/\/$/, '')}/${thingId}`,
        true,
      );
    },
  );
}

/**
 * The order `option` asks of an ids listing: Ditto's Explorer UI sends `sort(+thingId)` there.
 * Sorting by the thing id is honoured (1 ascending, -1 descending); any other option is refused.
 */
function idsOrderOf(option: string | undefined): 1 | -1 | null {
  if (option === undefined) return null;
  const byId = /^\s*sort\(\s*([+-])thingId\s*\)\s*$/.exec(option);
  if (!byId)
    throw errors.queryParameterInvalid(
      'option',
      'GET /api/2/things?ids=… answers the things named; of the options it takes only sort(+thingId) or sort(-thingId)',
    );
  return byId[1] === '-' ? -1 : 1;
}

/** The `namespaces` query parameter: comma-separated, each a valid namespace. */
function namespacesParam(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const namespaces = raw.split(',').filter((n) => n !== '');
  for (const ns of namespaces) {
    if (!isValidNamespace(ns))
      throw errors.queryParameterInvalid('namespaces', `'${ns}' is not a valid namespace`);
  }
  return namespaces;
}

const TD_MEDIA_TYPE = 'application/td+json';

/** True when the request asks for a WoT Thing Description (`Accept: application/td+json`), as in Ditto. */
function wantsThingDescription(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').toLowerCase().includes(TD_MEDIA_TYPE);
}

/**
 * The WoT Thing Description of a thing or a feature, generated from the type its definition
 * names; other resources, and things of no known type, have none (400 and 404).
 */
function sendThingDescription(
  context: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: ResourceKind,
  resource: ThingResource,
  thing: JsonObject,
  etag: string | undefined,
): FastifyReply {
  if (kind !== 'thing' && kind !== 'feature')
    throw errors.thingDescriptionUnsupported('only a thing and a feature have one');
  const typeId = typeof thing.definition === 'string' ? thing.definition : undefined;
  const document = typeId === undefined ? undefined : context.typeDocument?.(typeId);
  if (typeId === undefined || document === undefined)
    throw errors.thingDescriptionNotFound(resource.thingId, typeId);
  const base = `${request.protocol}://${request.host}`;
  const description =
    kind === 'thing'
      ? thingDescription(thing, typeId, document, base)
      : featureDescription(thing, resource.segments[1], typeId, document, base);
  if (etag) reply.header('etag', etag);
  return reply.code(200).type(TD_MEDIA_TYPE).send(JSON.stringify(description));
}

async function retrieve(
  context: ApiContext,
  kind: ResourceKind,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { runtime, guard, incarnations } = context;
  const resource = resourceFrom(request, kind);
  const identity = identityOf(request);
  guard.assertInScope(identity, resource.thingId);
  const fields = fieldsOf(request);
  const getMetadata = metadataHeadersOf(request)?.get;
  const condition = conditionOf(request);
  let access: ReadAccess | undefined;
  const at = historicalOf(request);
  const lives = at ? await incarnations.of(resource.thingId) : null;
  const result = await runtime.read({
    resource,
    preconditions: preconditionsOf(request),
    condition,
    at,
    authorize: (state, meta) => {
      let thing = state;
      let unknown: (() => TwinfoldError) | undefined;
      if (at) {
        // As in Ditto, a past state is guarded by the policy of today; a past incarnation of the
        // thing by the last policy it had. Hidden states are answered as missing ones.
        const life = lives ? incarnationAt(lives, meta.revision) : null;
        thing = { ...state, policyId: life?.policyId ?? null };
        unknown = () => errors.historyNotFoundAt(resource.thingId, at);
      }
      access = guard.checkRead(identity, thing, resource, unknown);
      if (condition) guard.checkConditionReadable(identity, thing, filterPaths(condition));
      return access.tagView;
    },
  });
  const seen = access as ReadAccess;
  if (wantsThingDescription(request)) {
    if (fields || getMetadata)
      throw errors.thingDescriptionUnsupported('fields and get-metadata do not apply to it');
    const thing = seen.view(
      withoutHiddenMembers(result.doc() as unknown as JsonValue),
    ) as JsonObject;
    return sendThingDescription(context, request, reply, kind, resource, thing, result.etag);
  }
  const body =
    kind === 'thing' && fields
      ? projectFields(
          seen.docView(withPolicyField(context, identity, result.doc(), fields)),
          fields,
        )
      : projectValue(
          seen.view(kind === 'thing' ? withoutHiddenMembers(result.value) : result.value),
          fields,
        );
  if (getMetadata) {
    const thing = result.doc() as unknown as JsonObject;
    const values = valuesAt(thing, resource.segments);
    const selected = seen.metadataView(
      selectMetadata(metadataOf(thing), resource.segments, getMetadata, values),
    );
    reply.header('ditto-metadata', metadataHeaderValue(selected ?? {}));
  }
  return sendJson(reply, 200, body, result.etag);
}

async function change(
  context: ApiContext,
  kind: ResourceKind,
  method: Exclude<Method, 'GET'>,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { runtime, guard, creation } = context;
  const resource = resourceFrom(request, kind);
  const identity = identityOf(request);
  guard.assertInScope(identity, resource.thingId);
  assertWritable(identity);
  const value = method === 'DELETE' ? undefined : jsonBodyOf(request);
  const condition = conditionOf(request);
  const metadata = metadataHeadersOf(request)?.command;
  const allowPolicyLockout = allowPolicyLockoutOf(request);
  const patchConditions = method === 'PATCH' ? patchConditionsOf(request) : undefined;
  const write: WriteRequest = {
    kind: WRITE_KIND[method],
    resource,
    value,
    preconditions: preconditionsOf(request),
    condition,
    patchConditions,
    originator: identity.id,
    authorize: (thing) => {
      const view = guard.checkWrite(identity, thing, WRITE_KIND[method], resource, value);
      if (condition && thing) guard.checkConditionReadable(identity, thing, filterPaths(condition));
      if (metadata && method === 'PATCH') {
        const keys = 'put' in metadata ? metadata.put.map((entry) => entry.key) : metadata.delete;
        const paths = keys.map((key) => [...resource.segments, ...key]);
        guard.checkMetadataWritable(identity, thing, resource, paths);
      }
      // As in Ditto, the conditions of a merge need READ on every path they refer to.
      if (patchConditions && thing) {
        for (const part of patchConditions)
          guard.checkConditionReadable(identity, thing, filterPaths(part.condition));
      }
      return view;
    },
  };
  if (metadata) write.metadata = metadata;
  // Added, not deleted when absent: a deleted member turns the request into a slow dictionary-mode
  // object for every step of the pipeline that reads it.
  const ackRequest = ackRequestOf(context, request);
  if (ackRequest !== undefined) write.ackRequest = ackRequest;
  let pending: Promise<WriteResult>;
  try {
    // A thing-level PUT or PATCH goes through the creation service: it creates a missing thing
    // (with its policy) and refuses what only a creation may carry (an inline policy).
    pending =
      kind === 'thing' && method !== 'DELETE'
        ? (await creation.write(identity, write, { allowPolicyLockout })).pending
        : runtime.write(write);
  } catch (error) {
    throw redactedSize(runtime, guard, identity, resource.thingId, error);
  }
  return answerWrite(request, reply, pending, () => requestUrl(request), kind === 'thing');
}

/**
 * Answers a thing write as Ditto does: 202 at once when no response is required (the write was
 * applied and validated; its commit is not awaited), else the write's response once committed, or
 * the acknowledgements requested (both fulfilled by the commit here).
 */
async function answerWrite(
  request: FastifyRequest,
  reply: FastifyReply,
  pending: Promise<WriteResult>,
  /** The Location of a created resource: built only for one (most writes create nothing). */
  locationOf: () => string,
  thingLevel: boolean,
): Promise<FastifyReply> {
  const { responseRequired, acks, correlationId } = request.processing;
  if (!responseRequired) {
    pending.catch((error: unknown) =>
      request.log.warn({ err: error, reqId: request.id }, 'write without response failed'),
    );
    return accepted(reply).send();
  }
  const result = await pending;
  const status = result.created ? 201 : 204;
  const headers: Record<string, string> = { 'correlation-id': correlationId };
  if (result.etag) headers.etag = result.etag;
  const location = result.created ? locationOf() : undefined;
  if (location !== undefined) headers.location = location;
  // A created thing is answered without its metadata (it is read with fields=_metadata) and
  // relations (read through /relations).
  const created = thingLevel ? withoutHiddenMembers(result.value ?? null) : (result.value ?? null);
  if (acks === null || (acks.length === 1 && acks[0] === 'twin-persisted')) {
    if (location !== undefined) {
      reply.header('location', location);
      return sendJson(reply, 201, created, result.etag);
    }
    if (result.etag) reply.header('etag', result.etag);
    return reply.code(204).send();
  }
  // search-persisted: the index was updated with the commit.
  const searchAck = { status: 204, headers: { 'correlation-id': correlationId } };
  const aggregation = request.processing.ackAggregation;
  if (aggregation) {
    // Custom labels: the subscribers' acknowledgements, up to the timeout, aggregated as in Ditto.
    const timeoutMs = request.processing.timeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    await aggregation.settled(Math.max(0, timeoutMs - (Date.now() - request.processing.startedAt)));
    const received = new Map<string, Ack>(aggregation.received);
    const twinAck: Ack = { status, headers };
    if (result.created && created !== null) twinAck.payload = created;
    received.set('twin-persisted', twinAck);
    received.set('search-persisted', searchAck);
    const answer = aggregateAcks(acks, received, timeoutMs, correlationId);
    if (answer.body === undefined) return reply.code(answer.status).send();
    return sendJson(reply, answer.status, answer.body);
  }
  if (acks.length === 1) return reply.code(204).send();
  const twinAck: Record<string, unknown> = { status, headers };
  if (result.created) twinAck.payload = created;
  return sendJson(reply, 200, {
    'twin-persisted': twinAck,
    'search-persisted': searchAck,
  } as unknown as JsonValue);
}

/**
 * The custom acknowledgements a write asks its event's subscribers for: the aggregation is opened
 * before the write (an acknowledgement may come before the commit is known here) and closed with
 * the response.
 */
function ackRequestOf(context: ApiContext, request: FastifyRequest): WriteRequest['ackRequest'] {
  const processing = request.processing;
  const labels = customAcksOf(processing);
  if (labels.length === 0 || !processing.responseRequired) return undefined;
  if (!processing.ackAggregation) {
    const aggregation = context.live.router.acks.begin(processing.correlationId, labels);
    processing.ackAggregation = aggregation;
    processing.release = () => context.live.router.acks.end(aggregation);
  }
  return { correlationId: processing.correlationId, labels };
}

/**
 * Ditto's `_policy` field: when selected, the thing's policy as the caller may read it (left out
 * when it may read none of it).
 */
export function withPolicyField<T extends object & { policyId?: unknown }>(
  { policyEditing }: ApiContext,
  identity: Identity,
  doc: T,
  fields: FieldSelector,
): T {
  if (!fields.some((field) => field[0] === '_policy') || typeof doc.policyId !== 'string')
    return doc;
  try {
    const target = { policyId: doc.policyId, part: 'policy' as const, segments: [] };
    return { ...doc, _policy: policyEditing.read(identity, target, {}).value };
  } catch (error) {
    if (hasCode(error, 'policies:policy.notfound')) return doc;
    throw error;
  }
}

/**
 * A 413 tells the size of the whole thing, hidden parts included: only who may read all of it
 * learns the size; others learn the limit.
 */
function redactedSize(
  runtime: ApiContext['runtime'],
  guard: ApiContext['guard'],
  identity: Identity,
  thingId: string,
  error: unknown,
): unknown {
  if (!hasCode(error, 'things:thing.toolarge')) return error;
  const current = runtime.getThing(thingId)?.thing as unknown as JsonObject | undefined;
  if (guard.readsWholeThing(identity, current ?? null)) return error;
  return errors.thingTooLargeHidden(runtime.maxThingBytes);
}
