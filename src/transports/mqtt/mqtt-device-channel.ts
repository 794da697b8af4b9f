// The MQTT implementation of the device channel: messages and live commands go to the command topic
// of the spec that owns the thing; the devices' responses on its response topic complete the requests.
import type { Identity } from '../../auth/identity.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import type { DeviceCommandChannel } from '../../ingest/device-command-channel.js';
import type {
  DeviceChannel,
  LiveSignal,
  ProtocolMessage,
  ReplySink,
} from '../../messaging/device-channel.js';
import type { CommandRoutes } from './command-routes.js';

export interface MqttDeviceChannelLogger {
  warn(object: object, message: string): void;
}

/** How long a published request is remembered for its response, at most (ms). */
const MAX_WAIT_MS = 10 * 60_000;

/** The thingId of a Ditto Protocol topic (`ns/name/things/live/…`), or null. */
function thingOfTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length < 4 || parts[2] !== 'things') return null;
  return `${parts[0]}:${parts[1]}`;
}

/** The label of an acknowledgement topic (`ns/name/things/twin/acks/<label>`), or null. */
function ackLabelOf(topic: string): string | null {
  const parts = topic.split('/');
  return parts.length === 6 && parts[2] === 'things' && parts[3] === 'twin' && parts[4] === 'acks'
    ? parts[5]
    : null;
}

/** The protocol message of a device's answer, its headers as strings. */
function protocolOf(message: JsonObject, headers: JsonObject, status: number): ProtocolMessage {
  const stringHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (typeof value === 'string') stringHeaders[name.toLowerCase()] = value;
    else if (typeof value === 'number' || typeof value === 'boolean')
      stringHeaders[name.toLowerCase()] = String(value);
  const protocol: ProtocolMessage = {
    topic: message.topic as string,
    headers: stringHeaders,
    path: typeof message.path === 'string' ? message.path : '/',
    status,
  };
  if (message.value !== undefined) protocol.value = message.value as JsonValue;
  return protocol;
}

/**
 * Publishes a thing's inbox messages (`direction: TO`) and live commands, as their Ditto Protocol
 * JSON, on the owning spec's command topic, when the spec's owner may READ them (a spec's devices
 * act with its owner's rights). A response is taken only when it answers a request this channel
 * published for the same thing (its `correlation-id`), carries a `status`, and arrives on that
 * thing's response topic. The response topic also takes the acknowledgements the spec's devices
 * issue for the twin events they were sent (see DesiredPropertiesPublisher).
 */
export class MqttDeviceChannel implements DeviceChannel {
  readonly name = 'mqtt';
  /** Requests published and not yet answered: correlation-id → thing and when to forget it. */
  private readonly published = new Map<string, { thingId: string; until: number }>();

  constructor(
    private readonly routes: CommandRoutes,
    private readonly broker: DeviceCommandChannel,
    private readonly sink: ReplySink,
    private readonly mayRead: (identity: Identity, thingId: string, resource: string) => boolean,
    private readonly logger: MqttDeviceChannelLogger,
  ) {}

  async publish(signal: LiveSignal): Promise<number> {
    if (signal.kind === 'events') return 0;
    if (signal.kind === 'messages' && signal.message.headers.direction !== 'TO') return 0;
    const owner = this.routes.ownerOf(signal.thingId);
    if (owner === null || !this.mayRead(owner.owner, signal.thingId, signal.resource)) return 0;
    const topic = this.routes.commandTopicOf(owner, signal.thingId);
    const correlationId = signal.message.headers['correlation-id'];
    const now = Date.now();
    this.forget(now);
    if (correlationId !== undefined && signal.message.headers['response-required'] !== 'false')
      this.published.set(correlationId, { thingId: signal.thingId, until: now + MAX_WAIT_MS });
    try {
      await this.broker.publish(topic, JSON.stringify(signal.message), owner.qos);
      return 1;
    } catch (error) {
      this.logger.warn(
        { err: error, thingId: signal.thingId, topic },
        'a message or live command could not be published over MQTT',
      );
      return 0;
    }
  }

  private forget(now: number): void {
    for (const [id, entry] of this.published) {
      if (entry.until > now) break; // insertion order is expiry order
      this.published.delete(id);
    }
  }

  /**
   * A payload a device published on the response topic of `thingId`; returns why it was not taken
   * (null when it completed a request).
   */
  receive(thingId: string, payload: Buffer): string | null {
    let message: unknown;
    try {
      message = JSON.parse(payload.toString('utf8'));
    } catch {
      return 'the response is not JSON';
    }
    if (!isJsonObject(message) || typeof message.topic !== 'string')
      return 'the response is not a Ditto Protocol message (no topic)';
    const headers = message.headers;
    if (!isJsonObject(headers) || typeof headers['correlation-id'] !== 'string')
      return 'the response has no correlation-id header';
    const ack = ackLabelOf(message.topic);
    if (ack !== null) return this.acknowledge(thingId, ack, message);
    const status = message.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
      return 'the response has no status (an HTTP status code)';
    if (thingOfTopic(message.topic) !== thingId)
      return `the response's topic '${message.topic}' is not about '${thingId}'`;
    const correlationId = headers['correlation-id'];
    const request = this.published.get(correlationId);
    if (request === undefined || request.thingId !== thingId)
      return `no request to '${thingId}' waits for correlation-id '${correlationId}'`;
    const protocol = protocolOf(message, headers, status);
    this.published.delete(correlationId);
    return this.sink.reply(protocol) ? null : `the request '${correlationId}' is no longer waiting`;
  }

  /**
   * An acknowledgement a device issued (`<ns>/<name>/things/twin/acks/<label>`): taken when the
   * spec that owns the thing declares the label (`commands.acks`) and a write still waits for it.
   */
  private acknowledge(thingId: string, label: string, message: JsonObject): string | null {
    const owner = this.routes.ownerOf(thingId);
    if (owner === null || !(owner.spec.commands?.acks ?? []).includes(label))
      return `the acknowledgement label '${label}' is not declared by the spec that owns '${thingId}' (commands.acks)`;
    if (thingOfTopic(message.topic as string) !== thingId)
      return `the acknowledgement's topic '${String(message.topic)}' is not about '${thingId}'`;
    const status = message.status ?? 200;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
      return "the acknowledgement's status is not an HTTP status code";
    const protocol = protocolOf(message, message.headers as JsonObject, status);
    return this.sink.acknowledge(label, protocol)
      ? null
      : `no write waits for '${label}' with correlation-id '${protocol.headers['correlation-id']}'`;
  }

  /** A publish on some topic: the response topics' are taken; returns whether it was one. */
  receiveTopic(topic: string, payload: Buffer): boolean {
    const responses = this.routes.match(topic).filter((m) => m.kind === 'response');
    if (responses.length === 0) return false;
    const why = this.receive(responses[0].thingId, payload);
    if (why !== null) this.logger.warn({ topic, reason: why }, 'an MQTT response was not taken');
    return true;
  }
}
