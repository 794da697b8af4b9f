// Ditto's search: GET/POST /search/things and /search/things/count with RQL filter, fields and options.
import { searchPageSchema } from '../openapi-schemas.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Identity } from '../../auth/identity.js';
import { errors } from '../../core/error-registry.js';
import { parseFields, projectFields } from '../../core/fields.js';
import { thingOfDocument } from '../../core/thing.js';
import { isValidNamespace } from '../../core/ids.js';
import type { JsonValue } from '../../core/json.js';
import type { FilterNode } from '../../rql/ast.js';
import { filterBudget, parseFilter } from '../../rql/parse-filter.js';
import { parseOptions } from '../../rql/parse-options.js';
import { filterPaths } from '../../rql/filter-paths.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { mediaTypeOf } from '../request-body.js';
import { sendJson } from '../reply.js';
import { withPolicyField } from './things-routes.js';

type Params = Record<string, string[]>;

const SEARCH_PARAMS = {
  type: 'object',
  properties: {
    filter: {
      description:
        'RQL filter, e.g. and(eq(attributes/type,"pump"),gt(features/temp/properties/value,40))',
    },
    namespaces: { type: 'string', description: 'Comma-separated namespaces' },
    fields: { type: 'string', description: 'Field selector for the returned things' },
    option: {
      description:
        'sort(+path,-path),size(1..200),cursor(token); or limit(offset,count) (deprecated)',
    },
  },
} as const;

/** Collects the search parameters from the query and, for POST, a form-urlencoded body. */
function paramsOf(request: FastifyRequest): Params {
  const params: Params = {};
  const add = (key: string, value: unknown) => {
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    (params[key] ??= []).push(...values);
  };
  for (const [key, value] of Object.entries(request.query as Record<string, unknown>))
    add(key, value);
  if (request.method === 'POST' && request.body !== undefined && request.body !== '') {
    // A JSON body arrives already parsed (not a string): refuse it rather than ignore it.
    const type = mediaTypeOf(request);
    if (type !== 'application/x-www-form-urlencoded' || typeof request.body !== 'string') {
      throw errors.mediaTypeUnsupported(type || '(none)', 'application/x-www-form-urlencoded');
    }
    for (const [key, value] of new URLSearchParams(request.body)) add(key, value);
  }
  return params;
}

function filterOf(params: Params, now?: Date): FilterNode | undefined {
  const budget = filterBudget();
  const filters = (params.filter ?? []).map((f) => parseFilter(f, { now, budget }));
  if (filters.length === 0) return undefined;
  return filters.length === 1 ? filters[0] : { op: 'and', args: filters };
}

/**
 * Search cursors carry the instant the first page resolved `time:now` to (`<ms base 36>~<index
 * cursor>`), so that every page of one search filters with the same instant.
 */
function splitCursor(cursor: string | undefined): { now: Date; cursor?: string } {
  if (cursor === undefined) return { now: new Date() };
  const match = /^([0-9a-z]{1,12})~(.+)$/.exec(cursor);
  const now = match ? new Date(parseInt(match[1], 36)) : null;
  if (!match || !now || Number.isNaN(now.getTime()))
    throw errors.cursorInvalid('At least one provided option is invalid.');
  return { now, cursor: match[2] };
}

function namespacesOf(params: Params): string[] | undefined {
  if (!params.namespaces) return undefined;
  const namespaces = params.namespaces.flatMap((n) => n.split(',')).filter((n) => n !== '');
  for (const ns of namespaces) {
    if (!isValidNamespace(ns))
      throw errors.queryParameterInvalid('namespaces', `'${ns}' is not a valid namespace`);
  }
  return namespaces;
}

function single(params: Params, name: string): string | undefined {
  const values = params[name];
  if (!values) return undefined;
  if (values.length > 1) throw errors.queryParameterInvalid(name, 'it may be given only once');
  return values[0];
}

