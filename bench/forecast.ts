// Benchmark `forecast`: an honest rolling-origin back-test of the built-in forecaster on the SURF
// cluster's measured power (5-minute means), 1 h and 24 h ahead, against seasonal-naive, augurs'
// MSTL+ETS and the `arima` package's AutoARIMA (both WASM): MAPE, MASE and interval coverage.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { sharedRootsFor } from '../scripts/workspace.js';
import { normalQuantile } from '../src/models/forecast/back-fit.js';
import { forecast, type ForecastMethod } from '../src/models/forecast/index.js';
import { fmt, meets, note, printTable } from './harness/report.js';

const STEP_MS = 300_000;
const SEASON = 288;
const WARM_UP_STEPS = 3 * SEASON;
const HORIZONS = [
  { name: '1 h', steps: 12 },
  { name: '24 h', steps: 288 },
];
const ORIGIN_EVERY = [
  { name: 'every 6 h', steps: 72 },
  { name: 'every 1 h', steps: 12 },
];
const LEVELS = [0.8, 0.95];
const OURS: ForecastMethod[] = [
  'seasonal-naive',
  'holt',
  'holt-winters',
  'ar',
  'seasonal-ar',
  'auto',
];

/** The forecast one method makes from one origin. */
interface Prediction {
  mean: ArrayLike<number>;
  bands: { level: number; lower: ArrayLike<number>; upper: ArrayLike<number> }[];
  method: string;
}
type Predictor = (t: number[], v: number[], steps: number) => Prediction;

