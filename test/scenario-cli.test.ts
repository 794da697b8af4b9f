// `twinfold migrate` and `twinfold fork` as a user runs them, against a real server process: the
// migration of one twin and of a filter, a fork made, listed and deleted; refusals on one line
// with a non-zero exit, never a stack trace.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  adminFetch,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';

const run = promisify(execFile);
let server: ServerProcess;
let dir: string;

interface Failure {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, TWINFOLD_URL: server.url, TWINFOLD_TOKEN: ADMIN_TOKEN },
  });
}

const failure = (...args: string[]) =>
  cli(...args).then(
    (ok) => {
      throw new Error(`expected a failure, got ${ok.stdout}`);
    },
    (error: Failure) => error,
  );

async function put(path: string, body: unknown): Promise<void> {
  const response = await adminFetch(`${server.url}/api/2${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.text()).toBeLessThan(300);
}

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const response = await adminFetch(`${server.url}/api/2${path}`);
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'twinfold-scenario-cli-'));
  server = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
  await put('/types/cli:rack:1', {
    derived: { 'attributes/kw': 'attributes.watts / 1000.0' },
  });
  await put('/types/cli:rack:2', {
    derived: {
      'attributes/kw': 'attributes.watts / 1000.0',
      'attributes/amps': 'attributes.watts / 230.0',
    },
  });
  for (const [name, watts] of [
    ['a', 230],
    ['b', 460],
    ['c', 690],
  ] as const)
    await put(`/things/cli:${name}`, { definition: 'cli:rack:1', attributes: { watts } });
}, 60_000);
afterAll(async () => {
  await server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('twinfold migrate', () => {
  it('migrates one twin, dry first, with a payload from a file', async () => {
    const payload = join(dir, 'payload.json');
    writeFileSync(payload, JSON.stringify({ attributes: { label: 'moved' } }));
    const dry = await cli(
      'migrate',
      '--definition',
      'cli:rack:2',
      '--thing',
      'cli:a',
      '--payload',
      `@${payload}`,
      '--dry-run',
    );
    expect(dry.stdout).toBe(
      'DRY_RUN cli:a: {"definition":"cli:rack:2","attributes":{"label":"moved"}}\n',
    );
    expect((await get('/things/cli:a/definition')).body).toBe('cli:rack:1');
    const applied = await cli(
      'migrate',
      '--definition',
      'cli:rack:2',
      '--thing',
      'cli:a',
      '--payload',
      `@${payload}`,
    );
    expect(applied.stdout).toMatch(/^APPLIED cli:a: /);
    expect((await get('/things/cli:a/attributes')).body).toEqual({
      watts: 230,
      kw: 0.23,
      amps: 1,
      label: 'moved',
    });
  });

  it('migrates every twin a filter selects, a line per twin', async () => {
    const { stdout, stderr } = await cli(
      'migrate',
      '--definition',
      'cli:rack:2',
      '--filter',
      'eq(definition,"cli:rack:1")',
    );
    expect(stdout).toBe('APPLIED cli:b (revision 2)\nAPPLIED cli:c (revision 2)\n');
    expect(stderr).toContain('100% 2/2 twins, 0 failed');
    expect((await get('/things/cli:c/attributes/amps')).body).toBe(3);
  });

  it('refuses on one line with exit 2: a type it cannot resolve, bad options, a bad file', async () => {
    const unknown = await failure('migrate', '--definition', 'cli:rack:9', '--thing', 'cli:a');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^twinfold migrate: 400 Failed to generate a valid skeleton for the definition: 'cli:rack:9'\..*\n$/,
    );
    const neither = await failure('migrate', '--definition', 'cli:rack:2');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe(
      'twinfold migrate: give either --thing <thingId> or --filter <rql>\n',
    );
    const missing = join(dir, 'missing.json');
    const file = await failure(
      'migrate',
      '--definition',
      'cli:rack:2',
      '--thing',
      'cli:a',
      '--payload',
      `@${missing}`,
    );
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(new RegExp(`^twinfold migrate: --payload: cannot read ${missing}`));
    const json = await failure(
      'migrate',
      '--definition',
      'cli:rack:2',
      '--thing',
      'cli:a',
      '--payload',
      '{nope',
    );
    expect(json.stderr).toMatch(/^twinfold migrate: --payload is not JSON: /);
    for (const f of [unknown, neither, file, json]) expect(f.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('twinfold fork', () => {
  it('creates, lists and deletes a fork', async () => {
    const created = await cli(
      'fork',
      'create',
      '--filter',
      'like(thingId,"cli:*")',
      '--into',
      'cli.whatif',
    );
    expect(created.stdout).toMatch(/^fork cli\.whatif at .*: 3 twins, 0 relations\n/);
    expect(created.stdout).toContain('  cli.whatif:b <- cli:b (revision 2)\n');
    expect((await get('/things/cli.whatif:b/attributes/watts')).body).toBe(460);
    const listed = await cli('fork', 'list', '--json');
    expect((JSON.parse(listed.stdout) as { namespace: string }[]).map((f) => f.namespace)).toEqual([
      'cli.whatif',
    ]);
    const taken = await failure(
      'fork',
      'create',
      '--filter',
      'exists(thingId)',
      '--into',
      'cli.whatif',
    );
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(
      /^twinfold fork: 409 The scenario namespace 'cli\.whatif' cannot take a fork/,
    );
    expect((await cli('fork', 'delete', 'cli.whatif')).stdout).toBe('deleted cli.whatif\n');
    expect((await get('/things/cli.whatif:b')).status).toBe(404);
    expect((await cli('fork', 'list')).stdout).toBe('no forks\n');
    const gone = await failure('fork', 'delete', 'cli.whatif');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(
      /^twinfold fork: 404 There is no fork in the namespace 'cli\.whatif'/,
    );
  });
});

describe('a server answering what is not JSON', () => {
  // A proxy's HTML page where the API should be: one line naming it, exit 1, no stack trace.
  it.each([
    ['replay', '--type', 'cli:rack:2'],
    ['fork', 'list'],
    ['migrate', '--thing', 'cli:a', '--definition', 'cli:rack:2'],
  ])('twinfold %s says the answer is not JSON', async (...args) => {
    const html = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>gateway</body></html>');
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    const { port } = html.address() as AddressInfo;
    try {
      const answer = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', ...args, '--url', `http://127.0.0.1:${port}`],
        { env: { ...process.env, TWINFOLD_TOKEN: ADMIN_TOKEN } },
      ).then(
        (ok) => {
          throw new Error(`expected a failure, got ${ok.stdout}`);
        },
        (error: Failure) => error,
      );
      expect(answer.code).toBe(1);
      expect(answer.stderr).toBe(`twinfold ${args[0]}: 200 and an answer that is not JSON\n`);
    } finally {
      await new Promise<void>((resolve) => html.close(() => resolve()));
    }
  });
});
