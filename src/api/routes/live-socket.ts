// One WebSocket's part of the live channel: START/STOP-SEND-MESSAGES, -LIVE-COMMANDS, -LIVE-EVENTS,
// the responses and acknowledgements the client sends back, and live signals the client emits.
import type { onRequestHookHandler } from 'fastify';
import type { Identity } from '../../auth/identity.js';
import type { Permission } from '../../auth/policy-model.js';
import { RESERVED_ACK_LABELS } from '../../core/ack-labels.js';
import { errors } from '../../core/error-registry.js';
import { TwinfoldError, type ErrorBody } from '../../core/errors.js';
import type { TwinEvent } from '../../core/events.js';
import { isValidNamespacedId } from '../../core/ids.js';
import { isJsonObject, type JsonValue } from '../../core/json.js';
import type { LiveKind, LiveSignal, ProtocolMessage } from '../../messaging/device-channel.js';
import type { LiveRouter } from '../../messaging/live-router.js';
import { errorEnvelope, thingTopic, UNKNOWN_ERROR_TOPIC } from '../../streams/ditto-protocol.js';
import { parseSelection } from '../../streams/event-filter.js';
import type {
  LiveSelection,
  LiveSubscriber,
  WebSocketLiveChannel,
} from '../../streams/websocket-live-channel.js';
import {
  BUILT_IN_ACKS,
  DEFAULT_LIVE_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  parseDuration,
  parseRequestedAcks,
} from '../processing-headers.js';
import { renderError } from '../http-errors.js';

/** The control messages of the live channel and the kind of signal each subscribes to. */
export const LIVE_CONTROLS: Record<string, LiveKind> = {
  MESSAGES: 'messages',
  'LIVE-COMMANDS': 'commands',
  'LIVE-EVENTS': 'events',
};

/** Labels no subscriber may declare: Twinfold issues them itself. */
const RESERVED_ACKS = new Set<string>([...BUILT_IN_ACKS, ...RESERVED_ACK_LABELS]);

/** A path of a message: `[/features/<id>]/(inbox|outbox)/messages/<subject>`. */
const MESSAGE_PATH = /^(\/features\/[^/]+)?\/(inbox|outbox)\/messages\/.+$/;

/** What the live channel needs of the app. */
export interface LiveServices {
  router: LiveRouter;
  channel: WebSocketLiveChannel;
  /** Does `identity` hold `permission` on `resource` (`thing:/…`, `message:/…`) of the thing? */
  allowed(identity: Identity, thingId: string, resource: string, permission: Permission): boolean;
}

/** The labels a socket declares (`declared-acks` query parameter or header). */
function declaredOf(url: string, header: string | string[] | undefined): string[] {
  const query = new URL(url, 'http://x').searchParams.get('declared-acks');
  const raw = query ?? (Array.isArray(header) ? header.join(',') : header);
  if (raw === undefined) return [];
  const labels = parseRequestedAcks(raw);
  for (const label of labels) if (RESERVED_ACKS.has(label)) throw errors.ackLabelReserved(label);
  return [...new Set(labels)];
}

/** Refuses a handshake whose `declared-acks` is malformed, before the upgrade (400). */
export const declaredAcksHook: onRequestHookHandler = (request, reply, done) => {
  try {
    declaredOf(request.url, request.headers['declared-acks']);
  } catch (error) {
    renderError(error, request, reply);
    return;
  }
  done();
};

/** A message of the live channel or an acknowledgement, read from its topic. */
interface LiveParts {
  thingId: string;
  channel: 'twin' | 'live';
  criterion: 'messages' | 'commands' | 'events' | 'acks';
  /** The action of a command or event, the label of an acknowledgement, the subject of a message. */
  rest: string;
}

/** The parts of a live or acknowledgement topic; null for any other topic (twin commands). */
export function liveParts(topic: string): LiveParts | null {
  const parts = topic.split('/');
  if (parts.length < 6 || parts[2] !== 'things') return null;
  const [namespace, name, , channel, criterion, ...rest] = parts;
  if (channel === 'twin' && criterion === 'acks' && rest.length === 1)
    return { thingId: `${namespace}:${name}`, channel, criterion, rest: rest[0] };
  if (channel !== 'live') return null;
  if (
    criterion !== 'messages' &&
    criterion !== 'commands' &&
    criterion !== 'events' &&
    criterion !== 'acks'
  )
    return null;
  return { thingId: `${namespace}:${name}`, channel, criterion, rest: rest.join('/') };
}

