// `twinfold fork` and `twinfold migrate`: what-if forks and definition migrations on a running
// server. A refusal prints the server's message on one line (exit 2); an unreachable server, 1.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { callServer, fail, serverTargetOptions, type Json } from './server-call.js';

interface ServerFlags {
  url: string;
  token?: string;
  json?: boolean;
}

/** Polls this often while a bulk migration runs (ms). */
const POLL_MS = 250;
const BAR_WIDTH = 30;

function call(
  command: string,
  flags: ServerFlags,
  method: string,
  path: string,
  body?: unknown,
): Promise<Json> {
  return callServer(command, flags, method, path, body);
}

/** The options every server command takes. */
function serverOptions(command: Command): Command {
  return serverTargetOptions(command.option('--json', 'print the answer as JSON'));
}

function print(flags: ServerFlags, value: unknown, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** One line per fork twin: `copy <- source @ revision`. */
export function forkText(view: Json): string {
  const lines = [
    `fork ${view.namespace} at ${view.at}: ${view.twins.length} twins, ${view.relations} relations`,
    ...view.twins.map((t: Json) => `  ${t.thingId} <- ${t.of} (revision ${t.revision})`),
    ...view.skipped.map((s: Json) => `  skipped ${s.thingId}: ${s.reason}`),
  ];
  return lines.join('\n');
}

export function forkCommand(): Command {
  const fork = new Command('fork').description(
    'What-if forks: twins copied as they were at an instant into a scenario namespace',
  );
  fork.addCommand(
    serverOptions(
      new Command('create')
        .description(
          'Copy the twins a filter selects, as they were at an instant, into a namespace',
        )
        .requiredOption('--filter <rql>', 'RQL selecting the source twins')
        .requiredOption('--into <namespace>', 'the scenario namespace (empty, not a source one)')
        .option('--at <time>', 'the instant copied (ISO-8601 or epoch ms; default: now)'),
    ).action(async (flags: ServerFlags & { filter: string; into: string; at?: string }) => {
      const body: Json = { filter: flags.filter, into: flags.into };
      if (flags.at !== undefined) body.at = /^\d+$/.test(flags.at) ? Number(flags.at) : flags.at;
      const view = await call('fork', flags, 'POST', '/api/2/forks', body);
      print(flags, view, forkText(view));
    }),
  );
  fork.addCommand(
    serverOptions(new Command('list').description('The forks of the caller')).action(
      async (flags: ServerFlags) => {
        const views = (await call('fork', flags, 'GET', '/api/2/forks')) as unknown as Json[];
        print(
          flags,
          views,
          views.length === 0 ? 'no forks' : views.map((v) => forkText(v)).join('\n'),
        );
      },
    ),
  );
  fork.addCommand(
    serverOptions(
      new Command('delete')
        .description('Delete the whole scenario namespace of a fork')
        .argument('<namespace>', 'the scenario namespace'),
    ).action(async (namespace: string, flags: ServerFlags) => {
      const outcome = await call(
        'fork',
        flags,
        'DELETE',
        `/api/2/forks/${encodeURIComponent(namespace)}`,
      );
      if (Array.isArray(outcome.failed) && outcome.failed.length > 0)
        fail(
          'fork',
          `${outcome.failed.length} twin(s) of ${namespace} could not be deleted: ${outcome.failed
            .map((f: Json) => `${f.thingId} (${f.error})`)
            .join(', ')}`,
          2,
        );
      print(flags, { namespace, deleted: true }, `deleted ${namespace}`);
    }),
  );
  return fork;
}

/** `[#####.....]  42% 12/29 twins, 1 failed` */
export function migrationBar(progress: {
  twins: number;
  done: number;
  failed: number;
  fraction: number;
}): string {
  const filled = Math.round(progress.fraction * BAR_WIDTH);
  const percent = Math.floor(progress.fraction * 100);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}% ${progress.done.toLocaleString('en')}/${progress.twins.toLocaleString('en')} twins, ${progress.failed} failed`;
}

interface MigrateFlags extends ServerFlags {
  thing?: string;
  filter?: string;
  definition: string;
  payload?: string;
  conditions?: string;
  defaults?: boolean;
  dryRun?: boolean;
}

/** A JSON option given inline or as `@file`. */
function jsonOption(name: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  const file = value.startsWith('@') ? value.slice(1) : null;
  let text = value;
  if (file !== null) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      fail('migrate', `--${name}: cannot read ${file}: ${(error as Error).message}`, 2);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(
      'migrate',
      `--${name}${file ? ` (${file})` : ''} is not JSON: ${(error as Error).message}`,
      2,
    );
  }
}

export function migrateCommand(): Command {
  return serverOptions(
    new Command('migrate')
      .description(
        "Move a twin (--thing) or every twin a filter selects (--filter) to another type version, as Ditto's migrateDefinition",
      )
      .requiredOption('--definition <typeId>', "the type moved to, 'namespace:name:version'")
      .option('--thing <thingId>', 'the twin migrated')
      .option('--filter <rql>', 'RQL selecting the twins migrated (the bulk form)')
      .option('--payload <json>', 'the migration payload (a merge patch), inline or @file')
      .option(
        '--conditions <json>',
        'patch conditions {"thing:/pointer": "<RQL>"}, inline or @file',
      )
      .option('--defaults', "initialize what the twins lack from the type's schema defaults")
      .option('--dry-run', 'compute and validate, change nothing'),
  ).action(async (flags: MigrateFlags) => {
    if ((flags.thing === undefined) === (flags.filter === undefined))
      fail('migrate', 'give either --thing <thingId> or --filter <rql>', 2);
    const body: Json = { thingDefinitionUrl: flags.definition };
    const payload = jsonOption('payload', flags.payload);
    if (payload !== undefined) body.migrationPayload = payload;
    const conditions = jsonOption('conditions', flags.conditions);
    if (conditions !== undefined) body.patchConditions = conditions;
    if (flags.defaults) body.initializeMissingPropertiesFromDefaults = true;
    const query = flags.dryRun ? '?dry-run=true' : '';
    if (flags.thing !== undefined) {
      const answer = await call(
        'migrate',
        flags,
        'POST',
        `/api/2/things/${encodeURIComponent(flags.thing)}/migrateDefinition${query}`,
        body,
      );
      print(
        flags,
        answer,
        `${answer.mergeStatus} ${answer.thingId}: ${JSON.stringify(answer.patch)}`,
      );
      return;
    }
    let view = await call('migrate', flags, 'POST', `/api/2/migrations${query}`, {
      ...body,
      filter: flags.filter,
    });
    const tty = process.stderr.isTTY === true;
    while (view.state === 'running') {
      if (tty) process.stderr.write(`\r${migrationBar(view.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      view = await call('migrate', flags, 'GET', `/api/2/migrations/${view.migrationId}`);
    }
    process.stderr.write(`${tty ? '\r' : ''}${migrationBar(view.progress)}\n`);
    if (view.state !== 'succeeded') fail('migrate', `the migration failed: ${view.error}`, 1);
    const lines = (view.results as Json[]).map((r) =>
      r.status < 300
        ? `${r.mergeStatus} ${r.thingId} (revision ${r.revision})`
        : `${r.status} ${r.thingId}: ${r.message}`,
    );
    print(flags, view, lines.join('\n') || 'no twins selected');
    if (view.progress.failed > 0) process.exitCode = 2;
  });
}
