// A real server over real sockets: unfinished headers time out, and connections beyond the cap are refused.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const HEADERS_TIMEOUT_MS = 500;
const MAX_CONNECTIONS = 4;

let server: ServerProcess;
let dir: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'twinfold-connections-'));
  server = await startServerProcess([
    '--data',
    dir,
    '--headers-timeout-ms',
    String(HEADERS_TIMEOUT_MS),
    '--max-connections',
    String(MAX_CONNECTIONS),
  ]);
  port = Number(new URL(server.url).port);
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** A connected socket that records what the server sends and when it closes. */
async function open(): Promise<{
  socket: Socket;
  received: () => string;
  closed: Promise<number>;
}> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += String(chunk)));
  socket.on('error', () => {}); // a reset by the server is one way of closing
  const closed = once(socket, 'close').then(() => performance.now());
  await once(socket, 'connect');
  return { socket, received: () => received, closed };
}

describe('connection limits', () => {
  it('closes a connection whose headers stay unfinished, with a 408, within the headers timeout', async () => {
    const client = await open();
    const started = performance.now();
    client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const closedAt = await client.closed;
    // The timeout is 500 ms, checked every 125 ms; generous for a shared machine, far below 60 s.
    expect(closedAt - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(closedAt - started).toBeLessThan(5_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses connections beyond --max-connections and serves again once they close', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
    const extra = await open();
    const refusedAt = await Promise.race([
      extra.closed,
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 400)),
    ]);
    expect(refusedAt).not.toBe(-1); // closed before any headers timeout could apply
    expect(extra.received()).toBe('');
    for (const client of held) client.socket.destroy();
    await Promise.all(held.map((client) => client.closed));
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  });
});