/** The headers of a live message; null when one is neither a string, number, boolean nor array. */
function headersOf(raw: unknown): Record<string, string> | null {
  const headers: Record<string, string> = {};
  if (raw === undefined) return headers;
  if (!isJsonObject(raw)) return null;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') headers[key.toLowerCase()] = value;
    else if (typeof value === 'number' || typeof value === 'boolean')
      headers[key.toLowerCase()] = String(value);
    else if (Array.isArray(value)) headers[key.toLowerCase()] = JSON.stringify(value);
    else return null;
  }
  return headers;
}

/** The `timeout` header of a live signal (Ditto's durations, at most 60 s), else the default. */
function liveTimeoutOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIVE_TIMEOUT_MS;
  const ms = parseDuration(raw.trim());
  if (ms > MAX_TIMEOUT_MS) throw errors.timeoutOutOfBounds(ms, MAX_TIMEOUT_MS);
  return ms === 0 ? DEFAULT_LIVE_TIMEOUT_MS : ms;
}

/** One socket's live subscriptions and the live signals it sends. */
export class LiveSession implements LiveSubscriber {
  readonly selections = new Map<LiveKind, LiveSelection>();
  readonly declared: readonly string[];

  constructor(
    private readonly services: LiveServices,
    readonly identity: () => Identity,
    readonly send: (text: string) => boolean,
    handshake: { url: string; headers: Record<string, string | string[] | undefined> },
  ) {
    this.declared = declaredOf(handshake.url, handshake.headers['declared-acks']);
  }

