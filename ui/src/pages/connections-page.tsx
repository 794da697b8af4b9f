// Connections: the clients connected now (MQTT devices, WebSocket sessions, event streams), who
// they are, from where, since when and what they subscribe to; refreshed every few seconds.
import { useEffect, useState } from 'preact/hooks';
import type { ResponseBody } from '../api/api-client.js';
import { ErrorMessage } from '../components/error-message.js';
import { TableHead } from '../components/table-head.js';
import { RowViewport, useRowWindow, VirtualBody } from '../components/virtual-rows.js';
import { api } from '../services.js';

type ConnectionList = ResponseBody<'/clients', 'get'>;

const REFRESH_MS = 3000;

const TRANSPORTS: Record<string, string> = {
  mqtt: 'MQTT',
  websocket: 'WebSocket',
  sse: 'Event stream',
};

/** What the page can say about MQTT's clients besides listing them. */
function mqttNote(mqtt: ConnectionList['mqtt']): string | null {
  if (mqtt.mode === 'external')
    return 'MQTT goes through an external broker (--mqtt-url): its devices are not visible to Twinfold, and are not listed.';
  if (mqtt.mode === 'off') return 'The embedded MQTT broker is off: no MQTT clients.';
  return null;
}

export function ConnectionsPage() {
  const [list, setList] = useState<ConnectionList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const rows = useRowWindow(list?.items.length ?? 0, 33);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      api.read('/clients').then(
        (answer) => {
          if (stopped) return;
          setList(answer);
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
  }, []);

  const note = list ? mqttNote(list.mqtt) : null;
  return (
    <section>
      <h1>Connections</h1>
      <ErrorMessage error={error} />
      {note && <p data-testid="mqtt-visibility">{note}</p>}
      {list && (
        <p data-testid="connection-count">
          {list.items.length === 0
            ? 'No clients are connected.'
            : `${list.items.length} connected (refreshed every ${REFRESH_MS / 1000} s).`}
        </p>
      )}
      {list && list.items.length > 0 && (
        <RowViewport rows={rows} label="Connected clients" testId="connections">
          <table>
            <TableHead
              columns={['Transport', 'Client id', 'Identity', 'Address', 'Since', 'Subscriptions']}
            />
            <VirtualBody
              rows={rows}
              items={list.items}
              columns={6}
              row={(item) => {
                const id = item.clientId ?? item.id ?? '';
                return (
                  <tr key={`${item.transport} ${id}`} data-client={id}>
                    <td>{TRANSPORTS[item.transport] ?? item.transport}</td>
                    <td>
                      <code>{id}</code>
                    </td>
                    <td>{item.identity ?? <em>anonymous</em>}</td>
                    <td>{item.remoteAddress ?? ''}</td>
                    <td>
                      <time dateTime={item.connectedSince}>
                        {new Date(item.connectedSince).toLocaleString()}
                      </time>
                    </td>
                    <td>
                      {item.subscriptions.length === 0
                        ? ''
                        : item.subscriptions.map((subscription, i) => (
                            <span key={subscription}>
                              {i > 0 && ', '}
                              <code>{subscription}</code>
                            </span>
                          ))}
                    </td>
                  </tr>
                );
              }}
            />
          </table>
        </RowViewport>
      )}
    </section>
  );
}
