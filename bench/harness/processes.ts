// Child processes for the benchmarks: a Twinfold server, the bare Fastify reference, and helpers
// to wait for readiness and read a process's memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Durability } from '../../src/store/sqlite/sqlite-journal.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The bootstrap admin token every benchmark server is started with (TWINFOLD_ADMIN_TOKEN). */
const ADMIN_TOKEN = 'tft_twinfold-bench-admin-token';
/** Headers that authenticate a benchmark request as the bootstrap admin. */
export const AUTH_HEADERS: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A running child process with its stdout lines collected. */
export interface Child {
  readonly pid: number;
  /** performance.now() just before the process was spawned. */
  readonly spawnedAt: number;
  readonly lines: string[];
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Kills every child still running (used on abnormal exit of the bench runner). */
export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Spawns `node [nodeArgs] script [args]` with the repo as working directory. */
export function spawnNode(
  script: string,
  args: string[],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Child {
  const useTsx = script.endsWith('.ts');
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, ...(useTsx ? ['--import', 'tsx'] : []), script, ...args],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  children.add(child);
  const lines: string[] = [];
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      if (code !== 0 && code !== null && stderr) process.stderr.write(stderr);
      resolve(code);
    });
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${script}`);
  return {
    pid: child.pid,
    spawnedAt,
    lines,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
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

/** Polls `url` until it answers 200; resolves to performance.now() at that moment. */
export async function waitFor200(url: string, child: Child, timeoutMs = 180_000): Promise<number> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exited) throw new Error(`the process exited before ${url} answered`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

export interface TwinfoldOptions {
  data: string;
  durability?: Durability;
  /** A postgres:// URL to store in PostgreSQL instead of SQLite files under `data`. */
  store?: string;
  /** The schema of a postgres:// `store`. */
  storeSchema?: string;
  logLevel?: string;
  /** Writes a V8 CPU profile of the server into this directory when it stops. */
  cpuProfDir?: string;
  /** More `twinfold serve` flags (e.g. `--nats-url`). */
  extraArgs?: string[];
  /** The embedded MQTT broker's port (default 0: off). */
  mqttPort?: number;
  /** An external MQTT broker to subscribe to, and the client id of the session there. */
  mqttUrl?: string;
  mqttClientId?: string;
}

export interface Server {
  url: string;
  child: Child;
  /** Milliseconds from spawning the process to its readiness answering 200. */
  readyMs: number;
}

/** Whether servers run from dist/ as users run them (`npm start`, the `twinfold` bin), not src/. */
export const SERVER_FROM_DIST = process.env.BENCH_SERVER !== 'src';

/**
 * Starts `twinfold serve` as a child process: the compiled server in dist/ (which `npm run bench`
 * builds first) as users run it, or the sources through tsx when BENCH_SERVER=src.
 * BENCH_CPU_PROF=<dir> profiles every server; BENCH_NODE_ARGS adds Node flags to each (e.g.
 * `--trace-gc` or `--max-semi-space-size=64`, space-separated).
 */
export async function startTwinfold(options: TwinfoldOptions): Promise<Server> {
  const port = await freePort();
  const script = SERVER_FROM_DIST ? 'dist/cli/main.js' : 'src/cli/main.ts';
  if (SERVER_FROM_DIST && !existsSync(`${REPO_ROOT}${script}`))
    throw new Error('no dist/: run `npm run build` (or BENCH_SERVER=src to run the sources)');
  const profDir = options.cpuProfDir ?? process.env.BENCH_CPU_PROF;
  const extraNodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const nodeArgs = [
    ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
    ...extraNodeArgs,
  ];
  const args = ['serve', '--port', String(port), '--host', '127.0.0.1', '--data', options.data];
  if (options.mqttUrl) args.push('--mqtt-url', options.mqttUrl);
  else args.push('--mqtt-port', String(options.mqttPort ?? 0));
  if (options.mqttClientId) args.push('--mqtt-client-id', options.mqttClientId);
  args.push('--log-level', options.logLevel ?? 'warn');
  if (options.durability) args.push('--durability', options.durability);
  if (options.store) args.push('--store', options.store);
  if (options.storeSchema) args.push('--store-schema', options.storeSchema);
  if (options.extraArgs) args.push(...options.extraArgs);
  return startServer(port, script, args, nodeArgs, { TWINFOLD_ADMIN_TOKEN: ADMIN_TOKEN });
}

/** Spawns a server listening on `port` (given in `args`) and waits until its /ready answers 200. */
export async function startServer(
  port: number,
  script: string,
  args: string[],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<Server> {
  const child = spawnNode(script, args, nodeArgs, env);
  const url = `http://127.0.0.1:${port}`;
  const readyAt = await waitFor200(`${url}/ready`, child);
  return { url, child, readyMs: readyAt - child.spawnedAt };
}

/** Starts the bare Fastify reference server (bench/children/bare-fastify.ts). */
export async function startBareFastify(): Promise<Server> {
  const port = await freePort();
  return startServer(port, 'bench/children/bare-fastify.ts', [String(port)]);
}

export interface ProcessMemory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size, bytes. */
  peak: number;
}

/** VmRSS and VmHWM of a process from /proc/<pid>/status. */
export async function memoryOf(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
}
