// Models, scenarios and runs: /models, /scenarios (PUT, GET, DELETE, lists), runs of a model, a run's
// series and its compare against the actual series.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../core/json.js';
import type { ModelService, PutResult } from '../../models/model-service.js';
import { identityOf } from '../authentication.js';
import {
  forecastBodySchema,
  modelBodySchema,
  modelSchema,
  noBody,
  runBodySchema,
  runCompareSchema,
  runSchema,
  runSeriesSchema,
  scenarioBodySchema,
  scenarioSchema,
} from '../openapi-schemas.js';
import { jsonBodyOf } from '../request-body.js';
import { sendTable } from '../series-formats.js';
import { errors } from '../../core/error-registry.js';
import {
  MAX_DATE_MS,
  bucketCount,
  parseSeriesWindow,
  type SeriesParameters,
} from '../../series/series-window.js';
import { runColumns, type PredictedColumns } from '../../series/run-buckets.js';

/** Most buckets one run series read gives. */
const MAX_RUN_BUCKETS = 100_000;
import { requestUrl, sendJson } from '../reply.js';

/** The largest body of `POST /models/{modelId}/runs` (16 MiB). */
export const MAX_RUN_BODY_BYTES = 16 * 1024 * 1024;

/** Routes that take no query parameters refuse any (400) rather than ignore them. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };

function paramsOf(name: string) {
  return { type: 'object', properties: { [name]: { type: 'string' } }, required: [name] };
}

function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name];
}

/** 201 with the new resource and its Location, or 204 when it replaced one. */
function sendPut(request: FastifyRequest, reply: FastifyReply, result: PutResult): FastifyReply {
  if (!result.created) return reply.code(204).send();
  reply.header('location', requestUrl(request));
  return sendJson(reply, 201, result.view);
}