/** Ditto's search parameters by name: filter, namespaces, fields and option (each a list). */
export type SearchParams = Record<string, string[]>;

/** One page of a search as `identity` sees it (the body of GET /search/things). */
export async function searchThings(
  context: ApiContext,
  identity: Identity,
  params: SearchParams,
): Promise<{ items: JsonValue[]; cursor?: string; nextPageOffset?: number }> {
  const { runtime, guard } = context;
  const { cursor, ...parsed } = parseOptions(params.option?.join(','));
  const { now, cursor: indexCursor } = splitCursor(cursor);
  const options = { ...parsed, cursor: indexCursor };
  const filter = filterOf(params, now);
  const rawFields = single(params, 'fields');
  const fields = rawFields === undefined ? undefined : parseFields(rawFields);
  const namespaces = guard.scopeNamespaces(identity, namespacesOf(params));
  if (namespaces === null) return { items: [] };
  const paths = filterPaths(filter);
  for (const key of options.sort) paths.add(key.path);
  const visible = guard.searchVisibility(identity, paths);
  const page = await runtime.search({ filter, namespaces, ...options, visible });
  const items = page.docs.map((found) => {
    const doc = guard.searchView(
      identity,
      fields ? withPolicyField(context, identity, found, fields) : found,
    );
    return fields ? projectFields(doc, fields) : (thingOfDocument(doc) as unknown as JsonValue);
  });
  const body: { items: JsonValue[]; cursor?: string; nextPageOffset?: number } = { items };
  // Paging by limit(offset,count) answers Ditto's nextPageOffset instead of a cursor.
  if (page.cursor && options.offset !== undefined)
    body.nextPageOffset = options.offset + options.size;
  else if (page.cursor) body.cursor = `${now.getTime().toString(36)}~${page.cursor}`;
  return body;
}

/** The ids of the things an RQL filter selects that `identity` may see, in id order, at most `max`. */
export async function thingIdsMatching(
  context: ApiContext,
  identity: Identity,
  filter: string,
  max: number,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await searchThings(context, identity, {
      filter: [filter],
      option: [`size(200)${cursor ? `,cursor(${cursor})` : ''}`],
      fields: ['thingId'],
    });
    for (const item of page.items) ids.push((item as { thingId: string }).thingId);
    cursor = page.cursor;
  } while (cursor !== undefined && ids.length < max);
  return ids.slice(0, max);
}

export function registerSearchRoutes(app: FastifyInstance, context: ApiContext): void {
  const { runtime, guard } = context;
  const search = async (request: FastifyRequest) =>
    (await searchThings(context, identityOf(request), paramsOf(request))) as unknown as JsonValue;
  const count = async (request: FastifyRequest) => {
    const params = paramsOf(request);
    const identity = identityOf(request);
    const filter = filterOf(params);
    const namespaces = guard.scopeNamespaces(identity, namespacesOf(params));
    if (namespaces === null) return 0;
    return runtime.count({
      filter,
      namespaces,
      visible: guard.searchVisibility(identity, filterPaths(filter)),
    });
  };
  const schema = (summary: string, answer: object) => ({
    tags: ['Search'],
    summary,
    querystring: SEARCH_PARAMS,
    response: { 200: answer },
  });
  const counted = { type: 'integer' };
  app.get(
    '/search/things',
    { schema: schema('Search things', searchPageSchema) },
    async (req, reply) => sendJson(reply, 200, await search(req)),
  );
  app.post(
    '/search/things',
    { schema: schema('Search things (form-urlencoded body)', searchPageSchema) },
    async (req, reply) => sendJson(reply, 200, await search(req)),
  );
  app.get('/search/things/count', { schema: schema('Count things', counted) }, async (req, reply) =>
    sendJson(reply, 200, await count(req)),
  );
  app.post(
    '/search/things/count',
    { schema: schema('Count things (form-urlencoded body)', counted) },
    async (req, reply) => sendJson(reply, 200, await count(req)),
  );
}
