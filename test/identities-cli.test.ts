// The real `twinfold` process: `users` commands, the bootstrap admin token, and no secrets in logs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ADMIN_TOKEN, startServerProcess, type ServerProcess } from './support/server-process.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `twinfold <args>` with `input` on standard input. */
function cli(args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, TWINFOLD_PASSWORD: undefined, TWINFOLD_DATA: undefined },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A data directory removed when the current test finishes. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-ids-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A server over `dir`, stopped when the current test finishes. */
async function serve(
  dir: string,
  env: Record<string, string | undefined> = {},
  args: string[] = [],
): Promise<ServerProcess> {
  const server = await startServerProcess(['--data', dir, '--mqtt-port', '0', ...args], env);
  onTestFinished(async () => {
    await server.kill('SIGTERM');
  });
  return server;
}

/** Every byte SQLite keeps for the catalog (the database and its write-ahead log). */
function catalogBytes(dir: string): string {
  return readdirSync(dir)
    .filter((name) => name.startsWith('catalog.db'))
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('\n');
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function call(url: string, auth?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });
}

const login = (url: string, username: string, password: string) =>
  call(`${url}/api/2/auth/login`, undefined, {
    method: 'POST',
    body: JSON.stringify({ username, password }),
  });

const TOKEN_LINE = /Authorization: Bearer (tft_[\w-]+)/;

// Each process start costs about a second, so the tests are few and each covers a whole story.
// Each command is a process of its own (a few seconds each on a busy machine).
describe('identities cli - users commands', { timeout: 120_000 }, () => {
  it('add, list, disable, enable and delete users; mistakes exit 2 and change nothing', async () => {
    const dir = dataDir();
    const added = await cli(
      ['users', 'add', 'alice', '--password-stdin', '--data', dir],
      'Alice-Secret-Pw-1\n',
    );
    expect(added).toMatchObject({ code: 0, stdout: 'added alice (user:alice)\n' });
    const root = await cli(
      ['users', 'add', 'root', '--password-stdin', '--admin', '--data', dir],
      'Root-Secret-Pw-2',
    );
    expect(root).toMatchObject({ code: 0, stdout: 'added root (user:root) as administrator\n' });
    expect(await cli(['users', 'disable', 'alice', '--data', dir])).toMatchObject({
      code: 0,
      stdout: 'disabled alice\n',
    });

    const json = await cli(['users', 'list', '--json', '--data', dir]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ username: 'admin', roles: ['admin'], disabled: false }),
      expect.objectContaining({ username: 'alice', subject: 'user:alice', disabled: true }),
      expect.objectContaining({ username: 'root', roles: ['admin'], disabled: false }),
    ]);
    expect(json.stdout).not.toMatch(/password|scrypt/i);

    expect(await cli(['users', 'enable', 'alice', '--data', dir])).toMatchObject({
      code: 0,
      stdout: 'enabled alice\n',
    });
    expect(await cli(['users', 'delete', 'root', '--data', dir])).toMatchObject({
      code: 0,
      stdout: 'deleted root\n',
    });

    const mistakes = await Promise.all([
      cli(['users', 'add', 'alice', '--password-stdin', '--data', dir], 'other-password'),
      cli(['users', 'add', 'bob', '--data', dir]),
      cli(['users', 'delete', 'nobody', '--data', dir]),
      cli(['users', 'disable', 'admin', '--data', dir]),
    ]);
    const [duplicate, noPassword, unknown, disableAdmin] = mistakes;
    expect(duplicate.stderr).toMatch(/alice.*already exists/);
    expect(noPassword.stderr).toMatch(/--password-stdin|TWINFOLD_PASSWORD/);
    expect(unknown.stderr).toMatch(/nobody.*does not exist/);
    expect(disableAdmin.stderr).toMatch(/cannot be disabled/);
    for (const result of mistakes) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^twinfold users: /);
    }

    const text = await cli(['users', 'list', '--data', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^admin\tadmin\tenabled\t\d{4}-\d\d-\d\dT/),
      expect.stringMatching(/^alice\t-\tenabled\t\d{4}-\d\d-\d\dT/),
    ]);

    const bytes = catalogBytes(dir);
    expect(bytes).toMatch(/scrypt\$/);
    expect(bytes).not.toContain('Alice-Secret-Pw-1');
    expect(bytes).not.toContain('Root-Secret-Pw-2');
    expect(bytes).not.toContain('other-password');
  });
});

