// Definition migrations: Ditto's POST /things/{thingId}/migrateDefinition (200 APPLIED, 202
// DRY_RUN) and Twinfold's bulk form POST /migrations over an RQL filter (202 and a job to follow
// at GET /migrations/{migrationId}).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../core/error-registry.js';
import { assertThingId } from '../../core/ids.js';
import type { JsonValue } from '../../core/json.js';
import type { BulkMigration } from '../../services/bulk-migration.js';
import type { DefinitionMigration } from '../../services/definition-migration.js';
import { parseMigrationRequest } from '../../services/migration-patch.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const dryRunQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'dry-run': {
      type: 'string',
      enum: ['true', 'false'],
      description: 'true: compute and validate the migration, change nothing (also a header)',
    },
  },
};
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

const migrationBodyProperties = {
  thingDefinitionUrl: {
    type: 'string',
    description: "The type moved to: 'ns:name:version', or its URL …/api/2/types/ns:name:version",
  },
  migrationPayload: {
    type: 'object',
    description:
      'A merge patch of attributes and features; strings may be {{ thing-json:/pointer }} placeholders',
  },
  patchConditions: {
    type: 'object',
    additionalProperties: { type: 'string' },
    description: '"thing:/<pointer>": RQL; a part whose condition fails is left out of the patch',
  },
  initializeMissingPropertiesFromDefaults: {
    type: 'boolean',
    description: "Sets what the thing lacks to the new type's schema defaults",
  },
};

const migrationBody = {
  type: 'object',
  description: "Ditto's MigrateThingDefinition",
  properties: migrationBodyProperties,
  required: ['thingDefinitionUrl'],
};

const migrationResponse = {
  type: 'object',
  description: "Ditto's MigrateThingDefinitionResponse",
  properties: {
    thingId: { type: 'string' },
    patch: { type: 'object', additionalProperties: true },
    mergeStatus: { type: 'string', enum: ['APPLIED', 'DRY_RUN'] },
  },
  required: ['thingId', 'patch', 'mergeStatus'],
};

const bulkBody = {
  type: 'object',
  description: 'Migrates every twin the filter selects, as migrateDefinition would each',
  properties: {
    filter: { type: 'string', description: 'RQL selecting the twins' },
    ...migrationBodyProperties,
  },
  required: ['filter', 'thingDefinitionUrl'],
};

const bulkView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    migrationId: { type: 'string' },
    state: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    dryRun: { type: 'boolean' },
    progress: {
      type: 'object',
      properties: {
        twins: { type: 'integer' },
        done: { type: 'integer' },
        succeeded: { type: 'integer' },
        failed: { type: 'integer' },
        fraction: { type: 'number' },
      },
    },
    results: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
};

/** `dry-run` from the query or the header (as Ditto reads it); anything but true/false is a 400. */
function dryRunOf(request: FastifyRequest): boolean {
  const query = (request.query as Record<string, string | undefined>)['dry-run'];
  const header = request.headers['dry-run'];
  const values = [query, typeof header === 'string' ? header : header?.join(',')].filter(
    (v): v is string => v !== undefined,
  );
  let dryRun = false;
  for (const value of values) {
    const normalised = value.trim().toLowerCase();
    if (normalised !== 'true' && normalised !== 'false')
      throw errors.headerInvalid('dry-run', value, 'boolean');
    dryRun ||= normalised === 'true';
  }
  return dryRun;
}

export function registerMigrationRoutes(
  api: FastifyInstance,
  single: DefinitionMigration,
  bulk: BulkMigration,
): void {
  api.post(
    '/things/:thingId/migrateDefinition',
    {
      schema: {
        tags: ['Things'],
        summary:
          "Move a thing to another version of a type (Ditto's migrateDefinition): 200 APPLIED, or 202 DRY_RUN with dry-run",
        params: {
          type: 'object',
          properties: { thingId: { type: 'string', description: 'namespace:name' } },
          required: ['thingId'],
        },
        querystring: dryRunQuery,
        describedBody: migrationBody,
        response: { 200: migrationResponse, 202: migrationResponse },
      },
    },
    async (request, reply) => {
      const { thingId } = request.params as { thingId: string };
      assertThingId(thingId);
      const dryRun = dryRunOf(request);
      const body = parseMigrationRequest(jsonBodyOf(request));
      const outcome = await single.migrate(identityOf(request), thingId, body, dryRun);
      if (outcome.response.mergeStatus === 'DRY_RUN')
        return sendJson(reply, 202, outcome.response as unknown as JsonValue);
      return sendJson(reply, 200, outcome.response as unknown as JsonValue, outcome.etag);
    },
  );
  api.post(
    '/migrations',
    {
      schema: {
        tags: ['Types'],
        summary:
          'Migrate every twin an RQL filter selects to another type version (202; follow its Location for progress and per-twin results)',
        querystring: dryRunQuery,
        describedBody: bulkBody,
        response: { 202: bulkView },
      },
    },
    async (request, reply) => {
      const dryRun = dryRunOf(request);
      const view = await bulk.start(identityOf(request), jsonBodyOf(request), dryRun);
      reply.header('location', `${requestUrl(request).split('?')[0]}/${view.migrationId}`);
      return sendJson(reply, 202, view as unknown as JsonValue);
    },
  );
  api.get(
    '/migrations',
    {
      schema: {
        tags: ['Types'],
        summary:
          "The requester's bulk migrations, newest first (the last 100, kept across restarts)",
        querystring: noQuery,
        response: { 200: { type: 'array', items: bulkView } },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, (await bulk.list(identityOf(request))) as unknown as JsonValue),
  );
  api.get(
    '/migrations/:migrationId',
    {
      schema: {
        tags: ['Types'],
        summary: 'A bulk migration: state, progress and the result of each twin so far',
        params: {
          type: 'object',
          properties: { migrationId: { type: 'string' } },
          required: ['migrationId'],
        },
        querystring: noQuery,
        response: { 200: bulkView },
      },
    },
    async (request, reply) => {
      const { migrationId } = request.params as { migrationId: string };
      return sendJson(
        reply,
        200,
        (await bulk.get(identityOf(request), migrationId)) as unknown as JsonValue,
      );
    },
  );
}
