// `twinfold deadletters list|show|redrive|purge`: the dead letters of a running server, over its API.
import { Command } from 'commander';
import { callServer, serverTargetOptions, type ServerTarget } from './server-call.js';

/** Calls the dead-letter API and prints its JSON answer (refusals as callServer says them). */
async function call(command: Command, method: string, path: string): Promise<void> {
  const target = command.optsWithGlobals() as ServerTarget;
  const answer = await callServer(
    'deadletters',
    target,
    method,
    `/api/2/ingest/deadletters${path}`,
  );
  // A purge of one dead letter answers 204: nothing to print.
  if (Object.keys(answer).length > 0) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
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
  const root = serverTargetOptions(
    new Command('deadletters').description(
      'List, show, redrive and purge the dead letters of a running server',
    ),
  );
  filterOptions(root.command('list'))
    .description('Dead letters, oldest first')
    .option('--limit <n>', 'at most this many (1 to 1000, default 100)')
    .option('--cursor <cursor>', 'the cursor of the previous page')
    .action(async (flags: FilterFlags, command: Command) => call(command, 'GET', query(flags)));
  root
    .command('show <id>')
    .description('One dead letter, its raw payload included')
    .action(async (id: string, _flags: unknown, command: Command) =>
      call(command, 'GET', `/${encodeURIComponent(id)}`),
    );
  filterOptions(root.command('redrive [id]'))
    .description('Send one dead letter, or those the filter selects, through their spec again')
    .action(async (id: string | undefined, flags: FilterFlags, command: Command) =>
      call(
        command,
        'POST',
        id === undefined ? `/redrive${query(flags)}` : `/${encodeURIComponent(id)}/redrive`,
      ),
    );
  filterOptions(root.command('purge [id]'))
    .description('Delete one dead letter, or those the filter selects (all without a filter)')
    .action(async (id: string | undefined, flags: FilterFlags, command: Command) =>
      call(command, 'DELETE', id === undefined ? query(flags) : `/${encodeURIComponent(id)}`),
    );
  return root;
}
