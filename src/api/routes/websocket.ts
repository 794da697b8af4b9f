// The Ditto Protocol WebSocket `/ws/2`: change notifications (START-SEND-EVENTS), twin commands
// answered by correlation-id through the same HTTP routes, JWT-TOKEN refresh, and the search and
// history streaming subscriptions (src/streams/search-subscription.ts, history-stream.ts).
import type { Duplex } from 'node:stream';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Identity } from '../../auth/identity.js';
import { errors } from '../../core/error-registry.js';
import type { ErrorBody } from '../../core/errors.js';
import { TwinfoldError } from '../../core/errors.js';
import type { TwinEvent } from '../../core/events.js';
import { isJsonObject } from '../../core/json.js';
import type { EventSubscription } from '../../runtime/committed-event-stream.js';
import {
  errorEnvelope,
  eventEnvelope,
  eventEnvelopeText,
  headersOf,
  parseCommand,
  ProtocolMessageError,
  responseHeaders,
  thingTopic,
  UNKNOWN_ERROR_TOPIC,
  type ThingCommand,
} from '../../streams/ditto-protocol.js';
import { parseSelection } from '../../streams/event-filter.js';
import { HistoryStreams } from '../../streams/history-stream.js';
import { SearchSubscriptions } from '../../streams/search-subscription.js';
import { subscribePolicyAnnouncements } from './websocket-announcements.js';
import { SubscriberView, type SeenEvent } from '../../streams/subscriber-view.js';
import type { OpenConnection } from '../../services/connection-registry.js';
import type { ApiContext } from '../api-context.js';
import type { Authenticator } from '../authentication.js';
import { declaredAcksHook, LIVE_CONTROLS, LiveSession } from './live-socket.js';
import type { ProtocolCommandRunner, SocketIdentities } from '../protocol-commands.js';

export { SocketIdentities } from '../protocol-commands.js';

export interface WebSocketOptions {
  sessions: SocketIdentities;
  /** Runs the twin commands a socket sends, in its session, through the HTTP routes. */
  commands: ProtocolCommandRunner;
  /** The app's authentication hook (with its rate limit): the handshake passes it as any request. */
  authenticate: onRequestHookHandler;
  /** The app's authenticator, for JWT-TOKEN refreshes. */
  authenticator: Authenticator;
  /** Largest message a client may send, in bytes. */
  maxMessageBytes: number;
  /** Bytes of events a client may leave unread before it is closed (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Events the committed-event stream holds for one socket before it reads the journal. */
  streamBuffer?: number;
  /** Milliseconds between pings (default 25,000). */
  pingIntervalMs?: number;
}

/** The close code of a socket that did not read its events fast enough (1013: try again later). */
export const OVERFLOW_CLOSE_CODE = 1013;
/** The close code of a socket whose credential expired (1008: policy violation). */
export const EXPIRED_CLOSE_CODE = 1008;

const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;
/** Bytes of events written while corked before they are flushed anyway. */
const CORKED_BYTES = 64 * 1024;

/** Which subscriptions a control message starts or stops, and whether Twinfold offers it. */
const CONTROL_KINDS: Record<string, 'events' | 'live' | 'announcements'> = {
  EVENTS: 'events',
  MESSAGES: 'live',
  'LIVE-COMMANDS': 'live',
  'LIVE-EVENTS': 'live',
  'POLICY-ANNOUNCEMENTS': 'announcements',
};

const START_PARAMS = new Set(['namespaces', 'filter', 'extraFields']);

/** How the list of connections names what a socket receives (what its START-SEND-… started). */
const SUBSCRIPTION_NAMES: Record<string, string> = {
  EVENTS: 'events',
  MESSAGES: 'messages',
  'LIVE-COMMANDS': 'live-commands',
  'LIVE-EVENTS': 'live-events',
  'POLICY-ANNOUNCEMENTS': 'policy-announcements',
};

/** The request with another Authorization header (everything else, its client address included, kept). */
function withAuthorization(request: FastifyRequest, authorization: string): FastifyRequest {
  return Object.create(request, {
    headers: { value: { ...request.headers, authorization } },
  }) as FastifyRequest;
}

/**
 * Registers `/ws/2` on an app (outside the /api/2 prefix). `context` is read when a socket opens,
 * so that the route can be registered before the app's services are built.
 */
