// `twinfold deadletters list|show|redrive|purge`: the dead letters of a running server, over its API.
import { Command } from 'commander';

interface Target {
  url: string;
  token: string;
}

function targetOf(command: Command): Target {
  const { url, token } = command.optsWithGlobals() as { url: string; token?: string };
  if (!token) {
    process.stderr.write(
      'twinfold deadletters: give --token or set TWINFOLD_TOKEN (or TWINFOLD_ADMIN_TOKEN)\n',
    );
    process.exit(2);
  }
  return { url: url.replace(/\/+$/, ''), token };
}

/** Calls the API and prints its JSON answer; a refusal prints Ditto's message and exits 2. */
async function call(target: Target, method: string, path: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${target.url}/api/2/ingest/deadletters${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}` },
    });
  } catch (error) {
    process.stderr.write(`twinfold deadletters: cannot reach ${target.url}: ${String(error)}\n`);
    process.exit(1);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      const body = JSON.parse(text) as { message?: string; description?: string };
      message = [body.message, body.description].filter(Boolean).join(' ');
    } catch {
      // Not Ditto's error body: print it as it came.
    }
    process.stderr.write(`twinfold deadletters: ${response.status} ${message}\n`);
    process.exit(2);
  }
  if (text !== '') process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
}

interface FilterFlags {
  spec?: string;
  reason?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

function query(flags: FilterFlags): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(flags))
    if (typeof value === 'string') params.set(key, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function filterOptions(command: Command): Command {
  return command
    .option('--spec <specId>', 'only dead letters of this spec')
    .option('--reason <reason>', 'only this reason, e.g. thing.notfound')
    .option('--since <time>', 'received at or after (ISO-8601)')
    .option('--until <time>', 'received before (ISO-8601)');
}

export function deadLettersCommand(): Command {
  const root = new Command('deadletters')
    .description('List, show, redrive and purge the dead letters of a running server')
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
  filterOptions(root.command('list'))
    .description('Dead letters, oldest first')
    .option('--limit <n>', 'at most this many (1 to 1000, default 100)')
    .option('--cursor <cursor>', 'the cursor of the previous page')
    .action(async (flags: FilterFlags, command: Command) =>
      call(targetOf(command), 'GET', query(flags)),
    );
  root
    .command('show <id>')
    .description('One dead letter, its raw payload included')
    .action(async (id: string, _flags: unknown, command: Command) =>
      call(targetOf(command), 'GET', `/${encodeURIComponent(id)}`),
    );
  filterOptions(root.command('redrive [id]'))
    .description('Send one dead letter, or those the filter selects, through their spec again')
    .action(async (id: string | undefined, flags: FilterFlags, command: Command) =>
      call(
        targetOf(command),
        'POST',
        id === undefined ? `/redrive${query(flags)}` : `/${encodeURIComponent(id)}/redrive`,
      ),
    );
  filterOptions(root.command('purge [id]'))
    .description('Delete one dead letter, or those the filter selects (all without a filter)')
    .action(async (id: string | undefined, flags: FilterFlags, command: Command) =>
      call(
        targetOf(command),
        'DELETE',
        id === undefined ? query(flags) : `/${encodeURIComponent(id)}`,
      ),
    );
  return root;
}
