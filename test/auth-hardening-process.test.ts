// The real `twinfold serve` process: a chosen TWINFOLD_ADMIN_TOKEN works, and --metrics-token guards /metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServerProcess } from './support/server-process.js';

const CHOSEN = 'my-own-admin-secret-2026';
const SCRAPE = 'scrape-secret-0123456789';

describe('auth hardening - the real server', () => {
  it('accepts a chosen admin token without the tft_ prefix and guards /metrics with --metrics-token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinfold-hardening-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startServerProcess(
      ['--data', dir, '--mqtt-port', '0', '--metrics-token', SCRAPE],
      { TWINFOLD_ADMIN_TOKEN: CHOSEN },
    );
    onTestFinished(async () => {
      await server.kill('SIGTERM');
    });
    const whoami = await fetch(`${server.url}/api/2/whoami`, {
      headers: { authorization: `Bearer ${CHOSEN}` },
    });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toEqual({ defaultSubject: 'user:admin', subjects: ['user:admin'] });

    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    for (const token of [SCRAPE, CHOSEN]) {
      const metrics = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('twinfold_http_requests_total');
    }
    expect(server.stderr()).not.toContain(SCRAPE);
    expect(JSON.stringify(server.logs)).not.toContain(SCRAPE);
  });
});
