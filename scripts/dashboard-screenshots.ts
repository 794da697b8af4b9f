// Makes the README's dashboard screenshots from the real app: a demo server, Chromium, docs/dashboard/*.png.
//
//   npx tsx scripts/dashboard-screenshots.ts     (needs /usr/bin/chromium; builds ui/ first)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { startServer } from '../src/cli/server.js';
import { DEFAULTS } from '../src/cli/config.js';
import { sharedDataPath } from './workspace.js';

const ADMIN_TOKEN = 'tft_screenshot-admin-token-01234';
const OUT = 'docs/dashboard';
const pump = 'demo:pump-1';

await build({ root: 'ui', logLevel: 'warn' });
const data = mkdtempSync(join(tmpdir(), 'twinfold-screenshots-'));
const server = await startServer(
  { ...DEFAULTS, data, port: 0, mqttPort: 0, demo: true, logLevel: 'warn' },
  undefined,
  { adminToken: ADMIN_TOKEN, announce: () => {} },
);
const put = (path: string, value: unknown) =>
  fetch(`${server.url}/api/2/things/${pump}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
const call = (method: string, path: string, value?: unknown) =>
  fetch(`${server.url}/api/2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: value === undefined ? undefined : JSON.stringify(value),
  });
// Twin behaviour: racks of a type (one overloads), a hall summing them, a replay of a stricter version.
const rackType = (threshold: number) => ({
  description: `A rack, overloaded over ${threshold} W`,
  schema: {
    features: { power: { type: 'object', properties: { watts: { type: 'number', minimum: 0 } } } },
  },
  derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
  windows: {
    'features/power/properties/avg5m': {
      of: 'features/power/properties/watts',
      op: 'avg',
      window: '5m',
    },
  },
  assessments: {
    overload: {
      when: `features.power.properties.watts > ${threshold}.0`,
      clear: `features.power.properties.watts < ${threshold - 50}.0`,
      severity: 'warning',
    },
  },
});
await call('PUT', '/types/dc:rack:1.0.0', rackType(250));
await call('PUT', '/types/dc:rack:2.0.0', rackType(180));
await call('PUT', '/types/dc:hall:1', {
  description: 'A hall: the watts of its racks',
  rollups: {
    'attributes/totalWatts': {
      relation: 'partOf',
      from: 'children',
      of: 'features/power/properties/watts',
      op: 'sum',
    },
  },
});
await call('PUT', '/things/dc:site-1', { attributes: { city: 'Amsterdam' } });
await call('PUT', '/things/dc:hall-1', { definition: 'dc:hall:1', attributes: {} });
await call('PUT', '/things/dc:hall-1/relations/partOf/dc:site-1', {});
for (const [n, watts] of [
  [1, 120],
  [2, 200],
  [3, 300],
] as const) {
  await call('PUT', `/things/dc:rack-${n}`, {
    definition: 'dc:rack:1.0.0',
    features: { power: { properties: { watts: 100 } } },
  });
  await call('PUT', `/things/dc:rack-${n}/relations/partOf/dc:hall-1`, {});
  await call('PUT', `/things/dc:rack-${n}/features/power/properties/watts`, watts);
}
// Some history for the timeline and the chart.
for (const value of [41.9, 43.1, 42.4, 44.8, 46.2, 45.1, 43.7])
  await put('/features/temperature/properties/value', value);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
