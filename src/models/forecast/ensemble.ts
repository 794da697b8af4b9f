// A weighted combination of fitted methods: the weighted mean of their forecasts.
import type { FittedModel } from './model.js';

/**
 * Combines `members` with the given weights (normalised; default equal). Its spread is the
 * members' weighted mean spread; the back-fit calibrates the combination's own errors, so that only
 * shapes the band.
 */
export function ensemble(
  members: FittedModel[],
  weights: number[] = members.map(() => 1),
): FittedModel {
  const total = weights.reduce((a, b) => a + b, 0);
  const w = weights.map((x) => x / total);
  return {
    method: 'ensemble',
    firstOrigin: Math.max(...members.map((m) => m.firstOrigin)),
    pathFrom(origin, horizon) {
      const out = new Float64Array(horizon);
      members.forEach((member, k) => {
        const path = member.pathFrom(origin, horizon);
        for (let i = 0; i < horizon; i++) out[i] += path[i] * w[k];
      });
      return out;
    },
    spread: (h) => members.reduce((sum, m, k) => sum + w[k] * m.spread(h), 0),
  };
}
