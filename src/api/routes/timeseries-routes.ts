// Time series: /timeseries/things/{thingId}[/{pointer}] (list, read, backfill), /timeseries/query
// (several series at once, optionally combined) and /timeseries/retention/{namespace}.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertWritable } from '../../auth/identity.js';
import { errors } from '../../core/error-registry.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { parsePointer } from '../../core/json-pointer.js';
import { resourceOf } from '../../core/thing-resource.js';
import { assertThingId, isValidNamespace } from '../../core/ids.js';
import type { TwinRuntime } from '../../runtime/twin-runtime.js';
import type { ThingGuard } from '../../auth/thing-guard.js';
import {
  parseBackfillJson,
  parseRetention,
  parseSeriesQuery,
  retentionView,
} from '../../series/series-bodies.js';
import { combineSeries } from '../../series/series-combine.js';
import { isSeriesPath } from '../../series/event-points.js';
import { parseBackfillCsv } from '../../series/series-csv.js';
import { PARQUET, sendTable, tableFormat, type SeriesPart } from '../series-formats.js';
import { parseBackfillParquet } from '../../series/series-parquet.js';
import type { SeriesAnswer, SeriesColumns, SeriesService } from '../../series/series-service.js';
import type { Identity } from '../../auth/identity.js';
import type { RunSeriesRecord } from '../../store/model-store.js';
import { parseSeriesWindow, type SeriesParameters } from '../../series/series-window.js';
import type { SeriesValue } from '../../store/series-store.js';
import { identityOf } from '../authentication.js';
import { jsonBodyOf, mediaTypeOf } from '../request-body.js';
import { sendJson } from '../reply.js';
import type { ApiContext } from '../api-context.js';
import { thingIdsMatching } from './search-routes.js';

const tags = ['Time series'];
const noQuery = { type: 'object', additionalProperties: false, properties: {} };
const windowQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: {
      type: 'string',
      description: 'Start: ISO-8601, epoch ms or now-7d (default: a day before to)',
    },
    to: { type: 'string', description: 'End, inclusive (default: now)' },
    step: { type: 'string', description: 'Bucket width (30s, 5m, 1h, 1d); absent: raw points' },
    agg: {
      type: 'string',
      description: 'Aggregations per bucket: avg,min,max,sum,count,first,last',
    },
    fill: { type: 'string', description: 'Empty buckets: null (default), previous, linear, none' },
  },
};
/** A single series' read also takes a run whose prediction is shown beside it. */
const seriesQuery = {
  ...windowQuery,
  properties: {
    ...windowQuery.properties,
    run: {
      type: 'string',
      description: 'A run id: its predicted series comes back as `predicted`',
    },
  },
};
const seriesParams = {
  type: 'object',
  properties: { thingId: { type: 'string' }, '*': { type: 'string', description: 'JSON pointer' } },
  required: ['thingId'],
};
const thingParams = {
  type: 'object',
  properties: { thingId: { type: 'string' } },
  required: ['thingId'],
};
const namespaceParams = {
  type: 'object',
  properties: { namespace: { type: 'string' } },
  required: ['namespace'],
};

/** Most twins a filtered query takes series of. */
const MAX_FILTERED_TWINS = 10_000;

interface SeriesRouteContext {
  series: SeriesService;
  api: ApiContext;
  /** A run's predicted series of a twin property as `identity` may read it (null: none). */
  predicted?: (
    identity: Identity,
    runId: string,
    thingId: string,
    pointer: string,
  ) => Promise<RunSeriesRecord | null>;
}

/** The series a `/timeseries/things/{thingId}/{pointer}` request names. */
function keyOf(request: FastifyRequest): { thingId: string; pointer: string } {
  const params = request.params as { thingId: string; '*': string };
  assertThingId(params.thingId);
  const pointer = params['*'].replace(/\/+$/, '');
  if (pointer === '') throw errors.seriesNotFound(params.thingId, '');
  return { thingId: params.thingId, pointer };
}

