// Eclipse Ditto's Explorer UI, built from Ditto's sources, served from another origin, driven in Chromium against Twinfold.
//
// The UI is built from a local mirror of eclipse-ditto/ditto (see support/ditto-explorer-ui.ts)
// into a cache under the system's temp folder, served by a small static server on its own port,
// and pointed at a real `twinfold serve --cors-origin <that origin>` through Ditto's
// `environmentsURL` and `primaryEnvironmentName` parameters. The page's CDN assets (Bootstrap,
// its icons) are answered from the same npm packages the UI depends on, byte for byte (their
// Subresource Integrity hashes are checked by the browser); no request leaves the machine.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExplorerUi, dittoGitDir, type ExplorerUiBuild } from './support/ditto-explorer-ui.js';
import { adminFetch, startServerProcess, type ServerProcess } from './support/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const gitDir = dittoGitDir();
const whyNot = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !gitDir
    ? 'no eclipse-ditto/ditto mirror (.mirror/eclipse-ditto+ditto/repo above the repository, or TWINFOLD_DITTO_GIT_DIR)'
    : null;
// Chromium is installed by .ci/run; the mirror exists only where a session fetched it.
if (whyNot && process.env.CI === 'true' && !existsSync(CHROMIUM))
  throw new Error(`ditto-explorer-ui test: ${whyNot}`);

const USER = 'ditto';
const PASSWORD = 'ditto-explorer-password';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const NS = 'org.eclipse.ditto';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

/** The CDN addresses in the UI's index.html, answered from the UI's own npm packages. */
const CDN: [prefix: string, folder: string][] = [
  ['https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/', 'bootstrap/'],
  ['https://cdnjs.cloudflare.com/ajax/libs/bootstrap-icons/1.11.3/', 'bootstrap-icons/'],
  // The editor's modes, loaded on demand next to ace.min.js. That file itself is cdnjs's own
  // minification, which no npm package holds, so its integrity check would fail; the UI bundles
  // ace and does not need it.
  [
    'https://cdnjs.cloudflare.com/ajax/libs/ace/1.35.4/mode-',
    'ace-builds/src-min-noconflict/mode-',
  ],
];

let ui: ExplorerUiBuild;
let uiServer: Server;
let uiOrigin: string;
let twinfold: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
const apiCalls: {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
}[] = [];
const pageErrors: string[] = [];
const corsErrors: string[] = [];

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${twinfold.url}/api/2${path}`, {
    method,
    headers: { authorization: BASIC, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    etag: response.headers.get('etag'),
    body: await response.text(),
  };
}

/** The environment the UI reads from `environmentsURL`: Twinfold, Basic authentication. */
function environments(): string {
  return JSON.stringify({
    twinfold: {
      api_uri: twinfold.url,
      ditto_version: 3,
      disablePolicies: false,
      disableConnections: true,
      disableOperations: true,
      authSettings: {
        main: {
          method: 'basic',
          oidc: { enabled: false },
          basic: { enabled: true, defaultUsernamePassword: `${USER}:${PASSWORD}` },
          bearer: { enabled: false },
          pre: { enabled: false, defaultDittoPreAuthenticatedUsername: null },
        },
        devops: {
          method: 'basic',
          oidc: { enabled: false },
          basic: { enabled: true, defaultUsernamePassword: 'devops:unused' },
          bearer: { enabled: false },
        },
        oidc: {},
      },
    },
  });
}

function serveUi(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://ui').pathname);
    if (path === '/twinfold-environments.json') {
      response.writeHead(200, { 'content-type': TYPES['.json'] });
      response.end(environments());
      return;
    }
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file) || path.includes('node_modules')) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The editor (Ace) in the element with this id: its text, or set its text. */
function editorText(id: string, text?: string): Promise<string> {
  return page.evaluate(
    ([domId, value]) => {
      const element = document.getElementById(domId as string) as unknown as {
        env: { editor: { getValue(): string; setValue(v: string, cursor: number): void } };
      };
      if (value !== undefined) element.env.editor.setValue(value, -1);
      return element.env.editor.getValue();
    },
    [id, text] as const,
  );
}

/** Waits for the UI's next request to Twinfold matching `method` and `path` (a prefix), and its answer. */
async function nextCall(method: string, path: string, act: () => Promise<unknown>) {
  const matches = (r: Request) =>
    r.method() === method && r.url().startsWith(`${twinfold.url}/api/2${path}`);
  const [response] = await Promise.all([page.waitForResponse((r) => matches(r.request())), act()]);
  return { request: response.request(), status: response.status(), response };
}

/** The details table of the selected thing, as {key: value}. */
async function thingDetails(): Promise<Record<string, string>> {
  const rows = await page.locator('#tbodyThingDetails tr').all();
  const details: Record<string, string> = {};
  for (const row of rows) {
    const cells = await row.locator('td, th').allInnerTexts();
    if (cells.length >= 2) details[cells[0].trim()] = cells[1].trim();
  }
  return details;
}

async function openThing(thingId: string): Promise<void> {
  const { status } = await nextCall('GET', `/things/${thingId}?`, () =>
    page.locator(`#thingsTableBody tr[id="${thingId}"] td`).last().click(),
  );
  expect(status).toBe(200);
  await expect.poll(async () => (await thingDetails()).thingId).toBe(thingId);
}

