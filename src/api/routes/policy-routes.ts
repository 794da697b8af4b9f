// Ditto's /policies resources (entries, subjects, resources) and POST /checkPermissions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseResourceKey, type Permission, PERMISSIONS } from '../../auth/policy-model.js';
import { errors } from '../../core/error-registry.js';
import { isValidNamespacedId } from '../../core/ids.js';
import { isJsonObject, type JsonValue } from '../../core/json.js';
import type { PermissionCheck } from '../../services/permission-check.js';
import type { PolicyEditing, PolicyPart, PolicyTarget } from '../../services/policy-editing.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { preconditionsOf } from '../request-options.js';
import { requestUrl, sendJson } from '../reply.js';

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

function targetOf(request: FastifyRequest, part: PolicyPart): PolicyTarget {
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

export function registerPolicyRoutes(
  app: FastifyInstance,
  { policyEditing, permissionChecks }: ApiContext,
): void {
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
            ? readPart(policyEditing, route.part, request, reply)
            : writePart(policyEditing, route.part, method, request, reply),
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
      const checks = permissionChecksOf(jsonBodyOf(request));
      return sendJson(reply, 200, permissionChecks.check(identity, checks));
    },
  );
}

/** Validates a checkPermissions body: labelled checks with resource, entityId and hasPermissions. */
function permissionChecksOf(body: JsonValue): Record<string, PermissionCheck> {
  if (!isJsonObject(body))
    throw errors.identityInvalid('The body must be an object of labelled permission checks.');
  const checks: Record<string, PermissionCheck> = {};
  for (const [label, check] of Object.entries(body)) {
    if (
      !isJsonObject(check) ||
      typeof check.resource !== 'string' ||
      typeof check.entityId !== 'string'
    ) {
      throw errors.identityInvalid(`Check '${label}' needs resource, entityId and hasPermissions.`);
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
    checks[label] = {
      resource: check.resource,
      entityId: check.entityId,
      hasPermissions: permissions as Permission[],
    };
  }
  return checks;
}

async function readPart(
  editing: PolicyEditing,
  part: PolicyPart,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const identity = identityOf(request);
  const target = targetOf(request, part);
  if (policyViewOf(request, part) === 'resolved')
    return sendJson(reply, 200, editing.readResolved(identity, target.policyId));
  const { value, etag } = editing.read(identity, target, preconditionsOf(request));
  return sendJson(reply, 200, value, etag);
}

/**
 * Ditto's `policy-view` (query parameter or header; `original` by default, `resolved` for the
 * effective policy). It shapes `GET /policies/{policyId}` only: `resolved` on a part of a policy
 * or on a write is refused rather than ignored.
 */
function policyViewOf(request: FastifyRequest, part: PolicyPart | null): 'original' | 'resolved' {
  const query = (request.query as Record<string, string | string[] | undefined>)['policy-view'];
  const header = request.headers['policy-view'];
  const raw = [query ?? header].flat()[0];
  const view = raw?.trim().toLowerCase() ?? '';
  if (view === '' || view === 'original') return 'original';
  if (view !== 'resolved') throw errors.policyViewInvalid(raw as string);
  if (part !== 'policy')
    throw errors.policyViewInvalid(
      raw as string,
      "'resolved' applies to GET /api/2/policies/{policyId} only.",
    );
  return 'resolved';
}

async function writePart(
  editing: PolicyEditing,
  part: PolicyPart,
  method: 'PUT' | 'DELETE',
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const identity = identityOf(request);
  const target = targetOf(request, part);
  policyViewOf(request, null);
  const preconditions = preconditionsOf(request);
  if (method === 'DELETE') {
    await editing.delete(identity, target, preconditions);
    return reply.code(204).send();
  }
  const result = await editing.write(identity, target, () => jsonBodyOf(request), preconditions);
  if (result.created) {
    reply.header('location', requestUrl(request));
    if (result.value === undefined) return reply.code(201).send();
    return sendJson(reply, 201, result.value, result.etag);
  }
  if (result.etag) reply.header('etag', result.etag);
  return reply.code(204).send();
}