/** The part of a run's series in `[from, to]`, as the answer's `predicted`. */
function predictedIn(series: RunSeriesRecord, from: number, to: number): JsonValue {
  const keep: number[] = [];
  series.t.forEach((t, i) => {
    if (t >= from && t <= to) keep.push(i);
  });
  const pick = (column: number[]) => keep.map((i) => column[i]);
  const view: JsonObject = { runId: series.runId, t: pick(series.t), mean: pick(series.mean) };
  if (series.lower !== null && series.upper !== null) {
    view.lower = pick(series.lower);
    view.upper = pick(series.upper);
  }
  if (series.level !== null) view.level = series.level;
  return view;
}

/** The thing write that makes a backfill's newest value the twin's own. */
function currentWriter(
  runtime: TwinRuntime,
  guard: ThingGuard,
  request: FastifyRequest,
  key: { thingId: string; pointer: string },
) {
  const identity = identityOf(request);
  return async (value: SeriesValue, observedAt: number) => {
    const segments = parsePointer(`/${key.pointer}`);
    const patch: JsonObject = {};
    let node = patch;
    for (let i = 0; i < segments.length - 1; i++) node = node[segments[i]] = {};
    node[segments[segments.length - 1]] = value;
    const resource = resourceOf(key.thingId, 'thing');
    await runtime.write({
      kind: 'merge',
      resource,
      value: patch,
      originator: identity.id,
      observedAt,
      authorize: (thing) => {
        if (thing === null) throw errors.thingNotFound(key.thingId);
        return guard.checkWrite(identity, thing, 'merge', resource, patch);
      },
    });
  };
}

/** Series are kept for attributes and feature properties: a backfill elsewhere is refused. */
function assertSeriesPointer(pointer: string): void {
  if (!isSeriesPath(pointer.split('/')))
    throw errors.seriesBodyInvalid(
      'pointer',
      `/${pointer} is not an attribute or a feature property, the values series are kept of`,
    );
}

