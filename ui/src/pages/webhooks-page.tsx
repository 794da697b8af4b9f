// Webhooks: their state and backlog, create one, pause and resume, and one webhook's delivery log.
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, type RouteProps } from '../shell/router.js';
import { TableHead } from '../components/table-head.js';

interface Webhook {
  id: string;
  url: string;
  filter?: string;
  namespaces?: string[];
  signed: boolean;
  paused: boolean;
  owner: string;
  position: number;
  backlog: number;
  maxAttempts: number;
  maxAgeHours: number;
}

interface Delivery {
  eventId: string;
  seq: number;
  thingId: string;
  state: string;
  attempts: number;
  status: number | null;
  error: string | null;
}

const REFRESH_MS = 2000;

function Deliveries({ id, state }: { id: string; state: string }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api
        .get<{ items: Delivery[] }>(`/webhooks/${encodeURIComponent(id)}/deliveries`, {
          query: { limit: '100', state: state || undefined },
        })
        .then(
          (page) => {
            if (stopped) return;
            setItems(page.items);
            setError(null);
          },
          (caught: unknown) => !stopped && setError(caught),
        );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [id, state]);
  return (
    <div data-testid="deliveries">
      <h2>
        Deliveries of <code>{id}</code>{' '}
        {(['', 'delivered', 'failed', 'dead'] as const).map((name) => (
          <Link
            key={name}
            class="small"
            aria-current={state === name ? 'true' : undefined}
            href={href('/webhooks', { id, state: name })}
          >
            {name || 'all'}
          </Link>
        ))}
      </h2>
      <ErrorMessage error={error} />
      {items && items.length === 0 && <p>No deliveries yet.</p>}
      {items && items.length > 0 && (
        <table>
          <TableHead columns={['Event', 'Twin', 'State', 'Attempts', 'Status', 'Error']} />
          <tbody>
            {items.map((item) => (
              <tr key={item.eventId}>
                <td>
                  <code>{item.eventId}</code>
                </td>
                <td>
                  <Link href={`/twins/${encodeURIComponent(item.thingId)}`}>{item.thingId}</Link>
                </td>
                <td>{item.state}</td>
                <td>{item.attempts}</td>
                <td>{item.status ?? ''}</td>
                <td class="clip">{item.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function CreateWebhook({ onCreated }: { onCreated: () => void }) {
  const [url, setUrl] = useState('');
  const [filter, setFilter] = useState('');
  const [namespaces, setNamespaces] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { url: url.trim() };
    if (filter.trim()) body.filter = filter.trim();
    const list = namespaces
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    if (list.length) body.namespaces = list;
    if (secret) body.secret = secret;
    try {
      await api.request('POST', '/webhooks', { body });
      setUrl('');
      setFilter('');
      setNamespaces('');
      setSecret('');
      setError(null);
      onCreated();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="create" onSubmit={create} aria-label="Create a webhook">
      <h2>Create a webhook</h2>
      <label>
        Receiver URL
        <input
          name="url"
          type="url"
          required
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </label>
      <label>
        RQL filter (optional)
        <input name="filter" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </label>
      <label>
        Namespaces, comma-separated (optional)
        <input
          name="namespaces"
          value={namespaces}
          onInput={(e) => setNamespaces(e.currentTarget.value)}
        />
      </label>
      <label>
        Signing secret (optional; never shown again)
        <input
          name="secret"
          type="password"
          autocomplete="off"
          value={secret}
          onInput={(e) => setSecret(e.currentTarget.value)}
        />
      </label>
      <ErrorMessage error={error} testId="webhook-error" />
      <button type="submit" class="primary">
        Create
      </button>
    </form>
  );
}

export function WebhooksPage({ query }: RouteProps) {
  const selected = query.get('id');
  const state = query.get('state') ?? '';
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      api.get<Webhook[]>('/webhooks').then(
        (list) => {
          if (stopped) return;
          setHooks(list);
          setError(null);
        },
        (caught: unknown) => !stopped && setError(caught),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [version]);

  const act = async (method: string, path: string, question?: string) => {
    if (question && !window.confirm(question)) return;
    try {
      await api.request(method, path);
      setVersion((v) => v + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section>
      <h1>Webhooks</h1>
      <ErrorMessage error={error} />
      {hooks && hooks.length === 0 && <p>No webhooks yet.</p>}
      {hooks && hooks.length > 0 && (
        <table data-testid="webhooks">
          <TableHead
            columns={['Webhook', 'URL', 'Filter', 'State', 'Backlog', 'Position', 'Owner']}
            actions
          />
          <tbody>
            {hooks.map((hook) => {
              const path = `/webhooks/${encodeURIComponent(hook.id)}`;
              return (
                <tr key={hook.id} data-webhook={hook.url} aria-selected={hook.id === selected}>
                  <td>
                    <Link href={href('/webhooks', { id: hook.id })}>{hook.id}</Link>
                  </td>
                  <td class="clip">{hook.url}</td>
                  <td>
                    <code>{hook.filter ?? ''}</code>
                    {hook.namespaces?.length ? ` in ${hook.namespaces.join(', ')}` : ''}
                  </td>
                  <td data-testid="webhook-state">
                    {hook.paused ? 'paused' : 'active'}
                    {hook.signed ? ', signed' : ''}
                  </td>
                  <td data-testid="webhook-backlog">{hook.backlog}</td>
                  <td>{hook.position}</td>
                  <td>{hook.owner}</td>
                  <td>
                    <button
                      type="button"
                      class="small"
                      onClick={() =>
                        void act('POST', `${path}/${hook.paused ? 'resume' : 'pause'}`)
                      }
                    >
                      {hook.paused ? 'resume' : 'pause'}
                    </button>{' '}
                    <button
                      type="button"
                      class="small"
                      aria-label={`Delete ${hook.id}`}
                      onClick={() => void act('DELETE', path, `Delete the webhook to ${hook.url}?`)}
                    >
                      delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {selected && <Deliveries id={selected} state={state} />}
      <CreateWebhook onCreated={() => setVersion((v) => v + 1)} />
    </section>
  );
}
