// The Ditto Protocol envelopes Twinfold speaks on the WebSocket: events out, twin commands in, and
// the response and error envelopes that answer them by correlation-id.
import { errors } from '../core/error-registry.js';
import type { ErrorBody } from '../core/errors.js';
import { toProtocolEvent, type ProtocolEvent, type TwinEvent } from '../core/events.js';
import { isValidNamespacedId } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { formatPointer, parsePointer } from '../core/json-pointer.js';

/** A Ditto Protocol event, with the `extra` fields a subscriber asked for. */
export interface EventEnvelope extends ProtocolEvent {
  extra?: JsonObject;
}

/** A response or error envelope (Ditto's `status` is the HTTP status of the same request). */
export interface ResponseEnvelope {
  topic: string;
  headers: Record<string, string>;
  path: string;
  value?: JsonValue;
  status: number;
}

/** The twin command actions of the Ditto Protocol. */
export type CommandAction = 'create' | 'retrieve' | 'modify' | 'merge' | 'delete';
const ACTIONS = new Set<string>(['create', 'retrieve', 'modify', 'merge', 'delete']);

/** A twin command read from a Ditto Protocol message. */
export interface ThingCommand {
  topic: string;
  thingId: string;
  action: CommandAction;
  /** Segments of `path` from the thing root. */
  path: string[];
  value?: JsonValue;
  headers: Record<string, string>;
  /** The `fields` selector of a retrieve command. */
  fields?: string;
}

/** Why a message could not be read as a command; `topic` is what the error envelope names. */
export class ProtocolMessageError extends Error {
  override readonly name = 'ProtocolMessageError';
  constructor(
    readonly body: ErrorBody,
    readonly topic: string,
    readonly headers: Record<string, string>,
  ) {
    super(body.message);
  }
}

/** The topic of errors about a message whose thing is unknown (Ditto's placeholder `_`). */
export const UNKNOWN_ERROR_TOPIC = '_/_/things/twin/errors';

/** The event envelope of a committed event, `extra` added when given. */
export function eventEnvelope(event: TwinEvent, extra?: JsonObject): EventEnvelope {
  const envelope: EventEnvelope = toProtocolEvent(event);
  if (envelope.value !== undefined) envelope.headers['content-type'] = 'application/json';
  if (extra !== undefined) envelope.extra = extra;
  return envelope;
}

const envelopeTexts = new WeakMap<TwinEvent, string>();

/**
 * `JSON.stringify(eventEnvelope(event))`, written once per event for every WebSocket subscriber
 * and webhook that sees the event whole.
 */
export function eventEnvelopeText(event: TwinEvent): string {
  let text = envelopeTexts.get(event);
  if (text === undefined) {
    text = JSON.stringify(eventEnvelope(event));
    envelopeTexts.set(event, text);
  }
  return text;
}

/** The topic of a thing's things/twin channel, e.g. `org.acme/lamp/things/twin/errors`. */
export function thingTopic(thingId: string, rest: string): string {
  const colon = thingId.indexOf(':');
  return `${thingId.slice(0, colon)}/${thingId.slice(colon + 1)}/things/twin/${rest}`;
}

/** An error envelope for a thing's topic (or the placeholder topic when the thing is unknown). */
export function errorEnvelope(
  body: ErrorBody,
  topic: string,
  headers: Record<string, string> = {},
): ResponseEnvelope {
  return {
    topic,
    headers: { ...headers, 'content-type': 'application/json' },
    path: '/',
    value: body as unknown as JsonValue,
    status: body.status,
  };
}

/** Headers of a response: the request's correlation-id, so that the client can match it. */
export function responseHeaders(request: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request['correlation-id'] !== undefined)
    headers['correlation-id'] = request['correlation-id'];
  return headers;
}

function fail(
  error: { toBody(): ErrorBody },
  topic: string,
  headers: Record<string, string>,
): never {
  throw new ProtocolMessageError(error.toBody(), topic, responseHeaders(headers));
}