export async function registerWebSocket(
  app: FastifyInstance,
  context: () => ApiContext,
  options: WebSocketOptions,
): Promise<void> {
  const sessions = new Set<SocketSession>();
  await app.register(websocket, {
    options: { maxPayload: options.maxMessageBytes, perMessageDeflate: false },
    // At shutdown every socket is told why (1001 going away), as Ditto's clients expect.
    preClose: (done) => {
      for (const session of sessions) session.shutdown();
      done();
    },
  });
  // Ditto's clients may send the credential as a query parameter (browsers cannot set headers
  // on a WebSocket): it becomes the Authorization header before authentication runs.
  const accessToken: onRequestHookHandler = (request, _reply, done) => {
    const token = new URL(request.url, 'http://x').searchParams.get('access_token');
    if (token !== null && request.headers.authorization === undefined)
      request.headers.authorization = `Bearer ${token}`;
    done();
  };
  await app.register(async (scope) => {
    scope.get(
      '/ws/2',
      {
        websocket: true,
        onRequest: [accessToken, options.authenticate, declaredAcksHook],
        schema: {
          tags: ['Streams'],
          summary: 'Ditto Protocol over WebSocket (START-SEND-EVENTS, twin commands, JWT-TOKEN)',
        },
      },
      (socket, request) => {
        const session = new SocketSession(app, context(), options, socket, request);
        sessions.add(session);
        socket.on('close', () => sessions.delete(session));
        session.start();
      },
    );
  });
}

function serialised(event: TwinEvent, seen: SeenEvent, acks?: readonly string[]): string {
  if (acks !== undefined && acks.length > 0 && event.ackRequest) {
    // A write asks this subscriber for acknowledgements: its event says which, and by what id.
    const envelope = eventEnvelope(seen.event, seen.extra);
    envelope.headers['correlation-id'] = event.ackRequest.correlationId;
    envelope.headers['requested-acks'] = JSON.stringify(acks);
    return JSON.stringify(envelope);
  }
  if (seen.event !== event || seen.extra !== undefined)
    return JSON.stringify(eventEnvelope(seen.event, seen.extra));
  // Every subscriber that sees the event unchanged gets the same text, written once.
  return eventEnvelopeText(event);
}

/** One open socket: its identity, its event subscription and the commands it sends. */
class SocketSession {
  private identity: Identity;
  private readonly token: string;
  private events: EventSubscription | null = null;
  /** Stops the session's policy announcements (START-SEND-POLICY-ANNOUNCEMENTS). */
  private stopAnnouncements: (() => void) | null = null;
  private closed = false;
  private expiry: NodeJS.Timeout | null = null;
  private ping: NodeJS.Timeout | null = null;
  private readonly maxBuffered: number;
  /** Bytes sent since the TCP socket was corked; -1 while it is not. */
  private corkedBytes = -1;
  /** The search and history streaming subscriptions (Ditto's reactive-streams protocols). */
  private readonly subscriptions: { search: SearchSubscriptions; history: HistoryStreams };
  /** The socket's live subscriptions (messages, live commands and events) and acknowledgements. */
  private readonly live: LiveSession;
  /** The socket in the list of connections, with what it has started. */
  private readonly connection: OpenConnection;

  constructor(
    private readonly app: FastifyInstance,
    private readonly context: ApiContext,
    private readonly options: WebSocketOptions,
    private readonly socket: WebSocket,
    private readonly request: FastifyRequest,
  ) {
    this.identity = request.identity;
    this.token = options.sessions.open(this.identity);
    this.connection = context.connections.open('websocket', {
      identity: this.identity.id,
      remoteAddress: request.ip,
    });
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    const send = (message: object) => this.sendText(JSON.stringify(message));
    const failed = (error: unknown) =>
      request.log.error({ err: error }, 'a WebSocket subscription failed');
    this.subscriptions = {
      search: new SearchSubscriptions(context, () => this.identity, send, failed),
      history: new HistoryStreams(context, () => this.identity, send, failed),
    };
    this.live = new LiveSession(
      context.live,
      () => this.identity,
      (text) => this.sendText(text),
      request,
    );
  }

