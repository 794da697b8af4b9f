// The settings of one scheduled service, read from a request body: every field checked, a 400 naming
// the field at fault, unknown fields refused.
import { errors } from '../core/error-registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { parseFilter } from '../rql/parse-filter.js';
import { parseDuration, parseSchedule } from './schedule.js';

/** What a service does when it runs. */
export type ServiceKind = 'http' | 'pull' | 'forecast';

/** `http`: POST (or PUT) a JSON body to a URL; its JSON answer may carry a run or observations. */
export interface HttpJob {
  kind: 'http';
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  /** Merged into the body sent, after serviceId, runId, scheduledFor and parameters. */
  body: JsonObject;
}

/** `pull`: GET a URL and ingest the answer through an ingest spec with an http source. */
export interface PullJob {
  kind: 'pull';
  url: string;
  specId: string;
  headers: Record<string, string>;
}

/** `forecast`: the built-in forecaster over the twins an RQL filter selects, for one property. */
export interface ForecastJob {
  kind: 'forecast';
  filter: string;
  pointer: string;
  /** How far ahead (ms). */
  horizonMs: number;
  /** Between predicted points (ms); the forecaster's default when absent. */
  stepMs?: number;
  method?: string;
}

/** A service's settings, defaults filled in. This shape is stored; the API shows it. */
export interface ServiceConfig {
  job: HttpJob | PullJob | ForecastJob;
  /** A cron string or {"every": "5m"}; absent: on demand only. */
  schedule?: string | { every: string };
  /** IANA zone of a cron schedule (UTC when absent). */
  timezone?: string;
  /** Passed to every run. */
  parameters: JsonObject;
  timeoutMs: number;
  /** Attempts after the first one fails (or times out). */
  retries: number;
  /** The wait before the first retry; each later one waits twice as long as the one before. */
  retryDelayMs: number;
  description?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_TIMEOUT_MS = 3_600_000;
export const DEFAULT_RETRIES = 0;
export const MAX_RETRIES = 10;
export const DEFAULT_RETRY_DELAY_MS = 1000;
const MAX_URL_LENGTH = 2048;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@~-]{0,127}$/;

const COMMON = [
  'kind',
  'schedule',
  'timezone',
  'parameters',
  'timeout',
  'timeoutMs',
  'retries',
  'retryDelay',
  'retryDelayMs',
  'description',
];
const FIELDS: Record<ServiceKind, string[]> = {
  http: ['url', 'method', 'headers', 'body'],
  pull: ['url', 'specId', 'headers'],
  forecast: ['filter', 'pointer', 'horizon', 'step', 'method'],
};

const invalid = errors.serviceInvalid;

/** Whether `id` can name a service (1 to 128 letters, digits and `_ . : @ ~ -`). */
export function isValidServiceId(id: string): boolean {
  return ID.test(id);
}

