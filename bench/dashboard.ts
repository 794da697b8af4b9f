// Benchmark `dashboard`: the built UI's JavaScript (gzip), its first load, long tasks rendering 200 rows and a 500-property twin, and a chart of 100,000 points, in Chromium.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import preact from '@preact/preset-vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, REPO_ROOT, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, printTable } from './harness/report.js';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = AUTH_HEADERS.authorization.slice('Bearer '.length);
const ROWS = 200;
const PROPERTIES = 500;
const RUNS = 5;
const CHART_POINTS = 100_000;
const CHART_RUNS = 9;

/** Collects long tasks (over 50 ms) of the page from its start. */
const LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
`;

async function longest(page: Page): Promise<number> {
  return page.evaluate(() =>
    Math.max(0, ...(window as unknown as { __longTasks: number[] }).__longTasks),
  );
}

async function allLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
}

async function resetLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __longTasks: number[] }).__longTasks = []));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function dashboardBenchmark(context: BenchContext): Promise<void> {
  await build({ root: join(REPO_ROOT, 'ui'), logLevel: 'warn' });
  const assets = join(REPO_ROOT, 'ui/dist/assets');
  const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
  const raw = scripts.reduce((sum, name) => sum + readFileSync(join(assets, name)).length, 0);
  const gzip = scripts.reduce(
    (sum, name) => sum + gzipSync(readFileSync(join(assets, name))).length,
    0,
  );

  const server = await startTwinfold({ data: await context.freshDir('dashboard') });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const put = (path: string, body: unknown) =>
      fetch(`${server.url}/api/2${path}`, {
        method: 'PUT',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (let i = 0; i < ROWS; i++)
      await put(`/things/bench.ui:row-${String(i).padStart(3, '0')}`, {
        attributes: { i, kind: 'row' },
      });
    const properties: Record<string, number> = {};
    for (let i = 0; i < PROPERTIES; i++) properties[`p${i}`] = i;
    await put('/things/bench.ui:big', { features: { many: { properties } } });

    // First load (a fresh context each time: nothing cached): until the sign-in form is usable;
    // the reference is the same server's /health, a document with no script.
    const loads: number[] = [];
    const references: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const fresh = await browser.newContext();
      const page = await fresh.newPage();
      let t0 = performance.now();
      await page.goto(`${server.url}/health`);
      references.push(performance.now() - t0);
      t0 = performance.now();
      await page.goto(`${server.url}/twins`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      loads.push(performance.now() - t0);
      await fresh.close();
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(LONG_TASKS);
    await page.goto(
      `${server.url}/twins?namespaces=bench.ui&size=${ROWS}&fields=thingId,attributes/i,attributes/kind`,
    );
    await page.getByRole('tab', { name: 'API token' }).click();
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await resetLongTasks(page);
    let t0 = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The table is windowed: the rows in view are drawn, the rest when scrolled to.
    await page.getByRole('region', { name: 'Search results' }).waitFor();
    await page.locator('[data-testid=results] tbody tr:not(.spacer)').first().waitFor();
    const searchMs = performance.now() - t0;
    const searchLongest = await longest(page);
    const rowsDrawn = await page.locator('[data-testid=results] tbody tr:not(.spacer)').count();
    await resetLongTasks(page);
    await page
      .getByRole('region', { name: 'Search results' })
      .evaluate((box) => (box.scrollTop = box.scrollHeight));
    // The page's last row (bench.ui:big sorts first, so the 200th is row 198).
    await page.getByRole('link', { name: `bench.ui:row-${ROWS - 2}` }).waitFor();
    const scrollLongest = await longest(page);
    await page
      .getByRole('region', { name: 'Search results' })
      .evaluate((box) => (box.scrollTop = 0));

    await resetLongTasks(page);
    t0 = performance.now();
    await page.getByRole('link', { name: 'bench.ui:big' }).click();
    await page.getByRole('region', { name: 'Values' }).waitFor();
    await page.locator('[data-path="/features/many/properties/p0"]').waitFor();
    const twinMs = performance.now() - t0;
    const twinLongest = await longest(page);
    const valuesDrawn = await page.locator('ul.tree > li:not(.spacer)').count();
    note(
      `long tasks opening the twin: ${(await allLongTasks(page)).map((t) => ms(t)).join(', ') || 'none'}`,
    );

    const chart = await chartTimes(browser);

    printTable(
      `dashboard: the built UI in Chromium against twinfold serve (median of ${RUNS} cold loads)`,
      ['measure', 'value', 'budget', 'meets', 'reference in the same run'],
      [
        [
          'JavaScript (gzip)',
          `${fmt(gzip / 1024, 1)} kB`,
          '≤ 150 kB',
          meets(gzip <= 150 * 1024),
          `${fmt(raw / 1024, 1)} kB raw`,
        ],
        [
          'first load to a usable sign-in form',
          ms(median(loads)),
          '≤ 1 s',
          meets(median(loads) <= 1000),
          `/health: ${ms(median(references))}`,
        ],
        [
          `search page of ${ROWS} rows: sign-in to first rows`,
          ms(searchMs),
          '—',
          '',
          `${rowsDrawn} of ${ROWS} rows drawn (windowed)`,
        ],
        [
          `  longest task`,
          ms(searchLongest),
          '≤ 100 ms',
          meets(searchLongest <= 100),
          '(0 = no task over 50 ms)',
        ],
        [
          `  longest task scrolling to row ${ROWS}`,
          ms(scrollLongest),
          '≤ 100 ms',
          meets(scrollLongest <= 100),
          '',
        ],
        [
          `twin of ${PROPERTIES} properties: click to first value`,
          ms(twinMs),
          '—',
          '',
          `${valuesDrawn} of ${PROPERTIES + 2} rows drawn (windowed)`,
        ],
        [
          `  longest task`,
          ms(twinLongest),
          '≤ 100 ms',
          meets(twinLongest <= 100),
          '(0 = no task over 50 ms)',
        ],
        [
          `chart of ${fmt(CHART_POINTS)} points: data to painted (median of ${CHART_RUNS})`,
          ms(chart.component.painted),
          '≤ 300 ms',
          meets(chart.component.painted <= 300),
          `uPlot alone, same data: ${ms(chart.bare.painted)}`,
        ],
        [
          `  data to drawn (uPlot's draw hook)`,
          ms(chart.component.drawn),
          '≤ 300 ms',
          meets(chart.component.drawn <= 300),
          `uPlot alone: ${ms(chart.bare.drawn)}`,
        ],
        [
          `  longest task`,
          ms(chart.longest),
          '—',
          '',
          `${fmt(CHART_POINTS / 10)} points: painted ${ms(chart.tenth.painted)}`,
        ],
      ],
    );
    note(
      `the chart is timed on a page of its own (bench/chart-page): the twin page charts at most the journal's last 10,000 events`,
    );
  } finally {
    await browser.close();
    await server.child.stop();
  }
}

