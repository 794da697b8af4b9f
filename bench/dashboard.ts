// Benchmark `dashboard`: the built UI's JavaScript (gzip), its first load, and long tasks rendering 200 rows and a 500-property twin, in Chromium.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import type { BenchContext } from './harness/context.js';
import { AUTH_HEADERS, REPO_ROOT, startTwinfold } from './harness/processes.js';
import { fmt, meets, ms, note, printTable } from './harness/report.js';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = AUTH_HEADERS.authorization.slice('Bearer '.length);
const ROWS = 200;
const PROPERTIES = 500;
const RUNS = 5;

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
    await page
      .locator('[data-testid=results] tbody tr')
      .nth(ROWS - 1)
      .waitFor();
    const searchMs = performance.now() - t0;
    const searchLongest = await longest(page);

    await resetLongTasks(page);
    t0 = performance.now();
    await page.getByRole('link', { name: 'bench.ui:big' }).click();
    await page.locator(`[data-path="/features/many/properties/p${PROPERTIES - 1}"]`).waitFor();
    const twinMs = performance.now() - t0;
    const twinLongest = await longest(page);
    note(
      `long tasks opening the twin: ${(await allLongTasks(page)).map((t) => ms(t)).join(', ') || 'none'}`,
    );

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
        [`search page of ${ROWS} rows: sign-in to last row`, ms(searchMs), '—', '', ''],
        [
          `  longest task`,
          ms(searchLongest),
          '≤ 100 ms',
          meets(searchLongest <= 100),
          '(0 = no task over 50 ms)',
        ],
        [`twin of ${PROPERTIES} properties: click to last value`, ms(twinMs), '—', '', ''],
        [
          `  longest task`,
          ms(twinLongest),
          '≤ 100 ms',
          meets(twinLongest <= 100),
          '(0 = no task over 50 ms)',
        ],
      ],
    );
    note(
      'not measured yet: a chart of 100,000 points (the journal of one twin would need 100,000 events)',
    );
  } finally {
    await browser.close();
    await server.child.stop();
  }
}
