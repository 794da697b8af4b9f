// The dashboard's twin-behaviour pages in Chromium against twinfold serve: types, alerts (filter,
// acknowledge, live), a twin's relation graph and computed values, replays with progress and comparison.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphOf } from '../ui/src/components/relation-layout.js';
import {
  adminFetch,
  ADMIN_TOKEN,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';
import { chromiumAvailable, launchChromium, signedInPage, visitInApp } from './support/chromium.js';

const CAN_RUN = chromiumAvailable('dashboard-behaviour');

const NS = 'beh.test';
const RACK_TYPE = `${NS}:rack:1.0.0`;
const RACK_V2 = `${NS}:rack:2.0.0`;
const HALL_TYPE = `${NS}:hall:1`;
const RACK = (n: number) => `${NS}:rack-${n}`;
const HALL = `${NS}:hall-1`;
const SITE = `${NS}:site-1`;

const rackType = (threshold: number, divisor: number) => ({
  description: `Rack over ${threshold} W`,
  schema: {
    features: {
      power: { type: 'object', properties: { watts: { type: 'number', minimum: 0 } } },
    },
  },
  derived: { 'features/power/properties/kw': `features.power.properties.watts / ${divisor}.0` },
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
  return { status: response.status, body: text ? (JSON.parse(text) as any) : null }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers read field by field
}

async function setWatts(thingId: string, watts: number) {
  const put = await api('PUT', `/things/${thingId}/features/power/properties/watts`, watts);
  expect(put.status, JSON.stringify(put.body)).toBe(204);
}

async function alertsOf(query: string) {
  const answer = await api('GET', `/alerts?${query}`);
  expect(answer.status).toBe(200);
  return answer.body.items as { alertId: string; thingId: string; state: string }[];
}

const visit = (url: string) => visitInApp(page, url);

describe('the relation graph layout', () => {
  it('puts ancestors left and descendants right, each twin once at its nearest depth', () => {
    const { nodes, edges } = graphOf(
      'a:hall',
      [{ source: 'a:hall', name: 'partOf', target: 'a:site', depth: 1 }],
      [
        { source: 'a:rack-1', name: 'partOf', target: 'a:hall', depth: 1 },
        { source: 'a:rack-2', name: 'partOf', target: 'a:hall', depth: 1 },
        { source: 'a:pdu', name: 'feeds', target: 'a:rack-1', depth: 2 },
        { source: 'a:pdu', name: 'feeds', target: 'a:rack-2', depth: 2 },
      ],
    );
    const column = Object.fromEntries(nodes.map((n) => [n.id, n.column]));
    expect(column).toEqual({
      'a:hall': 0,
      'a:site': 1,
      'a:rack-1': -1,
      'a:rack-2': -1,
      'a:pdu': -2,
    });
    expect(nodes.filter((n) => n.column === -1).map((n) => n.row)).toEqual([0, 1]);
    expect(edges).toHaveLength(5);
  });
});

// Skipped only where /usr/bin/chromium is missing outside CI; chromiumAvailable fails under CI=true.
describe.skipIf(!CAN_RUN)('dashboard behaviour pages - in Chromium against twinfold serve', () => {
  beforeAll(async () => {
    await build({ root: 'ui', logLevel: 'warn' });
    dataDir = mkdtempSync(join(tmpdir(), 'twinfold-dashboard-behaviour-'));
    server = await startServerProcess(['--data', dataDir, '--mqtt-port', '0']);
    for (const [id, document] of [
      [RACK_TYPE, rackType(250, 1000)],
      [RACK_V2, rackType(150, 100)],
      [
        HALL_TYPE,
        {
          rollups: {
            'attributes/totalWatts': {
              relation: 'partOf',
              from: 'children',
              of: 'features/power/properties/watts',
              op: 'sum',
            },
          },
        },
      ],
    ] as const) {
      const put = await api('PUT', `/types/${id}`, document);
      expect(put.status, JSON.stringify(put.body)).toBe(201);
    }
    expect((await api('PUT', `/things/${SITE}`, { attributes: { city: 'Delft' } })).status).toBe(
      201,
    );
    const hall = await api('PUT', `/things/${HALL}`, { definition: HALL_TYPE, attributes: {} });
    expect(hall.status, JSON.stringify(hall.body)).toBe(201);
    for (const n of [1, 2, 3]) {
      const rack = await api('PUT', `/things/${RACK(n)}`, {
        definition: RACK_TYPE,
        features: { power: { properties: { watts: 100 } } },
      });
      expect(rack.status, JSON.stringify(rack.body)).toBe(201);
      expect((await api('PUT', `/things/${RACK(n)}/relations/partOf/${HALL}`, {})).status).toBe(
        201,
      );
    }
    expect((await api('PUT', `/things/${HALL}/relations/partOf/${SITE}`, {})).status).toBe(201);
    // rack-1 overloads (an alert, live); rack-3 goes to 200 W: over v2's threshold, not v1's.
    await setWatts(RACK(1), 300);
    await setWatts(RACK(3), 200);
    expect(await alertsOf(`thingId=${RACK(1)}`)).toHaveLength(1);

    browser = await launchChromium();
    page = await signedInPage(browser, `${server.url}/types`, ADMIN_TOKEN, { errors: pageErrors });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the types the API holds with the twins using each, and shows one type by part', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Types' }).click();
    const rows = page.getByTestId('types').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const listed = (await api('GET', '/types')).body.map((t: { typeId: string }) => t.typeId);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')))).toEqual(
      listed,
    );
    const v1 = page.locator(`tr[data-type="${RACK_TYPE}"]`);
    await expect.poll(() => v1.getByTestId('type-twins').textContent()).toBe('3');
    expect(
      await page.locator(`tr[data-type="${RACK_V2}"]`).getByTestId('type-twins').textContent(),
    ).toBe('0');
    expect(await v1.locator('td').nth(1).textContent()).toBe('Rack over 250 W');
    expect(await v1.locator('td').nth(2).textContent()).toBe('1.0.0');
    await v1.getByRole('link', { name: `${NS}:rack`, exact: true }).click();
    const view = page.getByTestId('type-view');
    await view.getByTestId('type-derived').waitFor();
    expect(await view.getByTestId('type-derived').textContent()).toContain(
      'features.power.properties.watts / 1000.0',
    );
    expect(await view.getByTestId('type-windows').textContent()).toContain(
      'avg of features/power/properties/watts over 5m',
    );
    expect(await view.getByTestId('type-assessments').textContent()).toContain(
      'features.power.properties.watts > 250.0',
    );
    expect(await view.getByTestId('type-schema').first().textContent()).toContain('"minimum": 0');
    // Deleting a type in use: the API's 409, shown in place, and the type stays.
    page.once('dialog', (dialog) => void dialog.accept());
    await view.getByRole('button', { name: 'delete' }).click();
    const inUse = await api('DELETE', `/types/${RACK_TYPE}`);
    expect(inUse.status).toBe(409);
    await expect
      .poll(() => page.getByTestId('type-view-error').textContent())
      .toContain(inUse.body.message);
    expect((await api('GET', `/types/${RACK_TYPE}`)).status).toBe(200);
    // "new version" starts the form from the type's document.
    await v1.getByRole('link', { name: `A new version of ${RACK_TYPE}` }).click();
    const form = page.getByRole('form', { name: 'Create a type version' });
    await expect.poll(() => form.getByLabel('Type id').inputValue()).toBe(RACK_TYPE);
    expect(JSON.parse(await form.getByLabel(/^Document/).inputValue())).toEqual(
      (await api('GET', `/types/${RACK_TYPE}`)).body,
    );
  });

  it('creates a type from JSON, and shows the API refusal of a bad CEL expression inline', async () => {
    const form = page.getByRole('form', { name: 'Create a type version' });
    const bad = {
      derived: { 'features/power/properties/kw': 'features.power.properties.watts / / 1000.0' },
    };
    await form.getByLabel('Type id').fill(`${NS}:broken:1`);
    await form.getByLabel(/^Document/).fill(JSON.stringify(bad));
    await form.getByRole('button', { name: 'Create' }).click();
    const refused = await api('PUT', `/types/${NS}:broken:1`, bad);
    expect(refused.status).toBe(400);
    await expect
      .poll(() => page.getByTestId('type-error').textContent())
      .toContain(refused.body.message);
    // The expression, and a caret under the column the API names.
    const column = Number(/column (\d+)/.exec(refused.body.message)![1]);
    expect(await page.getByTestId('type-error-position').textContent()).toBe(
      `${bad.derived['features/power/properties/kw']}\n${' '.repeat(column - 1)}^ line 1, column ${column}`,
    );
    expect((await api('GET', `/types/${NS}:broken:1`)).status).toBe(404);

    const good = { derived: { 'attributes/double': 'attributes.n * 2.0' } };
    await form.getByLabel('Type id').fill(`${NS}:fresh:1`);
    await form.getByLabel(/^Document/).fill(JSON.stringify(good));
    await form.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => page.getByTestId('type-notice').textContent())
      .toBe(`Created ${NS}:fresh:1.`);
    const stored = await api('GET', `/types/${NS}:fresh:1`);
    expect(stored.status).toBe(200);
    expect(stored.body.derived).toEqual(good.derived);
    await expect.poll(() => page.getByTestId('types').locator('tbody tr').count()).toBe(4);
    expect(await page.getByTestId('type-view').locator('h2').textContent()).toContain(
      `${NS}:fresh:1`,
    );
    // A version never changes: other content under the same id is the API's 409, shown inline.
    const other = { derived: { 'attributes/double': 'attributes.n * 3.0' } };
    await form.getByLabel(/^Document/).fill(JSON.stringify(other));
    await form.getByRole('button', { name: 'Create' }).click();
    const conflict = await api('PUT', `/types/${NS}:fresh:1`, other);
    expect(conflict.status).toBe(409);
    await expect
      .poll(() => page.getByTestId('type-error').textContent())
      .toContain(conflict.body.message);
    expect((await api('GET', `/types/${NS}:fresh:1`)).body.derived).toEqual(good.derived);
  });

  it('lists the alerts the API holds, filters them, and acknowledging in the page acknowledges in the API', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Alerts' }).click();
    const table = page.getByTestId('alerts');
    const [alert] = await alertsOf(`thingId=${RACK(1)}`);
    const row = table.locator(`tr[data-alert="${alert.alertId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('alert-state').textContent()).toBe('active');
    expect(await table.locator('tbody tr').count()).toBe((await alertsOf('')).length);
    // Filtered as the API filters: none resolved yet.
    await page.getByLabel('State').selectOption('resolved');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No alerts match.').waitFor();
    expect(new URL(page.url()).searchParams.get('state')).toBe('resolved');
    await page.getByLabel('State').selectOption('');
    // Raised before the first alert: none; from then on: it (the time range the API filters by).
    const raised = Date.parse(
      (await api('GET', `/alerts/${encodeURIComponent(alert.alertId)}`)).body.raised,
    );
    const local = (ms: number) =>
      new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.getByLabel('Raised before').fill(local(raised - 1000));
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No alerts match.').waitFor();
    await page.getByLabel('Raised before').fill('');
    await page.getByLabel('Raised from').fill(local(raised - 1000));
    await page.getByRole('button', { name: 'Filter' }).click();
    await row.waitFor();
    expect(new URL(page.url()).searchParams.get('from')).toBe(
      new Date(Math.floor(raised / 1000) * 1000 - 1000).toISOString(),
    );
    await page.getByLabel('State').selectOption('active');
    await page.getByLabel('Twin').fill(RACK(1));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Note for acknowledgements').fill('fan replaced');
    await row.getByRole('button', { name: `Acknowledge ${alert.alertId}` }).click();
    await expect.poll(() => row.getByTestId('alert-state').textContent()).toBe('acknowledged');
    const held = await api('GET', `/alerts/${encodeURIComponent(alert.alertId)}`);
    expect(held.body).toMatchObject({
      state: 'acknowledged',
      acknowledged: { by: expect.any(String), note: 'fan replaced' },
    });
    expect(await row.getByTestId('alert-ack').textContent()).toBe(
      `${held.body.acknowledged.by}: fan replaced`,
    );
  });

  it('shows a new alert live, without a reload, and its resolution', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    const table = page.getByTestId('alerts');
    await table.waitFor();
    await expect
      .poll(() => page.getByTestId('live-status').textContent(), { timeout: 5000 })
      .toBe('live');
    // Clearing the filters reloads the list: count its rows once they have stopped changing.
    const rows = () => table.locator('tbody tr').count();
    let before = await rows();
    for (let settled = 0; settled < 3;) {
      await page.waitForTimeout(200);
      const now = await rows();
      settled = now === before ? settled + 1 : 0;
      before = now;
    }
    // A marker on the window: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await setWatts(RACK(2), 400);
    const [raised] = await alertsOf(`thingId=${RACK(2)}&state=active`);
    const row = table.locator(`tr[data-alert="${raised.alertId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('alert-state').textContent()).toBe('active');
    expect(await table.locator('tbody tr').count()).toBe(before + 1);
    await setWatts(RACK(2), 50);
    await expect
      .poll(() => row.getByTestId('alert-state').textContent(), { timeout: 5000 })
      .toBe('resolved');
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
  });

  it("draws a twin's relations as a graph whose nodes go to the related twins", async () => {
    await visit(`/twins/${HALL}?tab=relations`);
    const graph = page.getByTestId('relation-graph');
    await graph.waitFor();
    const nodes = await graph
      .locator('[data-node]')
      .evaluateAll((elements) => elements.map((e) => e.getAttribute('data-node')).sort());
    expect(nodes).toEqual([HALL, RACK(1), RACK(2), RACK(3), SITE].sort());
    const edges = await graph
      .locator('[data-edge]')
      .evaluateAll((elements) => elements.map((e) => e.getAttribute('data-edge')).sort());
    expect(edges).toEqual(
      [...[1, 2, 3].map((n) => `${RACK(n)} partOf ${HALL}`), `${HALL} partOf ${SITE}`].sort(),
    );
    // Ancestors (the site) right of… no: parents left, children right. The hall's parent is the site.
    const x = async (id: string) =>
      Number(await graph.locator(`[data-node="${id}"] rect`).getAttribute('x'));
    expect(await x(RACK(1))).toBeLessThan(await x(HALL));
    expect(await x(SITE)).toBeGreaterThan(await x(HALL));
    await graph.getByRole('link', { name: `Go to ${RACK(2)}` }).click();
    await expect.poll(() => page.getByTestId('thing-id').textContent()).toBe(RACK(2));
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/twins/${RACK(2)}`);
  });

  it('shows the values its type computes, marked by kind, and follows them live', async () => {
    await visit(`/twins/${RACK(3)}`);
    const computed = page.getByTestId('computed-values');
    await computed.waitFor();
    const kw = computed.locator('tr[data-pointer="features/power/properties/kw"]');
    expect(await kw.getByTestId('computed-kind').textContent()).toBe('derived');
    const held = await api('GET', `/things/${RACK(3)}/features/power/properties`);
    expect(await kw.getByTestId('computed-value').textContent()).toBe(String(held.body.kw));
    const avg = computed.locator('tr[data-pointer="features/power/properties/avg5m"]');
    expect(await avg.getByTestId('computed-kind').textContent()).toBe('window');
    expect(await avg.getByTestId('computed-value').textContent()).toBe(String(held.body.avg5m));
    // In the tree too: marked, and not offered for editing (the API refuses writes to them).
    const tree = page.getByTestId('tree');
    const kwLeaf = tree.locator('li', {
      has: page.locator('[data-path="/features/power/properties/kw"]'),
    });
    expect(await kwLeaf.getByTestId('computed-mark').textContent()).toBe('derived');
    expect(await kwLeaf.getByRole('button', { name: /^Edit/ }).count()).toBe(0);
    const wattsLeaf = tree.locator('li', {
      has: page.locator('[data-path="/features/power/properties/watts"]'),
    });
    expect(await wattsLeaf.getByTestId('computed-mark').count()).toBe(0);
    expect(await wattsLeaf.getByRole('button', { name: /^Edit/ }).count()).toBe(1);
    await setWatts(RACK(3), 210);
    await expect.poll(() => kw.getByTestId('computed-value').textContent()).toBe('0.21');
    // The hall's roll-up, marked as one.
    await visit(`/twins/${HALL}`);
    const total = page
      .getByTestId('computed-values')
      .locator('tr[data-pointer="attributes/totalWatts"]');
    await total.waitFor();
    expect(await total.getByTestId('computed-kind').textContent()).toBe('roll-up');
    const totalWatts = (await api('GET', `/things/${HALL}/attributes/totalWatts`)).body;
    await expect
      .poll(() => total.getByTestId('computed-value').textContent())
      .toBe(String(totalWatts));
  });

  it('starts a replay, shows its progress while it runs, then the comparison the API holds', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Replays' }).click();
    const form = page.getByRole('form', { name: 'Start a replay' });
    await form.getByLabel('Type').selectOption(RACK_V2);
    await form.getByLabel(/^RQL filter/).fill(`like(thingId,"${NS}:rack-*")`);
    // Into the replayed twins' own namespace: the API's refusal, shown with the form.
    await form.getByLabel(/^Into/).fill(NS);
    await form.getByRole('button', { name: 'Start the replay' }).click();
    const refused = await api('POST', '/replays', {
      type: RACK_V2,
      filter: `like(thingId,"${NS}:rack-*")`,
      into: NS,
    });
    expect(refused.status).toBe(400);
    await expect
      .poll(() => page.getByTestId('replay-error').textContent())
      .toContain(refused.body.message);
    await form.getByLabel(/^Into/).fill(`${NS}.whatif`);
    // Every state and progress the page shows, as it shows them.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const state = document.querySelector('[data-testid=replay-state]')?.textContent;
        const fraction = document
          .querySelector('[data-testid=replay-progress]')
          ?.getAttribute('data-fraction');
        const entry = `${state} ${fraction}`;
        if (state && seen[seen.length - 1] !== entry) seen.push(entry);
      }).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
      });
    });
    await form.getByRole('button', { name: 'Start the replay' }).click();
    await expect
      .poll(() => page.getByTestId('replay-state').textContent(), { timeout: 20_000 })
      .toBe('succeeded');
    const replayId = new URL(page.url()).searchParams.get('id')!;
    const replay = (await api('GET', `/replays/${replayId}`)).body;
    expect(replay.state).toBe('succeeded');
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // It answered 202 running; the page showed that, then the end (progress 1).
    expect(seen[0]).toMatch(/^running /);
    expect(seen[seen.length - 1]).toBe('succeeded 1');
    const fractions = seen.map((entry) => Number(entry.split(' ')[1]));
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(await page.getByTestId('replay-progress').getAttribute('value')).toBe('100');

    const comparison = page.getByTestId('replay-comparison');
    const { alerts, outputs } = replay.comparison;
    expect(await comparison.getByTestId('replay-alert-counts').textContent()).toBe(
      `${alerts.replayed} / ${alerts.live}`,
    );
    // v2 raises at 150 W: rack-3 at 200 W would have fired and did not.
    expect(alerts.onlyInReplay).toBeGreaterThan(0);
    const only = comparison.getByTestId('replay-would-have-fired-and-did-not');
    expect(await only.getByTestId('replay-count').textContent()).toBe(String(alerts.onlyInReplay));
    expect(await only.locator('tbody').textContent()).toContain(RACK(3));
    // v2 derives kw = watts / 100: every compared kw differs.
    expect(outputs.differing).toBeGreaterThan(0);
    expect(await comparison.getByTestId('replay-differing').textContent()).toBe(
      String(outputs.differing),
    );
    expect(Number(await comparison.getByTestId('replay-max-difference').textContent())).toBeCloseTo(
      outputs.maxAbsDifference,
      5,
    );
    const differing = page.getByTestId('replay-outputs').locator('tbody tr');
    expect(await differing.count()).toBe(
      outputs.twins.reduce(
        (sum: number, t: { pointers: object }) => sum + Object.keys(t.pointers).length,
        0,
      ),
    );
    expect(await page.getByTestId('replay-outputs').textContent()).toContain(
      'features/power/properties/kw',
    );
    expect(await page.getByTestId('replay-into').textContent()).toContain(`${NS}.whatif:rack-3`);
    // The list of replays follows: this one is listed as it ended.
    await expect
      .poll(() =>
        page.getByTestId('replays').locator('tbody tr[aria-selected=true] td').nth(2).textContent(),
      )
      .toBe('succeeded');
    expect(pageErrors).toEqual([]);
  });
});
