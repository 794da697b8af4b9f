// A command's call to a running server's API: bearer token, JSON in and out. A refusal prints the
// server's message on one line and exits 2; an unreachable server or an answer that is not JSON,
// 1; a missing token, 2 (saying how to give one).
import type { Command } from 'commander';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers, read by their keys

export interface ServerTarget {
  readonly url: string;
  readonly token?: string;
}

/** Adds `--url` and `--token` (TWINFOLD_URL, TWINFOLD_TOKEN, else TWINFOLD_ADMIN_TOKEN) to a command. */
export function serverTargetOptions(command: Command): Command {
  return command
    .option(
      '--url <url>',
      'the server (TWINFOLD_URL, default http://127.0.0.1:8080)',
      process.env.TWINFOLD_URL ?? 'http://127.0.0.1:8080',
    )
    .option(
      '--token <token>',
      'an API token (TWINFOLD_TOKEN, else TWINFOLD_ADMIN_TOKEN)',
      process.env.TWINFOLD_TOKEN ?? process.env.TWINFOLD_ADMIN_TOKEN,
    );
}

/** Prints `twinfold <command>: <message>` on stderr and exits with `code`. */
export function fail(command: string, message: string, code: number): never {
  process.stderr.write(`twinfold ${command}: ${message}\n`);
  process.exit(code);
}

/** Calls `method path` on the server with a JSON body when given; resolves with the JSON answer. */
export async function callServer(
  command: string,
  target: ServerTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<Json> {
  if (!target.token)
    fail(command, 'give --token or set TWINFOLD_TOKEN (or TWINFOLD_ADMIN_TOKEN)', 2);
  let response: Response;
  try {
    response = await fetch(`${target.url.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    fail(command, `cannot reach ${target.url}: ${String(error)}`, 1);
  }
  const text = await response.text();
  let parsed: Json | null = null;
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Json);
  } catch {
    // Not JSON: said below as it came.
  }
  if (!response.ok) {
    const message =
      parsed === null ? text : [parsed.message, parsed.description].filter(Boolean).join(' ');
    fail(command, `${response.status} ${message}`, 2);
  }
  if (parsed === null) fail(command, `${response.status} and an answer that is not JSON`, 1);
  return parsed;
}
