// Overview: twins by namespace, rates, connections and webhook backlog from /metrics, health; live.
import { TableBox } from '../components/table-box.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiErrorOf } from '../api/api-error.js';
import { parsePrometheus, total, type Sample } from '../api/prometheus.js';
import { ErrorMessage } from '../components/error-message.js';
import { api, session } from '../services.js';
import { Link } from '../shell/link.js';
import { href } from '../shell/router.js';
import { TableHead } from '../components/table-head.js';

/** Twins counted by namespace from at most this many search pages of 200. */
const MAX_PAGES = 10;
const REFRESH_MS = 2000;

interface Rates {
  eventsPerSecond: number | null;
  ingestPerSecond: number | null;
  requestsPerSecond: number | null;
  deadLetters: number | null;
  twinsOnNode: number | null;
  webSockets: number | null;
  mqttClients: number | null;
  webhookBacklog: number | null;
}

/** What /ready says (its transports' states), beyond ready or not. */
interface Readiness {
  mqtt?: { mode: string; state?: string; port?: number };
  [transport: string]: unknown;
}

interface Census {
  byNamespace: [string, number][];
  complete: boolean;
}

async function census(): Promise<Census> {
  const counts = new Map<string, number>();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await api.read('/search/things', {
      query: { fields: 'thingId', option: `size(200)${cursor ? `,cursor(${cursor})` : ''}` },
    });
    for (const item of page.items) {
      const id = String(item.thingId);
      const namespace = id.slice(0, id.indexOf(':'));
      counts.set(namespace, (counts.get(namespace) ?? 0) + 1);
    }
    cursor = page.cursor;
  } while (cursor && ++pages < MAX_PAGES);
  return { byNamespace: [...counts].sort((a, b) => b[1] - a[1]), complete: !cursor };
}

function connections(samples: Sample[], kind: string): number | null {
  return total(
    samples.filter((sample) => sample.labels.kind === kind),
    'twinfold_connections',
  );
}

function mqttState(details: Readiness | null): string {
  const mqtt = details?.mqtt;
  if (!mqtt || mqtt.mode === 'off') return 'off';
  return `${mqtt.mode}${mqtt.state ? `, ${mqtt.state}` : ''}${mqtt.port ? ` on port ${mqtt.port}` : ''}`;
}

