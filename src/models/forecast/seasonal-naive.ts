// Seasonal-naive: every step repeats the value one season earlier (the baseline to beat).
import { samePhaseIndex, type FittedModel } from './model.js';

/** Fits seasonal-naive with the given season length (1 is plain naive: the last value). */
export function fitSeasonalNaive(y: Float64Array, season: number): FittedModel {
  return {
    method: 'seasonal-naive',
    firstOrigin: season - 1,
    pathFrom(origin, horizon) {
      const out = new Float64Array(horizon);
      for (let h = 1; h <= horizon; h++) out[h - 1] = y[samePhaseIndex(origin, h, season)];
      return out;
    },
    // A season-ahead random walk: the error variance grows with the number of seasons ahead.
    spread: (h) => Math.sqrt(Math.ceil(h / season)),
  };
}
