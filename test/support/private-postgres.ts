// Test helper: a throwaway PostgreSQL cluster of one test file, which the test may stop and start.
//
// The machine's PostgreSQL is shared by tests running in parallel and must never be restarted, so
// fault tests start their own: `initdb` into a temporary directory owned by `postgres` (PostgreSQL
// refuses to run as root), trust authentication, loopback only, `fsync=off`, on a free port. When
// it cannot be started, `startPrivatePostgres` resolves to the reason (and the caller fails under
// CI=true, skips otherwise).
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's PostgreSQL 15 keeps its programs (TWINFOLD_TEST_PG_BIN overrides). */
const PG_BIN = process.env.TWINFOLD_TEST_PG_BIN || '/usr/lib/postgresql/15/bin';
/** The operating-system user the cluster runs as when we are root. */
const PG_USER = 'postgres';

/** A running private cluster. */
export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** Stops the server: `fast` lets sessions end cleanly, `immediate` is a crash (recovery on start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the stopped server again on the same port, waiting until it accepts connections. */
  start(): Promise<void>;
  /** `stop(mode)` then `start()`. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (immediately) and removes its directory. */
  remove(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL program as the `postgres` user (when root) and returns its output. */
async function pgRun(program: string, args: string[]): Promise<string> {
  const path = join(PG_BIN, program);
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', PG_USER, '--', path, ...args]] : [path, args];
  try {
    const { stdout, stderr } = await run(file, argv, { cwd: '/', timeout: 60_000 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${e.message} ${e.stderr ?? ''}`.trim(), {
      cause: error,
    });
  }
}

/**
 * Initialises and starts a private cluster; resolves to it, or to a string saying why it could not
 * be started (no PostgreSQL programs, no `postgres` user, initdb failed, …).
 *
 * @example
 * const pg = await startPrivatePostgres();
 * if (typeof pg === 'string') throw new Error(pg);
 * await pg.restart('immediate');
 * await pg.remove();
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres | string> {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `no PostgreSQL programs in ${PG_BIN}`;
  const root = mkdtempSync(join(tmpdir(), 'twinfold-pg-'));
  const data = join(root, 'data');
  const sockets = join(root, 'sockets');
  const log = join(root, 'server.log');
  const remove = () => rmSync(root, { recursive: true, force: true });
  let port: number;
  try {
    mkdirSync(sockets);
    chmodSync(root, 0o700);
    if (process.getuid?.() === 0) {
      const uid = Number((await run('id', ['-u', PG_USER])).stdout.trim());
      const gid = Number((await run('id', ['-g', PG_USER])).stdout.trim());
      chownSync(root, uid, gid);
      chownSync(sockets, uid, gid);
    }
    await pgRun('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    port = await freePort();
  } catch (error) {
    remove();
    return `a private PostgreSQL cannot be initialised: ${(error as Error).message}`;
  }
  const options = [
    `-p ${port}`,
    `-k ${sockets}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=50',
  ].join(' ');
  let running = false;
  const start = async () => {
    await pgRun('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    running = false;
  };
  try {
    await start();
  } catch (error) {
    remove();
    return `a private PostgreSQL cannot be started: ${(error as Error).message}`;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async restart(mode = 'fast') {
      await stop(mode);
      await start();
    },
    async remove() {
      try {
        await stop('immediate');
      } finally {
        remove();
      }
    },
  };
}
