// The actual series of compares and forecasts read from a real (SQLite) series store.
import { afterEach, describe, expect, it } from 'vitest';
import { TwinfoldError } from '../core/errors.js';
import { SqliteSeriesStore } from '../store/sqlite/sqlite-series-store.js';
import { seriesActual } from './series-actual.js';

describe('series actual', () => {
  let store: SqliteSeriesStore;
  afterEach(async () => {
    await store?.close();
  });

  it('reads raw points with from <= t <= to, booleans as 1 and 0', async () => {
    store = new SqliteSeriesStore(':memory:');
    const point = (t: number, value: number | boolean) => ({
      thingId: 'a:b',
      pointer: 'attributes/x',
      t,
      value,
    });
    await store.append([point(5, 1), point(10, 2), point(20, 3), point(30, 4), point(31, 5)]);
    await store.append([{ thingId: 'a:b', pointer: 'attributes/on', t: 10, value: true }]);
    await store.append([{ thingId: 'a:b', pointer: 'attributes/on', t: 20, value: false }]);
    const actual = seriesActual(store);
    expect(await actual('a:b', 'attributes/x', 10, 30)).toEqual({ t: [10, 20, 30], v: [2, 3, 4] });
    expect(await actual('a:b', 'attributes/on', 0, 100)).toEqual({ t: [10, 20], v: [1, 0] });
    expect(await actual('a:b', 'attributes/none', 0, 100)).toEqual({ t: [], v: [] });
  });

  it('refuses more points than its limit with a 400', async () => {
    store = new SqliteSeriesStore(':memory:');
    await store.append(
      [1, 2, 3].map((t) => ({ thingId: 'a:b', pointer: 'attributes/x', t, value: t })),
    );
    expect(await seriesActual(store, 3)('a:b', 'attributes/x', 0, 10)).toEqual({
      t: [1, 2, 3],
      v: [1, 2, 3],
    });
    const refused = await seriesActual(store, 2)('a:b', 'attributes/x', 0, 10).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TwinfoldError);
    expect(refused).toMatchObject({ status: 400, code: 'models:compare.tooLarge' });
  });
});
