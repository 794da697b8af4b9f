// Reads Ditto's request options from headers and query: conditional headers, condition, fields, history.
import type { FastifyRequest } from 'fastify';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { parseEntityTags } from '../core/etag.js';
import { parseFields, type FieldSelector } from '../core/fields.js';
import { parseMetadataKeys, parsePutMetadata, type MetadataCommand } from '../core/metadata.js';
import type { Preconditions } from '../core/preconditions.js';
import type { FilterNode } from '../rql/ast.js';
import { parseFilter } from '../rql/parse-filter.js';

type Query = Record<string, string | undefined>;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseTags(request: FastifyRequest, name: string) {
  const raw = header(request, name);
  if (raw === undefined) return undefined;
  const matchers = parseEntityTags(raw);
  if (!matchers) throw errors.entityTagInvalid(raw);
  return { raw, matchers };
}

export function preconditionsOf(request: FastifyRequest): Preconditions {
  const result: Preconditions = {};
  const ifMatch = parseTags(request, 'if-match');
  if (ifMatch) result.ifMatch = ifMatch;
  const ifNoneMatch = parseTags(request, 'if-none-match');
  if (ifNoneMatch) result.ifNoneMatch = ifNoneMatch;
  const ifEqual = header(request, 'if-equal');
  if (ifEqual !== undefined) {
    if (ifEqual !== 'update' && ifEqual !== 'skip' && ifEqual !== 'skip-minimizing-merge') {
      throw errors.headerInvalid(
        'if-equal',
        ifEqual,
        "'update', 'skip' or 'skip-minimizing-merge'",
      );
    }
    result.ifEqual = ifEqual;
  }
  return result;
}

/** The `condition` RQL, from the query parameter or the header. */
export function conditionOf(request: FastifyRequest): FilterNode | undefined {
  const raw = (request.query as Query).condition ?? header(request, 'condition');
  if (raw === undefined) return undefined;
  try {
    return parseFilter(raw);
  } catch (error) {
    if (error instanceof TwinfoldError) throw errors.conditionInvalid(raw, error.message);
    throw error;
  }
}

export function fieldsOf(request: FastifyRequest): FieldSelector | undefined {
  const raw = (request.query as Query).fields;
  return raw === undefined ? undefined : parseFields(raw);
}

/** `at-historical-revision` / `at-historical-timestamp`. */
export function historicalOf(
  request: FastifyRequest,
): { revision: number } | { timestamp: number } | undefined {
  const revision = header(request, 'at-historical-revision');
  if (revision !== undefined) {
    if (!/^\d{1,15}$/.test(revision.trim()))
      throw errors.headerInvalid('at-historical-revision', revision, 'long');
    return { revision: Number(revision) };
  }
  const timestamp = header(request, 'at-historical-timestamp');
  if (timestamp !== undefined) {
    const parsed = /^\d{4}-\d{2}-\d{2}T/.test(timestamp) ? Date.parse(timestamp) : NaN;
    if (Number.isNaN(parsed))
      throw errors.headerInvalid('at-historical-timestamp', timestamp, 'ISO-8601 timestamp');
    return { timestamp: parsed };
  }
  return undefined;
}

/** Ditto's `allow-policy-lockout` (`true` or `false`). */
export function allowPolicyLockoutOf(request: FastifyRequest): boolean {
  const raw = header(request, 'allow-policy-lockout');
  if (raw === undefined) return false;
  if (raw !== 'true' && raw !== 'false')
    throw errors.headerInvalid('allow-policy-lockout', raw, 'boolean');
  return raw === 'true';
}

/**
 * The metadata headers of a request: `get-metadata` on reads; `put-metadata` or
 * `delete-metadata` on PUT and PATCH. One per request, as in Ditto; any other use is a 400.
 */
export function metadataHeadersOf(
  request: FastifyRequest,
): { get?: string[][]; command?: MetadataCommand } | undefined {
  const put = header(request, 'put-metadata');
  const get = header(request, 'get-metadata');
  const del = header(request, 'delete-metadata');
  if (put === undefined && get === undefined && del === undefined) return undefined;
  const count =
    (put === undefined ? 0 : 1) + (get === undefined ? 0 : 1) + (del === undefined ? 0 : 1);
  const reading = request.method === 'GET' || request.method === 'HEAD';
  if (count > 1)
    throw errors.metadataHeadersConflict(
      reading
        ? "Multiple metadata headers were specified. For GET requests only the 'get-metadata' header can be specified."
        : "Multiple metadata headers were specified. For PUT/PATCH requests either the 'put-metadata' or 'delete-metadata' header can be specified not both at the same time.",
    );
  if (reading) {
    if (get === undefined)
      throw errors.metadataHeadersConflict(
        "A GET request only takes the 'get-metadata' header; put-metadata and delete-metadata go with PUT or PATCH.",
      );
    return { get: parseMetadataKeys(get, 'get-metadata') };
  }
  if (request.method === 'DELETE' || get !== undefined)
    throw errors.metadataHeadersConflict(
      'put-metadata and delete-metadata go with PUT or PATCH (deleting a value deletes its metadata), get-metadata with GET.',
    );
  return {
    command:
      put !== undefined
        ? { put: parsePutMetadata(put) }
        : { delete: parseMetadataKeys(del as string, 'delete-metadata') },
  };
}

/**
 * Ditto's `merge-thing-patch-conditions`: a JSON object of JSON pointers (relative to the merged
 * resource) to RQL conditions (over the whole thing).
 *
 * @example patchConditionsOf(request) // [{ path: ['features', 't'], condition: … }]
 */
export function patchConditionsOf(
  request: FastifyRequest,
): { path: string[]; condition: FilterNode }[] | undefined {
  const raw = header(request, 'merge-thing-patch-conditions');
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw errors.headerInvalidDetail(
      'merge-thing-patch-conditions',
      `Failed to parse merge-thing-patch-conditions header: ${(error as Error).message}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw errors.headerInvalidDetail(
      'merge-thing-patch-conditions',
      'Failed to parse merge-thing-patch-conditions header: it must be a JSON object of pointers to RQL conditions.',
    );
  return Object.entries(parsed as Record<string, unknown>).map(([pointer, condition]) => {
    if (typeof condition !== 'string')
      throw errors.headerInvalidDetail(
        'merge-thing-patch-conditions',
        `Failed to parse merge-thing-patch-conditions header: the condition of '${pointer}' is not a string.`,
      );
    let filter: FilterNode;
    try {
      filter = parseFilter(condition);
    } catch (error) {
      if (error instanceof TwinfoldError) throw errors.conditionInvalid(condition, error.message);
      throw error;
    }
    return { path: pointer.split('/').filter((s) => s !== ''), condition: filter };
  });
}