export function registerTimeseriesRoutes(app: FastifyInstance, context: SeriesRouteContext): void {
  const { series, api } = context;
  // Parquet uploads are binary: kept as bytes, not text.
  app.addContentTypeParser(PARQUET, { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  app.get(
    '/timeseries/things/:thingId',
    {
      schema: {
        tags,
        summary: 'The series of a twin: each pointer with its kind, point count and time range',
        params: thingParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const { thingId } = request.params as { thingId: string };
      assertThingId(thingId);
      const list = await series.list(identityOf(request), thingId);
      return sendJson(
        reply,
        200,
        list.map(({ pointer, kind, points, first, last }) => ({
          pointer,
          kind,
          points,
          first,
          last,
        })),
      );
    },
  );
  app.get(
    '/timeseries/things/:thingId/*',
    {
      schema: {
        tags,
        summary:
          'One series: raw points, or buckets aligned to UTC multiples of step with the aggregations asked (JSON or CSV)',
        params: seriesParams,
        querystring: seriesQuery,
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const { run, ...query } = request.query as SeriesParameters & { run?: string };
      const window = parseSeriesWindow(query, Date.now());
      const identity = identityOf(request);
      const answer: SeriesAnswer & { predicted?: JsonValue } = await series.read(
        identity,
        key,
        window,
        query.step ?? null,
      );
      if (run !== undefined) {
        const found = context.predicted
          ? await context.predicted(identity, run, key.thingId, key.pointer)
          : null;
        if (found === null) throw errors.runSeriesNotFound(run, key.thingId, key.pointer);
        answer.predicted = predictedIn(found, window.from, window.to);
        if (tableFormat(request) !== null)
          throw errors.seriesParameterInvalid(
            'run',
            'a series with its prediction answers in JSON only; ask GET /api/2/runs/{runId}/series for the prediction as CSV or Parquet',
          );
      }
      return (
        sendTable(request, reply, [{ columns: answer.series }], 't') ??
        sendJson(reply, 200, answer as unknown as JsonValue)
      );
    },
  );
  app.post(
    '/timeseries/things/:thingId/*',
    {
      schema: {
        tags,
        summary:
          'Backfill: write historical points ({"t": [...], "v": [...]}, CSV t,v, or Parquet); the twin changes only when the newest is newer than its series',
        params: seriesParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      assertSeriesPointer(key.pointer);
      const identity = identityOf(request);
      api.guard.assertInScope(identity, key.thingId);
      assertWritable(identity);
      const type = mediaTypeOf(request);
      const body =
        type === 'text/csv'
          ? parseBackfillCsv(typeof request.body === 'string' ? request.body : '')
          : type === PARQUET
            ? await parseBackfillParquet(request.body as Buffer)
            : parseBackfillJson(jsonBodyOf(request));
      const outcome = await series.backfill(
        identity,
        key,
        body.t,
        body.v,
        currentWriter(api.runtime, api.guard, request, key),
      );
      return sendJson(reply, 200, outcome);
    },
  );
  app.post(
    '/timeseries/query',
    {
      schema: {
        tags,
        summary:
          'Several series at once: listed, or every twin an RQL filter selects at one pointer; optionally summed or averaged per bucket',
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const query = parseSeriesQuery(jsonBodyOf(request));
      const window = parseSeriesWindow(query.parameters, Date.now());
      let keys = query.series;
      if (keys === null) {
        const pointer = query.pointer as string;
        const ids = await thingIdsMatching(
          api,
          identity,
          query.filter as string,
          MAX_FILTERED_TWINS,
        );
        keys = ids.map((thingId) => ({ thingId, pointer }));
      }
      const infos = [];
      for (const key of keys) {
        try {
          infos.push(await series.describe(identity, key));
        } catch (error) {
          // Listed series must exist; a filter's twins may simply have none at that pointer.
          if (query.series !== null) throw error;
        }
      }
      await series.checkSize(infos, window);
      const answers: { thingId: string; pointer: string; series: SeriesColumns }[] = [];
      for (const info of infos)
        answers.push({
          thingId: info.thingId,
          pointer: info.pointer,
          series: await series.columns(info, window),
        });
      const body: Record<string, unknown> = {
        step: query.parameters.step ?? null,
        from: window.from,
        to: window.to,
        series: answers,
      };
      if (query.combine !== null)
        body.combined = combineSeries(
          answers.map((a) => a.series),
          window.aggregations,
          query.combine,
        );
      const parts: SeriesPart[] =
        query.combine !== null
          ? [{ columns: body.combined as SeriesColumns }]
          : answers.map((answer) => ({
              columns: answer.series,
              prefix: { thingId: answer.thingId, pointer: answer.pointer },
            }));
      const table = sendTable(
        request,
        reply,
        parts,
        query.combine !== null ? 't' : 'thingId,pointer,t',
      );
      if (table !== null) return table;
      return sendJson(reply, 200, body as JsonValue);
    },
  );
  const namespaceOf = (request: FastifyRequest) => {
    const { namespace } = request.params as { namespace: string };
    if (!isValidNamespace(namespace))
      throw errors.seriesBodyInvalid('namespace', `'${namespace}' is not a valid namespace`);
    return namespace;
  };
  app.get(
    '/timeseries/retention/:namespace',
    {
      schema: {
        tags,
        summary: "A namespace's retention",
        params: namespaceParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const namespace = namespaceOf(request);
      const retention = await series.getRetention(identityOf(request), namespace);
      if (retention === null) throw errors.seriesRetentionNotFound(namespace);
      return sendJson(reply, 200, retentionView(retention));
    },
  );
  app.put(
    '/timeseries/retention/:namespace',
    {
      schema: {
        tags,
        summary:
          'Set how long the points of a namespace are kept: raw and per tier ({"raw": "7d", "tiers": {"1m": "90d", "1h": null}})',
        params: namespaceParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const namespace = namespaceOf(request);
      const retention = parseRetention(jsonBodyOf(request));
      const created = await series.putRetention(identityOf(request), namespace, retention);
      return sendJson(reply, created ? 201 : 200, retentionView(retention));
    },
  );
  app.delete(
    '/timeseries/retention/:namespace',
    {
      schema: {
        tags,
        summary: "Remove a namespace's retention: its points are kept for ever again",
        params: namespaceParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const namespace = namespaceOf(request);
      if (!(await series.deleteRetention(identityOf(request), namespace)))
        throw errors.seriesRetentionNotFound(namespace);
      return reply.code(204).send();
    },
  );
}
