// Who is connected now: MQTT clients, WebSocket sessions and event streams, recorded when they
// connect and subscribe (nothing per message), for the administrators' list of connections.

/** The transport a client is connected over. */
export type ConnectionTransport = 'mqtt' | 'websocket' | 'sse';

/** One connected client as the list shows it. */
export interface ConnectionView {
  transport: ConnectionTransport;
  /** The MQTT client id, or a number the registry gave the session. */
  id: string;
  /** The subject it authenticated as (`user:alice`, `token:…`); null for an anonymous device. */
  identity: string | null;
  remoteAddress: string | null;
  /** When it connected (ISO-8601). */
  connectedSince: string;
  /** What it receives: MQTT topic filters; `events`, `messages`, … with their parameters. */
  subscriptions: string[];
}

/** A connection while it is open: what it subscribes to changes, and it is closed once. */
export class OpenConnection {
  private readonly subscriptions = new Map<string, string>();
  private readonly since = new Date().toISOString();

  constructor(
    private readonly registry: Map<OpenConnection, true>,
    readonly transport: ConnectionTransport,
    readonly id: string,
    private identity: string | null,
    private readonly remoteAddress: string | null,
  ) {}

  /** Records a subscription under `key`; a second one under the same key replaces it. */
  subscribe(key: string, description: string = key): void {
    this.subscriptions.set(key, description);
  }

  unsubscribe(key: string): void {
    this.subscriptions.delete(key);
  }

  /** The identity changed (a WebSocket's JWT refresh). */
  reidentify(identity: string | null): void {
    this.identity = identity;
  }

  close(): void {
    this.registry.delete(this);
  }

  view(): ConnectionView {
    return {
      transport: this.transport,
      id: this.id,
      identity: this.identity,
      remoteAddress: this.remoteAddress,
      connectedSince: this.since,
      subscriptions: [...this.subscriptions.values()],
    };
  }
}

/**
 * The connections open now, in the order they opened.
 *
 * @example
 * const connection = registry.open('websocket', { identity: 'user:alice', remoteAddress: '::1' });
 * connection.subscribe('events', 'events?namespaces=org.acme');
 * registry.list(); // [{ transport: 'websocket', id: '1', … }]
 * connection.close();
 */
export class ConnectionRegistry {
  private readonly connections = new Map<OpenConnection, true>();
  private counter = 0;

  /** Records a connection; without an `id` (MQTT brings its client id) it gets a number. */
  open(
    transport: ConnectionTransport,
    details: { id?: string; identity: string | null; remoteAddress?: string | null },
  ): OpenConnection {
    const connection = new OpenConnection(
      this.connections,
      transport,
      details.id ?? String(++this.counter),
      details.identity,
      details.remoteAddress ?? null,
    );
    this.connections.set(connection, true);
    return connection;
  }

  get size(): number {
    return this.connections.size;
  }

  list(): ConnectionView[] {
    return [...this.connections.keys()].map((connection) => connection.view());
  }
}