  start(): void {
    this.watchExpiry();
    this.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.socket.on('close', () => this.end());
    this.socket.on('error', () => this.end());
    this.ping = setInterval(() => {
      if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
    }, this.options.pingIntervalMs ?? 25_000);
    this.ping.unref();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopEvents();
    this.subscriptions.search.close();
    this.subscriptions.history.close();
    this.stopAnnouncements?.();
    this.live.close();
    if (this.expiry) clearTimeout(this.expiry);
    if (this.ping) clearInterval(this.ping);
    this.options.sessions.close(this.token);
    this.connection.close();
  }

  shutdown(): void {
    this.close(1001, 'the server is shutting down');
  }

  private close(code: number, reason: string): void {
    this.end();
    this.socket.close(code, reason);
  }

  /** Ditto closes a socket when its credential expires; a JWT-TOKEN refresh moves the deadline. */
  private watchExpiry(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    const expires = this.identity.expires;
    if (expires === undefined || expires === null) return;
    const wait = Math.max(0, expires - Date.now());
    // setTimeout takes at most 2^31-1 ms; a longer wait is re-armed when it runs out.
    this.expiry = setTimeout(
      () => {
        if (Date.now() >= expires) this.close(EXPIRED_CLOSE_CODE, 'the credential expired');
        else this.watchExpiry();
      },
      Math.min(wait, 2 ** 31 - 1),
    );
    this.expiry.unref();
  }