describe('identities cli - the server', () => {
  it('CLI users and TWINFOLD_ADMIN_TOKEN work on the server; no secret appears in its output', async () => {
    const dir = dataDir();
    const password = 'Pw-Never-Logged-8c41';
    await cli(['users', 'add', 'alice', '--password-stdin', '--data', dir], password);
    await cli(['users', 'add', 'root', '--password-stdin', '--admin', '--data', dir], password);
    const server = await serve(dir, {}, ['--log-level', 'debug']);
    const { url } = server;

    const admin = await call(`${url}/api/2/whoami`, `Bearer ${ADMIN_TOKEN}`);
    expect(await admin.json()).toEqual({ defaultSubject: 'user:admin', subjects: ['user:admin'] });
    expect((await call(`${url}/api/2/users`, `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);

    const me = await call(`${url}/api/2/whoami`, basic('alice', password));
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ defaultSubject: 'user:alice', subjects: ['user:alice'] });
    expect((await call(`${url}/api/2/users`, basic('alice', password))).status).toBe(403);
    expect((await call(`${url}/api/2/users`, basic('root', password))).status).toBe(200);
    expect((await call(`${url}/api/2/whoami`, basic('alice', `${password}x`))).status).toBe(401);

    expect((await login(url, 'alice', password)).status).toBe(200);
    expect((await login(url, 'alice', `${password}-wrong`)).status).toBe(401);
    const created = await call(`${url}/api/2/users`, basic('root', password), {
      method: 'POST',
      body: JSON.stringify({ username: 'bob', password: `${password}-bob` }),
    });
    expect(created.status).toBe(201);
    const broken = await call(`${url}/api/2/auth/login`, undefined, {
      method: 'POST',
      body: `{"username":"alice","password":"${password}"`,
    });
    expect(broken.status).toBe(400);
    const anonymous = await call(`${url}/api/2/users`, undefined, {
      method: 'POST',
      body: JSON.stringify({ username: 'eve', password }),
    });
    expect(anonymous.status).toBe(401);

    // The server keeps users in memory: the CLI refuses its directory rather than change it unseen.
    const busy = await cli(['users', 'disable', 'alice', '--data', dir]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/is in use by process \d+ .*manage users over its API/);
    expect((await call(`${url}/api/2/whoami`, basic('alice', password))).status).toBe(200);

    const metrics = await (await call(`${url}/metrics`)).text();
    expect(metrics).toMatch(/twinfold_auth_failures_total\{reason="bad-password"\} 2/);
    await server.kill('SIGTERM');
    const output = `${JSON.stringify(server.logs)}\n${server.stderr()}`;
    // The output is there to be searched: startup and shutdown were logged.
    expect(output).toContain('twinfold ready');
    expect(output).toContain('twinfold stopped');
    expect(output).not.toContain(password);
    expect(output).not.toContain(Buffer.from(`alice:${password}`).toString('base64'));
    expect(output).not.toContain(ADMIN_TOKEN);
    expect(server.stderr()).not.toMatch(TOKEN_LINE);
    expect(catalogBytes(dir)).not.toContain(ADMIN_TOKEN.slice(4));
  });
});

describe('identities cli - bootstrap admin token', () => {
  it('without TWINFOLD_ADMIN_TOKEN a token is printed once on stderr, works, and is not stored', async () => {
    const dir = dataDir();
    // Users added before the first start must not use up the one chance to print the token.
    await cli(['users', 'add', 'alice', '--password-stdin', '--data', dir], 'alice-password');
    const first = await serve(dir, { TWINFOLD_ADMIN_TOKEN: undefined });
    const match = TOKEN_LINE.exec(first.stderr());
    expect(match, first.stderr()).not.toBeNull();
    const token = match![1];
    expect(token).not.toBe(ADMIN_TOKEN);
    expect(first.stderr().split(token)).toHaveLength(2);
    expect(JSON.stringify(first.logs)).not.toContain(token);
    expect((await call(`${first.url}/api/2/users`, `Bearer ${token}`)).status).toBe(200);
    expect((await call(`${first.url}/api/2/users`, `Bearer ${ADMIN_TOKEN}`)).status).toBe(401);
    await first.kill('SIGTERM');

    const second = await serve(dir, { TWINFOLD_ADMIN_TOKEN: undefined });
    expect(second.stderr()).not.toMatch(TOKEN_LINE);
    expect(second.stderr()).not.toContain(token);
    expect(JSON.stringify(second.logs)).not.toContain(token);
    const me = await call(`${second.url}/api/2/whoami`, `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ defaultSubject: 'user:admin', subjects: ['user:admin'] });

    // There is no default password: the admin cannot log in with any. (Few attempts: the
    // server slows down failed logins from the third failure on.)
    for (const password of ['', 'admin', token]) {
      expect((await login(second.url, 'admin', password)).status, password).toBe(401);
    }
    expect((await call(`${second.url}/api/2/whoami`, basic('admin', 'admin'))).status).toBe(401);
    await second.kill('SIGTERM');
    const bytes = catalogBytes(dir);
    expect(bytes).toContain('bootstrap-admin');
    expect(bytes).not.toContain(token.slice(4));
  });
});
