// Replays: start one (type, filter, from, to, into), follow its progress while it runs, then read
// its comparison with what happened live (alerts only one side raised, outputs that differ).
import { useEffect, useState } from 'preact/hooks';
import type { ComparedAlert, Replay, ReplayComparison } from '../api/api-types.js';
import { ErrorMessage } from '../components/error-message.js';
import { TableBox } from '../components/table-box.js';
import { TableHead } from '../components/table-head.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, navigate, type RouteProps } from '../shell/router.js';

const POLL_MS = 250;

/** An event time of the comparison, to the millisecond ("active" for an alert never resolved). */
const when = (iso: string | null | undefined) =>
  iso
    ? new Date(iso).toLocaleString(undefined, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        fractionalSecondDigits: 3,
      })
    : 'active';

/** A difference as people read it: six significant digits (no 1.8900000000000001). */
const amount = (value: number) => String(Number(value.toPrecision(6)));

/** An instant typed in a datetime-local field, as the API takes it (ISO 8601, UTC). */
function isoOf(local: string): string | undefined {
  if (!local.trim()) return undefined;
  const ms = Date.parse(local);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : local.trim();
}

function StartReplay({
  initialType,
  onStarted,
}: {
  initialType: string;
  onStarted: (replay: Replay) => void;
}) {
  const [types, setTypes] = useState<string[]>([]);
  const [type, setType] = useState(initialType);
  const [filter, setFilter] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [into, setInto] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.read('/types').then((list) => {
      setTypes(list.map((t) => t.typeId));
      if (!initialType && list[0]) setType(list[0].typeId);
    }, setError);
  }, []);
  const start = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, string> = { type };
    if (filter.trim()) body.filter = filter.trim();
    const fromIso = isoOf(from);
    const toIso = isoOf(to);
    if (fromIso) body.from = fromIso;
    if (toIso) body.to = toIso;
    if (into.trim()) body.into = into.trim();
    try {
      const answer = await api.request<Replay>('POST', '/replays', { body });
      setError(null);
      onStarted(answer.body);
      navigate(href('/replays', { id: answer.body.replayId }));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="create" onSubmit={start} aria-label="Start a replay">
      <h2>Start a replay</h2>
      <label>
        Type
        <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          {types.length === 0 && <option value="">(no types)</option>}
          {types.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </label>
      <label>
        RQL filter of the twins (optional: every twin you may read)
        <input name="filter" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </label>
      <label>
        From (optional: the start of the journal)
        <input
          name="from"
          type="datetime-local"
          step="1"
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
      </label>
      <label>
        To (optional: now)
        <input
          name="to"
          type="datetime-local"
          step="1"
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
        />
      </label>
      <label>
        Into a scenario namespace (optional)
        <input name="into" value={into} onInput={(e) => setInto(e.currentTarget.value)} />
      </label>
      <ErrorMessage error={error} testId="replay-error" />
      <button type="submit" class="primary" disabled={!type}>
        Start the replay
      </button>
    </form>
  );
}

