// Validation of model, scenario and run bodies and ids: unknown fields refused, every error naming its field.
import { parseDuration } from '../series/series-window.js';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { assertFeatureId, assertKey, isValidNamespacedId } from '../core/ids.js';
import { isJsonObject } from '../core/json.js';
import { resourceOf, type ThingResource } from '../core/thing-resource.js';
import type { ModelKind } from '../store/model-store.js';

/** The kinds of model, in the order the API documents them. */
export const MODEL_KINDS: readonly ModelKind[] = ['forecast', 'simulation', 'external'];

/** Model and scenario ids: a letter or digit, then letters, digits, `.`, `_`, `:`, `-` (at most 128). */
export const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Most series in one run, and most instants in one series. */
export const MAX_RUN_SERIES = 100;
export const MAX_RUN_POINTS = 100_000;
/** Longest description of a model or scenario. */
export const MAX_DESCRIPTION = 2000;

type Fail = (field: string, detail: string) => TwinfoldError;

/** A model as a client sends it (`PUT /api/2/models/{modelId}`). */
export interface ModelBody {
  kind: ModelKind;
  parameters: Record<string, unknown>;
  description: string | null;
}

/** A scenario as a client sends it (`PUT /api/2/scenarios/{scenarioId}`). */
export interface ScenarioBody {
  parameters: Record<string, unknown>;
  description: string | null;
}

/** The parameters of a `forecast` model (a scenario's parameters override them for its runs). */
export interface ForecastParameters {
  /** How far past the last actual point to forecast (ms). */
  horizonMs: number;
  /** Spacing of the forecast instants (ms); the forecaster's choice when absent. */
  stepMs?: number;
  /** The forecaster's method; its default when absent. */
  method?: string;
  /** The confidence level of the interval, in (0, 1); the forecaster's default when absent. */
  level?: number;
  /** How much actual history before now the forecaster gets (ms, default 7 days). */
  historyMs: number;
}

/** The default of {@link ForecastParameters.historyMs}: 7 days. */
export const DEFAULT_HISTORY_MS = 7 * 24 * 3_600_000;

/** One predicted series of a registered run. */
export interface RunSeriesBody {
  thingId: string;
  pointer: string;
  t: number[];
  mean: number[];
  lower: number[] | null;
  upper: number[] | null;
  level: number | null;
}

/** A run registered from elsewhere: `{"scenario"?, "series": [...]}`. */
export interface ExternalRunBody {
  scenario: string | null;
  series: RunSeriesBody[];
}

/** A run of the built-in forecaster: `{"scenario"?, "series": [{"thingId", "pointer"}]}`. */
export interface ForecastRunBody {
  scenario: string | null;
  series: { thingId: string; pointer: string }[];
}

function objectOf(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (!isJsonObject(value)) throw fail(field, 'it must be a JSON object');
  return value;
}

