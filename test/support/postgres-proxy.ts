// Test helper: a TCP proxy in front of a PostgreSQL server that loses one request or one answer on
// cue, and can cut the network altogether: the faults of a connection that breaks mid-commit.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** What the proxy loses on the connection that sends the marker. */
export type LostMessage = 'request' | 'answer';

export interface PostgresProxy {
  /** The server's URL with the proxy's address. */
  readonly url: string;
  /**
   * Arms the proxy once: on the first connection whose client sends `marker` (e.g. a value
   * written), it loses the request holding it (the connection closes before PostgreSQL gets it)
   * or the answer to it (PostgreSQL gets and runs it, the connection closes before the client
   * gets the answer). With `partition`, the network is cut at that very moment (see `partition`).
   * Resolves once it has fired.
   */
  arm(marker: string, lose: LostMessage, options?: { partition?: boolean }): Promise<void>;
  /** Closes every connection and refuses new ones, until `heal`. */
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to the PostgreSQL of `url` on a free port of 127.0.0.1.
 *
 * @example
 * const proxy = await startPostgresProxy(pg.url);
 * const fired = proxy.arm('"the-value"', 'answer');
 */
export async function startPostgresProxy(url: string): Promise<PostgresProxy> {
  const target = new URL(url);
  const pairs = new Set<[Socket, Socket]>();
  let cut = false;
  let armed: {
    marker: Buffer;
    lose: LostMessage;
    partition: boolean;
    fire: () => void;
  } | null = null;

  const partition = () => {
    cut = true;
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
  };

  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', () => undefined);
      socket.on('close', drop);
    }
    /** The end of what the client sent before, so that a marker split across chunks is found. */
    let tail = Buffer.alloc(0);
    let loseNextAnswer: (() => void) | null = null;
    client.on('data', (chunk: Buffer) => {
      const trap = armed;
      if (trap !== null) {
        const seen = Buffer.concat([tail, chunk]);
        tail = seen.subarray(Math.max(0, seen.length - trap.marker.length + 1));
        if (seen.includes(trap.marker)) {
          armed = null;
          const fire = () => {
            drop();
            if (trap.partition) partition();
            trap.fire();
          };
          if (trap.lose === 'request') {
            fire();
            return;
          }
          loseNextAnswer = fire;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (loseNextAnswer !== null) loseNextAnswer();
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    arm(marker, lose, options = {}) {
      return new Promise<void>((fire) => {
        armed = { marker: Buffer.from(marker), lose, partition: options.partition ?? false, fire };
      });
    },
    partition,
    heal() {
      cut = false;
    },
    close() {
      partition();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