mkdirSync(OUT, { recursive: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(
    `${server.url}/twins?filter=${encodeURIComponent('eq(attributes/site,"plant-a"')}`,
  );
  await page.screenshot({ path: `${OUT}/sign-in.png` });
  await page.getByRole('tab', { name: 'API token' }).click();
  await page.getByLabel('API token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('filter-error').waitFor();
  await page.screenshot({ path: `${OUT}/twins-filter-error.png` });
  await page.getByTestId('filter').fill('eq(attributes/site,"plant-a")');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('link', { name: pump }).waitFor();
  await page.screenshot({ path: `${OUT}/twins.png` });
  await page.getByRole('link', { name: pump }).click();
  await page.getByTestId('tree').waitFor();
  await page.screenshot({ path: `${OUT}/twin.png` });
  await page.getByRole('button', { name: 'Chart /features/temperature/properties/value' }).click();
  await page.getByTestId('chart').locator('canvas').waitFor();
  await page.getByTestId('revision-slider').fill('3');
  await page.getByTestId('past').waitFor();
  await page.screenshot({ path: `${OUT}/twin-history.png`, fullPage: true });
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByTestId('namespaces').waitFor();
  await page.screenshot({ path: `${OUT}/overview.png` });
  await page.getByRole('link', { name: 'Types' }).click();
  await page.getByRole('link', { name: 'dc:rack', exact: true }).first().click();
  await page.getByTestId('type-derived').waitFor();
  await page.screenshot({ path: `${OUT}/types.png`, fullPage: true });
  await page.getByRole('link', { name: 'Alerts' }).click();
  await page.getByTestId('alerts').waitFor();
  await page.screenshot({ path: `${OUT}/alerts.png` });
  await page.getByRole('link', { name: 'dc:rack-3' }).first().click();
  await page.getByTestId('computed-values').waitFor();
  await page.screenshot({ path: `${OUT}/twin-computed.png` });
  await page.getByRole('tab', { name: 'Relations' }).click();
  await page.getByRole('link', { name: 'Go to dc:hall-1' }).click();
  await page.getByRole('tab', { name: 'Relations' }).click();
  await page.getByTestId('relation-graph').waitFor();
  await page.screenshot({ path: `${OUT}/relations.png` });
  await page.getByRole('link', { name: 'Replays' }).click();
  const replay = page.getByRole('form', { name: 'Start a replay' });
  await replay.getByLabel('Type').selectOption('dc:rack:2.0.0');
  await replay.getByLabel(/^RQL filter/).fill('like(thingId,"dc:rack-*")');
  await replay.getByRole('button', { name: 'Start the replay' }).click();
  await page.getByTestId('replay-comparison').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${OUT}/replay.png`, fullPage: true });
  // The same twin on a phone (390 px wide), in the dark theme.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByRole('link', { name: 'Twins', exact: true }).click();
  await page.getByRole('link', { name: pump }).click();
  await page.getByTestId('tree').waitFor();
  await page.screenshot({ path: `${OUT}/twin-phone-dark.png` });
  // The datacenter page: the SURF week's shadow run at full speed, with a what-if of half the hosts.
  const surf = sharedDataPath('surf', 'tasks.parquet')?.replace(/\/tasks\.parquet$/, '');
  if (surf) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    const topology = JSON.parse(readFileSync(`${surf}/topology-asymptotic.json`, 'utf8')) as {
      clusters: { hosts: { count: number }[] }[];
    };
    for (const host of topology.clusters[0].hosts) host.count = Math.ceil(host.count / 2);
    const half = join(data, 'topology-half.json');
    writeFileSync(half, JSON.stringify(topology));
    await call('POST', '/datacenters/surf/shadow', {
      workload: surf,
      topology: `${surf}/topology-asymptotic.json`,
      power: `${surf}/consumption.parquet`,
      carbon: `${surf}/carbon.parquet`,
      speed: 'max',
      window: '1h',
    });
    await call('PUT', '/datacenters/surf/whatif/half-hosts', { topology: half });
    for (let i = 0; i < 240; i++) {
      const status = (await (await call('GET', '/datacenters/surf/shadow')).json()) as {
        state: string;
      };
      if (status.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await page.getByRole('link', { name: 'Datacenters' }).click();
    await page.getByRole('link', { name: 'surf', exact: true }).click();
    await page.getByTestId('power-plot').waitFor({ timeout: 30_000 });
    await page.getByTestId('whatifs').waitFor();
    await page.waitForTimeout(1000);
    await page.screenshot({ path: `${OUT}/datacenter.png`, fullPage: true });
  } else console.log('no shared/data/surf: the datacenter screenshot is left as it is');
  console.log(`screenshots written to ${OUT}/`);
} finally {
  await browser.close();
  await server.close();
  rmSync(data, { recursive: true, force: true });
}
