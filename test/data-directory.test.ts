// One data directory, one server: a second server is refused naming the holder, a lock left by a
// killed server is taken over, and damaged files stop the start with a message saying what to do.
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminFetch, startServerProcess } from './support/server-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-datadir-'));
  dirs.push(dir);
  return dir;
}

const args = (dir: string) => ['--data', dir, '--mqtt-port', '0'];

describe('data directory', () => {
  it('refuses a second server on the same data directory, naming the process that holds it', async () => {
    const dir = dataDir();
    const first = await startServerProcess(args(dir));
    try {
      const put = await adminFetch(`${first.url}/api/2/things/ns:one`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(put.status).toBe(201);
      const second = startServerProcess(args(dir));
      await expect(second).rejects.toThrow(/exited with 1/);
      await expect(second).rejects.toThrow(
        new RegExp(`in use by process ${first.child.pid}.*another --data`),
      );
      // The first one still serves.
      expect((await adminFetch(`${first.url}/api/2/things/ns:one`)).status).toBe(200);
    } finally {
      await first.kill('SIGTERM');
    }
    // Released on a clean stop.
    const again = await startServerProcess(args(dir));
    await again.kill('SIGTERM');
  });

  it('takes over the lock of a server killed with SIGKILL', async () => {
    const dir = dataDir();
    const first = await startServerProcess(args(dir));
    await first.kill('SIGKILL');
    const second = await startServerProcess(args(dir));
    try {
      expect((await fetch(`${second.url}/ready`)).status).toBe(200);
    } finally {
      await second.kill('SIGTERM');
    }
  });

  it('refuses to start on an emptied journal.db and on an emptied catalog.db, saying what to do', async () => {
    const dir = dataDir();
    const server = await startServerProcess(args(dir));
    for (let i = 0; i < 5; i++) {
      await adminFetch(`${server.url}/api/2/things/ns:t${i}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"attributes":{"n":1}}',
      });
    }
    await server.kill('SIGKILL');
    truncateSync(join(dir, 'journal.db'), 0);
    await expect(startServerProcess(args(dir))).rejects.toThrow(
      /journal\.db is empty but its write-ahead log journal\.db-wal holds \d+ bytes.*Restore/,
    );
    const other = dataDir();
    const fresh = await startServerProcess(args(other));
    await fresh.kill('SIGTERM');
    truncateSync(join(other, 'catalog.db'), 0);
    await expect(startServerProcess(args(other))).rejects.toThrow(
      /catalog\.db is not the catalog of this data directory/,
    );
  });
});
