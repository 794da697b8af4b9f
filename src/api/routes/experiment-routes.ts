// Experiments on the server: POST a config (JSON or YAML) to start a run in the background (202 and
// its Location), list the experiments and their runs, read a run (state, progress, summary), its
// power plot and its results, and delete a finished run. Administrators only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../core/error-registry.js';
import type { JsonValue } from '../../core/json.js';
import type { ExperimentService } from '../../services/experiment-service.js';
import { identityOf } from '../authentication.js';
import { noBody } from '../openapi-schemas.js';
import { jsonBodyOf, mediaTypeOf } from '../request-body.js';
import { sendJson } from '../reply.js';

const tags = ['Experiments'];
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);
const JSON_TYPES = new Set(['', 'application/json', 'application/octet-stream']);
/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };
const runParams = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'The experiment: 1-100 of A-Z a-z 0-9 . _ -' },
    run: { type: 'string', description: 'The run number, from 1' },
  },
  required: ['name', 'run'],
};

const progress = {
  type: 'object',
  properties: {
    windowsDone: { type: 'integer' },
    windows: { type: 'integer' },
    fraction: { type: 'number' },
    achievedSpeed: { type: 'number' },
  },
};
const state = { type: 'string', enum: ['running', 'succeeded', 'failed', 'stopped'] };
const summary = {
  anyOf: [
    { type: 'object', additionalProperties: true, description: "The run's summary.json" },
    { type: 'null' },
  ],
};
const runView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    run: { type: 'integer' },
    state,
    startedAt: { type: ['string', 'null'] },
    progress,
    summary,
    error: {
      anyOf: [{ type: 'object', properties: { message: { type: 'string' } } }, { type: 'null' }],
    },
    config: {
      anyOf: [
        {
          type: 'object',
          additionalProperties: true,
          description: 'The checked config, paths made absolute',
        },
        { type: 'null' },
      ],
    },
    unused: { type: 'array', items: { type: 'string' } },
  },
};

const configBody = {
  type: 'object',
  additionalProperties: true,
  description:
    "An experiment config with the keys of `twinfold experiment run` (Twinfold's layout: name, workload, topology, power, carbon, simulation, features, calibration; or OpenDT's: global, services, kafka), as JSON or as application/yaml text. `output` is refused: runs go to <data dir>/experiments/<name>/run_<n>/. Relative paths count from the server's working directory.",
};

function paramsOf(request: FastifyRequest): { name: string; run: string } {
  return request.params as { name: string; run: string };
}

/** The config's text: YAML as sent, or the JSON body (JSON is YAML). */
function configTextOf(request: FastifyRequest): string {
  const type = mediaTypeOf(request);
  if (YAML_TYPES.has(type)) {
    const text = typeof request.body === 'string' ? request.body : '';
    if (text.trim() === '')
      throw errors.experimentConfigInvalid('config: (file): is empty (send the YAML config)');
    return text;
  }
  if (!JSON_TYPES.has(type))
    throw errors.mediaTypeUnsupported(type, 'application/json or application/yaml');
  return JSON.stringify(jsonBodyOf(request));
}

export function registerExperimentRoutes(
  api: FastifyInstance,
  experiments: ExperimentService,
): void {
  api.post(
    '/experiments',
    {
      schema: {
        tags,
        summary:
          'Start a run of an experiment config in the background (202; follow its Location) (administrators)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: {
              type: 'string',
              description:
                "The experiment's name when the config gives none (OpenDT's layout never does; default config)",
            },
          },
        },
        describedBody: configBody,
        response: { 202: runView },
      },
    },
    async (request, reply) => {
      const { name } = (request.query ?? {}) as { name?: string };
      const view = experiments.start(identityOf(request), configTextOf(request), name);
      const base = request.url.split('?')[0].replace(/\/+$/, '');
      reply.header(
        'location',
        `${request.protocol}://${request.host}${base}/${encodeURIComponent(view.name)}/runs/${view.run}`,
      );
      return sendJson(reply, 202, view as unknown as JsonValue);
    },
  );
  api.get(
    '/experiments',
    {
      schema: {
        tags,
        summary: 'The experiments in the server’s folder, with their runs (administrators)',
        querystring: noQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    runs: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: { run: { type: 'integer' }, state, summary },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, experiments.list(identityOf(request)) as unknown as JsonValue),
  );
  api.get(
    '/experiments/:name/runs/:run',
    {
      schema: {
        tags,
        summary: 'One run: state, progress, summary, error and config (administrators)',
        params: runParams,
        querystring: noQuery,
        response: { 200: runView },
      },
    },
    async (request, reply) => {
      const { name, run } = paramsOf(request);
      return sendJson(
        reply,
        200,
        experiments.get(identityOf(request), name, run) as unknown as JsonValue,
      );
    },
  );
  api.get(
    '/experiments/:name/runs/:run/power_plot.png',
    {
      schema: {
        tags,
        summary: "The run's power_plot.png once written (404 before) (administrators)",
        params: runParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const { name, run } = paramsOf(request);
      const png = experiments.plot(identityOf(request), name, run);
      return reply.code(200).type('image/png').send(png);
    },
  );
  api.get(
    '/experiments/:name/runs/:run/results',
    {
      schema: {
        tags,
        summary: "The rows of the run's results.parquet once written (404 before) (administrators)",
        params: runParams,
        querystring: noQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              rows: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    timestamp: { type: 'integer', description: 'Epoch ms' },
                    windowId: { type: 'integer' },
                    predicted: { type: 'number', description: 'W' },
                    measured: { type: ['number', 'null'], description: 'W' },
                    uncalibrated: { type: 'number', description: 'W' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { name, run } = paramsOf(request);
      const results = await experiments.results(identityOf(request), name, run);
      return sendJson(reply, 200, results as unknown as JsonValue);
    },
  );
  api.delete(
    '/experiments/:name/runs/:run',
    {
      schema: {
        tags,
        summary: "Remove a finished run's folder (204; 409 while it runs) (administrators)",
        params: runParams,
        querystring: noQuery,
        response: { 204: noBody },
      },
    },
    async (request, reply) => {
      const { name, run } = paramsOf(request);
      experiments.remove(identityOf(request), name, run);
      return reply.code(204).send();
    },
  );
}
