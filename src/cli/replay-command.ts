// `twinfold replay`: starts a replay on a running server, shows its progress on stderr while it
// runs, then the comparison with what happened live as tables on stdout.
import { Command } from 'commander';
import { callServer, fail as failCommand, serverTargetOptions, type Json } from './server-call.js';

interface ReplayFlags {
  type: string;
  filter?: string;
  from?: string;
  to?: string;
  into?: string;
  url: string;
  token?: string;
  json?: boolean;
}

/** Polls this often while the replay runs (ms). */
const POLL_MS = 250;
const BAR_WIDTH = 30;

function fail(message: string, code: number): never {
  return failCommand('replay', message, code);
}

function call(flags: ReplayFlags, method: string, path: string, body?: unknown): Promise<Json> {
  return callServer('replay', flags, method, path, body);
}

/** `[#####.....]  42% 1,234/2,900 events` */
export function progressBar(progress: {
  eventsDone: number;
  events: number | null;
  fraction: number;
}) {
  const filled = Math.round(progress.fraction * BAR_WIDTH);
  const percent = Math.floor(progress.fraction * 100);
  const total = progress.events === null ? '?' : progress.events.toLocaleString('en');
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}% ${progress.eventsDone.toLocaleString('en')}/${total} events`;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The comparison as text tables. */
export function comparisonText(view: Json): string {
  const { comparison: c } = view;
  const out: string[] = [];
  out.push(
    `replay ${view.replayId}: ${c.twins} twins, ${c.events} events in ${view.seconds?.toFixed(2)} s`,
  );
  out.push(
    `alerts: ${c.alerts.replayed} replayed, ${c.alerts.live} live, ${c.alerts.matched} matched, ` +
      `${c.alerts.onlyInReplay} only in the replay, ${c.alerts.onlyLive} only live, ` +
      `${c.alerts.resolvedApart} resolved at other times`,
  );
  const alertRows = [
    ...c.alerts.onlyInReplayList.map((a: Json) => [
      'replay only',
      a.thingId,
      a.assessment,
      a.raisedAt,
      a.resolvedAt ?? '-',
    ]),
    ...c.alerts.onlyLiveList.map((a: Json) => [
      'live only',
      a.thingId,
      a.assessment,
      a.raisedAt,
      a.resolvedAt ?? '-',
    ]),
    ...c.alerts.resolvedApartList.map((a: Json) => [
      'resolved apart',
      a.thingId,
      a.assessment,
      a.raisedAt,
      `${a.resolvedAt ?? '-'} (live ${a.liveResolvedAt ?? '-'})`,
    ]),
  ];
  if (alertRows.length > 0)
    out.push(table(['', 'thing', 'assessment', 'raised', 'resolved'], alertRows));
  out.push(
    `outputs: ${c.outputs.compared} compared, ${c.outputs.differing} differing, ` +
      `max abs difference ${c.outputs.maxAbsDifference}`,
  );
  const outputRows: string[][] = [];
  for (const twin of c.outputs.twins)
    for (const [pointer, d] of Object.entries(twin.pointers as Record<string, Json>))
      outputRows.push([twin.thingId, pointer, String(d.differing), String(d.maxAbsDifference)]);
  if (outputRows.length > 0)
    out.push(table(['thing', 'output', 'differing', 'max abs difference'], outputRows));
  if (view.into)
    out.push(
      `into ${view.into.namespace}: ${view.into.written.length} written, ` +
        `${view.into.deleted.length} deleted by the end, ${view.into.failed.length} failed`,
    );
  return `${out.join('\n')}\n`;
}

export function replayCommand(): Command {
  const command = new Command('replay')
    .description(
      'Re-run a type version over the journaled inputs of the twins a filter selects, in a time ' +
        'range, on a running server; show its progress, then what differs from what happened live',
    )
    .requiredOption('--type <typeId>', "the type replayed, 'namespace:name:version'")
    .option('--filter <rql>', 'RQL selecting the twins (default: every readable one)')
    .option('--from <time>', 'events committed at or after (ISO-8601 or epoch ms; default: all)')
    .option('--to <time>', 'events committed before (ISO-8601 or epoch ms; default: now)')
    .option('--into <namespace>', 'write the replayed twins into this scenario namespace')
    .option('--json', 'print the finished replay as JSON instead of tables');
  return serverTargetOptions(command).action(async (flags: ReplayFlags) => {
    if (!flags.token) fail('give --token or set TWINFOLD_TOKEN (or TWINFOLD_ADMIN_TOKEN)', 2);
    const body: Json = { type: flags.type };
    for (const key of ['filter', 'into'] as const)
      if (flags[key] !== undefined) body[key] = flags[key];
    for (const key of ['from', 'to'] as const) {
      const value = flags[key];
      if (value !== undefined) body[key] = /^\d+$/.test(value) ? Number(value) : value;
    }
    let view = await call(flags, 'POST', '/api/2/replays', body);
    const tty = process.stderr.isTTY === true;
    while (view.state === 'running') {
      if (tty) process.stderr.write(`\r${progressBar(view.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      view = await call(flags, 'GET', `/api/2/replays/${view.replayId}`);
    }
    process.stderr.write(`${tty ? '\r' : ''}${progressBar(view.progress)}\n`);
    if (view.state === 'failed') fail(`the replay failed: ${view.error}`, 1);
    process.stdout.write(flags.json ? `${JSON.stringify(view, null, 2)}\n` : comparisonText(view));
  });
}