function onlyFields(
  body: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  fail: Fail,
): void {
  for (const key of Object.keys(body))
    if (!allowed.includes(key))
      throw fail(`${prefix}${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
}

function descriptionOf(value: unknown, fail: Fail): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw fail('description', 'it must be a string');
  if (value.length > MAX_DESCRIPTION)
    throw fail('description', `it must be at most ${MAX_DESCRIPTION} characters`);
  return value;
}

function positiveInteger(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw fail(field, 'it must be a positive integer (ms)');
  return value;
}

function levelOf(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1))
    throw fail(field, 'it must be a number between 0 and 1, both excluded (e.g. 0.95)');
  return value;
}

/** Throws a 400 naming `field` unless `id` is a model or scenario id ({@link ENTITY_ID}). */
export function checkEntityId(id: string, field: string, fail: Fail): void {
  if (!ENTITY_ID.test(id))
    throw fail(
      field,
      'it must start with a letter or digit, then letters, digits, ".", "_", ":" or "-" (at most 128)',
    );
}

/**
 * The parameters of a forecast model or scenario, all fields checked; `partial` for a scenario's
 * overrides, where `horizonMs` may be absent.
 */
export function parseForecastParameters(
  parameters: Record<string, unknown>,
  fail: Fail,
  partial = false,
): Partial<ForecastParameters> {
  onlyFields(
    parameters,
    ['horizonMs', 'stepMs', 'method', 'level', 'historyMs'],
    'parameters/',
    fail,
  );
  const result: Partial<ForecastParameters> = {};
  if (parameters.horizonMs !== undefined || !partial)
    result.horizonMs = positiveInteger(parameters.horizonMs, 'parameters/horizonMs', fail);
  if (parameters.stepMs !== undefined)
    result.stepMs = positiveInteger(parameters.stepMs, 'parameters/stepMs', fail);
  if (parameters.historyMs !== undefined)
    result.historyMs = positiveInteger(parameters.historyMs, 'parameters/historyMs', fail);
  if (parameters.method !== undefined) {
    if (typeof parameters.method !== 'string' || parameters.method === '')
      throw fail('parameters/method', 'it must be a non-empty string');
    result.method = parameters.method;
  }
  if (parameters.level !== undefined)
    result.level = levelOf(parameters.level, 'parameters/level', fail);
  if (result.horizonMs !== undefined && result.stepMs !== undefined)
    checkHorizon(result.horizonMs, result.stepMs, fail);
  return result;
}

/** Throws unless the horizon is a whole number of steps (the forecaster's grid). */
export function checkHorizon(horizonMs: number, stepMs: number, fail: Fail): void {
  if (horizonMs % stepMs !== 0)
    throw fail(
      'parameters/horizonMs',
      `it must be a multiple of stepMs (${stepMs}); ${horizonMs} is not`,
    );
}

/** A model body; a `forecast` model's parameters are checked as {@link ForecastParameters}. */
export function parseModelBody(body: unknown): ModelBody {
  const fail = errors.modelInvalid;
  const object = objectOf(body, 'body', fail);
  onlyFields(object, ['kind', 'parameters', 'description'], '', fail);
  const kind = object.kind;
  if (typeof kind !== 'string' || !(MODEL_KINDS as readonly string[]).includes(kind))
    throw fail('kind', `it must be one of '${MODEL_KINDS.join("', '")}'`);
  const parameters =
    object.parameters === undefined ? {} : objectOf(object.parameters, 'parameters', fail);
  if (kind === 'forecast') parseForecastParameters(parameters, fail);
  return {
    kind: kind as ModelKind,
    parameters,
    description: descriptionOf(object.description, fail),
  };
}

/** A scenario body. */
export function parseScenarioBody(body: unknown): ScenarioBody {
  const fail = errors.scenarioInvalid;
  const object = objectOf(body, 'body', fail);
  onlyFields(object, ['parameters', 'description'], '', fail);
  if (object.parameters === undefined) throw fail('parameters', 'it is required');
  return {
    parameters: objectOf(object.parameters, 'parameters', fail),
    description: descriptionOf(object.description, fail),
  };
}

/** A twin property a series is of: the canonical pointer (no leading slash) and its resource. */
export interface SeriesTarget {
  thingId: string;
  pointer: string;
  resource: ThingResource;
}

/**
 * Checks a thing id and a property pointer (`attributes/…`, `features/<id>/properties/…` or
 * `features/<id>/desiredProperties/…`, with or without a leading slash).
 */
export function parseTarget(
  thingId: unknown,
  pointer: unknown,
  fields: { thingId: string; pointer: string },
  fail: Fail,
): SeriesTarget {
  if (typeof thingId !== 'string' || !isValidNamespacedId(thingId))
    throw fail(fields.thingId, "it must be a thing id 'namespace:name'");
  if (typeof pointer !== 'string') throw fail(fields.pointer, 'it must be a string');
  const segments = (pointer.startsWith('/') ? pointer.slice(1) : pointer).split('/');
  if (segments.some((s) => s === ''))
    throw fail(fields.pointer, `'${pointer}' has an empty segment`);
  const shape =
    "it must point at an attribute ('attributes/…') or a feature property ('features/<featureId>/properties/…' or '…/desiredProperties/…')";
  let resource: ThingResource;
  try {
    if (segments[0] === 'attributes' && segments.length >= 2) {
      const inner = segments.slice(1);
      for (const s of inner) assertKey(s);
      resource = resourceOf(thingId, 'attribute', undefined, inner);
    } else if (
      segments[0] === 'features' &&
      segments.length >= 4 &&
      (segments[2] === 'properties' || segments[2] === 'desiredProperties')
    ) {
      assertFeatureId(segments[1]);
      const inner = segments.slice(3);
      for (const s of inner) assertKey(s);
      resource = resourceOf(
        thingId,
        segments[2] === 'properties' ? 'property' : 'desiredProperty',
        segments[1],
        inner,
      );
    } else throw fail(fields.pointer, shape);
  } catch (error) {
    if (error instanceof TwinfoldError && error.code.startsWith('models:')) throw error;
    throw fail(fields.pointer, `${shape}; ${error instanceof Error ? error.message : ''}`);
  }
  return { thingId, pointer: segments.join('/'), resource };
}

function numbers(value: unknown, field: string, integers: boolean): number[] {
  if (!Array.isArray(value)) throw errors.runInvalid(field, 'it must be an array of numbers');
  if (value.length > MAX_RUN_POINTS)
    throw errors.runInvalid(field, `it may hold at most ${MAX_RUN_POINTS} values`);
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw errors.runInvalid(`${field}/${i}`, 'it must be a finite number');
    if (integers && !Number.isSafeInteger(v))
      throw errors.runInvalid(`${field}/${i}`, 'it must be an integer (epoch ms)');
  });
  return value as number[];
}

function scenarioOf(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw errors.runInvalid('scenario', 'it must be a scenario id');
  checkEntityId(value, 'scenario', errors.runInvalid);
  return value;
}

function seriesList(object: Record<string, unknown>): unknown[] {
  const list = object.series;
  if (!Array.isArray(list) || list.length === 0)
    throw errors.runInvalid('series', 'it must be a non-empty array');
  if (list.length > MAX_RUN_SERIES)
    throw errors.runInvalid('series', `it may hold at most ${MAX_RUN_SERIES} series`);
  return list;
}

function checkUnique(targets: readonly SeriesTarget[]): void {
  const seen = new Set<string>();
  targets.forEach((target, i) => {
    const key = `${target.thingId}\u0000${target.pointer}`;
    if (seen.has(key))
      throw errors.runInvalid(
        `series/${i}`,
        `a run holds one series per twin property; '/${target.pointer}' of '${target.thingId}' comes twice`,
      );
    seen.add(key);
  });
}

function seriesOf(value: unknown, i: number): { body: RunSeriesBody; target: SeriesTarget } {
  const at = `series/${i}`;
  const fail = errors.runInvalid;
  const item = objectOf(value, at, fail);
  onlyFields(item, ['thingId', 'pointer', 't', 'mean', 'lower', 'upper', 'level'], `${at}/`, fail);
  const target = parseTarget(
    item.thingId,
    item.pointer,
    { thingId: `${at}/thingId`, pointer: `${at}/pointer` },
    fail,
  );
  const t = numbers(item.t, `${at}/t`, true);
  if (t.length === 0) throw fail(`${at}/t`, 'it must hold at least one instant');
  for (let k = 1; k < t.length; k++)
    if (t[k] <= t[k - 1])
      throw fail(
        `${at}/t`,
        `instants must increase: t/${k} (${t[k]}) is not after t/${k - 1} (${t[k - 1]})`,
      );
  const mean = numbers(item.mean, `${at}/mean`, false);
  if (mean.length !== t.length)
    throw fail(`${at}/mean`, `it has ${mean.length} values for ${t.length} instants of t`);
  let lower: number[] | null = null;
  let upper: number[] | null = null;
  if (item.lower !== undefined || item.upper !== undefined) {
    const missing = item.lower === undefined ? 'lower' : item.upper === undefined ? 'upper' : null;
    if (missing !== null)
      throw fail(`${at}/${missing}`, 'an interval needs both lower and upper bounds');
    lower = numbers(item.lower, `${at}/lower`, false);
    upper = numbers(item.upper, `${at}/upper`, false);
    for (const [name, column] of [
      ['lower', lower],
      ['upper', upper],
    ] as const)
      if (column.length !== t.length)
        throw fail(`${at}/${name}`, `it has ${column.length} values for ${t.length} instants of t`);
    for (let k = 0; k < t.length; k++)
      if (lower[k] > upper[k])
        throw fail(`${at}/lower`, `lower/${k} (${lower[k]}) is above upper/${k} (${upper[k]})`);
  }
  let level: number | null = null;
  if (item.level !== undefined) {
    level = levelOf(item.level, `${at}/level`, fail);
    if (lower === null) throw fail(`${at}/level`, 'a level needs lower and upper bounds');
  }
  return {
    body: { thingId: target.thingId, pointer: target.pointer, t, mean, lower, upper, level },
    target,
  };
}

/** A run registered from elsewhere, with the twin properties its series are of. */
export function parseExternalRun(body: unknown): {
  run: ExternalRunBody;
  targets: SeriesTarget[];
} {
  const object = objectOf(body, 'body', errors.runInvalid);
  onlyFields(object, ['scenario', 'series'], '', errors.runInvalid);
  const scenario = scenarioOf(object.scenario);
  const parsed = seriesList(object).map(seriesOf);
  const targets = parsed.map((p) => p.target);
  checkUnique(targets);
  return { run: { scenario, series: parsed.map((p) => p.body) }, targets };
}

/** A run of the built-in forecaster: which twin properties to forecast. */
export function parseForecastRun(body: unknown): {
  run: ForecastRunBody;
  targets: SeriesTarget[];
} {
  const fail = errors.runInvalid;
  const object = objectOf(body, 'body', fail);
  onlyFields(object, ['scenario', 'series'], '', fail);
  const scenario = scenarioOf(object.scenario);
  const targets = seriesList(object).map((value, i) => {
    const at = `series/${i}`;
    const item = objectOf(value, at, fail);
    onlyFields(item, ['thingId', 'pointer'], `${at}/`, fail);
    return parseTarget(
      item.thingId,
      item.pointer,
      { thingId: `${at}/thingId`, pointer: `${at}/pointer` },
      fail,
    );
  });
  checkUnique(targets);
  return {
    run: { scenario, series: targets.map((t) => ({ thingId: t.thingId, pointer: t.pointer })) },
    targets,
  };
}

/** What `POST /forecasts` asks for: one twin property, and the forecast's parameters. */
export interface ForecastRequest {
  target: SeriesTarget;
  parameters: Partial<ForecastParameters>;
}

/**
 * The body of `POST /forecasts`: `{"thingId", "pointer", "horizon": "24h", "step"?: "5m",
 * "method"?, "level"?: 0.95, "history"?: "7d"}` (durations such as 30s, 5m, 1h, 7d).
 */
export function parseForecastRequest(body: unknown, fail: Fail): ForecastRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw fail(
      '/',
      'the body must be {"thingId", "pointer", "horizon": "24h", "step"?, "method"?}',
    );
  const object = body as Record<string, unknown>;
  onlyFields(
    object,
    ['thingId', 'pointer', 'horizon', 'step', 'method', 'level', 'history'],
    '',
    fail,
  );
  const target = parseTarget(
    object.thingId,
    object.pointer,
    { thingId: 'thingId', pointer: 'pointer' },
    fail,
  );
  const duration = (field: string, required: boolean): number | undefined => {
    const value = object[field];
    if (value === undefined && !required) return undefined;
    const ms = typeof value === 'string' ? parseDuration(value) : null;
    if (ms === null) throw fail(field, 'it must be a duration such as 1h, 24h or 5m');
    return ms;
  };
  const parameters: Partial<ForecastParameters> = { horizonMs: duration('horizon', true) };
  const stepMs = duration('step', false);
  if (stepMs !== undefined) {
    parameters.stepMs = stepMs;
    if ((parameters.horizonMs as number) % stepMs !== 0)
      throw fail('horizon', `it must be a whole number of steps (${object.step as string})`);
  }
  const historyMs = duration('history', false);
  if (historyMs !== undefined) parameters.historyMs = historyMs;
  if (object.method !== undefined) {
    if (typeof object.method !== 'string' || object.method === '')
      throw fail('method', 'it must be a non-empty string');
    parameters.method = object.method;
  }
  if (object.level !== undefined) parameters.level = levelOf(object.level, 'level', fail);
  return { target, parameters };
}
