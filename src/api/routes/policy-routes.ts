// Ditto's /policies resources (entries, subjects, resources) and POST /checkPermissions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity } from '../../auth/identity.js';
import { assertWritable, inScope } from '../../auth/identity.js';
import type { PolicyEnforcer } from '../../auth/policy-enforcer.js';
import {
  parsePolicy,
  parseResourceKey,
  policyToJson,
  type Permission,
  PERMISSIONS,
  type Policy,
} from '../../auth/policy-model.js';
import type { PolicyStore, StoredPolicy } from '../../auth/policy-store.js';
import { errors } from '../../core/error-registry.js';
import { hasCode, type TwinfoldError } from '../../core/errors.js';
import { contentTag, revisionTag } from '../../core/etag.js';
import { isValidNamespacedId } from '../../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import { deleteAt, getAt, setAt } from '../../core/json-pointer.js';
import { checkPreconditions } from '../../core/preconditions.js';
import { namespaceOf } from '../../core/thing.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { preconditionsOf } from '../request-options.js';
import { requestUrl, sendJson } from '../reply.js';

type PolicyPart =
  'policy' | 'entries' | 'entry' | 'subjects' | 'subject' | 'resources' | 'resource';

interface PartRoute {
  url: string;
  part: PolicyPart;
  methods: ('GET' | 'PUT' | 'DELETE')[];
  what: string;
}

const PARTS: PartRoute[] = [
  {
    url: '/policies/:policyId',
    part: 'policy',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'a policy',
  },
  {
    url: '/policies/:policyId/entries',
    part: 'entries',
    methods: ['GET', 'PUT'],
    what: 'all entries',
  },
  {
    url: '/policies/:policyId/entries/:label',
    part: 'entry',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'one entry',
  },
  {
    url: '/policies/:policyId/entries/:label/subjects',
    part: 'subjects',
    methods: ['GET', 'PUT'],
    what: "an entry's subjects",
  },
  {
    url: '/policies/:policyId/entries/:label/subjects/*',
    part: 'subject',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'one subject',
  },
  {
    url: '/policies/:policyId/entries/:label/resources',
    part: 'resources',
    methods: ['GET', 'PUT'],
    what: "an entry's resources",
  },
  {
    url: '/policies/:policyId/entries/:label/resources/*',
    part: 'resource',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'one resource, e.g. thing:/features/lamp',
  },
];

interface Target {
  policyId: string;
  part: PolicyPart;
  segments: string[];
  label?: string;
  key?: string;
}

function targetOf(request: FastifyRequest, part: PolicyPart): Target {
  const params = request.params as Record<string, string>;
  if (!isValidNamespacedId(params.policyId)) throw errors.policyIdInvalid(params.policyId);
  const label = params.label;
  const key = params['*'];
  if (key !== undefined && key === '')
    throw errors.policyInvalid('The subject or resource in the path is empty.');
  if (part === 'resource') parseResourceKey(key);
  const segments: Record<PolicyPart, string[]> = {
    policy: [],
    entries: ['entries'],
    entry: ['entries', label],
    subjects: ['entries', label, 'subjects'],
    subject: ['entries', label, 'subjects', key],
    resources: ['entries', label, 'resources'],
    resource: ['entries', label, 'resources', key],
  };
  return { policyId: params.policyId, part, segments: segments[part], label, key };
}

function notFound(target: Target, policy: JsonObject | null): TwinfoldError {
  const { policyId, label, key, part } = target;
  if (!policy || part === 'policy' || part === 'entries') return errors.policyNotFound(policyId);
  const on = `on the Policy with ID '${policyId}'`;
  if (getAt(policy, ['entries', label as string]) === undefined || part === 'entry') {
    return errors.policyPartNotFound('entry', `The PolicyEntry with Label '${label}' ${on}`);
  }
  const of = `of the PolicyEntry with Label '${label}' ${on}`;
  if (part === 'subjects') return errors.policyPartNotFound('subjects', `The Subjects ${of}`);
  if (part === 'subject')
    return errors.policyPartNotFound('subject', `The Subject with ID '${key}' ${of}`);
  if (part === 'resources') return errors.policyPartNotFound('resources', `The Resources ${of}`);
  return errors.policyPartNotFound('resource', `The Resource '${key}' ${of}`);
}

