// The actual series of runs' compares and forecasts, read from the SeriesStore's raw points.
import { errors } from '../core/error-registry.js';
import type { SeriesStore } from '../store/series-store.js';
import type { ActualSource } from './model-service.js';

/** Most actual points one compare or forecast reads per series. */
export const MAX_ACTUAL_POINTS = 200_000;

/**
 * An {@link ActualSource} over a SeriesStore: raw points with `from <= t <= to`; booleans count as
 * 1 and 0, strings are left out. More than `limit` points is refused with a 400.
 */
export function seriesActual(
  store: Pick<SeriesStore, 'raw'>,
  limit: number = MAX_ACTUAL_POINTS,
): ActualSource {
  return async (thingId, pointer, from, to) => {
    // raw() is half-open, [from, to): one ms more takes the point at `to`.
    const raw = await store.raw({ thingId, pointer, from, to: to + 1, limit: limit + 1 });
    if (raw.t.length > limit) throw errors.compareTooLarge(thingId, pointer, limit);
    const t: number[] = [];
    const v: number[] = [];
    raw.t.forEach((time, i) => {
      const value = raw.v[i];
      if (typeof value === 'number') v.push(value);
      else if (typeof value === 'boolean') v.push(value ? 1 : 0);
      else return;
      t.push(time);
    });
    return { t, v };
  };
}
