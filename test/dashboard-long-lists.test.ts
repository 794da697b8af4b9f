// The dashboard's long lists in Chromium: 1,000 twins paged 200 at a time, a twin of 500 values, a long history, dead letters and a delivery log draw only the rows in view.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminFetch,
  ADMIN_TOKEN,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';
import { chromiumAvailable, launchChromium, visitInApp } from './support/chromium.js';
import { severeViolations } from './support/axe.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const CAN_RUN = chromiumAvailable('dashboard-long-lists');

const NS = 'long.lists';
const TWINS = 1000;
const PAGE = 200;
const PROPERTIES = 500;
const BIG = `${NS}:big`;
/** Revisions of the big twin after its changes (1 = created). */
const REVISIONS = 150;
const LETTERS = 120;

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
let receiver: WebhookReceiver;
let webhookId: string;

async function call(method: string, path: string, body?: unknown, type = 'application/json') {
  const response = await adminFetch(`${server.url}/api/2${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  const text = await response.text();
  return text ? (JSON.parse(text) as unknown) : null;
}

const visit = (url: string) => visitInApp(page, url);

/** The rows in the DOM, spacers left out. */
const drawn = (rows: Locator) => rows.locator(':scope:not(.spacer)');

/** Scrolls a windowed list's box to its end. */
async function scrollToEnd(viewport: Locator) {
  await viewport.evaluate((box) => (box.scrollTop = box.scrollHeight));
}

// Skipped only where /usr/bin/chromium is missing outside CI; chromiumAvailable fails under CI=true.
describe.skipIf(!CAN_RUN)('dashboard long lists - windowed in Chromium', () => {
  beforeAll(async () => {
    await build({ root: 'ui', logLevel: 'warn' });
    dataDir = mkdtempSync(join(tmpdir(), 'twinfold-dashboard-lists-'));
    server = await startServerProcess(['--data', dataDir, '--mqtt-port', '0']);
    receiver = await new WebhookReceiver().start();
    const hook = (await call('POST', '/webhooks', {
      url: receiver.url,
      filter: `eq(thingId,"${BIG}")`,
    })) as { id: string };
    webhookId = hook.id;
    for (let start = 0; start < TWINS; start += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, TWINS - start) }, (_, k) => {
          const n = start + k;
          return call('PUT', `/things/${NS}:twin-${String(n).padStart(4, '0')}`, {
            attributes: { kind: 'many', n },
          });
        }),
      );
    const properties: Record<string, number> = {};
    for (let i = 0; i < PROPERTIES; i++) properties[`p${String(i).padStart(3, '0')}`] = i;
    await call('PUT', `/things/${BIG}`, { features: { many: { properties } } });
    for (let revision = 2; revision <= REVISIONS; revision++)
      await call('PUT', `/things/${BIG}/attributes/step`, revision);
    await call('PUT', '/ingest/specs/lists', {
      source: { http: {} },
      thingId: `${NS}:{{$.id}}`,
      values: { 'attributes/t': '$.t' },
    });
    // Messages without an id name no twin: each becomes a dead letter.
    const ndjson = Array.from({ length: LETTERS }, (_, i) => JSON.stringify({ t: i })).join('\n');
    await call('POST', '/ingest/lists', ndjson, 'application/x-ndjson');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(5000);
    await page.goto(`${server.url}/`);
    await page.getByRole('tab', { name: 'API token' }).click();
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('subject').waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.stop();
    await server?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('twins - pages through 1,000 twins 200 at a time, drawing only the rows in view', async () => {
    await visit(
      `/twins?filter=${encodeURIComponent('eq(attributes/kind,"many")')}&size=${PAGE}&fields=thingId,attributes/n`,
    );
    const viewport = page.getByRole('region', { name: 'Search results' });
    const rows = drawn(page.locator('[data-testid=results] tbody tr'));
    const name = (n: number) => `${NS}:twin-${String(n).padStart(4, '0')}`;
    for (let p = 0; p < TWINS / PAGE; p++) {
      await expect.poll(() => rows.first().textContent()).toContain(name(p * PAGE));
      expect(await rows.count()).toBeLessThan(PAGE / 2);
      expect(await page.getByRole('link', { name: name(p * PAGE + PAGE - 1) }).count()).toBe(0);
      await scrollToEnd(viewport);
      await page.getByRole('link', { name: name(p * PAGE + PAGE - 1) }).waitFor();
      expect(await rows.count()).toBeLessThan(PAGE / 2);
      await expect
        .poll(() => page.getByTestId('page-info').textContent())
        .toBe(`Page ${p + 1} of 5`);
      if (p < TWINS / PAGE - 1) await page.getByTestId('next-page').click();
    }
    expect(await page.getByTestId('next-page').isDisabled()).toBe(true);
    // The next page starts at its top: going back shows the first row of page 4.
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(() => rows.first().textContent()).toContain(name(3 * PAGE));
    expect(await severeViolations(page)).toEqual([]);
  });

  it('a twin - 500 values draw a window of rows; scrolling and Tab reach the last', async () => {
    await visit(`/twins/${encodeURIComponent(BIG)}`);
    const tree = page.getByRole('region', { name: 'Values' });
    const leaf = (i: number) =>
      page.locator(`[data-path="/features/many/properties/p${String(i).padStart(3, '0')}"]`);
    await leaf(0).waitFor();
    const items = drawn(tree.locator('ul.tree > li'));
    expect(await items.count()).toBeLessThan(100);
    expect(await leaf(PROPERTIES - 1).count()).toBe(0);

    // Keyboard: Tab from the first value's edit button walks on past the rows drawn at first.
    await page.getByRole('button', { name: 'Edit /features/many/properties/p000' }).focus();
    for (let i = 0; i < 2 * 120; i++) await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    expect(focused).toMatch(/^(Edit|Chart) \/features\/many\/properties\/p1[12]\d$/);

    await scrollToEnd(tree);
    await leaf(PROPERTIES - 1).waitFor();
    expect(await leaf(PROPERTIES - 1).textContent()).toBe(String(PROPERTIES - 1));
    expect(await items.count()).toBeLessThan(100);
    expect(await severeViolations(page)).toEqual([]);
  });

  it('a twin - the history timeline of 150 events draws a window; its end is revision 1', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const timeline = page.getByRole('region', { name: 'Events, newest first' });
    const rows = drawn(page.locator('[data-testid=timeline] tbody tr'));
    const revisionOf = (row: Locator) => row.locator('td').first().textContent();
    await expect.poll(() => revisionOf(rows.first())).toBe(String(REVISIONS));
    expect(await rows.count()).toBeLessThan(REVISIONS / 2);
    await scrollToEnd(timeline);
    await expect.poll(() => revisionOf(rows.last())).toBe('1');
    expect(await rows.count()).toBeLessThan(REVISIONS / 2);
  });

  it('dead letters - a page of 120 draws a window; the last is reached by scrolling', async () => {
    await visit('/deadletters?spec=lists');
    const box = page.getByRole('region', { name: 'Dead letters' });
    const rows = drawn(page.locator('[data-testid=dead-letters] tbody tr'));
    await rows.first().waitFor();
    expect(await rows.count()).toBeLessThan(LETTERS / 2);
    const letters = (await call('GET', '/ingest/deadletters?spec=lists&limit=1000')) as {
      items: { id: string }[];
    };
    expect(letters.items).toHaveLength(LETTERS);
    const lastId = letters.items[LETTERS - 1].id;
    expect(await page.getByRole('button', { name: `Re-drive ${lastId}` }).count()).toBe(0);
    await scrollToEnd(box);
    await page.getByRole('button', { name: `Re-drive ${lastId}` }).waitFor();
    expect(await severeViolations(page)).toEqual([]);
  });

  it('webhooks - a delivery log of 150 deliveries draws a window', async () => {
    await expect
      .poll(async () => {
        const log = (await call('GET', `/webhooks/${webhookId}/deliveries?limit=1000`)) as {
          items: unknown[];
        };
        return log.items.length;
      })
      .toBe(REVISIONS);
    await visit(`/webhooks?id=${encodeURIComponent(webhookId)}`);
    const box = page.getByRole('region', { name: 'Deliveries' });
    await box.waitFor();
    const rows = drawn(box.locator('tbody tr'));
    expect(await rows.count()).toBeLessThan(REVISIONS / 2);
    await scrollToEnd(box);
    await expect.poll(() => rows.last().textContent()).toContain(BIG);
    expect(await rows.count()).toBeLessThan(REVISIONS / 2);
  });
});