function url(body: JsonObject): string {
  const value = body.url;
  if (typeof value !== 'string') throw invalid('url', 'it is required, as a string');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid('url', `'${value}' is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid('url', `it must be an http or https URL, not ${parsed.protocol}`);
  if (value.length > MAX_URL_LENGTH) throw invalid('url', `it is longer than ${MAX_URL_LENGTH}`);
  if (parsed.username !== '' || parsed.password !== '')
    throw invalid('url', 'credentials in the URL are not allowed; send them in headers');
  return value;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;

function headers(body: JsonObject): Record<string, string> {
  const value = body.headers;
  if (value === undefined) return {};
  if (!isJsonObject(value))
    throw invalid('headers', 'it must be an object of header names to strings');
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    if (!TOKEN.test(name)) throw invalid('headers', `'${name}' is not a header name`);
    if (typeof text !== 'string' || /[\r\n\0]/.test(text) || text.length > 8192)
      throw invalid(`headers/${name}`, 'it must be a string of one line, at most 8192 characters');
    out[name.toLowerCase()] = text;
  }
  return out;
}

/** Milliseconds from `<name>` (a duration string) or `<name>Ms` (a number); one of them at most. */
function milliseconds(
  body: JsonObject,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = body[name];
  const ms = body[`${name}Ms`];
  if (text !== undefined && ms !== undefined)
    throw invalid(`${name}Ms`, `give '${name}' or '${name}Ms', not both`);
  if (text !== undefined) {
    const parsed = typeof text === 'string' ? parseDuration(text) : null;
    if (parsed === null || parsed < min || parsed > max)
      throw invalid(name, `it must be a duration such as "30s" or "5m", from ${min}ms to ${max}ms`);
    return parsed;
  }
  if (ms !== undefined) {
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < min || ms > max)
      throw invalid(`${name}Ms`, `it must be a whole number of milliseconds from ${min} to ${max}`);
    return ms;
  }
  return fallback;
}

function requiredDuration(body: JsonObject, name: string, required: boolean): number | undefined {
  const value = body[name];
  if (value === undefined) {
    if (required) throw invalid(name, 'it is required, as a duration such as "1h" or "1d"');
    return undefined;
  }
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms <= 0)
    throw invalid(name, 'it must be a duration such as "15m", "1h" or "1d"');
  return ms;
}

function job(kind: ServiceKind, body: JsonObject): ServiceConfig['job'] {
  if (kind === 'http') {
    const method = body.method ?? 'POST';
    if (method !== 'POST' && method !== 'PUT')
      throw invalid('method', 'it must be "POST" (the default) or "PUT"');
    const extra = body.body ?? {};
    if (!isJsonObject(extra)) throw invalid('body', 'it must be a JSON object');
    return { kind, url: url(body), method, headers: headers(body), body: extra };
  }
  if (kind === 'pull') {
    const specId = body.specId;
    if (typeof specId !== 'string' || !ID.test(specId))
      throw invalid('specId', 'it is required: the id of an ingest spec with an http source');
    return { kind, url: url(body), specId, headers: headers(body) };
  }
  const filter = body.filter;
  if (typeof filter !== 'string' || filter.trim() === '')
    throw invalid('filter', 'it is required: an RQL filter selecting the twins to forecast');
  try {
    parseFilter(filter);
  } catch (error) {
    throw invalid('filter', (error as Error).message);
  }
  const pointer = body.pointer;
  if (typeof pointer !== 'string' || !/^\/\S+/.test(pointer))
    throw invalid(
      'pointer',
      'it is required: a JSON pointer such as "/features/power/properties/watts"',
    );
  const forecast: ForecastJob = {
    kind,
    filter,
    pointer,
    horizonMs: requiredDuration(body, 'horizon', true) as number,
  };
  const step = requiredDuration(body, 'step', false);
  if (step !== undefined) forecast.stepMs = step;
  if (body.method !== undefined) {
    if (typeof body.method !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(body.method))
      throw invalid('method', 'it must be the name of a forecasting method, e.g. "linear"');
    forecast.method = body.method;
  }
  return forecast;
}

/**
 * Reads and checks a service body; throws `services:service.invalid` or
 * `services:schedule.invalid` (400) naming the field.
 *
 * @example parseServiceConfig({ kind: 'pull', url: 'https://example.com/weather', specId: 'weather', schedule: { every: '15m' } })
 */
export function parseServiceConfig(body: unknown): ServiceConfig {
  if (!isJsonObject(body)) throw invalid('/', 'the body must be a JSON object');
  const kind = body.kind;
  if (kind !== 'http' && kind !== 'pull' && kind !== 'forecast')
    throw invalid('kind', 'it is required: "http", "pull" or "forecast"');
  const known = new Set([...COMMON, ...FIELDS[kind]]);
  for (const key of Object.keys(body))
    if (!known.has(key))
      throw invalid(key, `unknown field; a ${kind} service has ${[...known].join(', ')}`);
  const config: ServiceConfig = {
    job: job(kind, body),
    parameters: {},
    timeoutMs: milliseconds(body, 'timeout', DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS),
    retries: DEFAULT_RETRIES,
    retryDelayMs: milliseconds(body, 'retryDelay', DEFAULT_RETRY_DELAY_MS, 1, MAX_TIMEOUT_MS),
  };
  const timezone = body.timezone;
  if (timezone !== undefined && typeof timezone !== 'string')
    throw invalid('timezone', 'it must be an IANA time zone name, e.g. "Europe/Amsterdam"');
  if (body.schedule !== undefined) {
    const schedule = parseSchedule(body.schedule, timezone);
    // A cron string of a day that never comes (30 February) has no next run.
    if (schedule.nextAfter(Date.now()) === null)
      throw errors.serviceScheduleInvalid('schedule', String(body.schedule), 'never comes');
    config.schedule = body.schedule as string | { every: string };
    if (timezone !== undefined) config.timezone = timezone;
  } else if (timezone !== undefined) {
    throw invalid('timezone', 'it applies to a cron schedule, and there is no schedule');
  }
  if (body.parameters !== undefined) {
    if (!isJsonObject(body.parameters)) throw invalid('parameters', 'it must be a JSON object');
    config.parameters = body.parameters;
  }
  if (body.retries !== undefined) {
    const retries = body.retries;
    if (
      typeof retries !== 'number' ||
      !Number.isInteger(retries) ||
      retries < 0 ||
      retries > MAX_RETRIES
    )
      throw invalid('retries', `it must be a whole number from 0 to ${MAX_RETRIES}`);
    config.retries = retries;
  }
  if (body.description !== undefined) {
    if (typeof body.description !== 'string' || body.description.length > 1024)
      throw invalid('description', 'it must be a string of at most 1024 characters');
    config.description = body.description;
  }
  return config;
}

/** A service's settings as the API shows them (header values hidden: they may hold credentials). */
export function configView(config: ServiceConfig): JsonObject {
  const { job: settings } = config;
  const view: JsonObject = { kind: settings.kind };
  if (settings.kind === 'http' || settings.kind === 'pull') {
    view.url = settings.url;
    if (settings.kind === 'pull') view.specId = settings.specId;
    else view.method = settings.method;
    const names = Object.keys(settings.headers);
    if (names.length > 0)
      view.headers = Object.fromEntries(names.map((n): [string, JsonValue] => [n, '<hidden>']));
    if (settings.kind === 'http' && Object.keys(settings.body).length > 0)
      view.body = settings.body;
  } else {
    view.filter = settings.filter;
    view.pointer = settings.pointer;
    view.horizonMs = settings.horizonMs;
    if (settings.stepMs !== undefined) view.stepMs = settings.stepMs;
    if (settings.method !== undefined) view.method = settings.method;
  }
  if (config.schedule !== undefined) view.schedule = config.schedule;
  if (config.timezone !== undefined) view.timezone = config.timezone;
  view.parameters = config.parameters;
  view.timeoutMs = config.timeoutMs;
  view.retries = config.retries;
  view.retryDelayMs = config.retryDelayMs;
  if (config.description !== undefined) view.description = config.description;
  return view;
}
