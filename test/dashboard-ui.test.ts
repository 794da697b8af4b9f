// The dashboard (ui/), built with Vite and served by a real `twinfold serve`, driven in Debian's Chromium.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodingFor } from '../src/api/dashboard.js';
import {
  adminFetch,
  ADMIN_TOKEN,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';

const CAN_RUN = chromiumAvailable('dashboard-ui');

const USER = 'dana';
const PASSWORD = 'dana-dashboard-password';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const NS = 'dash.test';
const LAMP = `${NS}:lamp-1`;
const TWINS = 60;

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${server.url}/api/2${path}`, {
    method,
    headers: { authorization: BASIC, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}

async function signIn(username = USER, password = PASSWORD) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('subject').waitFor();
}

describe.skipIf(!CAN_RUN)('dashboard - in Chromium against twinfold serve', () => {
  beforeAll(async () => {
    // The very build `npm install` makes, so the server serves what this test drives.
    await build({ root: 'ui', logLevel: 'warn' });
    dataDir = mkdtempSync(join(tmpdir(), 'twinfold-dashboard-'));
    // A 10 s JWT: the dashboard renews it (every 8 s) while the tests run.
    server = await startServerProcess(['--data', dataDir, '--mqtt-port', '0'], {
      TWINFOLD_ACCESS_TTL_SECONDS: '10',
    });
    const user = await adminFetch(`${server.url}/api/2/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: USER, password: PASSWORD }),
    });
    expect(user.status).toBe(201);
    const lamp = await api('PUT', `/things/${LAMP}`, {
      attributes: { room: 'hall', floor: 1 },
      features: { light: { properties: { on: false, level: 10 } } },
    });
    expect(lamp.status).toBe(201);
    for (let i = 0; i < TWINS; i++) {
      const created = await api('PUT', `/things/${NS}:pump-${String(i).padStart(3, '0')}`, {
        attributes: { kind: 'pump', n: i },
      });
      expect(created.status).toBe(201);
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(5000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the app at / and for client-side routes, while unknown API paths stay Ditto 404s', async () => {
    const root = await fetch(`${server.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toContain('text/html');
    const deep = await fetch(`${server.url}/twins/${LAMP}`);
    expect(await deep.text()).toContain('<div id="app">');
    const unknown = await fetch(`${server.url}/api/2/no-such-thing`);
    expect(unknown.status).toBe(401);
    const known = await adminFetch(`${server.url}/api/2/no-such-thing`);
    expect(known.status).toBe(404);
    expect(((await known.json()) as { error: string }).error).toBe('resource.notfound');
  });

  it('serves the text files in brotli or gzip as the client asks, the same bytes once decoded', async () => {
    const script = readdirSync('ui/dist/assets').find((name) => name.endsWith('.js'))!;
    const original = readFileSync(join('ui/dist/assets', script));
    const raw = (accept: string) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) =>
        get(
          `${server.url}/assets/${script}`,
          { headers: accept ? { 'accept-encoding': accept } : {} },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ headers: response.headers, body: Buffer.concat(chunks) }),
            );
          },
        ).on('error', reject),
      );
    const br = await raw('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    expect(br.body.length).toBeLessThan(original.length / 2);
    const gz = await raw('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(original)).toBe(true);
    const plain = await raw('');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    const refused = await raw('br;q=0, gzip;q=0');
    expect(refused.headers['content-encoding']).toBeUndefined();
    // The choice of encoding: brotli first, q=0 refuses one, identity alone takes none.
    expect(encodingFor('*')).toBe('br');
    expect(encodingFor('identity')).toBeNull();
    expect(encodingFor('gzip;q=0.5, br;q=0')).toBe('gzip');
  });

  it('signs in with a username and password and keeps nothing in the browser storage', async () => {
    await page.goto(`${server.url}/twins`);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByLabel('Username').fill(USER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong');
    await signIn();
    expect(await page.getByTestId('subject').textContent()).toBe(`user:${USER}`);
    const stored = await page.evaluate(() => localStorage.length + sessionStorage.length);
    expect(stored).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('search - a bad filter shows the server error and its position in place, a good one the count', async () => {
    const filter = page.getByTestId('filter');
    await filter.fill('and(eq(attributes/kind,"pump"),gt(attributes/n');
    const error = page.getByTestId('filter-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/The RQL expression is invalid: .*at position \d+/);
    expect(await page.locator('.filter-error .caret').textContent()).toContain('^');
    await expect.poll(() => filter.getAttribute('aria-invalid')).toBe('true');
    await filter.fill('and(eq(attributes/kind,"pump"),ge(attributes/n,10))');
    await expect
      .poll(() => page.getByTestId('filter-count').textContent())
      .toBe(`${TWINS - 10} twins match this filter.`);
    expect(await error.count()).toBe(0);
  });

  it('search - pages through results with cursors, sorts by a column, and the URL holds the query', async () => {
    await page.getByTestId('filter').fill('eq(attributes/kind,"pump")');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const rows = page.locator('[data-testid=results] tbody tr');
    await expect.poll(() => rows.first().textContent()).toContain(`${NS}:pump-000`);
    expect(await rows.count()).toBe(25);
    await page.getByTestId('next-page').click();
    await expect.poll(() => rows.first().textContent()).toContain(`${NS}:pump-025`);
    expect(page.url()).toContain('cursor=');
    await page.getByTestId('next-page').click();
    await expect.poll(() => rows.count()).toBe(TWINS - 50);
    expect(await page.getByTestId('next-page').isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(() => rows.first().textContent()).toContain(`${NS}:pump-025`);

    await page.getByRole('button', { name: 'thingId' }).click(); // +thingId
    await page.getByRole('button', { name: /thingId/ }).click(); // -thingId
    await expect.poll(() => rows.first().textContent()).toContain(`${NS}:pump-059`);
    const shared = new URL(page.url());
    expect(shared.searchParams.get('filter')).toBe('eq(attributes/kind,"pump")');
    expect(shared.searchParams.get('sort')).toBe('-thingId');

    // A shared link: a new page signs in (nothing is stored) and shows the same query.
    const other = await browser.newPage();
    try {
      await other.goto(shared.toString());
      await other.getByLabel('Username').fill(USER);
      await other.getByLabel('Password').fill(PASSWORD);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(() => other.getByTestId('filter').inputValue())
        .toBe('eq(attributes/kind,"pump")');
      await expect
        .poll(() => other.locator('[data-testid=results] tbody tr').first().textContent())
        .toContain(`${NS}:pump-059`);
    } finally {
      await other.close();
    }
  });

  it('search - the builder adds conditions to the filter with and(), quoting strings, and the count follows', async () => {
    const filter = page.getByTestId('filter');
    await filter.fill('');
    await page.getByLabel('Property').fill('attributes/kind');
    await page.getByLabel('Value', { exact: true }).fill('pump');
    await page.getByRole('button', { name: 'Add condition' }).click();
    expect(await filter.inputValue()).toBe('eq(attributes/kind,"pump")');
    await page.getByLabel('Property').fill('attributes/n');
    await page.locator('select[name=operator]').selectOption('ge');
    await page.getByLabel('Value', { exact: true }).fill('55');
    await page.getByRole('button', { name: 'Add condition' }).click();
    expect(await filter.inputValue()).toBe('and(eq(attributes/kind,"pump"),ge(attributes/n,55))');
    await page.getByLabel('Property').fill('attributes/n');
    await page.locator('select[name=operator]').selectOption('lt');
    await page.getByLabel('Value', { exact: true }).fill('58');
    await page.getByRole('button', { name: 'Add condition' }).click();
    expect(await filter.inputValue()).toBe(
      'and(eq(attributes/kind,"pump"),ge(attributes/n,55),lt(attributes/n,58))',
    );
    await expect
      .poll(() => page.getByTestId('filter-count').textContent())
      .toBe('3 twins match this filter.');
  });

  it('creates a twin from JSON and opens it', async () => {
    await page.getByRole('button', { name: 'Create a twin…' }).click();
    await page
      .getByLabel(/The new twin/)
      .fill('{"thingId": "dash.test:made-here", "attributes": {"x": 1}}');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.getByTestId('thing-id').textContent()).toBe('dash.test:made-here');
    expect((await api('GET', '/things/dash.test:made-here/attributes/x')).body).toBe(1);
  });

  it('a twin - a value written over HTTP appears live, within a second, without reload', async () => {
    await page.goto(`${server.url}/twins`);
    await signIn();
    await page.getByTestId('filter').fill(`eq(thingId,"${LAMP}")`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('link', { name: LAMP }).click();
    const level = page.locator('[data-path="/features/light/properties/level"]');
    await expect.poll(() => level.textContent()).toBe('10');
    await expect.poll(() => page.getByTestId('live-status').textContent()).toBe('live');
    const written = Date.now();
    expect((await api('PUT', `/things/${LAMP}/features/light/properties/level`, 42)).status).toBe(
      204,
    );
    await expect.poll(() => level.textContent(), { timeout: 1000, interval: 20 }).toBe('42');
    expect(Date.now() - written).toBeLessThan(1000);
    expect(await page.getByTestId('revision').textContent()).toBe('2');
  });

  it('a twin - an inline edit is stored, and a conflicting edit is shown as such and changes nothing', async () => {
    await page.getByRole('button', { name: 'Edit /attributes/room' }).click();
    await page.getByTestId('editor').getByRole('textbox').fill('"kitchen"');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('editor').waitFor({ state: 'detached' });
    expect((await api('GET', `/things/${LAMP}/attributes/room`)).body).toBe('kitchen');
    await expect
      .poll(() => page.locator('[data-path="/attributes/room"]').textContent())
      .toBe('"kitchen"');

    // Someone else changes the value after the edit began.
    await page.getByRole('button', { name: 'Edit /attributes/room' }).click();
    await page.getByTestId('editor').getByRole('textbox').fill('"attic"');
    expect((await api('PUT', `/things/${LAMP}/attributes/room`, 'cellar')).status).toBe(204);
    await page.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('"cellar"');
    expect((await api('GET', `/things/${LAMP}/attributes/room`)).body).toBe('cellar');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('a twin - history, time travel to revision 1 shows the original values, and a chart', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const timeline = page.locator('[data-testid=timeline] tbody tr');
    await expect.poll(() => timeline.count()).toBe(4);
    expect(await timeline.first().textContent()).toContain('user:dana');
    await page.getByTestId('revision-slider').fill('1');
    const past = page.getByTestId('past');
    await expect
      .poll(() => past.locator('[data-path="/features/light/properties/level"]').textContent())
      .toBe('10');
    expect(await past.locator('[data-path="/attributes/room"]').textContent()).toBe('"hall"');
    // The diff of revision 1 against now: the room and the level changed, nothing else.
    const changes = page.locator('[data-testid=changes] tbody tr');
    await expect.poll(() => changes.count()).toBe(2);
    expect(await changes.nth(0).textContent()).toBe('/attributes/room"hall""cellar"');
    expect(await changes.nth(1).textContent()).toBe('/features/light/properties/level1042');
    await page.getByTestId('revision-slider').fill('2');
    await expect
      .poll(() => past.locator('[data-path="/features/light/properties/level"]').textContent())
      .toBe('42');

    await page.getByRole('tab', { name: 'Values' }).click();
    await page.getByRole('button', { name: 'Chart /features/light/properties/level' }).click();
    await page.getByTestId('chart').locator('canvas').waitFor();
    expect(page.url()).toContain('chart=%2Ffeatures%2Flight%2Fproperties%2Flevel');
    expect(await page.getByText('(2 values from the journal)').count()).toBe(1);
  });

  it('policy - shows entries, checks a permission, refuses a bad edit in place, and an edit takes effect', async () => {
    await page.getByRole('link', { name: LAMP, exact: true }).click();
    await expect.poll(() => page.getByTestId('policy-id').textContent()).toBe(LAMP);
    const entry = page.getByTestId('entry-DEFAULT');
    expect(await entry.textContent()).toContain(`user:${USER}`);
    expect(await entry.textContent()).toContain('thing:/');

    const mayI = async (permission: string, resource: string, expected: string) => {
      await page.getByLabel('Resource', { exact: true }).fill(resource);
      await page.getByLabel('Of the thing or policy').fill(LAMP);
      await page.locator('select[name=permission]').selectOption(permission);
      await page.getByRole('button', { name: 'May I?' }).click();
      await expect.poll(() => page.getByTestId('permission-answer').textContent()).toBe(expected);
    };
    await mayI('WRITE', 'thing:/attributes/room', 'Yes, you may.');

    await page.getByRole('button', { name: "Edit the policy's JSON…" }).click();
    const editor = page.getByLabel(/The policy \(JSON\)/);
    const original = JSON.parse(await editor.inputValue()) as {
      entries: Record<string, { resources: Record<string, { grant: string[]; revoke: string[] }> }>;
    };
    await editor.fill(JSON.stringify({ ...original, entries: 'none' }));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('policy-error').waitFor();
    expect(await page.getByTestId('policy-error').textContent()).toMatch(/polic/i);

    original.entries.DEFAULT.resources['thing:/attributes/room'] = { grant: [], revoke: ['WRITE'] };
    await editor.fill(JSON.stringify(original));
    await page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => page.getByTestId('entry-DEFAULT').textContent())
      .toContain('thing:/attributes/room');
    await mayI('WRITE', 'thing:/attributes/room', 'No, you may not.');
    expect((await api('PUT', `/things/${LAMP}/attributes/room`, 'roof')).status).toBe(403);
  });

  it('overview - twins by namespace, and events and ingested messages per second that follow writes', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    const row = page.locator('[data-testid=namespaces] tr', { hasText: NS });
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe(String(TWINS + 2));
    await expect.poll(() => page.getByTestId('health').textContent()).toBe('up, ready');
    // An HTTP ingest spec for the lamp's brightness, fed below alongside the writes.
    const spec = await adminFetch(`${server.url}/api/2/ingest/specs/overview-feed`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { http: {} },
        thingId: LAMP,
        values: { 'features/light/properties/brightness': '$.b' },
      }),
    });
    expect(spec.status).toBe(201);
    // Writes and ingests for a few seconds: the rates, sampled every 2 s, show them.
    const until = Date.now() + 6000;
    let level = 100;
    let rate = 0;
    let ingestRate = 0;
    while (Date.now() < until && (rate === 0 || ingestRate === 0)) {
      await api('PUT', `/things/${LAMP}/features/light/properties/level`, level++);
      const fed = await adminFetch(`${server.url}/api/2/ingest/overview-feed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ b: level }),
      });
      expect(((await fed.json()) as { accepted: number }).accepted).toBe(1);
      rate = Number((await page.getByTestId('events-per-second').textContent()) ?? 0) || 0;
      ingestRate = Number((await page.getByTestId('ingest-per-second').textContent()) ?? 0) || 0;
    }
    expect(rate).toBeGreaterThan(0);
    expect(ingestRate).toBeGreaterThan(0);
  });

  it('signs out, signs in with an API token, and shows a clear page when the session expires', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByRole('tab', { name: 'API token' }).click();
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('subject').textContent()).toBe('user:admin');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn();
    // The user is removed meanwhile: the JWT and its refresh token stop working.
    expect(
      (await adminFetch(`${server.url}/api/2/users/${USER}`, { method: 'DELETE' })).status,
    ).toBe(204);
    // The next request shows the expired page: the overview's own refresh may get there first
    // and take the navigation (and the link) away, so either path will do.
    const expired = page.getByTestId('session-expired');
    await Promise.race([
      expired.waitFor(),
      page
        .getByRole('link', { name: 'Twins', exact: true })
        .click()
        .then(() => expired.waitFor()),
    ]);
    expect(await expired.textContent()).toContain('Your session has expired.');
    expect(pageErrors).toEqual([]);
  });
});
