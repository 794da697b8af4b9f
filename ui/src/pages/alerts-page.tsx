// Alerts raised by twins' assessments: filtered as the API filters them, acknowledged with a note,
// and kept up to date live (an event that raises, acknowledges or resolves one reloads the list).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Alert } from '../api/api-types.js';
import type { ThingEvent } from '../api/thing-events.js';
import { ErrorMessage } from '../components/error-message.js';
import { TableBox } from '../components/table-box.js';
import { TableHead } from '../components/table-head.js';
import { api, live } from '../services.js';
import { Link } from '../shell/link.js';
import { href, navigate, type RouteProps } from '../shell/router.js';

/** The list parameters the page takes from its URL, as GET /alerts takes them. */
export const ALERT_FILTERS = [
  'state',
  'severity',
  'thingId',
  'type',
  'assessment',
  'from',
  'to',
] as const;
const PAGE = 50;

/** Whether an event raises, acknowledges or resolves an alert (it carries the twin's `_alerts`). */
export function touchesAlerts(event: ThingEvent): boolean {
  if (event.path.startsWith('/_alerts')) return true;
  const value = event.value;
  return (
    (event.path === '/' || event.path === '') &&
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    '_alerts' in value
  );
}

/** An ISO 8601 instant as a datetime-local field shows it (local time, to the second). */
export function localInputOf(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

/** A datetime-local field's value as the API takes it (ISO 8601, UTC). */
function isoOfLocal(local: string): string {
  const ms = Date.parse(local);
  return local && Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

function Filters({ query }: { query: URLSearchParams }) {
  const [draft, setDraft] = useState<Record<string, string>>({});
  useEffect(() => {
    const values = Object.fromEntries(ALERT_FILTERS.map((name) => [name, query.get(name) ?? '']));
    setDraft({ ...values, from: localInputOf(values.from), to: localInputOf(values.to) });
  }, [query.toString()]);
  const apply = (event: Event) => {
    event.preventDefault();
    navigate(href('/alerts', { ...draft, from: isoOfLocal(draft.from), to: isoOfLocal(draft.to) }));
  };
  const time = (name: 'from' | 'to', label: string) => (
    <label>
      {label}
      <input
        name={name}
        type="datetime-local"
        step="1"
        value={draft[name] ?? ''}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
      />
    </label>
  );
  const field = (name: string, label: string) => (
    <label>
      {label}
      <input
        name={name}
        spellcheck={false}
        value={draft[name] ?? ''}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <form class="search" onSubmit={apply} aria-label="Filter the alerts">
      <label>
        State
        <select
          name="state"
          value={draft.state ?? ''}
          onChange={(e) => setDraft({ ...draft, state: e.currentTarget.value })}
        >
          <option value="">any</option>
          <option value="active">active</option>
          <option value="acknowledged">acknowledged</option>
          <option value="resolved">resolved</option>
        </select>
      </label>
      {field('severity', 'Severity')}
      {field('thingId', 'Twin')}
      {field('type', 'Type')}
      {field('assessment', 'Assessment')}
      {time('from', 'Raised from')}
      {time('to', 'Raised before')}
      <button type="submit" class="primary">
        Filter
      </button>{' '}
      <button type="button" onClick={() => navigate('/alerts')}>
        Clear
      </button>
    </form>
  );
}

export function AlertsPage({ query }: RouteProps) {
  const filters = Object.fromEntries(
    ALERT_FILTERS.map((name) => [name, query.get(name) ?? undefined]),
  );
  const key = JSON.stringify(filters);
  const [items, setItems] = useState<Alert[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [updates, setUpdates] = useState(0);
  /** How many pages are shown: a live reload reads as many again. */
  const pages = useRef(1);

  const load = async (count: number) => {
    const found: Alert[] = [];
    let next: string | undefined;
    for (let page = 0; page < count; page++) {
      const answer = await api.read('/alerts', {
        query: { ...filters, limit: String(PAGE), cursor: next },
      });
      found.push(...answer.items);
      next = answer.cursor;
      if (next === undefined) break;
    }
    return { found, next };
  };

  useEffect(() => {
    let stopped = false;
    pages.current = 1;
    setItems(null);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const reload = () =>
      load(pages.current).then(
        ({ found, next }) => {
          if (stopped) return;
          setItems(found);
          setCursor(next);
          setError(null);
        },
        (caught: unknown) => !stopped && setError(caught),
      );
    void reload();
    // Several alert events in a burst make one reload.
    const stop = live.watchMatching('exists(_alerts)', (event) => {
      if (!touchesAlerts(event) || timer) return;
      timer = setTimeout(() => {
        timer = null;
        setUpdates((n) => n + 1);
        void reload();
      }, 150);
    });
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      stop();
    };
  }, [key]);

  const more = async () => {
    if (!cursor) return;
    try {
      const answer = await api.read('/alerts', {
        query: { ...filters, limit: String(PAGE), cursor },
      });
      pages.current += 1;
      setItems((current) => [...(current ?? []), ...answer.items]);
      setCursor(answer.cursor);
    } catch (caught) {
      setError(caught);
    }
  };

  const acknowledge = async (alert: Alert) => {
    setNotice(null);
    try {
      const answer = await api.call('post', '/alerts/{alertId}/ack', {
        params: { alertId: alert.alertId },
        body: note.trim() ? { note: note.trim() } : {},
      });
      setItems((current) =>
        (current ?? []).map((a) => (a.alertId === alert.alertId ? answer.body : a)),
      );
      setNotice(`Acknowledged ${alert.alertId}.`);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section>
      <h1>Alerts</h1>
      <Filters query={query} />
      <label>
        Note for acknowledgements (optional)
        <input name="note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <ErrorMessage error={error} testId="alerts-error" />
      {notice && (
        <p role="status" data-testid="alerts-notice">
          {notice}
        </p>
      )}
      <p class="meta" data-testid="alerts-live">
        Live: the list follows the twins’ alert events
        {updates > 0 ? ` (${updates} update${updates === 1 ? '' : 's'} so far)` : ''}.
      </p>
      {items && items.length === 0 && <p>No alerts match.</p>}
      {items && items.length > 0 && (
        <TableBox label="Alerts">
          <table data-testid="alerts">
            <TableHead
              columns={[
                'Twin',
                'Assessment',
                'Severity',
                'State',
                'Raised',
                'Resolved',
                'Acknowledged',
                'Type',
              ]}
              actions
            />
            <tbody>
              {items.map((alert) => (
                <tr key={alert.alertId} data-alert={alert.alertId}>
                  <td>
                    <Link href={`/twins/${encodeURIComponent(alert.thingId)}`}>
                      {alert.thingId}
                    </Link>
                  </td>
                  <td>{alert.assessment}</td>
                  <td>{alert.severity}</td>
                  <td data-testid="alert-state">{alert.state}</td>
                  <td>
                    {new Date(alert.raised).toLocaleString()} (rev {alert.raisedRevision})
                  </td>
                  <td>{alert.resolved ? new Date(alert.resolved).toLocaleString() : ''}</td>
                  <td data-testid="alert-ack">
                    {alert.acknowledged
                      ? `${alert.acknowledged.by ?? ''}${alert.acknowledged.note ? `: ${alert.acknowledged.note}` : ''}`
                      : ''}
                  </td>
                  <td>
                    <Link href={href('/types', { id: alert.type })}>{alert.type}</Link>
                  </td>
                  <td>
                    {alert.state === 'active' && (
                      <button
                        type="button"
                        class="small"
                        aria-label={`Acknowledge ${alert.alertId}`}
                        onClick={() => void acknowledge(alert)}
                      >
                        acknowledge
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      {cursor && (
        <button type="button" onClick={() => void more()}>
          More alerts
        </button>
      )}
    </section>
  );
}
