// axe-core over every page of the dashboard in Chromium (no critical or serious violations), and keyboard focus.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  adminFetch,
  ADMIN_TOKEN,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';
import { chromiumAvailable, launchChromium, visitInApp } from './support/chromium.js';
import { axeViolations, describeViolations, isSevere } from './support/axe.js';

const CAN_RUN = chromiumAvailable('dashboard-accessibility');

const NS = 'a11y.test';

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
/** A client the Connections page lists (with a long subscription, for the phone's width). */
let socket: WebSocket;
/** A finished replay, whose comparison the Replays page shows. */
let replayId = '';

async function put(path: string, body: unknown) {
  const response = await adminFetch(`${server.url}/api/2${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
}

const visit = (url: string) => visitInApp(page, url);

/** How far the page is wider than the viewport, and the outermost elements that stick out. */
function overflow() {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const element of document.body.querySelectorAll<HTMLElement>('*')) {
      if (element.getBoundingClientRect().right <= width + 0.5) continue;
      // Inside a box that scrolls sideways itself, an element may be as wide as it likes.
      let parent = element.parentElement;
      let clipped = false;
      while (parent && parent !== document.body) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(parent).overflowX)) {
          clipped = true;
          break;
        }
        parent = parent.parentElement;
      }
      if (clipped) continue;
      const parentOut = element.parentElement?.getBoundingClientRect().right ?? 0;
      if (parentOut <= width + 0.5)
        out.push(
          `${element.tagName.toLowerCase()}.${element.className} (${Math.round(element.getBoundingClientRect().right)} px)`,
        );
    }
    return { extra: document.documentElement.scrollWidth - width, out };
  });
}

describe.skipIf(!CAN_RUN)('dashboard accessibility - axe-core in Chromium', () => {
  beforeAll(async () => {
    await build({ root: 'ui', logLevel: 'warn' });
    dataDir = mkdtempSync(join(tmpdir(), 'twinfold-dashboard-a11y-'));
    server = await startServerProcess(['--data', dataDir, '--mqtt-port', '0']);
    await put(`/things/${NS}:lamp`, {
      attributes: { room: 'hall' },
      features: { light: { properties: { on: false }, desiredProperties: { on: true } } },
    });
    // Twin behaviour: a type, a twin of it with an alert, a relation, and a replay.
    await put(`/types/${NS}:rack:1`, {
      derived: { 'features/power/properties/kw': 'features.power.properties.watts / 1000.0' },
      windows: {
        'features/power/properties/peak': {
          of: 'features/power/properties/watts',
          op: 'max',
          samples: 5,
        },
      },
      assessments: { hot: { when: 'features.power.properties.watts > 100.0' } },
    });
    await put(`/things/${NS}:rack`, {
      definition: `${NS}:rack:1`,
      features: { power: { properties: { watts: 150 } } },
    });
    await put(`/things/${NS}:lamp/relations/poweredBy/${NS}:rack`, {});
    const replay = await adminFetch(`${server.url}/api/2/replays`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: `${NS}:rack:1`, filter: `eq(thingId,"${NS}:rack")` }),
    });
    expect(replay.status).toBe(202);
    replayId = ((await replay.json()) as { replayId: string }).replayId;
    await put('/models/a11y-model', { kind: 'external', parameters: {} });
    await put('/scenarios/a11y-scenario', { parameters: { inletC: 30 } });
    await put('/services/a11y-service', {
      kind: 'http',
      url: 'http://127.0.0.1:9/run',
      schedule: { every: '1d' },
    });
    await put('/ingest/specs/lamps', {
      source: { http: {} },
      thingId: `${NS}:{{$.id}}`,
      values: { 'features/light/properties/on': '$.on' },
    });
    socket = new WebSocket(
      `${server.url.replace('http', 'ws')}/ws/2?access_token=${encodeURIComponent(ADMIN_TOKEN)}`,
    );
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const acked = new Promise((resolve) => socket.once('message', resolve));
    socket.send(
      `START-SEND-EVENTS?namespaces=${NS}&filter=and(exists(features/light/properties/on),eq(attributes/room,"hall"))`,
    );
    expect(String(await acked)).toBe('START-SEND-EVENTS:ACK');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(5000);
  }, 120_000);

  afterAll(async () => {
    socket?.close();
    await browser?.close();
    await server?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the sign-in page has no critical or serious violation, and is usable by keyboard alone', async () => {
    await page.goto(`${server.url}/twins`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const found = await axeViolations(page);
    const severe = found.filter(isSevere);
    expect(describeViolations(severe)).toEqual([]);
    for (const [width, height] of [
      [390, 844],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width, height });
      expect(await overflow(), `${width}×${height}`).toEqual({ extra: 0, out: [] });
    }
    // Tab to the token tab, choose it, tab to the field, type, Enter.
    await page.getByRole('tab', { name: 'API token' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).not.toBeNull();
    await page.getByLabel('API token').focus();
    await page.keyboard.type(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByTestId('subject').waitFor();
  });

  /** Each page: its URL, its heading, and what shows that its data arrived (when it has any). */
  const pages: [string, string, string?][] = [
    ['/overview', 'Overview'],
    ['/twins', 'Twins'],
    [`/twins/${NS}:lamp`, `${NS}:lamp`],
    [`/twins/${NS}:lamp?tab=desired`, `${NS}:lamp`],
    [`/twins/${NS}:lamp?tab=history`, `${NS}:lamp`],
    [`/twins/${NS}:lamp?tab=message`, `${NS}:lamp`],
    [`/policies/${NS}:lamp`, `${NS}:lamp`],
    [
      `/series?thing=${NS}:lamp&pointer=features/light/properties/on`,
      'Series',
      '[data-testid=series-chart] canvas',
    ],
    [
      '/models?model=a11y-model&service=a11y-service',
      'Models & services',
      '[data-testid=services] tbody tr',
    ],
    ['/datacenters', 'Datacenters', 'form'],
    ['/datacenters/a11y-dc', 'Datacenter', 'form'],
    ['/experiments', 'Experiments', 'form'],
    ['/ingest?spec=lamps', 'Ingest specs'],
    ['/deadletters', 'Dead letters'],
    ['/webhooks', 'Webhooks'],
    [`/types?id=${NS}:rack:1`, 'Types', '[data-testid=type-derived]'],
    ['/alerts', 'Alerts', '[data-testid=alerts] tbody tr'],
    [`/twins/${NS}:rack`, `${NS}:rack`, '[data-testid=computed-values]'],
    [`/twins/${NS}:lamp?tab=relations`, `${NS}:lamp`, '[data-testid=relation-graph]'],
    ['/replays?id={replayId}', 'Replays', '[data-testid=replay-comparison]'],
    ['/connections', 'Connections', '[data-testid=connections] tbody tr'],
    ['/admin', 'Administration'],
  ];
  for (const [url, heading, loaded] of pages)
    it(`${url} has no critical or serious axe-core violation, light or dark`, async () => {
      await visit(url.replace('{replayId}', replayId));
      await page.locator('h1', { hasText: heading }).first().waitFor();
      if (loaded) await page.locator(loaded).first().waitFor();
      // Let the page's data arrive before checking it.
      await page.waitForLoadState('networkidle').catch(() => {});
      await page.waitForTimeout(300);
      // In both themes (they follow the system's).
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        const found = await axeViolations(page);
        const severe = found.filter(isSevere);
        expect(describeViolations(severe), colorScheme).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    });

  for (const [width, height] of [
    [390, 844],
    [1280, 800],
  ] as const)
    it(`at ${width}×${height} no page is wider than the screen`, async () => {
      await page.setViewportSize({ width, height });
      try {
        const found: Record<string, unknown> = {};
        const clean: Record<string, unknown> = {};
        for (const [url, heading, loaded] of pages) {
          await visit(url.replace('{replayId}', replayId));
          await page.locator('h1', { hasText: heading }).first().waitFor();
          if (loaded) await page.locator(loaded).first().waitFor();
          await page.waitForLoadState('networkidle').catch(() => {});
          await page.waitForTimeout(200);
          found[url] = await overflow();
          clean[url] = { extra: 0, out: [] };
        }
        expect(found).toEqual(clean);
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
    });

  it('follows the system theme: dark colours when it prefers dark, light otherwise', async () => {
    await visit('/overview');
    await page.locator('h1', { hasText: 'Overview' }).waitFor();
    const colours = () =>
      page.evaluate(() => {
        const style = getComputedStyle(document.body.parentElement!);
        return { background: style.backgroundColor, text: style.color };
      });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await colours()).toEqual({ background: 'rgb(20, 23, 27)', text: 'rgb(230, 233, 237)' });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await colours()).toEqual({ background: 'rgb(255, 255, 255)', text: 'rgb(27, 31, 36)' });
  });

  it('the navigation is reachable by Tab with a visible focus ring', async () => {
    await visit('/overview');
    await page.locator('h1', { hasText: 'Overview' }).waitFor();
    await page.locator('.brand').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      const style = getComputedStyle(element);
      return { text: element.textContent, outline: style.outlineStyle, width: style.outlineWidth };
    });
    expect(focused.text).toBe('Overview');
    expect(focused.outline).not.toBe('none');
    expect(focused.width).not.toBe('0px');
    await page.keyboard.press('Enter');
    expect(new URL(page.url()).pathname).toBe('/overview');
  });
});
