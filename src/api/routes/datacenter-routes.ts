// The datacenter twin on the server: shadow runs (POST starts one, 202 and its Location; GET shows
// its status; DELETE stops it), their results, host utilisation and plot, and what-if topologies.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/json.js';
import type { DatacenterService } from '../../services/datacenter-service.js';
import { identityOf } from '../authentication.js';
import { noBody } from '../openapi-schemas.js';
import { jsonBodyOf } from '../request-body.js';
import { requestUrl, sendJson } from '../reply.js';

const tags = ['Datacenters'];
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', description: 'The datacenter: 1-64 of A-Z a-z 0-9 _ -' } },
  required: ['id'],
};
const whatIfParams = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The datacenter' },
    name: { type: 'string', description: 'The what-if: 1-64 of A-Z a-z 0-9 _ -' },
  },
  required: ['id', 'name'],
};
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

const topologyField = {
  oneOf: [
    { type: 'string', description: 'A path on the server to OpenDC topology JSON' },
    { type: 'object', description: 'OpenDC topology JSON inline', additionalProperties: true },
  ],
};

const shadowBody = {
  type: 'object',
  description:
    'Replays a workload and its measured power through the datacenter twin window by window (administrators only: the paths are files on the server)',
  properties: {
    workload: { type: 'string', description: 'Directory with tasks.parquet and fragments.parquet' },
    topology: topologyField,
    power: { type: 'string', description: 'Measured power Parquet (timestamp, power_draw)' },
    carbon: {
      type: 'string',
      description: 'Carbon intensity Parquet (timestamp, carbon_intensity)',
    },
    speed: {
      type: ['number', 'string'],
      description: 'Simulated seconds per wall second, or "max" (default 300)',
    },
    window: { type: ['string', 'number'], description: 'Window: a duration ("5m") or seconds' },
    exportInterval: { type: 'number', description: 'Export interval, s (default 150)' },
    calibrate: { type: 'boolean', description: 'Online calibration (default true)' },
    out: {
      type: 'string',
      description:
        'Where results.parquet, summary.json, power_plot.png go (default <data>/datacenters/<id>/shadow)',
    },
  },
  required: ['workload', 'topology', 'power'],
};

const shadowStatus = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['running', 'succeeded', 'failed', 'stopped'] },
    startedAt: { type: 'string' },
    endedAt: { type: ['string', 'null'] },
    progress: {
      type: 'object',
      properties: {
        windowsDone: { type: 'integer' },
        windows: { type: 'integer' },
        fraction: { type: 'number' },
        achievedSpeed: { type: 'number' },
      },
    },
    mape: { type: ['number', 'null'] },
    mapeUncalibrated: { type: ['number', 'null'] },
    out: { type: 'string' },
  },
};

const datacenterItem = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    thingId: { type: 'string' },
    shadow: { anyOf: [shadowStatus, { type: 'null' }] },
    whatifs: { type: 'array', items: { type: 'string' } },
  },
};

const whatIfView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    state: { type: 'string', enum: ['running', 'succeeded', 'failed', 'stopped'] },
    energyKwh: { type: 'number' },
    peakPowerW: { type: 'number' },
    carbonG: { type: ['number', 'null'] },
    difference: { type: 'object', additionalProperties: true },
  },
};

function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

function nameOf(request: FastifyRequest): string {
  return (request.params as { name: string }).name;
}

function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

