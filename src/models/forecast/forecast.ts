// The built-in forecaster: puts a history on a step grid, fits the chosen (or the best in-sample)
// method and returns point forecasts with prediction intervals calibrated on in-sample errors.
import { backFit } from './back-fit.js';
import { ensemble } from './ensemble.js';
import { ForecastError } from './forecast-error.js';
import { medianSpacing, toGrid } from './grid.js';
import { fitHoltWinters } from './holt-winters.js';
import { calibrateSteps, intervals } from './intervals.js';
import type { FittedModel } from './model.js';
import { fitSeasonalAr } from './seasonal-ar.js';
import { fitSeasonalNaive } from './seasonal-naive.js';

/** The methods {@link forecast} knows; `auto` is `ensemble`. */
export const FORECAST_METHODS = [
  'auto',
  'seasonal-naive',
  'seasonal-ar',
  'ar',
  'holt-winters',
  'holt',
  'ensemble',
] as const;
export type ForecastMethod = (typeof FORECAST_METHODS)[number];

/**
 * The members of `ensemble` (each only when the history is long enough for it), the default
 * method: a combination beat choosing one by in-sample error on the SURF week, and seasonal-naive
 * and Holt-Winters are left out because with a few seasons of history their seasonal state is
 * one or two noisy days.
 */
const ENSEMBLE_MEMBERS = ['seasonal-ar', 'ar', 'holt'] as const;

/** The most forecast points one call returns. */
export const MAX_OUTPUT_POINTS = 100_000;

const DAY_MS = 86_400_000;
const DEFAULT_LEVELS = [0.8, 0.95];
/** Fewest grid points for the non-seasonal method. */
const MIN_POINTS = 10;

