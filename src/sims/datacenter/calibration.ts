// Online calibration of the hosts' power models from measured power, fitted only on the past: the
// models used for a window are chosen from measurements taken before that window starts.
//
// The schedule does not depend on the power model, so calibration never simulates again: each
// export interval's utilisation mass (how many host-seconds were spent at each utilisation) gives
// that interval's energy under any candidate model exactly. A candidate is the topology's model
// with its shape parameter moved over a grid (asymptotic: `asymUtil`; mse: `calibrationFactor`)
// and its idle and maximum power scaled by the one factor that makes the candidate's energy equal
// the measured energy over the look-back; the candidate with the lowest error over the look-back
// wins (OpenDT's calibrator does a grid search over one parameter on a 60-minute window).
import type { PowerModel, UtilisationMass } from './model.js';
import { powerAt } from './power-models.js';

/** A power-model parameter a grid search may move. */
export type CalibratedParameter =
  'idlePower' | 'maxPower' | 'calibrationFactor' | 'asymUtil' | 'power';

/** OpenDT's calibration: one parameter over `points` evenly spaced values in `[min, max]`. */
export interface CalibrationGrid {
  readonly parameter: CalibratedParameter;
  readonly min: number;
  readonly max: number;
  readonly points: number;
}

export interface CalibrationOptions {
  /** How far back measurements are used, ms (default one hour, as OpenDT's `mape_window_minutes`). */
  readonly lookbackMs?: number;
  /** Grid points of the shape parameter (default 9). */
  readonly gridPoints?: number;
  /**
   * Search this grid instead, and nothing else (no scaling): OpenDT's calibrator. Every group's
   * model must have the parameter.
   */
  readonly grid?: CalibrationGrid;
}

/** Mean measured power per export interval (NaN where nothing was measured). */
export type MeasuredMeans = Float64Array;

const DEFAULT_LOOKBACK_MS = 3_600_000;

/**
 * The shape parameter's grid for a model: the values tried, the model's own value among them.
 * Models without a shape parameter have a grid of one.
 */
export function shapeGrid(model: PowerModel, points = 9): PowerModel[] {
  if (model.kind === 'asymptotic') {
    return spread(0.05, 0.95, points, model.asymUtil).map((asymUtil) => ({ ...model, asymUtil }));
  }
  if (model.kind === 'mse') {
    return spread(1, 10, points, model.calibrationFactor).map((calibrationFactor) => ({
      ...model,
      calibrationFactor,
    }));
  }
  return [model];
}

function spread(low: number, high: number, points: number, own: number): number[] {
  const values = new Set<number>([own]);
  for (let i = 0; i < points; i++) values.add(low + ((high - low) * i) / Math.max(1, points - 1));
  return [...values].sort((a, b) => a - b);
}

/** The model with its idle and maximum (or constant) power multiplied by `factor`. */
export function scaled(model: PowerModel, factor: number): PowerModel {
  if (model.kind === 'constant') return { ...model, power: model.power * factor };
  return { ...model, idlePower: model.idlePower * factor, maxPower: model.maxPower * factor };
}

/** Energy (J) of one group in export interval `k` under `model`. */
export function intervalEnergy(mass: UtilisationMass, k: number, model: PowerModel): number {
  let joules = 0;
  for (let i = mass.offsets[k]!; i < mass.offsets[k + 1]!; i++) {
    joules += powerAt(model, mass.utilisation[i]!) * mass.hostSeconds[i]!;
  }
  return joules;
}

/** Mean power (W) of all groups in export interval `k` under one model per group. */
export function intervalPower(
  masses: readonly UtilisationMass[],
  models: readonly PowerModel[],
  k: number,
  intervalSeconds: number,
): number {
  let joules = 0;
  for (const mass of masses) joules += intervalEnergy(mass, k, models[mass.group]!);
  return joules / intervalSeconds;
}

export interface Calibrated {
  readonly models: readonly PowerModel[];
  /** The factor applied to idle and maximum power. */
  readonly scale: number;
  /** MAPE (%) of the chosen candidate over the look-back, null when nothing was measured there. */
  readonly lookbackMape: number | null;
}

/**
 * Chooses, window by window, the models that best explain the measurements before the window.
 * Candidate energies per interval are computed once and reused by every look-back that covers
 * them, so a week of 5-minute windows costs one pass over the masses per candidate.
 */