export function registerPolicyRoutes(app: FastifyInstance, context: ApiContext): void {
  const { policies, runtime } = context;
  for (const route of PARTS) {
    for (const method of route.methods) {
      app.route({
        method,
        url: route.url,
        schema: {
          tags: ['Policies'],
          summary: `${method === 'GET' ? 'Retrieve' : method === 'PUT' ? 'Create or replace' : 'Delete'} ${route.what}`,
        },
        handler: (request, reply) =>
          method === 'GET'
            ? readPart(policies, route.part, request, reply)
            : writePart(context, route.part, method, request, reply),
      });
    }
  }

  app.post(
    '/checkPermissions',
    {
      schema: {
        tags: ['Policies'],
        summary:
          'Check permissions of the caller: {"label": {"resource": "thing:/", "entityId": "ns:x", "hasPermissions": ["READ"]}}',
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const body = jsonBodyOf(request);
      if (!isJsonObject(body))
        throw errors.identityInvalid('The body must be an object of labelled permission checks.');
      const result: JsonObject = {};
      for (const [label, check] of Object.entries(body)) {
        if (
          !isJsonObject(check) ||
          typeof check.resource !== 'string' ||
          typeof check.entityId !== 'string'
        ) {
          throw errors.identityInvalid(
            `Check '${label}' needs resource, entityId and hasPermissions.`,
          );
        }
        const permissions = check.hasPermissions;
        if (
          !Array.isArray(permissions) ||
          !permissions.every((p) => PERMISSIONS.includes(p as Permission))
        ) {
          throw errors.identityInvalid(
            `hasPermissions of '${label}' must be an array of READ, WRITE or EXECUTE.`,
          );
        }
        const { type, segments } = parseResourceKey(check.resource);
        if (!inScope(identity, namespaceOf(check.entityId))) {
          result[label] = false;
          continue;
        }
        // As in Ditto, thing and message resources are checked on a thing, policy ones on a policy.
        const policyId =
          type === 'policy' ? check.entityId : runtime.getThing(check.entityId)?.thing.policyId;
        const enforcer = policyId ? policies.enforcer(policyId, identity.subjects) : null;
        result[label] =
          (identity.admin && (type === 'policy' || !!policyId)) ||
          (!!enforcer &&
            permissions.every((p) => enforcer.hasUnrestricted(type, segments, p as Permission)));
      }
      return sendJson(reply, 200, result);
    },
  );
}

function access(
  policies: PolicyStore,
  identity: Identity,
  target: Target,
): { stored: StoredPolicy | null; enforcer: PolicyEnforcer | null } {
  if (!inScope(identity, namespaceOf(target.policyId)))
    throw errors.policyNotFound(target.policyId);
  const stored = policies.get(target.policyId);
  return {
    stored,
    enforcer:
      stored && !identity.admin ? policies.enforcer(target.policyId, identity.subjects) : null,
  };
}

/**
 * The entity tag of a policy part: the revision for the policy, else a hash of what the requester
 * may read of the part (null when nothing), so that it tells nothing about hidden entries.
 */
function tagOf(
  target: Target,
  value: JsonValue,
  revision: number,
  enforcer: PolicyEnforcer | null,
): string | null {
  if (target.part === 'policy') return revisionTag(revision);
  const seen = enforcer ? enforcer.view('policy', target.segments, value) : value;
  return seen === undefined ? null : contentTag(seen);
}

async function readPart(
  policies: PolicyStore,
  part: PolicyPart,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const identity = identityOf(request);
  const target = targetOf(request, part);
  const { stored, enforcer } = access(policies, identity, target);
  const json = stored ? policyToJson(stored.policy) : null;
  if (
    !stored ||
    !json ||
    (!identity.admin && !enforcer?.hasPartial('policy', target.segments, 'READ'))
  ) {
    throw errors.policyNotFound(target.policyId);
  }
  const full = getAt(json, target.segments);
  if (full === undefined) throw notFound(target, json);
  const value = identity.admin ? full : enforcer?.view('policy', target.segments, full);
  if (value === undefined) throw notFound(target, json);
  const etag = tagOf(target, full, stored.revision, enforcer) as string;
  checkPreconditions(preconditionsOf(request), etag, 'read', 'Policy');
  const body =
    target.part === 'policy' && isJsonObject(value)
      ? { policyId: target.policyId, ...value }
      : value;
  return sendJson(reply, 200, body, etag);
}

/**
 * Stores a changed policy; a lock-out by an entry-level change is reported on the entry (as
 * Ditto); a 413 tells the policy's size only to who may read all of it.
 */
async function putPolicy(
  policies: PolicyStore,
  target: Target,
  policy: Policy,
  enforcer: PolicyEnforcer | null,
) {
  try {
    return await policies.put(policy);
  } catch (error) {
    const entryLevel = target.part !== 'policy' && target.part !== 'entries';
    if (entryLevel && hasCode(error, 'policies:policy.modificationinvalid'))
      throw errors.policyEntryModificationInvalid(target.policyId, target.label as string);
    if (
      hasCode(error, 'policies:policy.toolarge') &&
      target.part !== 'policy' &&
      enforcer !== null &&
      !enforcer.hasUnrestricted('policy', [], 'READ')
    )
      throw errors.policyTooLargeHidden(policies.maxBytes);
    throw error;
  }
}

async function writePart(
  { policies, policyUsage }: ApiContext,
  part: PolicyPart,
  method: 'PUT' | 'DELETE',
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const identity = identityOf(request);
  const target = targetOf(request, part);
  assertWritable(identity);
  const { stored, enforcer } = access(policies, identity, target);
  const json = stored ? policyToJson(stored.policy) : null;
  if (stored && !identity.admin && !enforcer?.hasUnrestricted('policy', target.segments, 'WRITE')) {
    if (!enforcer?.hasPartial('policy', target.segments, 'READ'))
      throw errors.policyNotFound(target.policyId);
    throw errors.policyNotModifiable(target.policyId);
  }
  const current = json ? getAt(json, target.segments) : undefined;
  const etag =
    current === undefined || !stored ? null : tagOf(target, current, stored.revision, enforcer);
  checkPreconditions(
    preconditionsOf(request),
    etag,
    method === 'DELETE' ? 'delete' : 'write',
    'Policy',
  );

  if (method === 'DELETE') {
    if (!json || current === undefined) throw notFound(target, json);
    if (part === 'policy') await policyUsage.deleteUnused(target.policyId);
    else
      await putPolicy(
        policies,
        target,
        parsePolicy(deleteAt(json, target.segments), target.policyId),
        enforcer,
      );
    return reply.code(204).send();
  }
  const value = jsonBodyOf(request);
  if (part !== 'policy') {
    if (!json) throw errors.policyNotFound(target.policyId);
    if (
      (part === 'subject' || part === 'resource' || part === 'subjects' || part === 'resources') &&
      getAt(json, ['entries', target.label as string]) === undefined
    ) {
      throw notFound(target, json);
    }
  }
  const next = part === 'policy' ? value : setAt(json as JsonObject, target.segments, value);
  const policy = parsePolicy(next, target.policyId);
  const result = await putPolicy(policies, target, policy, enforcer);
  const after = getAt(policyToJson(policy), target.segments) as JsonValue;
  const readerAfter = identity.admin ? null : policies.enforcer(target.policyId, identity.subjects);
  const tag = tagOf(target, after, result.revision, readerAfter);
  if (tag === null) {
    // Nothing of the written part is readable: neither its tag nor a body to show.
    if (current === undefined) reply.header('location', requestUrl(request));
    return reply.code(current === undefined ? 201 : 204).send();
  }
  if (current === undefined) {
    reply.header('location', requestUrl(request));
    const created = part === 'policy' ? policyToJson(policy) : after;
    return sendJson(reply, 201, created, tag);
  }
  reply.header('etag', tag);
  return reply.code(204).send();
}
