// Records the embedded broker's clients in the connection registry: at CONNECT, SUBSCRIBE,
// UNSUBSCRIBE and disconnect (aedes' events), never per publish.
import type { Aedes, Client } from 'aedes';
import type { ConnectionRegistry, OpenConnection } from '../../services/connection-registry.js';

/** SUBACK's refusal code: such a filter was not subscribed. */
const REFUSED = 128;

/** Tracks `aedes`' clients in `registry`; `identityOf` names who a client authenticated as. */
export function trackBrokerConnections(
  aedes: Aedes,
  registry: ConnectionRegistry,
  identityOf: (client: Client) => string | null,
): void {
  const open = new WeakMap<Client, OpenConnection>();
  aedes.on('client', (client) => {
    const address = (client.conn as { remoteAddress?: string }).remoteAddress ?? null;
    const connection = registry.open('mqtt', {
      id: client.id,
      identity: identityOf(client),
      remoteAddress: address,
    });
    // A persistent session (clean: false) comes back with its subscriptions, restored without a
    // SUBSCRIBE: aedes holds them on the client by then (its `subscriptions`, not in its types).
    const restored = (client as unknown as { subscriptions?: Record<string, unknown> })
      .subscriptions;
    for (const filter of Object.keys(restored ?? {})) connection.subscribe(filter);
    open.set(client, connection);
  });
  aedes.on('clientDisconnect', (client) => {
    open.get(client)?.close();
    open.delete(client);
  });
  aedes.on('subscribe', (subscriptions, client) => {
    const connection = open.get(client);
    if (connection === undefined) return;
    for (const { topic, qos } of subscriptions)
      if ((qos as number) !== REFUSED) connection.subscribe(topic);
  });
  aedes.on('unsubscribe', (filters, client) => {
    const connection = open.get(client);
    if (connection === undefined) return;
    for (const filter of filters) connection.unsubscribe(filter);
  });
}
