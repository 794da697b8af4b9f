// A real HTTP webhook receiver on a local port: records every POST, answers as the test says, can go down.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  eventId: string;
  signature: string | undefined;
  body: string;
  json: { topic: string; path: string; value?: unknown; revision: number; extra?: unknown };
  /** The thing of the event, from its topic. */
  thingId: string;
}

/** What the receiver answers a request with: an HTTP status, or 'hang' (never answers). */
export type Answer = number | 'hang';

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Decides the answer to each request (default 200). */
  answer: (r: Received) => Answer = () => 200;
  private server: Server | null = null;
  private port = 0;
  private readonly waiters = new Set<() => void>();
  private readonly open = new Set<ServerResponse>();

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Listens (again) on its port, or on a free one the first time. */
  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops every connection: the receiver is down (connections refused). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const json = JSON.parse(body) as Received['json'];
      const [ns, name] = json.topic.split('/');
      const received: Received = {
        eventId: String(req.headers['x-twinfold-event-id']),
        signature: req.headers['x-twinfold-signature'] as string | undefined,
        body,
        json,
        thingId: `${ns}:${name}`,
      };
      const answer = this.answer(received);
      if (answer === 'hang') {
        this.open.add(res);
        return;
      }
      if (answer >= 200 && answer < 300) {
        this.received.push(received);
        for (const wake of this.waiters) wake();
      }
      res.statusCode = answer;
      res.end();
    });
  }

  /** Resolves once `done()` holds (checked on every delivery), or rejects after `ms`. */
  async until(done: () => boolean, ms = 10_000): Promise<void> {
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(
          new Error(
            `the receiver did not get what was awaited within ${ms} ms (${this.received.length} received)`,
          ),
        );
      }, ms);
      this.waiters.add(wake);
    });
  }
}
