// The twinfold command line as a user runs it: --help, bad options, health and readiness.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { adminFetch, startServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);

describe('cli', () => {
  it('serve --help lists every documented flag', async () => {
    const { stdout } = await cli('serve', '--help');
    for (const flag of [
      '--port',
      '--host',
      '--data',
      '--mqtt-port',
      '--store',
      '--bus',
      '--durability',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('TWINFOLD_PORT');
  });

  it('a bad flag value exits 2 with a message saying what to do', async () => {
    const failure = await cli('serve', '--port', 'abc').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/--port .* whole number.*\n.*--help/);
  });

  it('a bad --cors-origin is refused at start, saying what an origin is', async () => {
    expect((await cli('serve', '--help')).stdout).toContain('--cors-origin');
    const failure = await cli('serve', '--cors-origin', 'https://ui.example/app').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /--cors-origin \/ TWINFOLD_CORS_ORIGIN: 'https:\/\/ui.example\/app' is not an origin: give scheme, host and port only/,
    );
  });

  it('serves /health, /ready, /metrics and the OpenAPI document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-cli-'));
    const server = await startServerProcess(['--data', dir, '--mqtt-port', '0', '--demo']);
    try {
      expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'UP' });
      expect(await (await fetch(`${server.url}/ready`)).json()).toEqual({
        status: 'READY',
        twins: 3,
        searchIndex: 'ready',
        mqtt: { mode: 'off' },
      });
      await adminFetch(`${server.url}/api/2/things/demo:pump-1`);
      await adminFetch(`${server.url}/api/2/things/demo:pump-1/attributes/site`, {
        method: 'PUT',
        body: '"plant-c"',
        headers: { 'content-type': 'application/json' },
      });
      const metrics = await (await adminFetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(
        /twinfold_http_requests_total\{method="GET",route="\/api\/2\/things\/:thingId",status="200"\} 1/,
      );
      expect(metrics).toMatch(/twinfold_http_request_duration_seconds_bucket/);
      expect(metrics).toMatch(/twinfold_events_appended_total 4/);
      expect(metrics).toMatch(/twinfold_journal_commit_seconds_count \d+/);
      const openapi = await (await adminFetch(`${server.url}/api/2/openapi.json`)).json();
      expect(openapi.openapi).toMatch(/^3\./);
      expect(Object.keys(openapi.paths)).toContain(
        '/api/2/things/{thingId}/features/{featureId}/properties/{*}',
      );
      expect(Object.keys(openapi.paths)).toContain('/api/2/search/things');
      const page = await adminFetch(`${server.url}/api/2/docs`);
      expect(page.status).toBeLessThan(400);
    } finally {
      await server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
