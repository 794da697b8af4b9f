// The dashboard's experiments pages in Chromium against twinfold serve: a run started from a YAML
// config typed into the page, its progress while it runs, then its figures and power plot; the
// list with the server's figures; a config the server refuses; deleting a run from the page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDataPath } from '../scripts/workspace.js';
import { chromiumAvailable, launchChromium, signedInPage } from './support/chromium.js';
import { severeViolations } from './support/axe.js';
import {
  adminFetch,
  ADMIN_TOKEN,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';
import { writeSmallDatacenter, type SmallDatacenter } from './support/small-datacenter.js';

const CAN_RUN = chromiumAvailable('dashboard-experiments');
const CARBON = sharedDataPath('surf', 'carbon.parquet');
if (CARBON === null && process.env.CI === 'true')
  throw new Error(
    'dashboard-experiments test: shared/data/surf/carbon.parquet is missing (see shared/data/README.md)',
  );

let server: ServerProcess;
let dataDir: string;
let files: SmallDatacenter;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function api(method: string, path: string) {
  const response = await adminFetch(`${server.url}/api/2${path}`, { method });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}

interface Summary {
  mape: number;
  mape_uncalibrated: number;
  energy_kwh: { predicted: number };
  carbon_g: number;
  wall_time_s: number;
  windows: number;
}

const numberOf = async (testId: string, attribute: string) =>
  Number(await page.getByTestId(testId).getAttribute(attribute));

// Skipped only outside CI without Chromium or SURF's carbon trace (under CI both must be there).
describe.skipIf(!CAN_RUN || CARBON === null)(
  'dashboard experiments pages - in Chromium against twinfold serve',
  () => {
    beforeAll(async () => {
      await build({ root: 'ui', logLevel: 'warn' });
      dataDir = mkdtempSync(join(tmpdir(), 'twinfold-dashboard-exp-'));
      files = writeSmallDatacenter(join(dataDir, 'inputs'), 16);
      server = await startServerProcess(['--data', join(dataDir, 'data'), '--mqtt-port', '0']);
      browser = await launchChromium();
      page = await signedInPage(browser, `${server.url}/overview`, ADMIN_TOKEN, {
        errors: pageErrors,
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.kill('SIGTERM');
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('a run started from the page shows its progress, then its figures and power plot', async () => {
      await page.getByRole('link', { name: 'Datacenters' }).click();
      await page.locator('h1', { hasText: 'Datacenters' }).waitFor();
      await page.getByRole('main').getByRole('link', { name: 'Experiments' }).click();
      await page.locator('h1', { hasText: 'Experiments' }).waitFor();
      await page.getByText('No experiment runs yet').waitFor();
      const form = page.getByRole('form', { name: 'Start an experiment run' });
      // 12.5 simulated hours in one-hour windows at 4,000×: about 11 s, time to watch it go.
      await form
        .getByLabel(/Experiment config/)
        .fill(
          [
            'name: small-day',
            `workload: ${files.workload}`,
            `topology: ${files.topology}`,
            `power: ${files.power}`,
            `carbon: ${CARBON}`,
            'simulation: {speed_factor: 4000, window_size_minutes: 60}',
            'features: {calibration_enabled: true}',
          ].join('\n'),
        );
      await form.getByRole('button', { name: 'Start experiment run' }).click();
      await page.waitForURL(/\/experiments\/small-day\/runs\/1$/);
      await expect.poll(() => page.getByTestId('experiment-state').textContent()).toBe('running');
      await page.getByText('The plot is written when the run ends.').waitFor();
      // Windows come in while the page stays.
      await expect
        .poll(() => numberOf('experiment-progress', 'data-done'), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(1);
      expect(await numberOf('experiment-progress', 'data-windows')).toBeGreaterThanOrEqual(12);

      await expect
        .poll(() => page.getByTestId('experiment-state').textContent(), { timeout: 30_000 })
        .toBe('succeeded');
      const run = (await api('GET', '/experiments/small-day/runs/1')).body as {
        summary: Summary;
        progress: { windows: number };
      };
      expect(await numberOf('experiment-progress', 'data-done')).toBe(run.progress.windows);
      expect(await page.getByTestId('experiment-mape').textContent()).toBe(
        `${run.summary.mape.toFixed(2)} %uncalibrated ${run.summary.mape_uncalibrated.toFixed(2)} %`,
      );
      expect(await page.getByTestId('experiment-carbon').textContent()).toBe(
        `${(run.summary.carbon_g / 1000).toFixed(2)} kg CO2`,
      );
      // The run's power_plot.png, shown as an image that decoded.
      const plot = page.getByTestId('experiment-plot');
      await plot.waitFor({ timeout: 10_000 });
      const size = await plot.evaluate((image: HTMLImageElement) =>
        image.decode().then(() => ({ width: image.naturalWidth, height: image.naturalHeight })),
      );
      expect(size.width).toBeGreaterThan(200);
      expect(size.height).toBeGreaterThan(100);
      await page.getByText('summary.json').click();
      expect(
        JSON.parse((await page.getByTestId('experiment-summary').textContent()) ?? ''),
      ).toEqual(run.summary);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await severeViolations(page), colorScheme).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: 'light' });
      // On a phone's screen the run's page (summary open, plot shown) is no wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.getByTestId('experiment-plot').waitFor();
        const extra = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(extra).toBe(0);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    }, 60_000);

    it('the list shows each run with the server’s figures', async () => {
      await page.getByRole('link', { name: 'All experiments' }).click();
      const row = page.getByTestId('experiments').locator('tr[data-experiment="small-day"]');
      await row.waitFor();
      const { summary } = (await api('GET', '/experiments/small-day/runs/1')).body as {
        summary: Summary;
      };
      expect(await row.getAttribute('data-run')).toBe('1');
      expect(await row.getByTestId('experiment-state').textContent()).toBe('succeeded');
      const shown = await row.locator('[data-metric]').allTextContents();
      expect(shown).toEqual([
        summary.mape.toFixed(2),
        summary.mape_uncalibrated.toFixed(2),
        summary.energy_kwh.predicted.toFixed(1),
        (summary.carbon_g / 1000).toFixed(2),
        summary.wall_time_s.toFixed(1),
      ]);
      // Calibration helps on this trace, as on SURF's.
      expect(summary.mape).toBeLessThan(summary.mape_uncalibrated);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await severeViolations(page), colorScheme).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    });

    it('a config the server refuses shows its message naming the key', async () => {
      const form = page.getByRole('form', { name: 'Start an experiment run' });
      await form
        .getByLabel(/Experiment config/)
        .fill(
          `name: elsewhere\nworkload: ${files.workload}\ntopology: ${files.topology}\noutput: /tmp/x`,
        );
      await form.getByRole('button', { name: 'Start experiment run' }).click();
      const error = page.getByTestId('experiment-form-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('output: is not accepted here');
      expect(new URL(page.url()).pathname).toBe('/experiments');
      const list = (await api('GET', '/experiments')).body as { items: { name: string }[] };
      expect(list.items.map((i) => i.name)).toEqual(['small-day']);
    });

    it('deleting a run from the page removes it from the server and the list', async () => {
      const row = page.getByTestId('experiments').locator('tr[data-experiment="small-day"]');
      await row.getByRole('button', { name: 'Delete small-day run 1' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await api('GET', '/experiments/small-day/runs/1')).status).toBe(404);
      await page.getByText('No experiment runs yet').waitFor();
      expect(pageErrors).toEqual([]);
    });
  },
);