export function registerModelRoutes(api: FastifyInstance, models: ModelService): void {
  const modelTags = ['Models'];
  const model = (summary: string, response: object, describedBody?: object) => ({
    schema: {
      tags: modelTags,
      summary,
      params: paramsOf('modelId'),
      querystring: noQuery,
      response,
      describedBody,
    },
  });
  api.get(
    '/models',
    {
      schema: {
        tags: modelTags,
        summary: 'Every model (any authenticated identity may read them)',
        querystring: noQuery,
        response: { 200: { type: 'array', items: modelSchema } },
      },
    },
    async (_request, reply) => sendJson(reply, 200, await models.listModels()),
  );
  api.put(
    '/models/:modelId',
    model(
      'Create (201) or replace (204) a model; replacing needs its creator or an administrator',
      { 201: modelSchema, 204: noBody },
      modelBodySchema,
    ),
    async (request, reply) =>
      sendPut(
        request,
        reply,
        await models.putModel(identityOf(request), param(request, 'modelId'), jsonBodyOf(request)),
      ),
  );
  api.get('/models/:modelId', model('One model', { 200: modelSchema }), async (request, reply) =>
    sendJson(reply, 200, await models.getModel(param(request, 'modelId'))),
  );
  api.delete(
    '/models/:modelId',
    model('Delete a model with all its runs', { 204: noBody }),
    async (request, reply) => {
      await models.deleteModel(identityOf(request), param(request, 'modelId'));
      return reply.code(204).send();
    },
  );
  api.post(
    '/models/:modelId/runs',
    {
      // A run carries whole series: more than a thing's body may hold.
      bodyLimit: MAX_RUN_BODY_BYTES,
      ...model(
        "Run a model or register its run: an 'external' model's run is the body's series; a 'forecast' model's run is forecast for the body's twin properties",
        { 201: runSchema },
        runBodySchema,
      ),
    },
    async (request, reply) => {
      const view = await models.createRun(
        identityOf(request),
        param(request, 'modelId'),
        jsonBodyOf(request),
      );
      reply.header(
        'location',
        `${request.protocol}://${request.host}/api/2/runs/${String(view.runId)}`,
      );
      return sendJson(reply, 201, view);
    },
  );
  api.post(
    '/forecasts',
    {
      schema: {
        tags: ['Models'],
        summary:
          'Forecast one twin property with the built-in forecaster: a run (mean, lower, upper) of the model twinfold.forecast',
        querystring: noQuery,
        describedBody: forecastBodySchema,
        response: { 201: runSchema },
      },
    },
    async (request, reply) => {
      const view = await models.forecastNow(identityOf(request), jsonBodyOf(request));
      reply.header(
        'location',
        `${request.protocol}://${request.host}/api/2/runs/${String(view.runId)}`,
      );
      return sendJson(reply, 201, view);
    },
  );
  api.get(
    '/models/:modelId/runs',
    model('The runs of a model, oldest first', { 200: { type: 'array', items: runSchema } }),
    async (request, reply) =>
      sendJson(reply, 200, await models.listRuns(identityOf(request), param(request, 'modelId'))),
  );

  const scenarioTags = ['Scenarios'];
  const scenario = (summary: string, response: object, describedBody?: object) => ({
    schema: {
      tags: scenarioTags,
      summary,
      params: paramsOf('scenarioId'),
      querystring: noQuery,
      response,
      describedBody,
    },
  });
  api.get(
    '/scenarios',
    {
      schema: {
        tags: scenarioTags,
        summary: 'Every scenario (named sets of parameters)',
        querystring: noQuery,
        response: { 200: { type: 'array', items: scenarioSchema } },
      },
    },
    async (_request, reply) => sendJson(reply, 200, await models.listScenarios()),
  );
  api.put(
    '/scenarios/:scenarioId',
    scenario(
      'Create (201) or replace (204) a scenario; replacing needs its creator or an administrator',
      { 201: scenarioSchema, 204: noBody },
      scenarioBodySchema,
    ),
    async (request, reply) =>
      sendPut(
        request,
        reply,
        await models.putScenario(
          identityOf(request),
          param(request, 'scenarioId'),
          jsonBodyOf(request),
        ),
      ),
  );
  api.get(
    '/scenarios/:scenarioId',
    scenario('One scenario', { 200: scenarioSchema }),
    async (request, reply) =>
      sendJson(reply, 200, await models.getScenario(param(request, 'scenarioId'))),
  );
  api.delete(
    '/scenarios/:scenarioId',
    scenario('Delete a scenario (409 while runs use it)', { 204: noBody }),
    async (request, reply) => {
      await models.deleteScenario(identityOf(request), param(request, 'scenarioId'));
      return reply.code(204).send();
    },
  );

  const runTags = ['Runs'];
  const run = (summary: string, response: object, querystring: object = noQuery) => ({
    schema: { tags: runTags, summary, params: paramsOf('runId'), querystring, response },
  });
  api.get(
    '/runs/:runId',
    run('One run, with the series the requester may read', { 200: runSchema }),
    async (request, reply) =>
      sendJson(reply, 200, await models.getRun(identityOf(request), param(request, 'runId'))),
  );
  api.get(
    '/runs/:runId/series',
    run(
      "One predicted series of a run (needs READ on the twin's property)",
      { 200: runSeriesSchema },
      {
        type: 'object',
        additionalProperties: false,
        required: ['pointer'],
        properties: {
          thingId: {
            type: 'string',
            description: 'The twin (needed only when the run has that pointer of several twins)',
          },
          pointer: { type: 'string', description: 'e.g. features/power/properties/watts' },
          from: {
            type: 'string',
            description: 'Only instants at or after (ISO-8601, epoch ms, now-1d)',
          },
          to: { type: 'string', description: 'Only instants at or before' },
          step: { type: 'string', description: 'Buckets of the mean, as in a series read' },
          agg: { type: 'string', description: 'Aggregations of the mean per bucket (default avg)' },
          fill: {
            type: 'string',
            description: 'Empty buckets: null (default), previous, linear, none',
          },
        },
      },
    ),
    async (request, reply) => {
      const { thingId, pointer, ...parameters } = request.query as SeriesParameters & {
        thingId?: string;
        pointer: string;
      };
      const identity = identityOf(request);
      const runId = param(request, 'runId');
      const view = await models.runSeries(
        identity,
        runId,
        thingId ?? (await models.onlyThingOf(identity, runId, pointer)),
        pointer,
      );
      // Without from/to a run series is read whole.
      const window = parseSeriesWindow(
        { from: String(-MAX_DATE_MS), to: String(MAX_DATE_MS), ...parameters },
        Date.now(),
      );
      if (window.step !== null && (parameters.from === undefined || parameters.to === undefined))
        throw errors.seriesParameterInvalid(
          'step',
          "buckets of a run series need from and to (e.g. the run's own from and to)",
        );
      if (window.step !== null && bucketCount({ ...window, step: window.step }) > MAX_RUN_BUCKETS)
        throw errors.seriesTooManyPoints(
          bucketCount({ ...window, step: window.step }),
          MAX_RUN_BUCKETS,
        );
      const columns = runColumns(view as unknown as PredictedColumns, window);
      const table = sendTable(request, reply, [{ columns }], 't,mean');
      if (table !== null) return table;
      if (window.step === null) return sendJson(reply, 200, { ...view, ...columns });
      const { runId: id, thingId: twin, pointer: at, level } = view;
      const body: JsonObject = {
        runId: id,
        thingId: twin,
        pointer: at,
        step: parameters.step as string,
        ...columns,
      };
      if (level !== undefined) body.level = level;
      return sendJson(reply, 200, body);
    },
  );
  api.get(
    '/runs/:runId/compare',
    run(
      'Each readable series of the run against the actual series over its range: MAE, RMSE, MAPE, MASE, interval coverage and the aligned columns',
      { 200: runCompareSchema },
    ),
    async (request, reply) =>
      sendJson(reply, 200, await models.compare(identityOf(request), param(request, 'runId'))),
  );
  api.delete(
    '/runs/:runId',
    run("Delete a run (its maker, its model's creator or an administrator)", { 204: noBody }),
    async (request, reply) => {
      await models.deleteRun(identityOf(request), param(request, 'runId'));
      return reply.code(204).send();
    },
  );
}