export function OverviewPage() {
  const [health, setHealth] = useState<{
    live: boolean;
    ready: boolean;
    details: Readiness | null;
  } | null>(null);
  const [rates, setRates] = useState<Rates | null>(null);
  const [metricsError, setMetricsError] = useState<unknown>(null);
  const [twins, setTwins] = useState<{ count: number; census: Census } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const last = useRef<{
    at: number;
    events: number | null;
    requests: number | null;
    ingested: number;
  } | null>(null);

  useEffect(() => {
    let stopped = false;
    const sample = async () => {
      try {
        const [live, ready] = await Promise.all([fetch('/health'), fetch('/ready')]);
        const details = (await ready.json().catch(() => null)) as Readiness | null;
        setHealth({ live: live.ok, ready: ready.ok, details });
      } catch {
        setHealth({ live: false, ready: false, details: null });
      }
      try {
        const authorization = session.authorization();
        const response = await fetch('/metrics', {
          headers: authorization ? { authorization } : {},
        });
        const text = await response.text();
        if (!response.ok) throw apiErrorOf(response.status, text);
        const samples = parsePrometheus(text);
        const now = performance.now();
        const events = total(samples, 'twinfold_events_appended_total');
        const requests = total(samples, 'twinfold_http_requests_total');
        const ingested = total(samples, 'twinfold_ingest_accepted_total') ?? 0;
        const before = last.current;
        const rate = (a: number | null, b: number | null | undefined) =>
          before && a !== null && b !== null && b !== undefined
            ? Math.max(0, (a - b) / ((now - before.at) / 1000))
            : null;
        setRates({
          eventsPerSecond: rate(events, before?.events),
          ingestPerSecond: rate(ingested, before?.ingested),
          requestsPerSecond: rate(requests, before?.requests),
          deadLetters: total(samples, 'twinfold_ingest_dead_letters_total'),
          twinsOnNode: total(samples, 'twinfold_twins'),
          webSockets: connections(samples, 'websocket'),
          mqttClients: connections(samples, 'mqtt'),
          webhookBacklog: total(samples, 'twinfold_webhook_backlog') ?? 0,
        });
        last.current = { at: now, events, requests, ingested };
        setMetricsError(null);
      } catch (caught) {
        setMetricsError(caught);
      }
    };
    const loadTwins = async () => {
      try {
        const [count, found] = await Promise.all([api.read('/search/things/count'), census()]);
        if (!stopped) setTwins({ count, census: found });
        setError(null);
      } catch (caught) {
        setError(caught);
      }
    };
    void sample();
    void loadTwins();
    const timer = setInterval(() => void sample(), REFRESH_MS);
    const slow = setInterval(() => void loadTwins(), REFRESH_MS * 5);
    return () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(slow);
    };
  }, []);

  const number = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined ? '…' : value.toFixed(digits);

  return (
    <section>
      <h1>Overview</h1>
      <ErrorMessage error={error} />
      <dl class="cards">
        <div>
          <dt>Twins you may read</dt>
          <dd data-testid="twin-count">{number(twins?.count)}</dd>
        </div>
        <div>
          <dt>Events per second</dt>
          <dd data-testid="events-per-second">{number(rates?.eventsPerSecond, 1)}</dd>
        </div>
        <div>
          <dt>Ingested messages per second</dt>
          <dd data-testid="ingest-per-second">{number(rates?.ingestPerSecond, 1)}</dd>
        </div>
        <div>
          <dt>Requests per second</dt>
          <dd>{number(rates?.requestsPerSecond, 1)}</dd>
        </div>
        <div>
          <dt>Dead letters (since start)</dt>
          <dd>{number(rates?.deadLetters)}</dd>
        </div>
        <div>
          <dt>Twins on this node</dt>
          <dd>{number(rates?.twinsOnNode)}</dd>
        </div>
        <div>
          <dt>WebSocket sessions</dt>
          <dd data-testid="websocket-sessions">{number(rates?.webSockets)}</dd>
        </div>
        <div>
          <dt>MQTT clients</dt>
          <dd data-testid="mqtt-clients">
            {rates && rates.mqttClients === null ? 'broker off' : number(rates?.mqttClients)}
          </dd>
        </div>
        <div>
          <dt>
            <Link href="/webhooks">Webhook backlog</Link>
          </dt>
          <dd data-testid="webhook-backlog-total">{number(rates?.webhookBacklog)}</dd>
        </div>
        <div>
          <dt>MQTT</dt>
          <dd data-testid="mqtt-state">{health ? mqttState(health.details) : '…'}</dd>
        </div>
        <div>
          <dt>Health</dt>
          <dd data-testid="health">
            {health
              ? `${health.live ? 'up' : 'down'}, ${health.ready ? 'ready' : 'not ready'}`
              : '…'}
          </dd>
        </div>
      </dl>
      {metricsError ? (
        <>
          <p>The server's metrics are not available to you:</p>
          <ErrorMessage error={metricsError} />
        </>
      ) : null}
      <h2>Twins by namespace</h2>
      {twins && (
        <TableBox label="Twins by namespace">
          <table class="namespaces" data-testid="namespaces">
            <TableHead columns={['Namespace', 'Twins']} />
            <tbody>
              {twins.census.byNamespace.map(([namespace, count]) => (
                <tr key={namespace}>
                  <td>
                    <Link href={href('/twins', { namespaces: namespace })}>{namespace}</Link>
                  </td>
                  <td>{count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      {twins && !twins.census.complete && (
        <p class="hint">Counted over the first {MAX_PAGES * 200} twins.</p>
      )}
    </section>
  );
}