export class Calibrator {
  private readonly candidates: PowerModel[][];
  private readonly energies: Float64Array[];
  private readonly lookback: number;
  private readonly seconds: number;
  private readonly scales: boolean;

  constructor(
    private readonly masses: readonly UtilisationMass[],
    private readonly models: readonly PowerModel[],
    private readonly measured: MeasuredMeans,
    intervalMs: number,
    options: CalibrationOptions = {},
  ) {
    this.candidates = options.grid
      ? gridCandidates(models, options.grid)
      : candidates(models, options.gridPoints);
    this.scales = options.grid === undefined;
    const intervals = masses[0] ? masses[0].offsets.length - 1 : 0;
    this.energies = this.candidates.map(() => new Float64Array(intervals).fill(Number.NaN));
    this.lookback = Math.max(
      1,
      Math.round((options.lookbackMs ?? DEFAULT_LOOKBACK_MS) / intervalMs),
    );
    this.seconds = intervalMs / 1000;
  }

  /**
   * The models for the window whose first export interval is `firstInterval`, fitted on the
   * intervals before it (never on it or after it). Without measurements in the look-back the
   * topology's own models are kept.
   */
  before(firstInterval: number): Calibrated {
    const seen: number[] = [];
    for (let k = Math.max(0, firstInterval - this.lookback); k < firstInterval; k++) {
      if (Number.isFinite(this.measured[k]) && this.measured[k]! > 0) seen.push(k);
    }
    if (seen.length === 0) return { models: this.models, scale: 1, lookbackMape: null };
    let measuredSum = 0;
    for (const k of seen) measuredSum += this.measured[k]!;

    let best: Calibrated = { models: this.models, scale: 1, lookbackMape: Infinity };
    this.candidates.forEach((candidate, c) => {
      let predictedSum = 0;
      for (const k of seen) predictedSum += this.power(c, k);
      const scale = this.scales && predictedSum > 0 ? measuredSum / predictedSum : 1;
      let error = 0;
      for (const k of seen) {
        error += Math.abs(this.power(c, k) * scale - this.measured[k]!) / this.measured[k]!;
      }
      const mape = (100 * error) / seen.length;
      if (mape < best.lookbackMape!) {
        best = {
          models: candidate.map((model) => scaled(model, scale)),
          scale,
          lookbackMape: mape,
        };
      }
    });
    return best;
  }

  /** Mean power of candidate `c` in interval `k`, before scaling. */
  private power(c: number, k: number): number {
    const energies = this.energies[c]!;
    if (Number.isNaN(energies[k])) {
      energies[k] = intervalPower(this.masses, this.candidates[c]!, k, this.seconds);
    }
    return energies[k]!;
  }
}

/** Every combination to try: one grid value shared by all groups of the same model kind. */
function candidates(models: readonly PowerModel[], points?: number): PowerModel[][] {
  const shaped = models.findIndex((m) => m.kind === 'asymptotic' || m.kind === 'mse');
  if (shaped < 0) return [models.slice()];
  const kind = models[shaped]!.kind;
  return shapeGrid(models[shaped]!, points).map((gridModel) =>
    models.map((model) => (model.kind === kind ? withShapeOf(model, gridModel) : model)),
  );
}

function withShapeOf(model: PowerModel, grid: PowerModel): PowerModel {
  if (model.kind === 'asymptotic' && grid.kind === 'asymptotic') {
    return { ...model, asymUtil: grid.asymUtil };
  }
  if (model.kind === 'mse' && grid.kind === 'mse') {
    return { ...model, calibrationFactor: grid.calibrationFactor };
  }
  return model;
}

/** The models with `grid.parameter` set to each grid value in turn. */
function gridCandidates(models: readonly PowerModel[], grid: CalibrationGrid): PowerModel[][] {
  for (const model of models) {
    if (!(grid.parameter in model)) {
      throw new RangeError(`the ${model.kind} power model has no ${grid.parameter} to calibrate`);
    }
  }
  if (!(grid.points >= 1) || !(grid.max >= grid.min)) {
    throw new RangeError(`the calibration grid needs points ≥ 1 and max ≥ min`);
  }
  return Array.from({ length: grid.points }, (_, i) => {
    const value =
      grid.points === 1 ? grid.min : grid.min + ((grid.max - grid.min) * i) / (grid.points - 1);
    return models.map((model) => ({ ...model, [grid.parameter]: value }) as PowerModel);
  });
}
