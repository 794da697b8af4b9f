// An equal-weight combination of fitted methods: the mean of their forecasts.
import type { FittedModel } from './model.js';

/**
 * Combines `members` with equal weights. Its spread is the members' mean spread; the back-fit
 * calibrates the combination's own errors, so that only shapes the band.
 */
export function ensemble(members: FittedModel[]): FittedModel {
  return {
    method: 'ensemble',
    firstOrigin: Math.max(...members.map((m) => m.firstOrigin)),
    pathFrom(origin, horizon) {
      const out = new Float64Array(horizon);
      for (const member of members) {
        const path = member.pathFrom(origin, horizon);
        for (let i = 0; i < horizon; i++) out[i] += path[i] / members.length;
      }
      return out;
    },
    spread: (h) => members.reduce((sum, m) => sum + m.spread(h), 0) / members.length,
  };
}
