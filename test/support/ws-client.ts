// A WebSocket test client (the `ws` package) that queues what the server sends, to await in order.
import WebSocket from 'ws';

/** What the server sent: a Ditto Protocol JSON message or a plain text control answer. */
export type Received = { text: string; json?: Record<string, unknown> };

export class WsClient {
  readonly received: Received[] = [];
  private readonly waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      let json: Record<string, unknown> | undefined;
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed !== null && typeof parsed === 'object') json = parsed as Record<string, unknown>;
      } catch {
        // a control answer such as START-SEND-EVENTS:ACK
      }
      this.received.push({ text, json });
      this.wakeAll();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wakeAll();
    });
  }

  private wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Opens a socket; rejects with the HTTP status when the handshake is refused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (_request, response) =>
        reject(
          Object.assign(new Error(`handshake ${response.statusCode}`), {
            status: response.statusCode,
          }),
        ),
      );
      socket.once('error', reject);
    });
  }

  send(message: string | object): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Takes the first queued message that matches (waiting for it); others stay queued. */
  async take(
    matches: (message: Received) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex(matches);
      if (index >= 0) return this.received.splice(index, 1)[0];
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next message (of any kind), as JSON. */
  async json(timeoutMs?: number): Promise<Record<string, unknown>> {
    const message = await this.take(() => true, timeoutMs);
    if (!message.json) throw new Error(`expected JSON, got ${message.text}`);
    return message.json;
  }

  /** Sends a command and waits for the answer with its correlation-id. */
  async request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = `c-${Math.random().toString(36).slice(2)}`;
    const headers = { ...((message.headers as object) ?? {}), 'correlation-id': id };
    this.send({ ...message, headers });
    const answer = await this.take(
      (m) => (m.json?.headers as Record<string, string> | undefined)?.['correlation-id'] === id,
    );
    return answer.json as Record<string, unknown>;
  }

  /** Sends a control message and waits for its plain-text answer or an error envelope. */
  async control(message: string): Promise<Received> {
    this.send(message);
    return this.take((m) => m.json === undefined || String(m.json.topic).endsWith('/errors'));
  }

  /** Events queued so far (and those arriving within `waitMs`). */
  async events(waitMs = 0): Promise<Record<string, unknown>[]> {
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < this.received.length;) {
      const json = this.received[i].json;
      if (json && String(json.topic).includes('/things/twin/events/')) {
        events.push(json);
        this.received.splice(i, 1);
      } else i++;
    }
    return events;
  }

  /** The next event envelope. */
  event(timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.take(
      (m) => m.json !== undefined && String(m.json.topic).includes('/things/twin/events/'),
      timeoutMs,
    ).then((m) => m.json as Record<string, unknown>);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
