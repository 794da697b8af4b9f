// Webhooks: their state and backlog, create one, pause and resume, re-drive its dead letters, and
// one webhook's delivery log.
import { TableBox } from '../components/table-box.js';
import { RowViewport, useRowWindow, VirtualBody } from '../components/virtual-rows.js';
import type { RequestBody } from '../api/api-client.js';
import type { Delivery, Webhook } from '../api/api-types.js';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, type RouteProps } from '../shell/router.js';
import { TableHead } from '../components/table-head.js';

const REFRESH_MS = 2000;
/** Deliveries shown, the oldest first as the log pages them (windowed: only those in view are drawn). */
/** Deliveries asked for per request, and at most how many the log shows. */
const DELIVERIES_PAGE = 1000;
const DELIVERIES_SHOWN = 10_000;

function Deliveries({ id, state }: { id: string; state: string }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [capped, setCapped] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const rows = useRowWindow(items?.length ?? 0, 33, `${id} ${state}`);
  useEffect(() => {
    let stopped = false;
    /** The whole log (page after page, in event order), up to DELIVERIES_SHOWN entries. */
    const all = async () => {
      const found: Delivery[] = [];
      let cursor: number | undefined;
      do {
        const page = await api.read('/webhooks/{id}/deliveries', {
          params: { id },
          query: { limit: DELIVERIES_PAGE, state: state || undefined, cursor },
        });
        found.push(...page.items);
        cursor = page.cursor;
      } while (cursor !== undefined && found.length < DELIVERIES_SHOWN);
      return { found, more: cursor !== undefined };
    };
    const load = () =>
      all().then(
        ({ found, more }) => {
          if (stopped) return;
          setItems(found);
          setCapped(more);
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
        {(['', 'delivered', 'pending', 'dead'] as const).map((name) => (
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
      {capped && (
        <p>
          The first {DELIVERIES_SHOWN.toLocaleString()} deliveries in event order; page through the
          rest with <code>GET /api/2/webhooks/{id}/deliveries?cursor=…</code>.
        </p>
      )}
      {items && items.length > 0 && (
        <RowViewport rows={rows} label="Deliveries">
          <table>
            <TableHead columns={['Event', 'Twin', 'State', 'Attempts', 'Status', 'Error']} />
            <VirtualBody
              rows={rows}
              items={items}
              columns={6}
              row={(item) => (
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
              )}
            />
          </table>
        </RowViewport>
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
    const body: RequestBody<'/webhooks', 'post'> = { url: url.trim() };
    if (filter.trim()) body.filter = filter.trim();
    const list = namespaces
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    if (list.length) body.namespaces = list;
    if (secret) body.secret = secret;
    try {
      await api.call('post', '/webhooks', { body });
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
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      api.read('/webhooks').then(
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

  const act = async (work: () => Promise<unknown>, question?: string) => {
    if (question && !window.confirm(question)) return;
    setNotice(null);
    try {
      await work();
      setVersion((v) => v + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  const redrive = (id: string) =>
    act(async () => {
      const answer = await api.call('post', '/webhooks/{id}/deliveries/redrive', {
        params: { id },
      });
      const { redriven } = answer.body;
      setNotice(
        redriven === 0
          ? `${id} had no dead letters to re-drive.`
          : `Re-driven: ${redriven} dead letter${redriven === 1 ? '' : 's'} of ${id} sent again (before its newer events).`,
      );
    });

  return (
    <section>
      <h1>Webhooks</h1>
      <ErrorMessage error={error} />
      {notice && (
        <p role="status" data-testid="webhook-notice">
          {notice}
        </p>
      )}
      {hooks && hooks.length === 0 && <p>No webhooks yet.</p>}
      {hooks && hooks.length > 0 && (
        <TableBox label="Webhooks">
          <table data-testid="webhooks">
            <TableHead
              columns={['Webhook', 'URL', 'Filter', 'State', 'Backlog', 'Position', 'Owner']}
              actions
            />
            <tbody>
              {hooks.map((hook) => {
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
                          void act(() =>
                            api.call(
                              'post',
                              hook.paused ? '/webhooks/{id}/resume' : '/webhooks/{id}/pause',
                              { params: { id: hook.id } },
                            ),
                          )
                        }
                      >
                        {hook.paused ? 'resume' : 'pause'}
                      </button>{' '}
                      <button
                        type="button"
                        class="small"
                        aria-label={`Re-drive dead letters of ${hook.id}`}
                        onClick={() => void redrive(hook.id)}
                      >
                        re-drive dead letters
                      </button>{' '}
                      <button
                        type="button"
                        class="small"
                        aria-label={`Delete ${hook.id}`}
                        onClick={() =>
                          void act(
                            () => api.call('delete', '/webhooks/{id}', { params: { id: hook.id } }),
                            `Delete the webhook to ${hook.url}?`,
                          )
                        }
                      >
                        delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableBox>
      )}
      {selected && <Deliveries id={selected} state={state} />}
      <CreateWebhook onCreated={() => setVersion((v) => v + 1)} />
    </section>
  );
}
