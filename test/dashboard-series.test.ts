// The dashboard's Series page in Chromium against twinfold serve: series charted, ranges, live tail, runs and CSV.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvName, stepFor } from '../ui/src/pages/series-range.js';
import {
  adminFetch,
  ADMIN_TOKEN,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';
import { chromiumAvailable, launchChromium, signedInPage } from './support/chromium.js';

const CAN_RUN = chromiumAvailable('dashboard-series');

const PUMP = 'series.test:pump';
const WATTS = 'features/power/properties/watts';
const VOLTS = 'features/power/properties/volts';
const MINUTE = 60_000;
/** The backfilled instants: one each 30 s over half an hour, the newest two minutes ago. */
const NOW = Math.floor(Date.now() / MINUTE) * MINUTE;
const T = Array.from({ length: 60 }, (_, i) => NOW - 2 * MINUTE - (59 - i) * 30_000);
/** The one-minute buckets they fall in. */
const MINUTES = new Set(T.map((t) => Math.floor(t / MINUTE))).size;
const W = T.map((_, i) => 100 + (i % 10) * 3);

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function api(method: string, path: string, body?: unknown) {
  const response = await adminFetch(`${server.url}/api/2${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}

const chart = () => page.getByTestId('series-chart');

describe('the Series page ranges', () => {
  it('never asks for more than about 2,000 buckets', () => {
    expect(stepFor(3_600_000)).toBeUndefined();
    expect(stepFor(86_400_000)).toBe('1m');
    expect(stepFor(7 * 86_400_000)).toBe('5m');
    expect(stepFor(30 * 86_400_000)).toBe('1h');
    expect(stepFor(2 * 3_600_000)).toBe('1m');
    expect(stepFor(365 * 86_400_000)).toBe('6h');
    expect(csvName(PUMP, WATTS)).toBe('series.test_pump_features.power.properties.watts.csv');
  });
});

// Skipped only where /usr/bin/chromium is missing outside CI; chromiumAvailable fails under CI=true.
describe.skipIf(!CAN_RUN)('dashboard Series page - in Chromium against twinfold serve', () => {
  beforeAll(async () => {
    await build({ root: 'ui', logLevel: 'warn' });
    dataDir = mkdtempSync(join(tmpdir(), 'twinfold-dashboard-series-'));
    server = await startServerProcess(['--data', dataDir, '--mqtt-port', '0']);
    expect((await api('PUT', `/things/${PUMP}`, { attributes: { site: 'north' } })).status).toBe(
      201,
    );
    const watts = await api('POST', `/timeseries/things/${PUMP}/${WATTS}`, { t: T, v: W });
    expect(watts.status).toBe(200);
    const volts = await api('POST', `/timeseries/things/${PUMP}/${VOLTS}`, {
      t: T.slice(30),
      v: T.slice(30).map(() => 230),
    });
    expect(volts.status).toBe(200);
    browser = await launchChromium();
    page = await signedInPage(browser, `${server.url}/series`, ADMIN_TOKEN, {
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
      errors: pageErrors,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the twin numeric series and charts the chosen ones with every point', async () => {
    await page.getByRole('link', { name: 'Series' }).click();
    await page.getByLabel('Twin id').fill(PUMP);
    await page.getByRole('button', { name: 'Show series' }).click();
    const list = page.getByTestId('series-list');
    await list.waitFor();
    // The string attribute is not offered; both numeric series are.
    expect(await list.getByRole('checkbox').count()).toBe(2);
    await list.getByRole('checkbox', { name: WATTS }).check();
    await expect.poll(() => chart().getAttribute('data-points')).toBe('60');
    expect(await page.getByTestId('series-step').textContent()).toBe('Raw points.');
    // uPlot drew a canvas (it may come a frame after the points are counted), and the URL says
    // what is shown.
    await expect.poll(() => chart().locator('canvas').count()).toBeGreaterThan(0);
    const url = new URL(page.url());
    expect(url.searchParams.get('thing')).toBe(PUMP);
    expect(url.searchParams.getAll('pointer')).toEqual([WATTS]);
    // A second series on the same chart.
    await list.getByRole('checkbox', { name: VOLTS }).check();
    await expect.poll(() => chart().getAttribute('data-points')).toBe('60,30');
    await list.getByRole('checkbox', { name: VOLTS }).uncheck();
    await expect.poll(() => chart().getAttribute('data-points')).toBe('60');
  });

  it('reads a day in one-minute buckets, one bucket per minute holding points', async () => {
    await page.getByLabel('Range').selectOption('24h');
    await expect
      .poll(() => page.getByTestId('series-step').textContent())
      .toBe('Averaged over 1m buckets.');
    await expect.poll(() => chart().getAttribute('data-points')).toBe(String(MINUTES));
    await page.getByLabel('Range').selectOption('1h');
    await expect.poll(() => page.getByTestId('series-step').textContent()).toBe('Raw points.');
  });

  it('reads a custom range: only the points within it', async () => {
    await page.getByLabel('Range').selectOption('custom');
    // datetime-local takes the page's local time.
    const local = (ms: number) =>
      page.evaluate((at) => {
        const d = new Date(at - new Date(at).getTimezoneOffset() * 60_000);
        return d.toISOString().slice(0, 16);
      }, ms);
    // The inputs hold whole minutes: the ten from the minute of the first point.
    const start = Math.floor(T[0] / MINUTE) * MINUTE;
    await page.getByLabel('From (local time)', { exact: true }).fill(await local(start));
    await page
      .getByLabel('To (local time)', { exact: true })
      .fill(await local(start + 10 * MINUTE));
    const inside = T.filter((t) => t >= start && t <= start + 10 * MINUTE).length;
    expect(inside).toBe(20);
    await expect.poll(() => chart().getAttribute('data-points')).toBe(String(inside));
    expect(await page.getByLabel('Live tail').isDisabled()).toBe(true);
    await page.getByLabel('Range').selectOption('1h');
    await expect.poll(() => chart().getAttribute('data-points')).toBe('60');
  });

  it('live tail shows a new point within a few seconds', async () => {
    await page.getByLabel('Live tail').check();
    // Turning it on reads once; the point comes after that read, so only the tail can show it.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500);
    expect(await chart().getAttribute('data-points')).toBe('60');
    const added = await api('POST', `/timeseries/things/${PUMP}/${WATTS}`, {
      t: [NOW - MINUTE / 2],
      v: [500],
    });
    expect(added.status).toBe(200);
    await expect.poll(() => chart().getAttribute('data-points'), { timeout: 12_000 }).toBe('61');
    await page.getByLabel('Live tail').uncheck();
  });

  it('draws a run over the series with its band, and its compare metrics', async () => {
    // An external run over the last 10 backfilled instants: mean 2 above, a band of ±5 around it.
    expect((await api('PUT', '/models/ext-v1', { kind: 'external', parameters: {} })).status).toBe(
      201,
    );
    const t = T.slice(50);
    const mean = W.slice(50).map((v) => v + 2);
    const made = await api('POST', '/models/ext-v1/runs', {
      series: [
        {
          thingId: PUMP,
          pointer: WATTS,
          t,
          mean,
          lower: mean.map((v) => v - 5),
          upper: mean.map((v) => v + 5),
          level: 0.9,
        },
      ],
    });
    expect(made.status).toBe(201);
    const runId = (made.body as { runId: string }).runId;
    // The list of runs is read again every few seconds: the new run comes into it.
    await page.locator(`[data-testid=run-select] option[value="${runId}"]`).waitFor({
      state: 'attached',
      timeout: 10_000,
    });
    await page.getByLabel('Run').selectOption(runId);
    await expect.poll(() => chart().getAttribute('data-band')).toBe('10');
    expect(await chart().getAttribute('data-predicted')).toBe('10');
    const metrics = page.getByTestId('run-metrics');
    await metrics.waitFor();
    expect(await metrics.locator('[data-metric=mae]').textContent()).toBe('2.000');
    expect(await metrics.locator('[data-metric=rmse]').textContent()).toBe('2.000');
    expect(await metrics.locator('[data-metric=coverage]').textContent()).toBe('100.0 %');
    expect(await metrics.locator('[data-metric=matched]').textContent()).toBe('10');
  });

  it('"Forecast 1 h" makes a forecast run and draws it with its band', async () => {
    type Runs = { runId: string; from: number; series: { points: number; bounds: boolean }[] }[];
    const forecasts = async () => {
      const found = await api('GET', '/models/twinfold.forecast/runs');
      // The model is made by the first forecast.
      return found.status === 404 ? [] : (found.body as Runs);
    };
    expect(await forecasts()).toEqual([]);
    await page.getByRole('button', { name: 'Forecast 1 h' }).click();
    await expect.poll(async () => (await forecasts()).length).toBe(1);
    const [forecast] = await forecasts();
    await expect.poll(() => page.getByLabel('Run').inputValue()).toBe(forecast.runId);
    expect(forecast.series[0].bounds).toBe(true);
    const points = String(forecast.series[0].points);
    expect(Number(points)).toBeGreaterThan(0);
    await expect.poll(() => chart().getAttribute('data-predicted')).toBe(points);
    expect(await chart().getAttribute('data-band')).toBe(points);
    // The forecast is of the future: none of its instants has an actual value yet.
    const metrics = page.getByTestId('run-metrics');
    await expect.poll(() => metrics.locator('[data-metric=unmatched]').textContent()).toBe(points);
    expect(await metrics.locator('[data-metric=mae]').textContent()).toBe('—');
    expect(forecast.from).toBeGreaterThan(NOW - MINUTE);
  });

  it('"Download CSV" saves the series read as CSV, named after the twin and pointer', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(csvName(PUMP, WATTS));
    const text = readFileSync(await download.path(), 'utf8').trim();
    const [header, ...rows] = text.split(/\r?\n/);
    expect(header.split(',')[0]).toMatch(/^t/);
    expect(rows).toHaveLength(61);
    const values = rows.map((row) => Number(row.split(',').at(-1)));
    expect(values).toEqual([...W, 500]);
    expect(pageErrors).toEqual([]);
  });
  it('the Models & services page lists models, scenarios and services, their runs and run log', async () => {
    const hot = await api('PUT', '/scenarios/hot', { parameters: { inletC: 30 } });
    expect(hot.status, JSON.stringify(hot.body)).toBe(201);
    const forecaster = await api('PUT', '/services/pump-forecast', {
      kind: 'forecast',
      filter: 'eq(attributes/site,"north")',
      // A service's pointer starts with a slash (POST /forecasts takes it without).
      pointer: `/${WATTS}`,
      horizon: '1h',
      schedule: { every: '1d' },
    });
    expect(forecaster.status, JSON.stringify(forecaster.body)).toBe(201);
    const nextRun = (forecaster.body as { nextRun: string }).nextRun;
    // A service of ours that is not there: its run fails, saying why.
    const caller = await api('PUT', '/services/absent', {
      kind: 'http',
      url: 'http://127.0.0.1:9/run',
      timeout: '2s',
    });
    expect(caller.status, JSON.stringify(caller.body)).toBe(201);
    await page.getByRole('link', { name: 'Models & services' }).click();
    await page.locator('h1', { hasText: 'Models & services' }).waitFor();
    const models = page.getByTestId('models');
    await models.getByRole('link', { name: 'twinfold.forecast' }).waitFor();
    expect(await models.getByRole('link', { name: 'ext-v1' }).count()).toBe(1);
    expect(await page.getByTestId('scenarios').textContent()).toContain('{"inletC":30}');
    const services = page.getByTestId('services');
    const row = services.locator('tr', { hasText: 'pump-forecast' });
    expect(await row.textContent()).toContain('every 1d');
    expect(await row.textContent()).toContain(new Date(nextRun).toLocaleString('en-US'));

    // Run the forecast service now: its run succeeds and makes a forecast run.
    await services.getByRole('link', { name: 'pump-forecast' }).click();
    const log = page.getByTestId('service-runs');
    await log.getByRole('button', { name: 'Run now' }).click();
    await expect
      .poll(() => log.locator('[data-status]').first().getAttribute('data-status'), {
        timeout: 15_000,
      })
      .toBe('succeeded');
    expect(await log.locator('tbody tr').first().textContent()).toContain('demand');
    await services.getByRole('link', { name: 'absent' }).click();
    await page.getByTestId('service-runs').getByText('Run log of absent').waitFor();
    await log.getByRole('button', { name: 'Run now' }).click();
    await expect
      .poll(() => log.locator('[data-status]').first().getAttribute('data-status'), {
        timeout: 15_000,
      })
      .toBe('failed');
    expect((await log.locator('td.clip').first().textContent())?.length).toBeGreaterThan(0);

    // A model's runs link to the Series page with the run drawn.
    await models.getByRole('link', { name: 'ext-v1' }).click();
    const runs = page.getByTestId('model-runs');
    await runs.getByRole('link', { name: `${PUMP} ${WATTS}` }).click();
    await page.locator('h1', { hasText: 'Series' }).waitFor();
    await expect.poll(() => chart().getAttribute('data-band')).toBe('10');
    expect(await page.getByTestId('run-metrics').locator('[data-metric=mae]').textContent()).toBe(
      '2.000',
    );
    expect(pageErrors).toEqual([]);
  });
  it('a forecast the server refuses shows its error and makes no run', async () => {
    const few = 'series.test:few';
    expect(
      (await api('PUT', `/things/${few}`, { features: { power: { properties: { watts: 5 } } } }))
        .status,
    ).toBe(201);
    const before = ((await api('GET', '/models/twinfold.forecast/runs')).body as unknown[]).length;
    await page.evaluate((to) => {
      window.history.pushState(null, '', to);
      window.dispatchEvent(new PopStateEvent('popstate'));
    }, `/series?thing=${few}&pointer=${WATTS}`);
    await expect.poll(() => chart().getAttribute('data-points')).toBe('1');
    await page.getByRole('button', { name: 'Forecast 1 h' }).click();
    const error = page.getByTestId('series-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('history');
    expect(((await api('GET', '/models/twinfold.forecast/runs')).body as unknown[]).length).toBe(
      before,
    );
    expect(await page.getByLabel('Run').inputValue()).toBe('');
  });
});
