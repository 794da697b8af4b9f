// The dashboard's datacenter page in Chromium against twinfold serve: a shadow run started from the
// page, its progress and power chart updating live, the host heat map, a what-if beside it, stop,
// and a finished run's MAPE over time, carbon and power plot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDataPath } from '../scripts/workspace.js';
import { heatColour } from '../ui/src/components/heat-colour.js';
import { chromiumAvailable, launchChromium, signedInPage, visitInApp } from './support/chromium.js';
import { severeViolations } from './support/axe.js';
import {
  adminFetch,
  ADMIN_TOKEN,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';
import { writeSmallDatacenter, type SmallDatacenter } from './support/small-datacenter.js';

const CAN_RUN = chromiumAvailable('dashboard-datacenter');
const CARBON = sharedDataPath('surf', 'carbon.parquet');
if (CARBON === null && process.env.CI === 'true')
  throw new Error(
    'dashboard-datacenter test: shared/data/surf/carbon.parquet is missing (see shared/data/README.md)',
  );

/** The small datacenter's hosts (rows of the heat map). */
const HOSTS = 16;

let server: ServerProcess;
let dataDir: string;
let files: SmallDatacenter;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function api(method: string, path: string, body?: unknown) {
  const response = await adminFetch(`${server.url}/api/2${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

interface Status {
  state: string;
  progress: { windowsDone: number; windows: number };
}

const visit = (url: string) => visitInApp(page, url);

const numberOf = async (testId: string, attribute: string) =>
  Number(await page.getByTestId(testId).getAttribute(attribute));
/** The point counts of the lines of the chart inside `testId`. */
const pointsOf = async (testId: string) =>
  ((await page.getByTestId(testId).getByTestId('series-chart').getAttribute('data-points')) ?? '')
    .split(',')
    .filter(Boolean)
    .map(Number);

// Skipped only outside CI without Chromium or SURF's carbon trace (under CI both must be there).
describe.skipIf(!CAN_RUN || CARBON === null)(
  'dashboard datacenter page - in Chromium against twinfold serve',
  () => {
    beforeAll(async () => {
      await build({ root: 'ui', logLevel: 'warn' });
      dataDir = mkdtempSync(join(tmpdir(), 'twinfold-dashboard-dc-'));
      files = writeSmallDatacenter(join(dataDir, 'inputs'), HOSTS);
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

    it('starts a shadow run from the page; progress and the power chart update live', async () => {
      await page.getByRole('link', { name: 'Datacenters' }).click();
      await page.locator('h1', { hasText: 'Datacenters' }).waitFor();
      await page.getByText('No datacenters yet').waitFor();
      const form = page.getByRole('form', { name: 'Start a shadow run' });
      await form.getByLabel('Datacenter id').fill('small');
      await form.getByLabel('Workload directory').fill(files.workload);
      await form.getByLabel('Topology file').fill(files.topology);
      await form.getByLabel('Measured power file').fill(files.power);
      await form.getByLabel('Carbon intensity file').fill(CARBON!);
      // 12.5 simulated hours in 15-minute windows at 1,500×: about 30 s, time to watch it.
      await form.getByLabel('Speed').fill('1500');
      await form.getByLabel('Window').fill('15m');
      expect(await form.getByLabel('Calibrate').isChecked()).toBe(true);
      await form.getByRole('button', { name: 'Start shadow run' }).click();
      await page.waitForURL(/\/datacenters\/small$/);
      await expect.poll(() => page.getByTestId('shadow-state').textContent()).toBe('running');

      // The server's run is the page's: running, with the form's speed and window.
      const status = (await api('GET', '/datacenters/small/shadow')).body as Status & {
        speed: unknown;
        calibrate: boolean;
      };
      expect(status.state).toBe('running');
      expect(status.speed).toBe(1500);
      expect(status.calibrate).toBe(true);

      // Windows come in while the page stays: progress and the chart's rows grow.
      await expect
        .poll(() => numberOf('shadow-progress', 'data-done'), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
      const windows = await numberOf('shadow-progress', 'data-windows');
      expect(windows).toBeGreaterThan(40);
      const firstRows = await numberOf('power-chart', 'data-rows');
      expect(firstRows).toBeGreaterThan(0);
      const firstDone = await numberOf('shadow-progress', 'data-done');
      await expect
        .poll(() => numberOf('shadow-progress', 'data-done'), { timeout: 10_000 })
        .toBeGreaterThan(firstDone);
      await expect
        .poll(() => numberOf('power-chart', 'data-rows'), { timeout: 10_000 })
        .toBeGreaterThan(firstRows);
      // Measured, predicted and uncalibrated, each with points, drawn by uPlot.
      const [measured, predicted, uncalibrated] = await pointsOf('power-chart');
      expect(measured).toBeGreaterThan(0);
      expect(predicted).toBeGreaterThan(0);
      expect(uncalibrated).toBe(predicted);
      expect(await page.getByTestId('power-chart').locator('canvas').count()).toBeGreaterThan(0);
      expect(await page.getByTestId('shadow-speed').textContent()).toMatch(/×$/);
      expect(new URL(page.url()).pathname).toBe('/datacenters/small');
      // The page watches dc:small on the live connection (/ws/2).
      await expect.poll(() => page.getByTestId('live-status').textContent()).toBe('live');
    }, 40_000);

    it('draws host utilisation as a heat map: one row per host, cells coloured', async () => {
      const map = page.getByTestId('heat-map');
      await map.waitFor();
      expect(await numberOf('heat-map', 'data-rows')).toBe(HOSTS);
      // Two hours of the run at least: two columns of one-hour steps, every cell known.
      await expect
        .poll(() => numberOf('heat-map', 'data-columns'), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
      const hourColumns = await numberOf('heat-map', 'data-columns');
      expect(await numberOf('heat-map', 'data-cells')).toBe(HOSTS * hourColumns);
      const pixels = await map.evaluate((canvas: HTMLCanvasElement) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        const colours = new Set<number>();
        let painted = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          painted++;
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
        return { painted, total: canvas.width * canvas.height, colours: colours.size };
      });
      // Every cell is known, so every pixel is painted; utilisation moves: more than one colour.
      expect(pixels.total).toBeGreaterThan(0);
      expect(pixels.painted).toBe(pixels.total);
      expect(pixels.colours).toBeGreaterThan(1);
      // Pointing at a cell names its host and step, and its value.
      await map.scrollIntoViewIfNeeded();
      const box = (await map.boundingBox())!;
      await map.hover({ position: { x: 3, y: box.height - 3 } });
      const cell = await page.getByTestId('heat-map-cell').textContent();
      expect(cell).toMatch(new RegExp(`^dc:small\\.C01\\.H-${HOSTS}, .+: \\d+\\.\\d %$`));
      // Finer steps: more columns for the same span.
      await page.getByLabel('Heat map step').selectOption('15m');
      await expect.poll(() => numberOf('heat-map', 'data-columns')).toBeGreaterThan(hourColumns);
      const utilisation = (await api('GET', '/datacenters/small/shadow/utilisation?step=15m'))
        .body as { hosts: string[] };
      expect(utilisation.hosts).toHaveLength(HOSTS);
    });

    it('a what-if added from the page is drawn beside the live run, with its differences', async () => {
      const form = page.getByRole('form', { name: 'Add a what-if' });
      await form.getByLabel('What-if name').fill('half');
      await form.getByLabel('What-if topology file').fill(files.halfTopology);
      await form.getByRole('button', { name: 'Add what-if' }).click();
      const row = page.getByTestId('whatifs').locator('tr[data-whatif="half"]');
      await row.waitFor({ timeout: 10_000 });
      // Its predicted power is the fourth line of the power chart, with points.
      await expect
        .poll(async () => (await pointsOf('power-chart'))[3] ?? 0, { timeout: 15_000 })
        .toBeGreaterThan(0);
      // The page shows the server's difference (what-if minus live), in kWh.
      await expect
        .poll(async () => (await row.locator('[data-metric=energy]').textContent()) !== '—')
        .toBe(true);
    }, 30_000);

    it('"Stop shadow run" stops it before its last window', async () => {
      await page.getByRole('button', { name: 'Stop shadow run' }).click();
      await expect
        .poll(() => page.getByTestId('shadow-state').textContent(), { timeout: 10_000 })
        .toBe('stopped');
      const status = (await api('GET', '/datacenters/small/shadow')).body as Status;
      expect(status.state).toBe('stopped');
      expect(status.progress.windowsDone).toBeLessThan(status.progress.windows);
      // Once the run stands still, the what-if's row shows the server's differences (what-if
      // minus live over the same windows; half the hosts idle at half the power: less energy).
      const row = page.getByTestId('whatifs').locator('tr[data-whatif="half"]');
      const signed = (value: number, digits: number) =>
        `${value > 0 ? '+' : ''}${value.toFixed(digits)}`;
      await expect
        .poll(
          async () => {
            const whatif = (await api('GET', '/datacenters/small/whatif/half')).body as {
              difference: { energyKwh: number; peakPowerW: number; carbonG: number };
            };
            const shown = await row.locator('[data-metric]').allTextContents();
            return shown.join(' ') ===
              [
                signed(whatif.difference.energyKwh, 1),
                signed(whatif.difference.peakPowerW / 1000, 2),
                signed(whatif.difference.carbonG / 1000, 2),
              ].join(' ')
              ? whatif.difference.energyKwh
              : null;
          },
          { timeout: 10_000 },
        )
        .toBeLessThan(0);
      // Deleting it from the page removes it from the server and the page.
      await row.getByRole('button', { name: 'Delete half' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await api('GET', '/datacenters/small/whatif/half')).status).toBe(404);
      await page.getByText('No what-ifs yet.').waitFor();
      // A stopped datacenter may run again: the form is back.
      await page.getByRole('form', { name: 'Start a shadow run' }).waitFor();
      expect(await page.getByRole('button', { name: 'Stop shadow run' }).count()).toBe(0);
    });

    it('a finished run shows MAPE over time, its carbon and its power plot', async () => {
      const started = await api('POST', '/datacenters/fast/shadow', {
        workload: files.workload,
        topology: files.topology,
        power: files.power,
        carbon: CARBON,
        speed: 'max',
        window: '15m',
      });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      await expect
        .poll(async () => ((await api('GET', '/datacenters/fast/shadow')).body as Status).state, {
          timeout: 30_000,
          interval: 250,
        })
        .toBe('succeeded');
      await visit('/datacenters/fast');
      await expect.poll(() => page.getByTestId('shadow-state').textContent()).toBe('succeeded');
      const status = (await api('GET', '/datacenters/fast/shadow')).body as Status;
      expect(await numberOf('shadow-progress', 'data-done')).toBe(status.progress.windows);
      // MAPE per window and cumulative, one point per window with measured power.
      const results = (await api('GET', '/datacenters/fast/shadow/results')).body as {
        rows: { carbon: number | null }[];
        mapeOverTime: unknown[];
      };
      expect(results.mapeOverTime.length).toBeGreaterThan(0);
      await expect
        .poll(() => pointsOf('mape-chart'))
        .toEqual([results.mapeOverTime.length, results.mapeOverTime.length]);
      // Carbon: the total of the rows' emissions, in kg.
      const grams = results.rows.reduce((sum, row) => sum + (row.carbon ?? 0), 0);
      expect(grams).toBeGreaterThan(0);
      expect(await page.getByTestId('carbon-total').textContent()).toBe((grams / 1000).toFixed(2));
      expect((await pointsOf('carbon-chart'))[0]).toBe(status.progress.windows);
      // The run's power_plot.png, shown as an image that decoded.
      const plot = page.getByTestId('power-plot');
      await plot.waitFor({ timeout: 10_000 });
      const size = await plot.evaluate((image: HTMLImageElement) =>
        image.decode().then(() => ({ width: image.naturalWidth, height: image.naturalHeight })),
      );
      expect(size.width).toBeGreaterThan(200);
      expect(size.height).toBeGreaterThan(100);
      // The heat map: the centre of each cell has the colour of the server's value for that host
      // and step (transparent where it has none).
      const step = await page.getByLabel('Heat map step').inputValue();
      const utilisation = (await api('GET', `/datacenters/fast/shadow/utilisation?step=${step}`))
        .body as { hosts: string[]; values: (number | null)[][] };
      const rows = utilisation.hosts.length;
      const columns = utilisation.values[0].length;
      expect(rows).toBe(HOSTS);
      await expect.poll(() => numberOf('heat-map', 'data-columns')).toBe(columns);
      const drawn = await page.getByTestId('heat-map').evaluate(
        (canvas: HTMLCanvasElement, size) => {
          const context = canvas.getContext('2d')!;
          const colours: number[][][] = [];
          for (let r = 0; r < size.rows; r++) {
            const row: number[][] = [];
            for (let c = 0; c < size.columns; c++) {
              const x = Math.floor(((c + 0.5) * canvas.width) / size.columns);
              const y = Math.floor(((r + 0.5) * canvas.height) / size.rows);
              const [red, green, blue, alpha] = context.getImageData(x, y, 1, 1).data;
              row.push(alpha === 0 ? [] : [red, green, blue]);
            }
            colours.push(row);
          }
          return colours;
        },
        { rows, columns },
      );
      expect(drawn).toEqual(
        utilisation.values.map((row) => row.map((v) => (v === null ? [] : heatColour(v)))),
      );
      // Hosts are not all equally busy: in some step two hosts differ.
      const differ = utilisation.values[0].some(
        (_, c) => new Set(utilisation.values.map((row) => row[c])).size > 1,
      );
      expect(differ).toBe(true);
      // The page with every part drawn is accessible, light and dark.
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await severeViolations(page), colorScheme).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: 'light' });
      // On a phone's screen the page is no wider than the screen (charts drawn at its width).
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await visit('/datacenters');
        await visit('/datacenters/fast');
        await page.getByTestId('power-plot').waitFor({ timeout: 10_000 });
        await page.getByTestId('heat-map').waitFor();
        const extra = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(extra).toBe(0);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
      // The list has both datacenters with their states.
      await page.getByRole('link', { name: 'All datacenters' }).click();
      const list = page.getByTestId('datacenters');
      await list.getByRole('link', { name: 'fast' }).waitFor();
      expect(await list.locator('tr', { hasText: 'small' }).textContent()).toContain('stopped');
      expect(await list.locator('tr', { hasText: 'fast' }).textContent()).toContain('succeeded');
      expect(pageErrors).toEqual([]);
    }, 45_000);

    it('a run the server refuses shows its message on the page', async () => {
      await visit('/datacenters/broken');
      const form = page.getByRole('form', { name: 'Start a shadow run' });
      await form.waitFor();
      await form.getByLabel('Workload directory').fill(join(dataDir, 'no-such-dir'));
      await form.getByLabel('Topology file').fill(files.topology);
      await form.getByLabel('Measured power file').fill(files.power);
      await form.getByRole('button', { name: 'Start shadow run' }).click();
      const error = page.getByTestId('shadow-form-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('no-such-dir');
      // A speed that is neither a number nor "max" is refused before it is sent.
      await form.getByLabel('Speed').fill('fast');
      await form.getByRole('button', { name: 'Start shadow run' }).click();
      await expect.poll(() => error.textContent()).toContain('Speed');
    });
  },
);