  private sendText(text: string): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(text);
    if (this.corkedBytes >= 0 && (this.corkedBytes += text.length) > CORKED_BYTES) {
      // Bounded, so that what counts as unread below is what the client did not read.
      this.tcp?.uncork();
      this.tcp?.cork();
      this.corkedBytes = 0;
    }
    if (this.socket.bufferedAmount > this.maxBuffered) {
      this.close(
        OVERFLOW_CLOSE_CODE,
        `event buffer overflow: more than ${this.maxBuffered} bytes unread, the client reads too slowly`,
      );
      return false;
    }
    return true;
  }

  private sendJson(value: unknown): void {
    this.sendText(JSON.stringify(value));
  }

  private sendError(body: ErrorBody, topic: string, headers: Record<string, string>): void {
    this.sendJson(errorEnvelope(body, topic, headers));
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    try {
      this.handle(data, isBinary);
    } catch (error) {
      // Whatever a message is, the socket answers it and stays open.
      this.request.log.error({ err: error }, 'a WebSocket message failed');
      this.sendError(errors.internal().toBody(), UNKNOWN_ERROR_TOPIC, {});
    }
  }

  private handle(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.sendError(
        errors.protocolInvalid('send Ditto Protocol messages as UTF-8 text frames.').toBody(),
        UNKNOWN_ERROR_TOPIC,
        {},
      );
      return;
    }
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString(
      'utf8',
    );
    const control = /^(START|STOP)-SEND-([A-Z-]+)(\?.*)?$/s.exec(text);
    if (control) return this.control(control[1] as 'START' | 'STOP', control[2], control[3]);
    if (text.startsWith('JWT-TOKEN')) {
      void this.refresh(text);
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.sendError(
        errors
          .jsonInvalid(
            'The message is neither a Ditto Protocol JSON message nor a control message (START-SEND-EVENTS, …).',
          )
          .toBody(),
        UNKNOWN_ERROR_TOPIC,
        {},
      );
      return;
    }
    const live = this.live.handle(message);
    if (live !== undefined) {
      live.then(
        (answer) => {
          if (answer) this.sendJson(answer);
        },
        (error: unknown) => {
          this.request.log.error({ err: error }, 'a WebSocket live message failed');
          this.sendError(errors.internal().toBody(), UNKNOWN_ERROR_TOPIC, {});
        },
      );
      return;
    }
    let command: ThingCommand;
    try {
      if (this.subscribing(message)) return;
      command = parseCommand(message);
    } catch (error) {
      if (error instanceof ProtocolMessageError)
        return this.sendError(error.body, error.topic, error.headers);
      throw error;
    }
    this.options.commands
      .runInSession(this.token, command, { remoteAddress: this.request.ip })
      .then(
        (envelope) => {
          if (envelope) this.sendJson(envelope);
        },
        (error: unknown) => {
          this.request.log.error({ err: error }, 'a WebSocket command failed');
          this.sendError(
            errors.internal().toBody(),
            thingTopic(command.thingId, 'errors'),
            responseHeaders(command.headers),
          );
        },
      );
  }

  /** Hands a search or history streaming message to its subscriptions; false for any other. */
  private subscribing(message: unknown): boolean {
    if (!isJsonObject(message) || typeof message.topic !== 'string') return false;
    const parts = message.topic.split('/');
    const handler = SearchSubscriptions.handles(parts)
      ? this.subscriptions.search
      : HistoryStreams.handles(parts)
        ? this.subscriptions.history
        : null;
    if (!handler) return false;
    handler.handle(message, parts, headersOf(message.headers));
    return true;
  }

  private control(verb: 'START' | 'STOP', what: string, query: string | undefined): void {
    const kind = CONTROL_KINDS[what];
    const name = `${verb}-SEND-${what}`;
    if (kind === undefined) {
      this.sendError(
        errors.protocolInvalid(`unknown control message '${name}'.`).toBody(),
        UNKNOWN_ERROR_TOPIC,
        {},
      );
      return;
    }
    if (kind === 'announcements') return this.announcementsControl(verb, name, query);
    if (kind === 'live' && LIVE_CONTROLS[what] !== undefined) {
      let ack: string;
      try {
        ack = this.live.control(verb, what, query);
      } catch (error) {
        if (error instanceof TwinfoldError)
          return this.sendError(error.toBody(), UNKNOWN_ERROR_TOPIC, {});
        throw error;
      }
      this.recordSubscription(verb, what, query);
      this.sendText(ack);
      return;
    }
    if (kind === 'live') {
      if (verb === 'STOP') this.sendText(`${name}:ACK`);
      else this.sendError(errors.liveChannelUnsupported(name).toBody(), UNKNOWN_ERROR_TOPIC, {});
      return;
    }
    if (verb === 'STOP') {
      this.stopEvents();
      this.recordSubscription(verb, what, query);
      this.sendText(`${name}:ACK`);
      return;
    }
    let view: SubscriberView;
    try {
      const params = new URLSearchParams(query?.slice(1) ?? '');
      const given: Record<string, string> = {};
      for (const [key, value] of params) {
        if (!START_PARAMS.has(key))
          throw errors.streamingParameterInvalid(
            key,
            `${name} takes only namespaces, filter and extraFields`,
          );
        if (key in given) throw errors.streamingParameterInvalid(key, 'it is given more than once');
        given[key] = value;
      }
      view = new SubscriberView(
        this.context.runtime,
        this.context.guard,
        () => this.identity,
        parseSelection(given),
      );
    } catch (error) {
      if (error instanceof TwinfoldError)
        return this.sendError(error.toBody(), UNKNOWN_ERROR_TOPIC, {});
      throw error;
    }
    // A new START replaces the subscription (as in Ditto, the last parameters win).
    this.stopEvents();
    // A socket that declared acknowledgement labels sees every event: it acknowledges those
    // its filter withholds (weakly), so only the others may be left out of its subscription.
    const thingIds = this.live.declared.length === 0 ? view.thingIds : null;
    const subscription = this.context.runtime.events.subscribe({
      bufferSize: this.options.streamBuffer,
      thingIds: thingIds ?? undefined,
    });
    this.events = subscription;
    this.recordSubscription(verb, what, query);
    this.sendText(`${name}:ACK`);
    void this.pump(subscription, view);
  }

  /** A new START replaces the subscription; STOP ends it (see websocket-announcements.ts). */
  private announcementsControl(verb: 'START' | 'STOP', name: string, query?: string): void {
    if (verb === 'START') {
      let stop: () => void;
      try {
        stop = subscribePolicyAnnouncements(
          this.context.announcements,
          query,
          () => this.identity,
          (announcement) => this.sendJson(announcement),
        );
      } catch (error) {
        if (error instanceof TwinfoldError)
          return this.sendError(error.toBody(), UNKNOWN_ERROR_TOPIC, {});
        throw error;
      }
      this.stopAnnouncements?.();
      this.stopAnnouncements = stop;
    } else {
      this.stopAnnouncements?.();
      this.stopAnnouncements = null;
    }
    this.recordSubscription(verb, 'POLICY-ANNOUNCEMENTS', query);
    this.sendText(`${name}:ACK`);
  }

  /** What a START started (with its query, e.g. `events?namespaces=org.acme`) or a STOP ended. */
  private recordSubscription(verb: 'START' | 'STOP', what: string, query?: string): void {
    const key = SUBSCRIPTION_NAMES[what] ?? what.toLowerCase();
    if (verb === 'STOP') return this.connection.unsubscribe(key);
    // Shown decoded: the list is read by people (`filter=eq(attributes/on,true)`).
    const params = [...new URLSearchParams(query?.slice(1) ?? '')].map(([k, v]) => `${k}=${v}`);
    this.connection.subscribe(key, params.length === 0 ? key : `${key}?${params.join('&')}`);
  }

  private stopEvents(): void {
    const events = this.events;
    this.events = null;
    void events?.return();
  }

  private async pump(subscription: EventSubscription, view: SubscriberView): Promise<void> {
    try {
      for (;;) {
        const next = await subscription.next();
        if (next.done || this.events !== subscription) return;
        this.cork();
        try {
          if (!(await this.sendQueued(subscription, view, next.value))) return;
        } finally {
          this.uncork();
        }
      }
    } catch (error) {
      // The journal could not be read (storage away): say so and close; the client reconnects.
      this.request.log.warn({ err: error }, 'a WebSocket event subscription failed');
      this.close(1011, 'the event stream failed: storage is unavailable, reconnect later');
    }
  }

  /**
   * Sends `first` and every event queued behind it (what one commit brought), while the socket is
   * corked; false once the subscription or the socket is done.
   */
  private async sendQueued(
    subscription: EventSubscription,
    view: SubscriberView,
    first: TwinEvent,
  ): Promise<boolean> {
    for (
      let event: TwinEvent | undefined = first;
      event !== undefined;
      event = subscription.poll()
    ) {
      let seen = view.see(event);
      if (seen instanceof Promise) {
        // A policy is looked up in storage: what is written so far goes out meanwhile.
        this.uncork();
        seen = await seen;
        this.cork();
      }
      const acks = this.live.acksFor(event);
      if (seen === null || this.events !== subscription) {
        this.live.weakAcks(event, acks);
        if (this.events !== subscription) return false;
        continue;
      }
      if (!this.sendText(serialised(event, seen, acks))) return false;
    }
    return true;
  }

  /**
   * The TCP socket under the WebSocket. ws keeps it in `_socket` and writes each frame to it at
   * once; corked, the frames of one commit leave in one write instead of one system call each.
   */
  private get tcp(): Duplex | undefined {
    return (this.socket as unknown as { _socket?: Duplex })._socket;
  }

  private cork(): void {
    if (this.corkedBytes >= 0) return;
    this.corkedBytes = 0;
    this.tcp?.cork();
  }

  private uncork(): void {
    if (this.corkedBytes < 0) return;
    this.corkedBytes = -1;
    this.tcp?.uncork();
  }

  private async refresh(text: string): Promise<void> {
    const match = /^JWT-TOKEN\?(.*)$/s.exec(text);
    const jwt = match ? new URLSearchParams(match[1]).get('jwtToken') : null;
    if (!jwt) {
      this.sendError(
        errors.jwtRefreshInvalid("the message must be 'JWT-TOKEN?jwtToken=<token>'.").toBody(),
        UNKNOWN_ERROR_TOPIC,
        {},
      );
      return;
    }
    let identity: Identity;
    try {
      identity = await this.options.authenticator.authenticate(
        withAuthorization(this.request, `Bearer ${jwt}`),
      );
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.sendError(errors.jwtRefreshInvalid(detail).toBody(), UNKNOWN_ERROR_TOPIC, {});
      return;
    }
    if (identity.id !== this.identity.id) {
      this.sendError(
        errors
          .jwtRefreshInvalid(
            `the token is for '${identity.id}', the socket for '${this.identity.id}'.`,
          )
          .toBody(),
        UNKNOWN_ERROR_TOPIC,
        {},
      );
      return;
    }
    if (this.closed) return;
    this.identity = identity;
    this.options.sessions.update(this.token, identity);
    this.connection.reidentify(identity.id);
    this.watchExpiry();
  }
}