export function registerDatacenterRoutes(
  api: FastifyInstance,
  datacenters: DatacenterService,
): void {
  api.get(
    '/datacenters',
    {
      schema: {
        tags,
        summary:
          'The datacenters of this node, with their shadow runs and what-ifs (administrators)',
        querystring: noQuery,
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: datacenterItem } } },
        },
      },
    },
    async (request, reply) => sendJson(reply, 200, datacenters.list(identityOf(request))),
  );
  api.get(
    '/datacenters/:id',
    {
      schema: {
        tags,
        summary: 'One datacenter: its shadow run and what-ifs (administrators)',
        params: idParams,
        querystring: noQuery,
        response: { 200: datacenterItem },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, datacenters.get(identityOf(request), idOf(request))),
  );
  api.post(
    '/datacenters/:id/shadow',
    {
      schema: {
        tags,
        summary: 'Start a shadow run of the datacenter (202; follow its Location) (administrators)',
        params: idParams,
        querystring: noQuery,
        describedBody: shadowBody,
        response: { 202: shadowStatus },
      },
    },
    async (request, reply) => {
      const status = await datacenters.startShadow(
        identityOf(request),
        idOf(request),
        jsonBodyOf(request),
      );
      reply.header('location', requestUrl(request));
      return sendJson(reply, 202, status as unknown as JsonValue);
    },
  );
  api.get(
    '/datacenters/:id/shadow',
    {
      schema: {
        tags,
        summary: 'The shadow run: state, progress, MAPE, latest window, summary (administrators)',
        params: idParams,
        querystring: noQuery,
        response: { 200: shadowStatus },
      },
    },
    async (request, reply) =>
      sendJson(
        reply,
        200,
        datacenters.status(identityOf(request), idOf(request)) as unknown as JsonValue,
      ),
  );
  api.delete(
    '/datacenters/:id/shadow',
    {
      schema: {
        tags,
        summary: 'Stop the shadow run after the window in progress (204) (administrators)',
        params: idParams,
        querystring: noQuery,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      await datacenters.stopShadow(identityOf(request), idOf(request));
      return reply.code(204).send();
    },
  );
  api.get(
    '/datacenters/:id/shadow/results',
    {
      schema: {
        tags,
        summary: 'The shadow run rows so far and the MAPE per window (administrators)',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', description: 'ISO 8601, epoch ms or now-<duration>' },
            to: { type: 'string', description: 'ISO 8601, epoch ms or now-<duration>' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              rows: { type: 'array', items: { type: 'object', additionalProperties: true } },
              mapeOverTime: {
                type: 'array',
                items: { type: 'object', additionalProperties: true },
              },
            },
          },
        },
      },
    },
    async (request, reply) =>
      sendJson(
        reply,
        200,
        datacenters.results(identityOf(request), idOf(request), queryOf(request)),
      ),
  );
  api.get(
    '/datacenters/:id/shadow/utilisation',
    {
      schema: {
        tags,
        summary: "Each host's mean utilisation per step so far: the heat map (administrators)",
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { step: { type: 'string', description: 'A duration (default 1h)' } },
        },
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async (request, reply) =>
      sendJson(
        reply,
        200,
        datacenters.utilisation(identityOf(request), idOf(request), queryOf(request)),
      ),
  );
  api.get(
    '/datacenters/:id/shadow/plot.png',
    {
      schema: {
        tags,
        summary: "The run's power_plot.png once written (404 before) (administrators)",
        params: idParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const png = datacenters.plot(identityOf(request), idOf(request));
      return reply.code(200).type('image/png').send(png);
    },
  );
  api.put(
    '/datacenters/:id/whatif/:name',
    {
      schema: {
        tags,
        summary:
          'Simulate the same workload on another topology beside the live run (administrators)',
        params: whatIfParams,
        querystring: noQuery,
        describedBody: {
          type: 'object',
          properties: { topology: topologyField },
          required: ['topology'],
        },
        response: { 201: whatIfView, 200: whatIfView },
      },
    },
    async (request, reply) => {
      const { created, view } = await datacenters.putWhatIf(
        identityOf(request),
        idOf(request),
        nameOf(request),
        jsonBodyOf(request),
      );
      if (created) reply.header('location', requestUrl(request));
      return sendJson(reply, created ? 201 : 200, view);
    },
  );
  api.get(
    '/datacenters/:id/whatif/:name',
    {
      schema: {
        tags,
        summary:
          'A what-if: energy, peak power, carbon and the difference from the live run (administrators)',
        params: whatIfParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { rows: { type: 'string', description: 'true adds the rows' } },
        },
        response: { 200: whatIfView },
      },
    },
    async (request, reply) =>
      sendJson(
        reply,
        200,
        datacenters.getWhatIf(
          identityOf(request),
          idOf(request),
          nameOf(request),
          queryOf(request),
        ),
      ),
  );
  api.delete(
    '/datacenters/:id/whatif/:name',
    {
      schema: {
        tags,
        summary: 'Stop and remove a what-if (204) (administrators)',
        params: whatIfParams,
        querystring: noQuery,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      await datacenters.deleteWhatIf(identityOf(request), idOf(request), nameOf(request));
      return reply.code(204).send();
    },
  );
}