/** An HTTP header name (RFC 9110 token) and a value without control characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\uffff]*$/;

/** Ditto Protocol headers as strings (numbers and booleans are written as JSON). */
export function headersOf(raw: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (raw === undefined) return headers;
  if (!isJsonObject(raw))
    fail(errors.protocolInvalid("'headers' must be a JSON object."), UNKNOWN_ERROR_TOPIC, {});
  for (const [key, value] of Object.entries(raw)) {
    const name = key.toLowerCase();
    if (!HEADER_NAME.test(name))
      fail(
        errors.protocolInvalid(`'${key}' is not a valid header name.`),
        UNKNOWN_ERROR_TOPIC,
        headers,
      );
    if (typeof value === 'string' && HEADER_VALUE.test(value)) headers[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') headers[name] = String(value);
    else
      fail(
        errors.protocolInvalid(
          `The header '${key}' must be a string (without control characters), a number or a boolean.`,
        ),
        UNKNOWN_ERROR_TOPIC,
        headers,
      );
  }
  return headers;
}

/**
 * Reads a Ditto Protocol twin command (`<ns>/<name>/things/twin/commands/<action>`). Throws a
 * {@link ProtocolMessageError} naming what is wrong; its topic is the thing's errors topic once the
 * thing is known.
 *
 * @example parseCommand(JSON.parse('{"topic":"org.acme/lamp/things/twin/commands/retrieve","path":"/"}'))
 */
export function parseCommand(message: unknown): ThingCommand {
  if (!isJsonObject(message))
    fail(
      errors.protocolInvalid('A Ditto Protocol message must be a JSON object.'),
      UNKNOWN_ERROR_TOPIC,
      {},
    );
  const headers = headersOf(message.headers);
  const topic = message.topic;
  if (typeof topic !== 'string')
    fail(errors.protocolInvalid("The message has no 'topic'."), UNKNOWN_ERROR_TOPIC, headers);
  const parts = topic.split('/');
  if (parts.length < 5 || parts[2] !== 'things')
    fail(errors.unknownTopicPath(topic), UNKNOWN_ERROR_TOPIC, headers);
  const [namespace, name, , channel, criterion, action, ...more] = parts;
  const thingId = `${namespace}:${name}`;
  const known = namespace !== '_' && name !== '_' && isValidNamespacedId(thingId);
  const errorTopic = known ? thingTopic(thingId, 'errors') : UNKNOWN_ERROR_TOPIC;
  if (channel === 'live') fail(errors.liveChannelUnsupported(topic), errorTopic, headers);
  if (channel !== 'twin') fail(errors.unknownTopicPath(topic), errorTopic, headers);
  if (criterion === 'search' || criterion === 'streaming')
    fail(errors.protocolUnsupported(topic), errorTopic, headers);
  if (criterion !== 'commands' || action === undefined || more.length > 0 || !ACTIONS.has(action))
    fail(errors.unknownTopicPath(topic), errorTopic, headers);
  if (!known) fail(errors.thingIdInvalid(thingId), errorTopic, headers);
  const rawPath = message.path ?? '/';
  if (typeof rawPath !== 'string' || !rawPath.startsWith('/'))
    fail(errors.protocolPathInvalid(String(rawPath)), errorTopic, headers);
  const path = parsePointer(rawPath);
  if (!isThingPath(path)) fail(errors.protocolPathInvalid(rawPath), errorTopic, headers);
  if (action === 'create' && path.length > 0)
    fail(
      errors.protocolInvalid(
        `'create' applies to a whole thing (path '/'), not to '${rawPath}': use 'modify' to create or replace a part of a thing.`,
      ),
      errorTopic,
      headers,
    );
  const hasValue = Object.prototype.hasOwnProperty.call(message, 'value');
  const needsValue = action === 'create' || action === 'modify' || action === 'merge';
  if (needsValue && !hasValue)
    fail(errors.protocolInvalid(`A '${action}' command needs a 'value'.`), errorTopic, headers);
  if (!needsValue && hasValue)
    fail(errors.protocolInvalid(`A '${action}' command takes no 'value'.`), errorTopic, headers);
  let fields: string | undefined;
  if (message.fields !== undefined) {
    if (action !== 'retrieve' || typeof message.fields !== 'string')
      fail(
        errors.protocolInvalid("'fields' is a string, and only a 'retrieve' command takes it."),
        errorTopic,
        headers,
      );
    fields = message.fields;
  }
  const command: ThingCommand = {
    topic,
    thingId,
    action: action as CommandAction,
    path,
    headers,
  };
  if (hasValue) command.value = message.value as JsonValue;
  if (fields !== undefined) command.fields = fields;
  return command;
}

const TOP_LEVEL = new Set(['policyId', 'definition', 'attributes', 'features']);
const FEATURE_PARTS = new Set(['definition', 'properties', 'desiredProperties']);

/** A path of a thing resource: `/`, `/attributes/…`, `/features/<id>/properties/…`, …. */
function isThingPath(path: string[]): boolean {
  // '.' and '..' would be resolved away in a URL, so that another resource were addressed.
  if (path.some((segment) => segment === '' || segment === '.' || segment === '..')) return false;
  if (path.length === 0) return true;
  if (!TOP_LEVEL.has(path[0])) return false;
  if (path[0] === 'policyId' || path[0] === 'definition') return path.length === 1;
  if (path[0] === 'attributes') return true;
  if (path.length <= 2) return true;
  if (!FEATURE_PARTS.has(path[2])) return false;
  return path[2] !== 'definition' || path.length === 3;
}

/** The HTTP resource a command addresses, e.g. `/api/2/things/org.acme:lamp/attributes/room`. */
export function commandUrl(command: ThingCommand): string {
  let url = `/api/2/things/${encodeURIComponent(command.thingId)}`;
  for (const segment of command.path) url += '/' + encodeURIComponent(segment);
  if (command.fields !== undefined) url += `?fields=${encodeURIComponent(command.fields)}`;
  return url;
}

/** The path of a command as the response names it. */
export function commandPath(command: ThingCommand): string {
  return formatPointer(command.path);
}