/** A series to forecast: timestamps in ms (any order) and finite values. */
export interface ForecastHistory {
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface ForecastOptions {
  /** How far ahead, in ms: a positive multiple of the step. */
  horizonMs: number;
  /** The grid step in ms; default the median spacing of the history. */
  stepMs?: number;
  /** Default `auto`. */
  method?: ForecastMethod;
  /** Central interval levels in (0, 1); default [0.8, 0.95]. The first is `level`. */
  levels?: number[];
  /** Steps per season; default one day of steps when the step divides a day, else 1 (none). */
  seasonLength?: number;
}

/** One central prediction interval. */
export interface ForecastBand {
  level: number;
  lower: number[];
  upper: number[];
}

export interface ForecastResult {
  /** Forecast timestamps: the history's last timestamp + k·step, k = 1 … horizon/step. */
  t: number[];
  mean: number[];
  /** The interval at `level` (the first of the requested levels). */
  lower: number[];
  upper: number[];
  level: number;
  /** The method used (`auto` is reported as `ensemble`). */
  method: Exclude<ForecastMethod, 'auto'>;
  stepMs: number;
  seasonLength: number;
  /** Every requested level, in the order asked. */
  bands: ForecastBand[];
}

function fail(reason: ConstructorParameters<typeof ForecastError>[0], message: string): never {
  throw new ForecastError(reason, message);
}

function describeDuration(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms} ms`;
}

function validateHistory(history: ForecastHistory): void {
  if (!history || history.t == null || history.v == null) {
    fail('history.invalid', 'the history needs arrays t (timestamps in ms) and v (values)');
  }
  const { t, v } = history;
  if (t.length !== v.length) {
    fail('history.invalid', `the history has ${t.length} timestamps but ${v.length} values`);
  }
  for (let i = 0; i < t.length; i++) {
    if (typeof t[i] !== 'number' || !Number.isFinite(t[i])) {
      fail('history.invalid', `timestamp ${i} (${String(t[i])}) is not a finite number of ms`);
    }
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) {
      fail(
        'history.invalid',
        `value ${i} (${String(v[i])}) at t=${t[i]} is not a finite number: drop or fill it first`,
      );
    }
  }
  if (t.length < 2) {
    fail(
      'history.tooShort',
      `the history has ${t.length} point(s); at least ${MIN_POINTS} are needed`,
    );
  }
}

function validateLevels(levels: unknown): number[] {
  if (levels === undefined) return DEFAULT_LEVELS;
  if (!Array.isArray(levels) || levels.length === 0) {
    fail(
      'options.invalid',
      'levels must be a non-empty array of numbers in (0, 1), e.g. [0.8, 0.95]',
    );
  }
  for (const level of levels) {
    if (typeof level !== 'number' || !(level > 0 && level < 1)) {
      fail('options.invalid', `level ${String(level)} is not in (0, 1); write 0.95 for 95 %`);
    }
  }
  return levels as number[];
}

/** How much history a method needs, in grid points. */
function needed(method: Exclude<ForecastMethod, 'auto'>, season: number): number {
  if (method === 'seasonal-naive' || method === 'seasonal-ar') return Math.max(season, MIN_POINTS);
  if (method === 'holt-winters') return Math.max(2 * season + 1, MIN_POINTS);
  if (method === 'ensemble') return needed('holt', season);
  return MIN_POINTS;
}

function fitMethod(
  y: Float64Array,
  method: Exclude<ForecastMethod, 'auto'>,
  season: number,
  steps: number,
): FittedModel {
  if (method === 'seasonal-naive') return fitSeasonalNaive(y, season);
  if (method === 'seasonal-ar') return fitSeasonalAr(y, season);
  if (method === 'ar') return fitSeasonalAr(y, 1);
  if (method === 'ensemble') {
    const members = ENSEMBLE_MEMBERS.filter((m) => y.length >= needed(m, season)).map((m) =>
      fitMethod(y, m, season, steps),
    );
    // Bates–Granger: weights inversely proportional to each member's in-sample MSE over the
    // horizon, on the same origins (equal when there is nothing to compare yet).
    const from = Math.max(...members.map((m) => m.firstOrigin));
    const mse = members.map((m) => backFit(y, m, steps, from).mse);
    const usable = mse.every((e) => Number.isFinite(e));
    const floor = Math.max(1e-12, ...mse.filter(Number.isFinite)) * 1e-9;
    return ensemble(members, usable ? mse.map((e) => 1 / Math.max(e, floor)) : undefined);
  }
  return fitHoltWinters(y, method === 'holt' ? 1 : season);
}

/**
 * Forecasts `history` for `options.horizonMs` with prediction intervals.
 *
 * The history is put on a regular grid ending at its last timestamp (the mean of the samples within
 * half a step of each grid point; empty grid points filled linearly). Intervals come from the
 * empirical quantiles of the method's own errors at each horizon step in a rolling back-fit over
 * the history (recent errors weighing more, smoothed across neighbouring steps; see
 * `intervals.ts`), so they widen as the in-sample errors do. `auto` (= `ensemble`) averages the daily profile + AR(1)
 * (when a season is there), AR(1) around the mean and damped Holt, weighted by the inverse of each
 * one's in-sample MSE over the requested horizon.
 *
 * @example
 * forecast({ t, v }, { horizonMs: 3_600_000 }) // 1 h ahead of 5-minute data: 12 points
 * @throws ForecastError on bad input (nothing is computed)
 */
export function forecast(history: ForecastHistory, options: ForecastOptions): ForecastResult {
  validateHistory(history);
  if (!options || typeof options !== 'object') fail('options.invalid', 'options must be an object');
  const method = options.method ?? 'auto';
  if (!FORECAST_METHODS.includes(method)) {
    fail(
      'options.invalid',
      `unknown method '${String(method)}'; choose from ${FORECAST_METHODS.join(', ')}`,
    );
  }
  const levels = validateLevels(options.levels);
  const sorted = Float64Array.from(history.t).sort();
  const stepMs = options.stepMs ?? medianSpacing(sorted);
  if (
    options.stepMs !== undefined &&
    !(typeof stepMs === 'number' && Number.isFinite(stepMs) && stepMs > 0)
  ) {
    fail('options.invalid', `stepMs ${String(options.stepMs)} is not a positive number of ms`);
  }
  if (!Number.isFinite(stepMs)) {
    fail('history.tooShort', 'all timestamps of the history are equal: no step can be inferred');
  }
  const { horizonMs } = options;
  if (typeof horizonMs !== 'number' || !Number.isFinite(horizonMs) || horizonMs <= 0) {
    fail('horizon.invalid', `horizonMs ${String(horizonMs)} is not a positive number of ms`);
  }
  const steps = Math.round(horizonMs / stepMs);
  if (steps < 1 || Math.abs(steps * stepMs - horizonMs) > 1e-6 * stepMs) {
    fail(
      'horizon.invalid',
      `horizonMs ${horizonMs} is not a positive multiple of the step (${stepMs} ms); ` +
        `try ${Math.max(1, steps) * stepMs}`,
    );
  }
  if (steps > MAX_OUTPUT_POINTS) {
    fail(
      'horizon.tooLong',
      `the horizon is ${steps.toLocaleString('en-US')} steps of ${stepMs} ms; at most ` +
        `${MAX_OUTPUT_POINTS.toLocaleString('en-US')} points are returned: shorten the horizon or enlarge stepMs`,
    );
  }
  const daySteps = DAY_MS / stepMs;
  const season =
    options.seasonLength ?? (Number.isInteger(daySteps) && daySteps >= 2 ? daySteps : 1);
  if (!Number.isInteger(season) || season < 1) {
    fail(
      'options.invalid',
      `seasonLength ${String(season)} is not a positive whole number of steps`,
    );
  }

  const grid = toGrid(history.t, history.v, stepMs);
  const y = grid.v;
  const tooShort = (what: string, points: number): never =>
    fail(
      'history.tooShort',
      `${what} needs at least ${points} points on the ${describeDuration(stepMs)} grid ` +
        `(${describeDuration(points * stepMs)} of history); the history covers ${y.length} points`,
    );

  const chosen = method === 'auto' ? 'ensemble' : method;
  if (y.length < needed(chosen, season)) tooShort(chosen, needed(chosen, season));
  const model = fitMethod(y, chosen, season, steps);
  const fit = backFit(y, model, steps);

  const mean = model.pathFrom(y.length - 1, steps);
  const calibration = calibrateSteps(fit);
  const bands = levels.map((level) => {
    const band = intervals(mean, model, fit, level, calibration);
    return { level, lower: Array.from(band.lower), upper: Array.from(band.upper) };
  });
  return {
    t: Array.from({ length: steps }, (_, k) => grid.end + (k + 1) * stepMs),
    mean: Array.from(mean),
    lower: bands[0].lower,
    upper: bands[0].upper,
    level: bands[0].level,
    method: model.method as Exclude<ForecastMethod, 'auto'>,
    stepMs,
    seasonLength: season,
    bands,
  };
}
