// Ingest against a real server process: acknowledged ingest survives kill -9, and the deadletters CLI.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  adminFetch,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'twinfold-ingest-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const SENDERS = 8;
const PER_REQUEST = 50;

const spec = {
  source: { http: {} },
  thingId: 'crash.ingest:{{$.dev}}',
  values: { 'features/n/properties/value': '$.n' },
  create: { definition: 'acme:counter:1' },
};

function send(url: string, lines: unknown[]): Promise<Response> {
  return adminFetch(`${url}/api/2/ingest/counters`, {
    method: 'POST',
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
    headers: { 'content-type': 'application/x-ndjson' },
  });
}

function cli(url: string, ...args: string[]) {
  return run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'deadletters', '--url', url, ...args],
    { env: { ...process.env, TWINFOLD_TOKEN: ADMIN_TOKEN } },
  );
}

describe('ingest process', () => {
  it('keeps every acknowledged ingest after kill -9 under ingest load', async () => {
    const server = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(server);
    const put = await adminFetch(`${server.url}/api/2/ingest/specs/counters`, {
      method: 'PUT',
      body: JSON.stringify(spec),
      headers: { 'content-type': 'application/json' },
    });
    expect(put.status).toBe(201);
    // Sender s writes twins s*PER_REQUEST … +PER_REQUEST-1, each request setting them all to n.
    const acked = new Array<number>(SENDERS).fill(0);
    let stop = false;
    const sender = async (s: number) => {
      for (let n = 1; !stop; n++) {
        try {
          const lines = Array.from({ length: PER_REQUEST }, (_, i) => ({
            dev: `d${s * PER_REQUEST + i}`,
            n,
          }));
          const res = await send(server.url, lines);
          const body = (await res.json()) as { accepted: number };
          if (res.status !== 200 || body.accepted !== PER_REQUEST)
            throw new Error(`unexpected ${res.status}`);
          acked[s] = n;
        } catch {
          return; // the server died mid-request: this ingest was never acknowledged
        }
      }
    };
    const load = Array.from({ length: SENDERS }, (_, s) => sender(s));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await server.kill('SIGKILL');
    stop = true;
    await Promise.all(load);
    expect(acked.reduce((a, b) => a + b, 0)).toBeGreaterThan(SENDERS); // the load really ran

    const again = await startServerProcess(['--data', dir, '--mqtt-port', '0']);
    servers.push(again);
    for (let s = 0; s < SENDERS; s++) {
      for (const i of [0, PER_REQUEST - 1]) {
        const res = await adminFetch(
          `${again.url}/api/2/things/crash.ingest:d${s * PER_REQUEST + i}/features/n/properties/value`,
        );
        if (acked[s] === 0) continue;
        expect(res.status).toBe(200);
        // Acknowledged means durable: at least the last acknowledged value (a later unacknowledged
        // one may have made it too).
        expect(Number(await res.text())).toBeGreaterThanOrEqual(acked[s]);
      }
    }
    // The spec survived too.
    expect((await adminFetch(`${again.url}/api/2/ingest/specs/counters`)).status).toBe(200);
  }, 120_000);

  it('twinfold deadletters list, show, redrive and purge work against the server', async () => {
    const server = servers[servers.length - 1];
    const answer = await send(server.url, [{ n: 1 }, { dev: 'ok', n: 1 }, 'x']);
    const { deadLetters } = (await answer.json()) as { deadLetters: string[] };
    expect(deadLetters).toHaveLength(2);
    const listed = JSON.parse((await cli(server.url, 'list', '--spec', 'counters')).stdout);
    expect(
      listed.items.map((l: { reason: string; payload: string }) => [l.reason, l.payload]),
    ).toEqual([
      ['thingid.unresolved', '{"n":1}'],
      ['thingid.unresolved', '"x"'],
    ]);
    const shown = JSON.parse((await cli(server.url, 'show', deadLetters[0])).stdout);
    expect(shown).toMatchObject({ id: deadLetters[0], spec: 'counters', payload: '{"n":1}' });
    const redriven = JSON.parse((await cli(server.url, 'redrive', deadLetters[0])).stdout);
    expect(redriven).toEqual({ redriven: 0, failed: 1, deadLetters: [deadLetters[0]] });
    const purged = JSON.parse((await cli(server.url, 'purge', '--spec', 'counters')).stdout);
    expect(purged).toEqual({ purged: 2 });
    const missing = await cli(server.url, 'show', deadLetters[0]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(missing).toMatchObject({ code: 2 });
    expect((missing as { stderr: string }).stderr).toMatch(/404 The dead letter with ID/);
  }, 60_000);
});
