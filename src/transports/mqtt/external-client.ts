// Twinfold as a client of an external MQTT broker (e.g. Mosquitto): a persistent session subscribed
// to the mqtt specs' topics, acknowledging each QoS 1 message only once it is durable.
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceCommandChannel } from '../../ingest/device-command-channel.js';
import type { TopicRouter } from './topic-router.js';

/** The group of Twinfold's shared subscriptions (`$share/twinfold/<filter>`). */
export const SHARE_GROUP = 'twinfold';

export interface ExternalClientOptions {
  url: string;
  clientId: string;
  router: TopicRouter;
  logger: Logger;
  /** Subscribe as `$share/twinfold/<filter>` (default true): several Twinfold nodes split the load. */
  shared?: boolean;
  /**
   * The devices' response topics, subscribed to without sharing (every node sees every response,
   * and the one whose request waits takes it), and what takes their messages.
   */
  responses?: { filters(): string[]; receive(topic: string, payload: Buffer): boolean };
}

/** The URL without its password, for logs and `/ready`. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString().replace(/\/$/, '');
}

type SendPacket = (
  packet: Packet,
  cb?: (error?: Error) => void,
  cbStorePut?: () => void,
  noStore?: boolean,
) => void;

/**
 * An mqtt.js client with `clean: false` and a fixed client id, so the broker keeps its
 * subscriptions and unacknowledged QoS 1 messages while Twinfold is away. mqtt.js handles incoming
 * messages one after another and writes a PUBACK as soon as a message is handed over; here the
 * PUBACK of each message is held back (in arrival order, as MQTT asks) until ingest made the
 * message durable, while the next messages are already taken in, so that they are batched.
 */
export class ExternalClient implements DeviceCommandChannel {
  private readonly client: MqttClient;
  private subscribed = new Set<string>();
  /** The subscriptions the broker granted. */
  private readonly granted = new Set<string>();
  /** PUBACKs waiting for their message to be durable, by message id. */
  private readonly held = new Map<number, Promise<void>>();
  /** The last PUBACK queued: each is written after the one before it. */
  private ackChain: Promise<unknown> = Promise.resolve();
  private readonly stopWatching: () => void;
  connected = false;

  constructor(private readonly options: ExternalClientOptions) {
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      clean: false,
      // MQTT 5: the session outlives the connection (for ever), and the broker may keep many
      // messages in flight towards Twinfold (Receive Maximum), whose acknowledgements wait for ingest.
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 0xffffffff, receiveMaximum: 65535 },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: true,
    };
    this.client = mqtt.connect(options.url, clientOptions);
    this.holdAcknowledgements();
    // mqtt.js emits 'message' before it writes the PUBACK (customHandleAcks is for MQTT 5 only).
    this.client.on('message', (topic, message, packet) => {
      const durable = this.receive(topic, message);
      // QoS 1: the acknowledgement waits for it (see holdAcknowledgements); QoS 0: best effort.
      if (packet.qos > 0 && packet.messageId !== undefined)
        this.held.set(packet.messageId, durable);
      else durable.catch(() => {});
    });
    this.client.on('connect', (connack) => {
      this.connected = true;
      options.logger.info(
        { url: redactedUrl(options.url), sessionPresent: connack.sessionPresent },
        'connected to the external MQTT broker',
      );
      this.resubscribe();
    });
    this.client.on('close', () => (this.connected = false));
    this.client.on('error', (error) =>
      options.logger.warn(
        { err: error, url: redactedUrl(options.url) },
        'external MQTT broker error',
      ),
    );
    this.stopWatching = options.router.onChange(() => this.resubscribe());
  }

  /** Wraps the client's packet writer so that a PUBACK waits for its message to be durable. */
  private holdAcknowledgements(): void {
    const inner = this.client as unknown as { _sendPacket: SendPacket };
    const send = inner._sendPacket.bind(this.client);
    inner._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd !== 'puback' || packet.messageId === undefined)
        return send(packet, cb, cbStorePut, noStore);
      const durable = this.held.get(packet.messageId) ?? Promise.resolve();
      this.held.delete(packet.messageId);
      const previous = this.ackChain;
      this.ackChain = Promise.all([previous, durable]).then(
        () => send(packet, undefined, cbStorePut, noStore),
        (error: unknown) => {
          // Not acknowledged: the broker sends it again once the session is resumed.
          this.options.logger.error(
            { err: error, messageId: packet.messageId },
            'an MQTT message was not ingested; reconnecting so that the broker sends it again',
          );
          this.client.stream?.destroy();
        },
      );
      // The client goes on with the next message at once.
      cb?.();
    };
  }

  private receive(topic: string, payload: Buffer): Promise<void> {
    this.options.responses?.receive(topic, payload);
    const matches = this.options.router.match(topic);
    if (matches.length === 0) return Promise.resolve();
    return this.options.router.deliver(topic, payload, matches);
  }

  private topicOf(filter: string): string {
    return this.options.shared === false ? filter : `$share/${SHARE_GROUP}/${filter}`;
  }

  /** Subscribes to the filters of new mqtt specs and unsubscribes from those of removed ones. */
  private resubscribe(): void {
    if (!this.connected) return;
    const wanted = new Set(this.options.router.filters().map((f) => this.topicOf(f)));
    for (const filter of this.options.responses?.filters() ?? []) wanted.add(filter);
    const added = [...wanted].filter((t) => !this.subscribed.has(t));
    const removed = [...this.subscribed].filter((t) => !wanted.has(t));
    this.subscribed = wanted;
    if (added.length > 0)
      this.client.subscribe(added, { qos: 1 }, (error, granted) => {
        if (error)
          this.options.logger.error({ err: error, topics: added }, 'MQTT subscribe failed');
        for (const g of granted ?? []) if (g.qos !== 128) this.granted.add(g.topic);
        const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (refused.length > 0)
          this.options.logger.error(
            { topics: refused },
            'the external MQTT broker refused these subscriptions',
          );
      });
    if (removed.length > 0)
      this.client.unsubscribe(removed, () => {
        for (const topic of removed) this.granted.delete(topic);
      });
  }

  /** The broker's URL without its password. */
  get url(): string {
    return redactedUrl(this.options.url);
  }

  /** The subscriptions the broker has granted. */
  subscriptions(): string[] {
    return [...this.granted].sort();
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1): Promise<void> {
    return this.client.publishAsync(topic, payload, { qos }).then(() => undefined);
  }

  /** Waits for the first connection (or `timeoutMs`); resolves to whether it is connected. */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('connect', onConnect);
        resolve(false);
      }, timeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('connect', onConnect);
    });
  }

  async close(): Promise<void> {
    this.stopWatching();
    // Outstanding acknowledgements are written before the session is left.
    await this.ackChain.catch(() => {});
    await this.client.endAsync();
  }
}
