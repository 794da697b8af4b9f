// What every forecasting method provides once fitted: point forecasts from the end and from any
// in-sample origin (for the back-fit that calibrates the intervals), and the shape of its spread.

/** A method fitted to a history `y` on a regular grid. */
export interface FittedModel {
  /** The method's name as the result reports it. */
  readonly method: string;
  /** The first in-sample origin whose forecasts are meaningful (the state has seen a season). */
  readonly firstOrigin: number;
  /** The forecasts for `y[origin + 1 … origin + horizon]` made after seeing `y[0..origin]`. */
  pathFrom(origin: number, horizon: number): Float64Array;
  /** The standard deviation of the h-step error relative to the one-step one (1 at h = 1). */
  spread(h: number): number;
}

/** The index of the last observation of the same phase as `origin + h`, seen by `origin`. */
export function samePhaseIndex(origin: number, h: number, season: number): number {
  return origin + h - season * Math.ceil(h / season);
}
