// Exponential smoothing with additive damped trend and (optionally) additive seasonality, in
// error-correction form (ETS(A,Ad,A) / ETS(A,Ad,N)), its parameters fit by minimising one-step SSE.
import { samePhaseIndex, type FittedModel } from './model.js';
import { nelderMead } from './nelder-mead.js';

/** Smoothing parameters: level, trend (< alpha), season (< 1 - alpha) and damping. */
export interface SmoothingParameters {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
const PHI_MIN = 0.8;
const PHI_RANGE = 0.2;

function toParameters(x: number[], seasonal: boolean): SmoothingParameters {
  const alpha = 0.001 + 0.998 * sigmoid(x[0]);
  return {
    alpha,
    beta: alpha * 0.999 * sigmoid(x[1]),
    gamma: seasonal ? (1 - alpha) * 0.999 * sigmoid(x[2]) : 0,
    phi: PHI_MIN + PHI_RANGE * sigmoid(x[3]),
  };
}

interface InitialState {
  level: number;
  trend: number;
  season: Float64Array;
}

function mean(y: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += y[i];
  return sum / (to - from);
}

/** The classical start: level and trend from the first two seasons, season from their shape. */
function initialState(y: Float64Array, season: number): InitialState {
  if (season === 1) {
    const k = Math.min(10, y.length >> 1);
    const trend = k > 0 ? (mean(y, k, 2 * k) - mean(y, 0, k)) / k : 0;
    return { level: y[0] - trend, trend, season: new Float64Array(1) };
  }
  const first = mean(y, 0, season);
  const second = mean(y, season, 2 * season);
  const trend = (second - first) / season;
  const shape = new Float64Array(season);
  for (let p = 0; p < season; p++) {
    shape[p] = (y[p] - first + (y[p + season] - second)) / 2;
  }
  const offset = mean(shape, 0, season);
  for (let p = 0; p < season; p++) shape[p] -= offset;
  // The level just before y[0]: the first season's mean sits at its middle.
  return { level: first - trend * ((season + 1) / 2), trend, season: shape };
}

/** Runs the filter; with `states`, records level, trend and updated season after each step. */
function filter(
  y: Float64Array,
  seasonLength: number,
  p: SmoothingParameters,
  init: InitialState,
  states?: { level: Float64Array; trend: Float64Array; season: Float64Array },
): number {
  const s = init.season.slice();
  let level = init.level;
  let trend = init.trend;
  let sse = 0;
  const { alpha, beta, gamma, phi } = p;
  for (let t = 0; t < y.length; t++) {
    const phase = t % seasonLength;
    const e = y[t] - (level + phi * trend + s[phase]);
    sse += e * e;
    level = level + phi * trend + alpha * e;
    trend = phi * trend + beta * e;
    s[phase] += gamma * e;
    if (states) {
      states.level[t] = level;
      states.trend[t] = trend;
      states.season[t] = s[phase];
    }
  }
  return sse;
}

/** The damped trend multiplier φ + φ² + … + φ^h. */
function dampedSum(phi: number, h: number): number {
  return phi === 1 ? h : (phi * (1 - phi ** h)) / (1 - phi);
}

/**
 * Fits ETS(A,Ad,A) when `season` > 1, ETS(A,Ad,N) when it is 1. Needs two seasons (or 4 points
 * without a season). `parameters` skips the fit (tests use it).
 */
export function fitHoltWinters(
  y: Float64Array,
  season: number,
  parameters?: SmoothingParameters,
): FittedModel & { parameters: SmoothingParameters } {
  const n = y.length;
  const seasonal = season > 1;
  const init = initialState(y, season);
  let chosen = parameters;
  if (!chosen) {
    const objective = (x: number[]) => {
      const sse = filter(y, season, toParameters(x, seasonal), init);
      return Number.isFinite(sse) ? sse : Number.MAX_VALUE;
    };
    const start = [logit(0.5), logit(0.1), logit(0.1), logit((0.95 - PHI_MIN) / PHI_RANGE)];
    chosen = toParameters(nelderMead(objective, start, { maxEvaluations: 300 }).x, seasonal);
  }
  const p = chosen;
  const states = {
    level: new Float64Array(n),
    trend: new Float64Array(n),
    season: new Float64Array(n),
  };
  filter(y, season, p, init, states);
  const seasonAt = (origin: number, h: number) => {
    if (!seasonal) return 0;
    const j = samePhaseIndex(origin, h, season);
    return j >= 0 ? states.season[j] : init.season[(j + season * Math.ceil(-j / season)) % season];
  };
  const pathFrom = (origin: number, horizon: number) => {
    const out = new Float64Array(horizon);
    let damped = 0;
    let power = 1;
    for (let h = 1; h <= horizon; h++) {
      power *= p.phi;
      damped += power;
      out[h - 1] = states.level[origin] + damped * states.trend[origin] + seasonAt(origin, h);
    }
    return out;
  };
  // Error variance of ETS(A,Ad,A) at h relative to h = 1 (Hyndman et al. 2008, class 1).
  const cumulative = [1];
  const spread = (h: number) => {
    for (let j = cumulative.length; j < h; j++) {
      const c =
        p.alpha + p.beta * dampedSum(p.phi, j) + (seasonal && j % season === 0 ? p.gamma : 0);
      cumulative.push(cumulative[j - 1] + c * c);
    }
    return Math.sqrt(cumulative[h - 1]);
  };
  return {
    method: seasonal ? 'holt-winters' : 'holt',
    firstOrigin: seasonal ? season : Math.min(n - 1, 3),
    parameters: p,
    pathFrom,
    spread,
  };
}
