// Ditto's /policies resources (entries, subjects, resources) and POST /checkPermissions.
import {
  noBody,
  permissionChecksSchema,
  permissionVerdictsSchema,
  policySchema,
} from '../openapi-schemas.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseResourceKey, type Permission, PERMISSIONS } from '../../auth/policy-model.js';
import { errors } from '../../core/error-registry.js';
import { isValidNamespacedId } from '../../core/ids.js';
import { projectFields } from '../../core/fields.js';
import { isJsonObject, type JsonValue } from '../../core/json.js';
import type { PermissionCheck } from '../../services/permission-check.js';
import type {
  PolicyEditing,
  PolicyMeta,
  PolicyPart,
  PolicyTarget,
} from '../../services/policy-editing.js';
import type { ApiContext } from '../api-context.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { fieldsOf, historicalOf, preconditionsOf } from '../request-options.js';
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
  {
    url: '/policies/:policyId/entries/:label/namespaces',
    part: 'namespaces',
    methods: ['GET', 'PUT'],
    what: 'the namespace patterns an entry is restricted to, e.g. ["com.acme", "com.acme.*"]',
  },
  {
    url: '/policies/:policyId/entries/:label/importable',
    part: 'importable',
    methods: ['GET', 'PUT'],
    what: 'whether other policies import an entry: "implicit", "explicit" or "never"',
  },
  {
    url: '/policies/:policyId/entries/:label/allowedAdditions',
    part: 'allowedAdditions',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'what entries referencing this one may add: ["subjects", "resources", "namespaces"]',
  },
  {
    url: '/policies/:policyId/entries/:label/references',
    part: 'references',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'the entries an entry takes subjects, resources and namespaces from',
  },
  {
    url: '/policies/:policyId/imports',
    part: 'imports',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'the imports of a policy: {"<policyId>": {"entries": ["label"]}}',
  },
  {
    url: '/policies/:policyId/imports/:importedPolicyId',
    part: 'import',
    methods: ['GET', 'PUT', 'DELETE'],
    what: 'one import of a policy',
  },
  {
    url: '/policies/:policyId/imports/:importedPolicyId/entries',
    part: 'importEntries',
    methods: ['GET', 'PUT'],
    what: 'the explicit entries one import takes',
  },
  {
    url: '/policies/:policyId/imports/:importedPolicyId/transitiveImports',
    part: 'transitiveImports',
    methods: ['GET', 'PUT'],
    what: "the imported policy's own imports one import resolves too",
  },
];

/** Ditto's policy actions: token integration, for identities authenticated with a JWT. */
const ACTIONS = ['activateTokenIntegration', 'deactivateTokenIntegration'] as const;

function targetOf(request: FastifyRequest, part: PolicyPart): PolicyTarget {
  const params = request.params as Record<string, string>;
  if (!isValidNamespacedId(params.policyId)) throw errors.policyIdInvalid(params.policyId);
  const label = params.label;
  const key = params['*'];
  const importedId = params.importedPolicyId;
  if (key !== undefined && key === '')
    throw errors.policyInvalid('The subject or resource in the path is empty.');
  if (part === 'resource') parseResourceKey(key);
  if (importedId !== undefined && !isValidNamespacedId(importedId))
    throw errors.policyIdInvalid(importedId);
  const segments: Record<PolicyPart, string[]> = {
    policy: [],
    entries: ['entries'],
    entry: ['entries', label],
    subjects: ['entries', label, 'subjects'],
    subject: ['entries', label, 'subjects', key],
    resources: ['entries', label, 'resources'],
    resource: ['entries', label, 'resources', key],
    namespaces: ['entries', label, 'namespaces'],
    importable: ['entries', label, 'importable'],
    allowedAdditions: ['entries', label, 'allowedAdditions'],
    references: ['entries', label, 'references'],
    imports: ['imports'],
    import: ['imports', importedId],
    importEntries: ['imports', importedId, 'entries'],
    transitiveImports: ['imports', importedId, 'transitiveImports'],
  };
  return { policyId: params.policyId, part, segments: segments[part], label, key, importedId };
}

/** The bodies of a whole policy's routes, for the OpenAPI document. */
function policyDocumentation(method: string) {
  if (method === 'GET') return { response: { 200: policySchema } };
  if (method === 'PUT')
    return { describedBody: policySchema, response: { 201: policySchema, 204: noBody } };
  return { response: { 204: noBody } };
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
          ...(route.part === 'policy' ? policyDocumentation(method) : {}),
        },
        handler: (request, reply) =>
          method === 'GET'
            ? readPart(policyEditing, route.part, request, reply)
            : writePart(policyEditing, route.part, method, request, reply),
      });
    }
  }

  for (const action of ACTIONS) {
    for (const url of [
      `/policies/:policyId/actions/${action}`,
      `/policies/:policyId/entries/:label/actions/${action}`,
    ]) {
      app.post(
        url,
        {
          schema: {
            tags: ['Policies'],
            summary: `${action} (refused: Twinfold has no connections that act as integration subjects)`,
          },
        },
        async (request) => {
          const identity = identityOf(request);
          const params = request.params as Record<string, string>;
          const target = targetOf(request, params.label === undefined ? 'policy' : 'entry');
          // Who may not see the policy (or the entry) learns nothing more than for a missing one.
          policyEditing.read(identity, target, {});
          throw errors.policyActionFailed(
            action,
            'Token integration injects subjects for Ditto connections authenticating as integration subjects; Twinfold has no such connections, so the action is not supported. Add the subject with PUT /policies/{policyId}/entries/{label}/subjects/{subjectId} and an expiry instead.',
          );
        },
      );
    }
  }

  app.post(
    '/checkPermissions',
    {
      schema: {
        tags: ['Policies'],
        summary:
          'Check permissions of the caller: {"label": {"resource": "thing:/", "entityId": "ns:x", "hasPermissions": ["READ"]}}',
        describedBody: permissionChecksSchema,
        response: { 200: permissionVerdictsSchema },
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
  const fields = fieldsOf(request);
  if (part !== 'policy' && fields !== undefined)
    throw errors.queryParameterInvalid(
      'fields',
      'only GET /policies/{policyId} takes it, not its parts.',
    );
  const at = historicalOf(request);
  let value: JsonValue;
  let etag: string | undefined;
  let meta: PolicyMeta | null = null;
  if (policyViewOf(request, part) === 'resolved') {
    // The imported policies' past is not weighed: the resolved view is of today only.
    if (at)
      throw errors.policyViewInvalid(
        'resolved',
        "'resolved' shows the policy of today; it cannot be combined with at-historical-revision or at-historical-timestamp.",
      );
    value = editing.readResolved(identity, target.policyId);
  } else if (at) {
    ({ value, etag, meta } = await editing.readAt(identity, target, at, preconditionsOf(request)));
  } else {
    ({ value, etag } = editing.read(identity, target, preconditionsOf(request)));
  }
  if (fields !== undefined && isJsonObject(value)) {
    meta ??= editing.meta(target.policyId);
    value = projectFields({ ...value, ...meta }, fields);
  }
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
