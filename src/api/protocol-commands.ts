// Runs Ditto Protocol twin commands through the HTTP routes of their resources, as an identity:
// the one path of the WebSocket's commands, POST /api/2/cloudevents and Ditto Protocol ingest.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Identity } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import { TwinfoldError, type ErrorBody } from '../core/errors.js';
import { validateJsonValue } from '../core/thing-validation.js';
import type { JsonValue } from '../core/json.js';
import type { TwinCommands } from '../ingest/protocol-ingest.js';
import {
  commandPath,
  commandUrl,
  errorEnvelope,
  responseHeaders,
  thingTopic,
  type ResponseEnvelope,
  type ThingCommand,
} from '../streams/ditto-protocol.js';
import type { Authenticator } from './authentication.js';

/** The header that carries a session's identity into the routes a command is run through. */
export const SESSION_HEADER = 'x-twinfold-socket-session';

/**
 * The identities of open sockets (and of in-process command runs), for the commands they send: a
 * command is run as an in-process HTTP request (`inject`) through the very routes HTTP clients use,
 * carrying a per-process secret and the session's number in {@link SESSION_HEADER}; nobody
 * outside the process knows the secret.
 */
export class SocketIdentities {
  private readonly secret = randomBytes(24).toString('base64url');
  private readonly sessions = new Map<string, Identity>();
  private counter = 0;

  /** Registers a socket's identity; returns the header value its commands carry. */
  open(identity: Identity): string {
    const id = String(++this.counter);
    this.sessions.set(id, identity);
    return `${this.secret}.${id}`;
  }

  /** The sessions open now (one per /ws/2 socket, and one per command being run for another caller). */
  get size(): number {
    return this.sessions.size;
  }

  update(token: string, identity: Identity): void {
    const id = token.slice(token.indexOf('.') + 1);
    if (this.sessions.has(id)) this.sessions.set(id, identity);
  }

  close(token: string): void {
    this.sessions.delete(token.slice(token.indexOf('.') + 1));
  }

  /** Wraps an authenticator so that the requests of sessions have the session's identity. */
  wrap(authenticator: Authenticator): Authenticator {
    return {
      authenticate: (request) => {
        const header = request.headers[SESSION_HEADER];
        if (header === undefined) return authenticator.authenticate(request);
        const value = String(header);
        const dot = value.indexOf('.');
        const secret = Buffer.from(value.slice(0, Math.max(dot, 0)));
        const expected = Buffer.from(this.secret);
        const identity =
          secret.length === expected.length && timingSafeEqual(secret, expected)
            ? this.sessions.get(value.slice(dot + 1))
            : undefined;
        if (!identity) throw errors.authenticationFailed('The socket session is not known.');
        return identity;
      },
    };
  }
}

/** Headers of a command that must not reach the routes: hop-by-hop, body framing, credentials. */
const DROPPED_HEADERS = new Set([
  'authorization',
  'cookie',
  'host',
  'connection',
  'upgrade',
  'content-length',
  'content-type',
  'transfer-encoding',
  'accept',
  SESSION_HEADER,
]);

const METHOD = { retrieve: 'GET', create: 'PUT', modify: 'PUT', merge: 'PATCH', delete: 'DELETE' };

/** How a command is run besides its own headers. */
export interface RunOptions {
  /** The client address the routes see (rate limits, logs). */
  remoteAddress?: string;
  /** Headers set over the command's own (e.g. the correlation-id of the request carrying it). */
  headers?: Record<string, string>;
}

/**
 * Runs twin commands as the routes would for an HTTP client, and answers with Ditto's response
 * or error envelope (a create that finds the thing is Ditto's 409 `things:thing.conflict`). A
 * write is answered once durable, unless the command says `response-required: false` (then
 * null, at once).
 */
export class ProtocolCommandRunner implements TwinCommands {
  constructor(
    private readonly app: FastifyInstance,
    private readonly sessions: SocketIdentities,
  ) {}

  /** Runs `command` as `identity` (a session is opened for it and closed after). */
  async run(
    identity: Identity,
    command: ThingCommand,
    options: RunOptions = {},
  ): Promise<ResponseEnvelope | null> {
    const session = this.sessions.open(identity);
    try {
      return await this.runInSession(session, command, options);
    } finally {
      this.sessions.close(session);
    }
  }

  /** Runs `command` in an open session (a socket's: its identity follows JWT refreshes). */
  async runInSession(
    session: string,
    command: ThingCommand,
    options: RunOptions = {},
  ): Promise<ResponseEnvelope | null> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(command.headers))
      if (!DROPPED_HEADERS.has(name)) headers[name] = value;
    Object.assign(headers, options.headers);
    headers[SESSION_HEADER] = session;
    const request: InjectOptions = {
      method: METHOD[command.action] as InjectOptions['method'],
      url: commandUrl(command),
      headers,
      remoteAddress: options.remoteAddress,
    };
    const creates = command.action === 'create';
    if (creates && headers['if-none-match'] === undefined) headers['if-none-match'] = '*';
    if (command.value !== undefined) {
      // What the routes would refuse, refused before it is written out (a value nested thousands
      // of levels deep would overflow JSON.stringify's stack).
      try {
        validateJsonValue(command.value);
      } catch (error) {
        if (!(error instanceof TwinfoldError)) throw error;
        return errorEnvelope(
          error.toBody(),
          thingTopic(command.thingId, 'errors'),
          responseHeaders(headers),
        );
      }
      headers['content-type'] =
        command.action === 'merge' ? 'application/merge-patch+json' : 'application/json';
      request.payload = JSON.stringify(command.value);
    }
    const response = await this.app.inject(request);
    const reply = responseHeaders(headers);
    if (response.statusCode === 202 && headers['response-required'] === 'false') return null;
    let body: JsonValue | undefined;
    if (response.body !== '') {
      try {
        body = JSON.parse(response.body) as JsonValue;
      } catch {
        body = response.body;
      }
    }
    if (response.statusCode >= 400) {
      let error = body as unknown as ErrorBody;
      if (creates && response.statusCode === 412 && command.headers['if-none-match'] === undefined)
        error = errors.thingConflict(command.thingId).toBody();
      return errorEnvelope(error, thingTopic(command.thingId, 'errors'), reply);
    }
    const etag = response.headers.etag;
    if (typeof etag === 'string') reply.etag = etag;
    const envelope: ResponseEnvelope = {
      topic: command.topic,
      headers: reply,
      path: commandPath(command),
      status: response.statusCode,
    };
    if (body !== undefined) {
      reply['content-type'] = 'application/json';
      envelope.value = body;
    }
    return envelope;
  }
}
