// The query parameters of a series read (`from`, `to`, `step`, `agg`, `fill`), parsed and checked.
import { errors } from '../core/error-registry.js';
import { AGGREGATIONS, type Aggregation } from '../store/series-store.js';

/** How empty buckets are answered: `none` leaves them out. */
export const FILLS = ['null', 'previous', 'linear', 'none'] as const;
export type Fill = (typeof FILLS)[number];

/** A read of a series: raw points in `[from, to]`, or whole buckets of `step` ms covering it. */
export interface SeriesWindow {
  from: number;
  to: number;
  /** Null: raw points. */
  step: number | null;
  aggregations: Aggregation[];
  fill: Fill;
}

/** What a read covers when `from` is absent: the day before `to`. */
export const DEFAULT_RANGE_MS = 24 * 3_600_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
const DURATION = /^(\d{1,12})(ms|s|m|h|d|w)$/;
const RELATIVE = /^now(?:([+-])(\d{1,12})(ms|s|m|h|d|w))?$/;
const EPOCH_MS = /^-?\d{1,16}$/;
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds of a duration such as `30s`, `5m`, `1h`, `7d`; null when it is not one (or is 0). */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (match === null) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

/** Epoch ms of an ISO-8601 time, an epoch-ms number, or `now`/`now-7d`/`now+1h`; null otherwise. */
export function parseInstant(text: string, now: number): number | null {
  const relative = RELATIVE.exec(text);
  if (relative !== null) {
    if (relative[1] === undefined) return now;
    const offset = Number(relative[2]) * UNIT_MS[relative[3]];
    return withinDates(relative[1] === '-' ? now - offset : now + offset);
  }
  if (EPOCH_MS.test(text)) return withinDates(Number(text));
  if (!ISO_8601.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** The furthest a JavaScript Date reaches from 1970, in ms either way. */
export const MAX_DATE_MS = 8.64e15;

/** `ms` when it is a whole number of ms a Date can hold, else null. */
function withinDates(ms: number): number | null {
  return Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : null;
}

/** The start of the bucket of `step` ms holding `t` (UTC multiples of step, also before 1970). */
export function bucketStart(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

/** The parameters a series read takes (others are refused by the route's schema). */
export interface SeriesParameters {
  from?: string;
  to?: string;
  step?: string;
  agg?: string;
  fill?: string;
}

/**
 * Parses a read's parameters at `now`. `agg` and `fill` need a `step` (without one the answer is
 * raw points, which neither would change). Throws `timeseries:parameter.invalid` naming the
 * parameter at fault.
 */
export function parseSeriesWindow(parameters: SeriesParameters, now: number): SeriesWindow {
  const instant = (name: 'from' | 'to', text: string) => {
    const ms = parseInstant(text, now);
    if (ms === null)
      throw errors.seriesParameterInvalid(
        name,
        `'${text}' is not a time (ISO-8601 such as 2026-12-01T10:00:00Z, epoch ms, or now-7d)`,
      );
    return ms;
  };
  const to = parameters.to === undefined ? now : instant('to', parameters.to);
  const from =
    parameters.from === undefined ? to - DEFAULT_RANGE_MS : instant('from', parameters.from);
  if (from > to)
    throw errors.seriesParameterInvalid(
      'from',
      `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`,
    );
  let step: number | null = null;
  if (parameters.step !== undefined) {
    step = parseDuration(parameters.step);
    if (step === null)
      throw errors.seriesParameterInvalid(
        'step',
        `'${parameters.step}' is not a duration such as 30s, 5m, 1h or 1d`,
      );
  }
  let aggregations: Aggregation[] = step === null ? [] : ['avg'];
  if (parameters.agg !== undefined) {
    if (step === null)
      throw errors.seriesParameterInvalid(
        'agg',
        'agg aggregates buckets, so it needs a step (e.g. step=5m); without one the answer is raw points',
      );
    aggregations = [];
    for (const name of parameters.agg.split(',')) {
      if (!(AGGREGATIONS as readonly string[]).includes(name))
        throw errors.seriesParameterInvalid(
          'agg',
          `'${name}' is not an aggregation (known: ${AGGREGATIONS.join(', ')})`,
        );
      if (!aggregations.includes(name as Aggregation)) aggregations.push(name as Aggregation);
    }
  }
  let fill: Fill = 'null';
  if (parameters.fill !== undefined) {
    if (step === null)
      throw errors.seriesParameterInvalid(
        'fill',
        'fill fills empty buckets, so it needs a step (e.g. step=5m)',
      );
    if (!(FILLS as readonly string[]).includes(parameters.fill))
      throw errors.seriesParameterInvalid(
        'fill',
        `'${parameters.fill}' is not a fill mode (known: ${FILLS.join(', ')})`,
      );
    fill = parameters.fill as Fill;
  }
  return { from, to, step, aggregations, fill };
}

/** The number of buckets of a bucketed window (whole buckets from the one holding `from` to `to`'s). */
export function bucketCount(window: SeriesWindow & { step: number }): number {
  return (
    (bucketStart(window.to, window.step) - bucketStart(window.from, window.step)) / window.step + 1
  );
}