  /** START/STOP of a live subscription; returns the `…:ACK` text. */
  control(verb: 'START' | 'STOP', what: string, query: string | undefined): string {
    const kind = LIVE_CONTROLS[what];
    const name = `${verb}-SEND-${what}`;
    if (verb === 'STOP') {
      this.selections.delete(kind);
      if (this.selections.size === 0) this.services.channel.remove(this);
      return `${name}:ACK`;
    }
    const given: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(query?.slice(1) ?? '')) {
      if (key !== 'namespaces' && key !== 'filter')
        throw errors.streamingParameterInvalid(key, `${name} takes only namespaces and filter`);
      if (key in given) throw errors.streamingParameterInvalid(key, 'it is given more than once');
      given[key] = value;
    }
    const selection = parseSelection(given);
    this.selections.set(kind, { namespaces: selection.namespaces, filter: selection.filter });
    this.services.channel.add(this);
    return `${name}:ACK`;
  }

  close(): void {
    this.selections.clear();
    this.services.channel.remove(this);
  }

  /** The labels of an event's acknowledgement request that this socket declared. */
  acksFor(event: TwinEvent): readonly string[] | undefined {
    const request = event.ackRequest;
    if (!request || this.declared.length === 0) return undefined;
    const mine = request.labels.filter((label) => this.declared.includes(label));
    return mine.length > 0 ? mine : undefined;
  }

  /**
   * As in Ditto, a subscriber that declared a requested label but does not get the event (its
   * filter, namespaces or READ rights) acknowledges it at once with a weak acknowledgement.
   */
  weakAcks(event: TwinEvent, labels: readonly string[] | undefined): void {
    if (!labels || !event.ackRequest) return;
    const headers = { 'correlation-id': event.ackRequest.correlationId, 'ditto-weak-ack': 'true' };
    for (const label of labels)
      this.services.router.acknowledge(label, { topic: '', headers, path: '/', status: 200 });
  }

  /**
   * Handles a live message or acknowledgement; undefined when the message is neither (a twin
   * command, for the caller). Resolves with what to send back, if anything.
   */
  handle(message: unknown): Promise<object | null> | undefined {
    if (!isJsonObject(message) || typeof message.topic !== 'string') return undefined;
    const parts = liveParts(message.topic);
    if (!parts) return undefined;
    const given = headersOf(message.headers);
    if (given === null)
      return Promise.resolve(
        errorEnvelope(
          errors
            .protocolInvalid(
              "'headers' must be a JSON object of strings, numbers, booleans or arrays.",
            )
            .toBody(),
          UNKNOWN_ERROR_TOPIC,
        ),
      );
    const headers = given;
    const reply: Record<string, string> = {};
    if (headers['correlation-id'] !== undefined)
      reply['correlation-id'] = headers['correlation-id'];
    const known = isValidNamespacedId(parts.thingId);
    const errorTopic = known ? thingTopic(parts.thingId, 'errors') : UNKNOWN_ERROR_TOPIC;
    const fail = (error: TwinfoldError) =>
      Promise.resolve(errorEnvelope(error.toBody() as ErrorBody, errorTopic, reply));
    if (!known) return fail(errors.thingIdInvalid(parts.thingId));
    const path = typeof message.path === 'string' ? message.path : '/';
    const protocol: ProtocolMessage = { topic: message.topic, headers, path };
    if (message.value !== undefined) protocol.value = message.value as JsonValue;
    if (typeof message.status === 'number') protocol.status = message.status;
    if (parts.criterion === 'acks') {
      if (!this.declared.includes(parts.rest)) return fail(errors.ackLabelNotDeclared(parts.rest));
      if (headers['correlation-id'] === undefined)
        return fail(errors.protocolInvalid('An acknowledgement needs a correlation-id.'));
      // A late acknowledgement (its request answered or timed out) is dropped, as in Ditto.
      this.services.router.acknowledge(parts.rest, protocol);
      return Promise.resolve(null);
    }
    if (protocol.status !== undefined) {
      // A response to a message or live command: it completes the request it answers, if any waits.
      if (headers['correlation-id'] === undefined)
        return fail(errors.liveResponseInvalid('it has no correlation-id.'));
      this.services.router.reply(protocol);
      return Promise.resolve(null);
    }
    return this.emit(parts, protocol, path, reply, fail);
  }

  /** A message, live command or live event the client sends to the others. */
  private async emit(
    parts: LiveParts,
    message: ProtocolMessage,
    path: string,
    reply: Record<string, string>,
    fail: (error: TwinfoldError) => Promise<object>,
  ): Promise<object | null> {
    const identity = this.identity();
    let kind: LiveKind;
    let resource: string;
    let permission: Permission = 'WRITE';
    if (parts.criterion === 'messages') {
      if (!MESSAGE_PATH.test(path)) return fail(errors.protocolPathInvalid(path));
      kind = 'messages';
      resource = `message:${path}`;
    } else {
      kind = parts.criterion === 'commands' ? 'commands' : 'events';
      resource = `thing:${path}`;
      if (parts.criterion === 'commands' && parts.rest === 'retrieve') permission = 'READ';
    }
    if (!this.services.allowed(identity, parts.thingId, resource, permission))
      return fail(
        kind === 'messages'
          ? errors.messageSendNotAllowed(parts.thingId)
          : errors.thingNotFound(parts.thingId),
      );
    const signal: LiveSignal = { thingId: parts.thingId, kind, resource, message };
    if (kind === 'events' || message.headers['response-required'] === 'false') {
      await this.services.router.publish(signal);
      return null;
    }
    const id = message.headers['correlation-id'];
    if (id === undefined)
      return fail(
        errors.liveResponseInvalid(
          'a message or live command that expects a response needs a correlation-id.',
        ),
      );
    if (this.services.router.replies.has(id)) return fail(errors.correlationIdInUse(id));
    let wait: number;
    try {
      wait = liveTimeoutOf(message.headers.timeout);
    } catch (error) {
      if (error instanceof TwinfoldError) return fail(error);
      throw error;
    }
    const answer = this.services.router.replies.wait(id, wait);
    await this.services.router.publish(signal);
    const response = await answer;
    if (response) return response;
    return fail(
      kind === 'messages'
        ? errors.messageTimeout(Math.round(wait / 1000))
        : errors.commandTimeout(wait, false),
    ).then((envelope) => ({
      ...envelope,
      headers: { ...reply, ...(envelope as { headers: object }).headers },
    }));
  }
}