describe.skipIf(whyNot !== null)(
  `Eclipse Ditto's Explorer UI against Twinfold${whyNot ? ` (skipped: ${whyNot})` : ''}`,
  () => {
    beforeAll(async () => {
      ui = buildExplorerUi(gitDir as string);
      uiServer = await serveUi(ui.root);
      uiOrigin = `http://127.0.0.1:${(uiServer.address() as { port: number }).port}`;
      dataDir = mkdtempSync(join(tmpdir(), 'twinfold-explorer-'));
      twinfold = await startServerProcess([
        '--data',
        dataDir,
        '--mqtt-port',
        '0',
        '--cors-origin',
        uiOrigin,
      ]);
      const user = await adminFetch(`${twinfold.url}/api/2/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: USER, password: PASSWORD }),
      });
      expect(user.status).toBe(201);
      for (const [name, room] of [
        ['lamp-1', 'hall'],
        ['lamp-2', 'kitchen'],
        ['lamp-3', 'kitchen'],
      ]) {
        const created = await api('PUT', `/things/${NS}:${name}`, {
          attributes: { room, floor: 1 },
          features: { light: { properties: { on: false } } },
        });
        expect(created.status, created.body).toBe(201);
      }

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      // A stream the browser refuses (CORS) fails silently in the UI: it is caught here.
      page.on('console', (m) => {
        if (m.type() === 'error' && m.text().includes('CORS')) corsErrors.push(m.text());
      });
      page.on('response', (response) => {
        const url = response.url();
        if (!url.startsWith(twinfold.url)) return;
        apiCalls.push({
          method: response.request().method(),
          path: url.slice(twinfold.url.length),
          status: response.status(),
          headers: response.request().headers(),
        });
      });
      const modules = join(ui.root, 'node_modules');
      await page.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith(`${uiOrigin}/`) || url.startsWith(`${twinfold.url}/`))
          return route.continue();
        for (const [prefix, folder] of CDN) {
          if (!url.startsWith(prefix)) continue;
          const file = join(modules, folder + url.slice(prefix.length).split('?')[0]);
          if (existsSync(file)) {
            return route.fulfill({
              status: 200,
              body: readFileSync(file),
              headers: {
                'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
                'access-control-allow-origin': '*',
              },
            });
          }
        }
        // Nothing leaves the machine: logos and favicons from GitHub, cdnjs's ace.min.js.
        return route.abort();
      });
      const query = new URLSearchParams({
        environmentsURL: `${uiOrigin}/twinfold-environments.json`,
        primaryEnvironmentName: 'twinfold',
      });
      // The UI runs its last search as soon as it has loaded its environment.
      await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${twinfold.url}/api/2/search/things`), {
          timeout: 30_000,
        }),
        page.goto(`${uiOrigin}/index.html?${query}`),
      ]);
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await twinfold?.kill('SIGTERM');
      await new Promise((resolve) => uiServer?.close(resolve));
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('runs on another origin: every API call passed CORS and the page threw nothing', () => {
      expect(new URL(uiOrigin).origin).not.toBe(new URL(twinfold.url).origin);
      expect(apiCalls.length).toBeGreaterThan(0);
      expect(apiCalls.every((c) => c.status === 200)).toBe(true);
      expect(pageErrors).toEqual([]);
      // Only what the build had to substitute on this machine, said out loud.
      expect(ui.substitutions.every((s) => s.startsWith('ace-diff '))).toBe(true);
    });

    it('searches things with RQL', async () => {
      await page.fill(
        '#searchFilterEdit',
        'and(eq(attributes/room,"kitchen"),ge(attributes/floor,1))',
      );
      const { status, request } = await nextCall('GET', '/search/things?', () =>
        page.click('#searchThings'),
      );
      expect(status).toBe(200);
      expect(new URL(request.url()).searchParams.get('filter')).toBe(
        'and(eq(attributes/room,"kitchen"),ge(attributes/floor,1))',
      );
      await expect
        .poll(() =>
          page.locator('#thingsTableBody tr').evaluateAll((rows) => rows.map((r) => r.id)),
        )
        .toEqual([`${NS}:lamp-2`, `${NS}:lamp-3`]);
      await expect.poll(() => page.locator('#searchFilterCount').innerText()).toContain('2');
    });

    it('opens a thing and shows its details and attributes', async () => {
      await openThing(`${NS}:lamp-2`);
      const details = await thingDetails();
      expect(details).toMatchObject({ thingId: `${NS}:lamp-2`, policyId: `${NS}:lamp-2` });
      expect(details.revision).toBe('1');
      await expect.poll(() => page.locator('#tbodyAttributes').innerText()).toContain('kitchen');
    });

    it('edits the thing with If-Match from the ETag it read', async () => {
      await page.click('a[data-bs-target="#tabModifyThing"]');
      const read = await nextCall('GET', `/things/${NS}:lamp-2`, () =>
        page.locator('#crudThings #buttonEdit').click(),
      );
      expect(read.status).toBe(200);
      // Readable only because Twinfold exposes ETag to the UI's origin.
      expect(await read.response.headerValue('etag')).toBe('"rev:1"');
      await expect.poll(() => editorText('thingJsonEditor')).toContain('"kitchen"');
      const thing = JSON.parse(await editorText('thingJsonEditor')) as {
        attributes: Record<string, unknown>;
      };
      thing.attributes.room = 'pantry';
      await editorText('thingJsonEditor', JSON.stringify(thing, null, 2));
      const patch = await nextCall('PATCH', `/things/${NS}:lamp-2`, () =>
        page.locator('#crudThings #buttonUpdate').click(),
      );
      expect(patch.request.headers()['if-match']).toBe('"rev:1"');
      expect(patch.request.headers()['if-equal']).toBe('skip-minimizing-merge');
      expect(patch.status).toBe(204);
      const stored = await api('GET', `/things/${NS}:lamp-2/attributes/room`);
      expect(JSON.parse(stored.body)).toBe('pantry');
      await expect.poll(async () => (await thingDetails()).revision).toBe('2');
    });

    it('creates a thing', async () => {
      // Deselect the open thing: the toolbar then offers to create one.
      await page.locator(`#thingsTableBody tr[id="${NS}:lamp-2"] td`).last().click();
      await expect.poll(() => page.locator('#crudThings #buttonEdit').innerText()).toBe('Create');
      await page.locator('#crudThings #buttonEdit').click();
      await page.locator('#crudThings #inputIdValue').fill(`${NS}:lamp-new`);
      await editorText(
        'thingJsonEditor',
        JSON.stringify({ attributes: { room: 'attic' }, features: { light: { properties: {} } } }),
      );
      const put = await nextCall('PUT', `/things/${NS}:lamp-new`, () =>
        page.locator('#crudThings #buttonCreate').click(),
      );
      expect(put.request.headers()['if-none-match']).toBe('*');
      expect(put.status).toBe(201);
      const stored = JSON.parse((await api('GET', `/things/${NS}:lamp-new`)).body);
      expect(stored).toMatchObject({ thingId: `${NS}:lamp-new`, attributes: { room: 'attic' } });
      await expect.poll(async () => (await thingDetails()).thingId).toBe(`${NS}:lamp-new`);
    });

    it('travels back in time to an earlier revision', async () => {
      await page.click('a[data-bs-target="#tabThingDetails"]');
      await page.fill('#searchFilterEdit', 'eq(attributes/floor,1)');
      await nextCall('GET', '/search/things?', () => page.click('#searchThings'));
      await openThing(`${NS}:lamp-2`);
      expect((await thingDetails()).revision).toBe('2');
      await nextCall('GET', `/things/${NS}:lamp-2?`, () =>
        page.locator('#historyModeSwitch').check(),
      );
      await page.locator('#historyRevisionInput').fill('1');
      const back = await nextCall('GET', `/things/${NS}:lamp-2?`, () =>
        page.locator('#historyRevisionInput').dispatchEvent('change'),
      );
      expect(back.request.headers()['at-historical-revision']).toBe('1');
      expect(back.status).toBe(200);
      await expect.poll(async () => (await thingDetails()).revision).toBe('1');
      await expect.poll(() => page.locator('#tbodyAttributes').innerText()).toContain('kitchen');
      await page.locator('#historyModeSwitch').uncheck();
      await expect.poll(async () => (await thingDetails()).revision).toBe('2');
    });

    it('views a policy, its entries and its effective view', async () => {
      await page.click('#tabPolicies a');
      await page.fill('#inputPolicyId', `${NS}:lamp-2`);
      const load = await nextCall('GET', `/policies/${NS}:lamp-2`, () =>
        page.click('#buttonLoadPolicy'),
      );
      expect(load.status).toBe(200);
      expect(JSON.parse(await load.response.text())).toMatchObject({ imports: {} });
      await expect.poll(() => page.locator('#tbodyPolicyEntries').innerText()).toContain('DEFAULT');
      await page
        .locator('#tbodyPolicyEntries tr', { hasText: 'DEFAULT' })
        .locator('td')
        .first()
        .click();
      await expect
        .poll(() => page.locator('#tbodyPolicySubjects').innerText())
        .toContain(`user:${USER}`);
      await expect
        .poll(() => page.locator('#tbodyPolicyResources').innerText())
        .toContain('thing:/');
      const effective = await nextCall(
        'GET',
        `/policies/${encodeURIComponent(`${NS}:lamp-2`)}?policy-view=resolved`,
        () => page.click('a[data-bs-target="#tabPolicyEffective"]'),
      );
      expect(effective.status).toBe(200);
      await expect.poll(() => editorText('effectivePolicyEditor')).toContain('"DEFAULT"');
    });

    it('edits a policy as JSON', async () => {
      await page.click('a[data-bs-target="#tabPolicyJson"]');
      await expect.poll(() => editorText('policyEditor')).toContain(`"${NS}:lamp-2"`);
      await page.locator('#crudPolicyJson #buttonEdit').click();
      const policy = JSON.parse(await editorText('policyEditor')) as {
        entries: Record<string, unknown>;
      };
      policy.entries.observer = {
        subjects: { 'user:observer': { type: 'user' } },
        resources: { 'thing:/attributes': { grant: ['READ'], revoke: [] } },
      };
      await editorText('policyEditor', JSON.stringify(policy, null, 2));
      const put = await nextCall('PUT', `/policies/${NS}:lamp-2`, () =>
        page.locator('#crudPolicyJson #buttonUpdate').click(),
      );
      expect(put.status).toBe(204);
      const stored = JSON.parse((await api('GET', `/policies/${NS}:lamp-2`)).body);
      expect(stored.entries.observer).toEqual(policy.entries.observer);
      expect(stored.entries.DEFAULT).toBeDefined();
      await page.click('a[data-bs-target="#tabPolicyEntries"]');
      await expect
        .poll(() => page.locator('#tbodyPolicyEntries').innerText())
        .toContain('observer');
    });

    it('shows a value written over HTTP live on the open thing and in its Thing Updates', async () => {
      await page.click('#tabThings a');
      await page.fill('#searchFilterEdit', 'eq(attributes/floor,1)');
      await nextCall('GET', '/search/things?', () => page.click('#searchThings'));
      const thingId = `${NS}:lamp-3`;
      // Opening the thing opens its event stream (SSE), with the UI's fields and extraFields.
      const [stream] = await Promise.all([
        page.waitForRequest(
          (r) =>
            r.url().startsWith(`${twinfold.url}/api/2/things?ids=${thingId}`) &&
            r.headers().accept === 'text/event-stream',
        ),
        openThing(thingId),
      ]);
      expect(new URL(stream.url()).searchParams.get('extraFields')).toContain('_revision');
      await page.locator('h5[data-bs-target="#collapseThingUpdates"]').click();
      await expect.poll(() => page.locator('#collapseThingUpdates').isVisible()).toBe(true);
      await expect.poll(() => page.locator('#tbodyAttributes').innerText()).toContain('kitchen');
      // Give the stream a moment to be established before writing.
      await page.waitForTimeout(500);
      for (const room of ['cellar', 'garage']) {
        const written = await api('PUT', `/things/${thingId}/attributes/room`, room);
        expect(written.status, written.body).toBe(204);
        // Live on the open thing: its attributes and revision, no reload.
        await expect.poll(() => page.locator('#tbodyAttributes').innerText()).toContain(room);
      }
      await expect.poll(async () => (await thingDetails()).revision).toBe('3');
      const rows = () =>
        page
          .locator('#tbodyThingUpdates tr')
          .evaluateAll((trs) =>
            trs.map((tr) => [...tr.querySelectorAll('td,th')].map((c) => c.textContent?.trim())),
          );
      // The live Thing Updates: one row per change, with its revision, action and path.
      await expect
        .poll(async () => (await rows()).map((r) => r.slice(0, 3)))
        .toEqual([
          ['2', 'modified', '/attributes/room'],
          ['3', 'modified', '/attributes/room'],
        ]);
      // The history of the thing: the Historical mode reads Twinfold's history stream (SSE).
      await page.locator('label[for="thingUpdatesModeHistorical"]').click();
      await page.locator('#historicalFromRevision').fill('1');
      await page.locator('#historicalToRevision').fill('3');
      const [history] = await Promise.all([
        page.waitForRequest((r) =>
          r.url().startsWith(`${twinfold.url}/api/2/things/${encodeURIComponent(thingId)}?`),
        ),
        page.locator('#buttonFetchHistorical').click(),
      ]);
      const params = new URL(history.url()).searchParams;
      expect(params.get('from-historical-revision')).toBe('1');
      expect(params.get('to-historical-revision')).toBe('3');
      await expect
        .poll(async () => (await rows()).map((r) => r.slice(0, 3)))
        .toEqual([
          ['1', 'created', '/'],
          ['2', 'modified', '/attributes/room'],
          ['3', 'modified', '/attributes/room'],
        ]);
      await expect.poll(() => page.locator('#badgeThingUpdateCount').innerText()).toContain('3');
      // The historical rows carry the values as they were.
      await page.locator('#tbodyThingUpdates tr').nth(1).click();
      await expect.poll(() => editorText('thingUpdateDetail')).toContain('"cellar"');
      await page.locator('label[for="thingUpdatesModeLive"]').click();
    });

    it('answered every call of the UI but the live ones, with no error shown', async () => {
      const failed = apiCalls.filter((c) => c.status >= 400);
      expect(failed).toEqual([]);
      expect(await page.locator('#toastContainer .toast-header-warn').count()).toBe(0);
      expect(pageErrors).toEqual([]);
      // The event streams (live and history) passed CORS too.
      expect(corsErrors).toEqual([]);
    });
  },
);
