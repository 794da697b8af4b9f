// The JSON bodies of series requests, checked field by field: backfills, multi-series queries and
// retention.
import { errors } from '../core/error-registry.js';
import type { JsonValue } from '../core/json.js';
import { isJsonObject } from '../core/json.js';
import { isValidNamespacedId } from '../core/ids.js';
import { TIERS, type Retention, type SeriesValue, type TierName } from '../store/series-store.js';
import { parseDuration, type SeriesParameters } from './series-window.js';

const invalid = errors.seriesBodyInvalid;

function objectOf(body: JsonValue, what: string): Record<string, JsonValue> {
  if (!isJsonObject(body)) throw invalid('/', `the body must be a JSON object ${what}`);
  return body;
}

function refuseUnknown(body: Record<string, JsonValue>, known: readonly string[], at = ''): void {
  for (const key of Object.keys(body))
    if (!known.includes(key))
      throw invalid(`${at}/${key}`, `unknown field (known: ${known.join(', ')})`);
}

/** `{"t": [epoch ms…], "v": [values…]}`: equal lengths, at least one point. */
export function parseBackfillJson(body: JsonValue): { t: number[]; v: SeriesValue[] } {
  const object = objectOf(body, 'of the form {"t": [epoch ms…], "v": [values…]}');
  refuseUnknown(object, ['t', 'v']);
  const { t, v } = object;
  if (!Array.isArray(t) || t.length === 0)
    throw invalid('/t', 'must be a non-empty array of epoch-ms times');
  if (!Array.isArray(v) || v.length !== t.length)
    throw invalid('/v', `must be an array as long as t (${t.length} values)`);
  t.forEach((time, i) => {
    if (typeof time !== 'number' || !Number.isSafeInteger(time))
      throw invalid(`/t/${i}`, `${JSON.stringify(time)} is not an epoch-ms integer`);
  });
  v.forEach((value, i) => {
    const ok =
      (typeof value === 'number' && Number.isFinite(value)) ||
      typeof value === 'boolean' ||
      typeof value === 'string';
    if (!ok)
      throw invalid(`/v/${i}`, `${JSON.stringify(value)} is not a number, boolean or string`);
  });
  return { t: t as number[], v: v as SeriesValue[] };
}

/** How a multi-series query combines its series per bucket. */
export type Combine = 'sum' | 'avg';

export interface SeriesQueryBody {
  /** The series named one by one, or null when `filter` selects the twins. */
  series: { thingId: string; pointer: string }[] | null;
  filter: string | null;
  pointer: string | null;
  parameters: SeriesParameters;
  combine: Combine | null;
}

const PARAMETER_FIELDS = ['from', 'to', 'step', 'agg', 'fill'] as const;

/**
 * The body of `POST /timeseries/query`: `series` (a list of {thingId, pointer}) or `filter` (RQL)
 * with `pointer`, the read parameters as strings, and `combine` (`sum` or `avg`, needs a step).
 */
export function parseSeriesQuery(body: JsonValue): SeriesQueryBody {
  const object = objectOf(body, 'such as {"series": [{"thingId", "pointer"}], "step": "5m"}');
  refuseUnknown(object, ['series', 'filter', 'pointer', 'combine', ...PARAMETER_FIELDS]);
  const parameters: SeriesParameters = {};
  for (const name of PARAMETER_FIELDS) {
    const value = object[name];
    if (value === undefined) continue;
    if (typeof value === 'number' && (name === 'from' || name === 'to')) {
      parameters[name] = String(value);
      continue;
    }
    if (typeof value !== 'string') throw invalid(`/${name}`, 'must be a string');
    parameters[name] = value;
  }
  let combine: Combine | null = null;
  if (object.combine !== undefined) {
    if (object.combine !== 'sum' && object.combine !== 'avg')
      throw invalid('/combine', "must be 'sum' or 'avg'");
    if (parameters.step === undefined)
      throw invalid('/combine', 'combining series adds up buckets, so it needs a step');
    combine = object.combine;
  }
  const stringOf = (name: 'filter' | 'pointer') => {
    const value = object[name];
    if (value === undefined) return null;
    if (typeof value !== 'string' || value === '')
      throw invalid(`/${name}`, 'must be a non-empty string');
    return value.replace(/^\//, '');
  };
  const filter = stringOf('filter');
  const pointer = stringOf('pointer');
  if (object.series !== undefined) {
    if (filter !== null || pointer !== null)
      throw invalid('/series', 'give either series, or filter with pointer, not both');
    if (!Array.isArray(object.series) || object.series.length === 0)
      throw invalid('/series', 'must be a non-empty array of {"thingId", "pointer"}');
    const series = object.series.map((entry, i) => {
      const item = isJsonObject(entry) ? entry : null;
      if (item === null) throw invalid(`/series/${i}`, 'must be {"thingId", "pointer"}');
      refuseUnknown(item, ['thingId', 'pointer'], `/series/${i}`);
      if (typeof item.thingId !== 'string' || !isValidNamespacedId(item.thingId))
        throw invalid(`/series/${i}/thingId`, 'must be a thing id such as ns:name');
      if (typeof item.pointer !== 'string' || item.pointer.replace(/^\//, '') === '')
        throw invalid(`/series/${i}/pointer`, 'must be a pointer such as features/f/properties/p');
      return { thingId: item.thingId, pointer: item.pointer.replace(/^\//, '') };
    });
    return { series, filter: null, pointer: null, parameters, combine };
  }
  if (filter === null || pointer === null)
    throw invalid('/series', 'give series, or filter (RQL) with pointer');
  return { series: null, filter, pointer, parameters, combine };
}

/** A duration in the largest unit that divides it (`90s`, `7d`), for answers. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function durationOf(value: JsonValue | undefined, at: string): number | null {
  if (value === undefined || value === null) return null;
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null)
    throw invalid(
      at,
      `${JSON.stringify(value)} is not a duration such as 7d or 12h (or null: for ever)`,
    );
  return ms;
}

/** `{"raw": "7d", "tiers": {"1m": "30d", "1h": "365d"}}`; null or absent keeps for ever. */
export function parseRetention(body: JsonValue): Retention {
  const object = objectOf(body, 'such as {"raw": "7d", "tiers": {"1m": "30d", "1h": null}}');
  refuseUnknown(object, ['raw', 'tiers']);
  const tiers = { '1m': null, '1h': null } as Record<TierName, number | null>;
  if (object.tiers !== undefined) {
    if (!isJsonObject(object.tiers)) throw invalid('/tiers', 'must be an object of tier: duration');
    refuseUnknown(object.tiers, Object.keys(TIERS), '/tiers');
    for (const tier of Object.keys(TIERS) as TierName[])
      tiers[tier] = durationOf(object.tiers[tier], `/tiers/${tier}`);
  }
  return { raw: durationOf(object.raw, '/raw'), tiers };
}

/** A retention as the API shows it (durations as text). */
export function retentionView(retention: Retention): JsonValue {
  const show = (ms: number | null) => (ms === null ? null : formatDuration(ms));
  const tiers: Record<string, string | null> = {};
  for (const [tier, ms] of Object.entries(retention.tiers)) tiers[tier] = show(ms);
  return { raw: show(retention.raw), tiers };
}
