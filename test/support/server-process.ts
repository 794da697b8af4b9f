// Runs `twinfold serve` as a real child process (through tsx) and waits until it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** The bootstrap admin token every test server is started with. */
export const ADMIN_TOKEN = 'tft_test-admin-token-0123456789';

/** fetch with the admin's bearer token. */
export function adminFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(init.headers as Record<string, string>),
    },
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Log lines printed so far (parsed JSON where possible). */
  logs: Record<string, unknown>[];
  /** Everything the process wrote on stderr so far. */
  stderr(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(
  args: string[],
  /** Added to the environment; a variable set to undefined is removed. */
  env: Record<string, string | undefined> = {},
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--log-level', 'info', ...args],
    {
      env: { ...process.env, TWINFOLD_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time: ${stderr} ${JSON.stringify(logs)}`)),
      30_000,
    );
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'twinfold ready') {
          clearTimeout(timer);
          resolve(entry.url as string);
        }
      } catch {
        logs.push({ raw: line });
      }
    });
  });
  return {
    url,
    child,
    logs,
    stderr: () => stderr,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
  };
}
