// The live data layer: one Ditto Protocol WebSocket (/ws/2) whose event subscription follows what pages watch.
import { Store } from './store.js';
import { thingIdOf, type ThingEvent } from './thing-events.js';

export type LiveStatus = 'off' | 'connecting' | 'live' | 'reconnecting';

type Listener = (event: ThingEvent) => void;

/** Reconnect delays after a closed socket (ms), the last one repeated. */
const BACKOFF = [250, 1000, 2000, 5000];

/**
 * Pages call {@link watch} for the twins they show; the connection sends
 * `START-SEND-EVENTS?filter=in(thingId,…)` for the union and hands each event to its twin's listeners.
 * A page that follows events of any twin (the alerts) calls {@link watchMatching} with an RQL filter
 * over the changed data: the subscription's filter is then the `or` of the thing ids and those filters.
 */
export class LiveConnection {
  readonly status = new Store<LiveStatus>('off');
  private socket: WebSocket | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Listeners of events matching a filter, by filter. */
  private readonly matching = new Map<string, Set<Listener>>();
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private credential: string | null = null;

  constructor(private readonly url: (token: string) => string) {}

  /** Connects with a bearer credential (a JWT or API token); null disconnects. */
  connect(credential: string | null): void {
    this.credential = credential;
    this.close();
    if (credential && this.watching()) this.open();
  }

  private watching(): boolean {
    return this.listeners.size > 0 || this.matching.size > 0;
  }

  /** Hands a renewed JWT of the same subject to the open socket, which would close at the old one's expiry. */
  renew(token: string): void {
    this.credential = token;
    const socket = this.socket;
    if (socket?.readyState === WebSocket.OPEN)
      socket.send(`JWT-TOKEN?jwtToken=${encodeURIComponent(token)}`);
  }

  /** Calls `listener` with every event of the twin until the returned function is called. */
  watch(thingId: string, listener: Listener): () => void {
    let set = this.listeners.get(thingId);
    if (!set) this.listeners.set(thingId, (set = new Set()));
    set.add(listener);
    this.resubscribe();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(thingId);
      this.resubscribe();
    };
  }

  /**
   * Calls `listener` with the events (of any twin the credential may read) whose changed data match
   * an RQL filter, until the returned function is called. The listener may also get events of the
   * twins others {@link watch}: it checks what it needs itself.
   *
   * @example live.watchMatching('exists(_alerts)', (event) => reload())
   */
  watchMatching(filter: string, listener: Listener): () => void {
    let set = this.matching.get(filter);
    if (!set) this.matching.set(filter, (set = new Set()));
    set.add(listener);
    this.resubscribe();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.matching.delete(filter);
      this.resubscribe();
    };
  }

  private resubscribe(): void {
    if (!this.watching()) {
      this.close();
      return;
    }
    if (!this.socket) {
      if (this.credential) this.open();
      return;
    }
    if (this.socket.readyState === WebSocket.OPEN) this.start(this.socket);
  }

  private start(socket: WebSocket): void {
    const filters = [...this.matching.keys()];
    if (this.listeners.size > 0) {
      const ids = [...this.listeners.keys()].map((id) => JSON.stringify(id)).join(',');
      filters.unshift(`in(thingId,${ids})`);
    }
    const filter = filters.length === 1 ? filters[0] : `or(${filters.join(',')})`;
    socket.send(`START-SEND-EVENTS?filter=${encodeURIComponent(filter)}`);
  }

  private open(): void {
    if (!this.credential) return;
    this.status.set(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(this.url(this.credential));
    this.socket = socket;
    socket.onopen = () => this.start(socket);
    socket.onmessage = (message) => {
      const text = String(message.data);
      if (text === 'START-SEND-EVENTS:ACK') {
        this.attempt = 0;
        this.status.set('live');
        return;
      }
      if (!text.startsWith('{')) return;
      const event = JSON.parse(text) as ThingEvent;
      if (!event.topic?.includes('/things/twin/events/')) return;
      for (const listener of this.listeners.get(thingIdOf(event)) ?? []) listener(event);
      for (const set of this.matching.values()) for (const listener of set) listener(event);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.status.set('reconnecting');
      const wait = BACKOFF[Math.min(this.attempt++, BACKOFF.length - 1)];
      this.retry = setTimeout(() => {
        this.retry = null;
        if (this.watching()) this.open();
      }, wait);
    };
  }

  private close(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const socket = this.socket;
    this.socket = null;
    this.attempt = 0;
    socket?.close(1000);
    this.status.set('off');
  }
}