/** Where SURF's consumption.parquet is: TWINFOLD_SURF_DIR, or shared/data/surf/ beside the repo. */
function surfFile(): string | null {
  const configured = process.env.TWINFOLD_SURF_DIR;
  const roots = configured ? [] : sharedRootsFor(dirname(dirname(fileURLToPath(import.meta.url))));
  const candidates = configured
    ? [join(configured, 'consumption.parquet')]
    : roots.map((dir) => join(dir, 'shared', 'data', 'surf', 'consumption.parquet'));
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** The measured power as 5-minute means (timestamps are ms since the first task's submission). */
async function surfPower(file: string): Promise<{ t: number[]; v: number[] }> {
  const rows = (await parquetReadObjects({
    file: await asyncBufferFromFile(file),
    columns: ['timestamp', 'power_draw'],
  })) as { timestamp: bigint | number; power_draw: number }[];
  const sum = new Map<number, [number, number]>();
  for (const row of rows) {
    const bucket = Math.floor(Number(row.timestamp) / STEP_MS);
    const entry = sum.get(bucket) ?? [0, 0];
    entry[0] += row.power_draw;
    entry[1] += 1;
    sum.set(bucket, entry);
  }
  const buckets = [...sum.keys()].sort((a, b) => a - b);
  return {
    t: buckets.map((b) => b * STEP_MS),
    v: buckets.map(
      (b) => (sum.get(b) as [number, number])[0] / (sum.get(b) as [number, number])[1],
    ),
  };
}

function ours(method: ForecastMethod): Predictor {
  return (t, v, steps) => {
    const result = forecast({ t, v }, { horizonMs: steps * STEP_MS, method, levels: LEVELS });
    return { mean: result.mean, bands: result.bands, method: result.method };
  };
}

interface AugursMstl {
  fit(y: Float64Array): void;
  predict(
    horizon: number,
    level: number,
  ): {
    point: number[];
    intervals?: { lower: number[]; upper: number[] };
  };
  free(): void;
}

/** augurs' MSTL (daily season) with AutoETS on the remainder, its own intervals; null if absent. */
async function augursPredictor(): Promise<Predictor | null> {
  try {
    const require = createRequire(import.meta.url);
    const wasm = join(dirname(require.resolve('@bsull/augurs/mstl')), 'mstl_bg.wasm');
    const mstl = (await import('@bsull/augurs/mstl')) as unknown as {
      initSync(input: { module: Buffer }): unknown;
      MSTL: { ets(periods: number[]): AugursMstl };
    };
    mstl.initSync({ module: readFileSync(wasm) });
    return (_t, v, steps) => {
      const model = mstl.MSTL.ets([SEASON]);
      try {
        model.fit(Float64Array.from(v));
        const bands = LEVELS.map((level) => {
          const p = model.predict(steps, level);
          return { level, lower: p.intervals?.lower ?? [], upper: p.intervals?.upper ?? [] };
        });
        return { mean: model.predict(steps, LEVELS[0]).point, bands, method: 'mstl-ets' };
      } finally {
        model.free();
      }
    };
  } catch (error) {
    note(`augurs MSTL not available (${(error as Error).message}); left out`);
    return null;
  }
}

interface ArimaModel {
  train(ts: number[]): ArimaModel;
  predict(length: number): [number[], number[]];
  destroy?(): void;
}

/**
 * The `arima` package's AutoARIMA (WASM), non-seasonal (a season of 288 makes its search far too
 * slow), intervals mean ± z·√(its h-step mean square error); null if absent.
 */
function arimaPredictor(): Predictor | null {
  try {
    const require = createRequire(import.meta.url);
    const ARIMA = require('arima') as new (options: object) => ArimaModel;
    return (_t, v, steps) => {
      const model = new ARIMA({ auto: true, verbose: false }).train(v);
      try {
        const [mean, mse] = model.predict(steps);
        const bands = LEVELS.map((level) => {
          const z = normalQuantile((1 + level) / 2);
          return {
            level,
            lower: mean.map((m, i) => m - z * Math.sqrt(mse[i])),
            upper: mean.map((m, i) => m + z * Math.sqrt(mse[i])),
          };
        });
        return { mean, bands, method: 'auto-arima' };
      } finally {
        model.destroy?.();
      }
    };
  } catch (error) {
    note(`arima not available (${(error as Error).message}); left out`);
    return null;
  }
}

interface Score {
  mape: number;
  mase: number;
  coverage: number[];
  origins: number;
  ms: number;
  chosen: Map<string, number>;
}

/**
 * Back-tests `predict` from origins o = WARM_UP_STEPS - 1, o + every, … (history y[0..o], only
 * that) while y[o + steps] exists. MASE: each origin's MAE over the horizon divided by the
 * in-sample MAE of the one-step seasonal-naive forecast (season 288 = 1 day) on y[0..o]
 * (Hyndman & Koehler 2006), then averaged over origins.
 */
function backTest(
  t: number[],
  v: number[],
  predict: Predictor,
  steps: number,
  every: number,
): Score {
  let apeSum = 0;
  let points = 0;
  let maseSum = 0;
  let origins = 0;
  let elapsed = 0;
  const covered = LEVELS.map(() => 0);
  const chosen = new Map<string, number>();
  for (let o = WARM_UP_STEPS - 1; o + steps < v.length; o += every) {
    const t0 = performance.now();
    const p = predict(t.slice(0, o + 1), v.slice(0, o + 1), steps);
    elapsed += performance.now() - t0;
    chosen.set(p.method, (chosen.get(p.method) ?? 0) + 1);
    let scale = 0;
    for (let i = SEASON; i <= o; i++) scale += Math.abs(v[i] - v[i - SEASON]);
    scale /= o + 1 - SEASON;
    let absSum = 0;
    for (let h = 1; h <= steps; h++) {
      const actual = v[o + h];
      const e = actual - p.mean[h - 1];
      absSum += Math.abs(e);
      apeSum += Math.abs(e / actual);
      p.bands.forEach((band, k) => {
        if (actual >= band.lower[h - 1] && actual <= band.upper[h - 1]) covered[k]++;
      });
      points++;
    }
    maseSum += absSum / steps / scale;
    origins++;
  }
  return {
    mape: (100 * apeSum) / points,
    mase: maseSum / origins,
    coverage: covered.map((c) => (100 * c) / points),
    origins,
    ms: elapsed / origins,
    chosen,
  };
}

export async function forecastBenchmark(): Promise<void> {
  const file = surfFile();
  if (!file) {
    note(
      'SURF consumption.parquet not found (shared/data/surf/ beside the repo, or TWINFOLD_SURF_DIR); skipped',
    );
    return;
  }
  const { t, v } = await surfPower(file);
  note(
    `SURF measured power: ${v.length} 5-minute means (${fmt(v.length / SEASON, 1)} days), ` +
      `warm-up ${WARM_UP_STEPS / SEASON} days; MASE scaled by the in-sample one-step seasonal-naive ` +
      `MAE with season ${SEASON} (1 day)`,
  );
  const predictors: { name: string; predict: Predictor }[] = OURS.map((m) => ({
    name:
      m === 'auto'
        ? 'twinfold auto (ensemble)'
        : m === 'seasonal-naive'
          ? 'seasonal-naive (baseline)'
          : `twinfold ${m}`,
    predict: ours(m),
  }));
  const augurs = await augursPredictor();
  if (augurs) predictors.push({ name: 'augurs MSTL+AutoETS', predict: augurs });
  const arima = arimaPredictor();
  if (arima) predictors.push({ name: 'arima AutoARIMA', predict: arima });

  for (const every of ORIGIN_EVERY) {
    const rows: string[][] = [];
    const verdicts: string[] = [];
    for (const horizon of HORIZONS) {
      const scores = predictors.map((p) => ({
        ...p,
        score: backTest(t, v, p.predict, horizon.steps, every.steps),
      }));
      const baseline = scores[0].score.mase;
      for (const { name, score } of scores) {
        const chosen = [...score.chosen].map(([m, c]) => `${m} ${c}`).join(', ');
        rows.push([
          name,
          horizon.name,
          fmt(score.origins),
          fmt(score.mape, 2),
          fmt(score.mase, 3),
          `${fmt(score.coverage[0], 1)} %`,
          `${fmt(score.coverage[1], 1)} %`,
          `${fmt(score.ms, 1)} ms`,
          name.startsWith('twinfold auto') ? chosen : '',
        ]);
      }
      const auto = scores.find((s) => s.name.startsWith('twinfold auto'))?.score as Score;
      const ok =
        auto.mase < baseline &&
        Math.abs(auto.coverage[0] - 80) <= 5 &&
        auto.coverage[1] >= 90 &&
        auto.coverage[1] <= 100;
      verdicts.push(`${horizon.name}: ${meets(ok)}`);
    }
    printTable(
      `forecast back-test on SURF power, origins ${every.name}`,
      [
        'method',
        'horizon',
        'origins',
        'MAPE %',
        'MASE',
        '80 % cover',
        '95 % cover',
        'per fit',
        'auto chose',
      ],
      rows,
    );
    note(
      `bar (auto beats seasonal-naive on MASE, 80 % coverage 75..85, 95 % in 90..100): ${verdicts.join(', ')}`,
    );
  }
}