function AlertList({
  title,
  items,
  total,
}: {
  title: string;
  items: ComparedAlert[];
  total: number;
}) {
  return (
    <div data-testid={`replay-${title.replace(/\W+/g, '-').toLowerCase()}`}>
      <h4>
        {title}: <span data-testid="replay-count">{total}</span>
      </h4>
      {items.length > 0 && (
        <TableBox label={title}>
          <table>
            <TableHead
              columns={[
                'Twin',
                'Assessment',
                'Severity',
                'Raised',
                'Resolved',
                ...(items.some((a) => 'liveResolvedAt' in a) ? ['Resolved live'] : []),
              ]}
            />
            <tbody>
              {items.map((a) => (
                <tr key={`${a.thingId} ${a.assessment} ${a.raisedAt}`}>
                  <td>
                    <Link href={`/twins/${encodeURIComponent(a.thingId)}`}>{a.thingId}</Link>
                  </td>
                  <td>{a.assessment}</td>
                  <td>{a.severity}</td>
                  <td>{when(a.raisedAt)}</td>
                  <td>{when(a.resolvedAt)}</td>
                  {'liveResolvedAt' in a && <td>{when(a.liveResolvedAt)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      {total > items.length && (
        <p>
          The first {items.length} of {total}.
        </p>
      )}
    </div>
  );
}

function Comparison({ comparison }: { comparison: ReplayComparison }) {
  const { alerts, outputs } = comparison;
  const rows = outputs.twins.flatMap((twin) =>
    Object.entries(twin.pointers).map(([pointer, d]) => ({ thingId: twin.thingId, pointer, ...d })),
  );
  return (
    <div data-testid="replay-comparison">
      <h3>Compared with what happened live</h3>
      <dl class="cards">
        <div>
          <dt>Twins</dt>
          <dd>{comparison.twins}</dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd>{comparison.events}</dd>
        </div>
        <div>
          <dt>Alerts replayed / live</dt>
          <dd data-testid="replay-alert-counts">
            {alerts.replayed} / {alerts.live}
          </dd>
        </div>
        <div>
          <dt>Matched</dt>
          <dd>{alerts.matched}</dd>
        </div>
        <div>
          <dt>Values compared</dt>
          <dd>{outputs.compared}</dd>
        </div>
        <div>
          <dt>Values differing</dt>
          <dd data-testid="replay-differing">{outputs.differing}</dd>
        </div>
        <div>
          <dt>Largest difference</dt>
          <dd data-testid="replay-max-difference">{amount(outputs.maxAbsDifference)}</dd>
        </div>
        <div>
          <dt>Late samples dropped</dt>
          <dd>{comparison.lateDropped}</dd>
        </div>
      </dl>
      <AlertList
        title="Would have fired, and did not"
        items={alerts.onlyInReplayList}
        total={alerts.onlyInReplay}
      />
      <AlertList
        title="Fired live, and would not have"
        items={alerts.onlyLiveList}
        total={alerts.onlyLive}
      />
      <AlertList
        title="Resolved at another time"
        items={alerts.resolvedApartList}
        total={alerts.resolvedApart}
      />
      <h4>
        Derived values that differ: {outputs.differing} in {outputs.twinsDiffering} twin
        {outputs.twinsDiffering === 1 ? '' : 's'}
      </h4>
      {rows.length > 0 && (
        <TableBox label="Derived values that differ">
          <table data-testid="replay-outputs">
            <TableHead columns={['Twin', 'Pointer', 'Differing', 'Largest difference']} />
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.thingId} ${row.pointer}`}>
                  <td>
                    <Link href={`/twins/${encodeURIComponent(row.thingId)}`}>{row.thingId}</Link>
                  </td>
                  <td>
                    <code>{row.pointer}</code>
                  </td>
                  <td>{row.differing}</td>
                  <td>{amount(row.maxAbsDifference)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </div>
  );
}

/** One replay: `started` is the answer that started it (shown until the first poll answers). */
function ReplayView({
  replayId,
  started,
  onFinished,
}: {
  replayId: string;
  started: Replay | null;
  onFinished: () => void;
}) {
  const [replay, setReplay] = useState<Replay | null>(
    started?.replayId === replayId ? started : null,
  );
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poll = () =>
      api.read('/replays/{replayId}', { params: { replayId } }).then(
        (body) => {
          if (stopped) return;
          const view = body as unknown as Replay;
          setReplay(view);
          setError(null);
          if (view.state === 'running') timer = setTimeout(() => void poll(), POLL_MS);
          else onFinished();
        },
        (caught: unknown) => !stopped && setError(caught),
      );
    if (started?.replayId === replayId) timer = setTimeout(() => void poll(), POLL_MS);
    else void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [replayId]);
  if (!replay)
    return (
      <div data-testid="replay">
        <ErrorMessage error={error} />
      </div>
    );
  const { progress, request } = replay;
  const percent = Math.round(progress.fraction * 100);
  return (
    <div data-testid="replay">
      <h2>
        Replay of <Link href={href('/types', { id: request.type })}>{request.type}</Link>
      </h2>
      <ErrorMessage error={error} />
      <p class="meta">
        <code>{replay.replayId}</code> · twins{' '}
        {request.filter ? <code>{request.filter}</code> : 'all'} ·{' '}
        {new Date(request.from).toLocaleString()} to {new Date(request.to).toLocaleString()}
        {request.into ? (
          <>
            {' '}
            · into <code>{request.into}</code>
          </>
        ) : null}
      </p>
      <p>
        <span data-testid="replay-state">{replay.state}</span>:{' '}
        <progress
          max={100}
          value={percent}
          aria-label="Replay progress"
          data-testid="replay-progress"
          data-fraction={String(progress.fraction)}
        />{' '}
        {percent}% · {progress.eventsDone}
        {progress.events === null ? '' : ` of ${progress.events}`} events of {progress.twins} twin
        {progress.twins === 1 ? '' : 's'}
        {replay.seconds !== null ? ` in ${replay.seconds.toFixed(2)} s` : ''}
      </p>
      {replay.error && (
        <div class="error" role="alert" data-testid="replay-failed">
          {replay.error}
        </div>
      )}
      {replay.comparison && <Comparison comparison={replay.comparison} />}
      {replay.into && (
        <div data-testid="replay-into">
          <h3>
            Written into <code>{replay.into.namespace}</code>
          </h3>
          <p>
            {replay.into.written.map((id, i) => (
              <span key={id}>
                {i > 0 ? ', ' : ''}
                <Link href={`/twins/${encodeURIComponent(id)}`}>{id}</Link>
              </span>
            ))}
            {replay.into.written.length === 0 && 'No twin written.'}
          </p>
          {replay.into.deleted.length > 0 && (
            <p>Deleted by the end: {replay.into.deleted.join(', ')}</p>
          )}
          {replay.into.failed.map((f) => (
            <p key={f.thingId} class="error">
              {f.thingId}: {f.message}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}

export function ReplaysPage({ query }: RouteProps) {
  const selected = query.get('id') ?? '';
  const [replays, setReplays] = useState<Replay[] | null>(null);
  const [started, setStarted] = useState<Replay | null>(null);
  const [finished, setFinished] = useState(0);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    api.read('/replays').then(
      (list) => !stopped && setReplays(list as unknown as Replay[]),
      (caught: unknown) => !stopped && setError(caught),
    );
    return () => {
      stopped = true;
    };
  }, [selected, finished]);
  return (
    <section>
      <h1>Replays</h1>
      <p>
        A replay re-runs a type version over the journaled inputs of chosen twins, never touching
        the live twins, and compares what it computes with what happened live.
      </p>
      <ErrorMessage error={error} />
      {selected && (
        <ReplayView
          replayId={selected}
          key={selected}
          started={started}
          onFinished={() => setFinished((n) => n + 1)}
        />
      )}
      <StartReplay initialType={query.get('type') ?? ''} onStarted={setStarted} />
      {replays && replays.length > 0 && (
        <>
          <h2>Earlier replays (kept until the server restarts)</h2>
          <TableBox label="Replays">
            <table data-testid="replays">
              <TableHead columns={['Replay', 'Type', 'State', 'Twins', 'Started']} />
              <tbody>
                {replays.map((r) => (
                  <tr key={r.replayId} aria-selected={r.replayId === selected}>
                    <td>
                      <Link href={href('/replays', { id: r.replayId })}>
                        {r.replayId.slice(0, 8)}
                      </Link>
                    </td>
                    <td>{r.request.type}</td>
                    <td>{r.state}</td>
                    <td>{r.progress.twins}</td>
                    <td>{new Date(r.created).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        </>
      )}
    </section>
  );
}