/** From the data handed over to uPlot's draw done, and to the chart painted (two frames). */
interface ChartTiming {
  drawn: number;
  painted: number;
}

function medianTiming(timings: ChartTiming[]): ChartTiming {
  return {
    drawn: median(timings.map((t) => t.drawn)),
    painted: median(timings.map((t) => t.painted)),
  };
}

/** Times the dashboard's SeriesChart and bare uPlot drawing the same points, on a page of their own. */
async function chartTimes(browser: Browser): Promise<{
  component: ChartTiming;
  bare: ChartTiming;
  tenth: ChartTiming;
  longest: number;
}> {
  const built = (await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'warn',
    plugins: [preact()],
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      lib: {
        entry: join(REPO_ROOT, 'bench/chart-page/chart-page.ts'),
        formats: ['iife'],
        name: 'chartPage',
      },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const output = (Array.isArray(built) ? built : [built]).flatMap((o) => o.output);
  const script = output.find((o) => o.type === 'chunk');
  const style = output.find((o) => o.type === 'asset' && o.fileName.endsWith('.css'));
  if (!script || script.type !== 'chunk') throw new Error('the chart page did not build');
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.addInitScript(LONG_TASKS);
    await page.setContent(
      '<!doctype html><html><head><title>chart</title></head><body></body></html>',
    );
    if (style && style.type === 'asset') await page.addStyleTag({ content: String(style.source) });
    await page.addScriptTag({ content: script.code });
    const time = (kind: 'component' | 'bare', count: number) =>
      page.evaluate(
        ([k, n]) =>
          (
            window as unknown as {
              chartBench: Record<string, (n: number) => Promise<ChartTiming>>;
            }
          ).chartBench[k](n),
        [kind, count] as const,
      );
    // A warm-up of each, then alternating runs.
    await time('component', CHART_POINTS);
    await time('bare', CHART_POINTS);
    const component: ChartTiming[] = [];
    const bare: ChartTiming[] = [];
    const tenth: ChartTiming[] = [];
    await resetLongTasks(page);
    for (let run = 0; run < CHART_RUNS; run++) {
      component.push(await time('component', CHART_POINTS));
      bare.push(await time('bare', CHART_POINTS));
      tenth.push(await time('component', CHART_POINTS / 10));
    }
    return {
      component: medianTiming(component),
      bare: medianTiming(bare),
      tenth: medianTiming(tenth),
      longest: await longest(page),
    };
  } finally {
    await page.close();
  }
}
