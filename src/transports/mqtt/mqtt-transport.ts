// MQTT in and out: the embedded broker or a client of an external one, from the configuration.
import type { Logger } from 'pino';
import type { IdentityService } from '../../auth/identity-service.js';
import type { DeviceCommandChannel } from '../../ingest/device-command-channel.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { CommittedEventStream } from '../../runtime/committed-event-stream.js';
import { DesiredPropertiesPublisher, type AckPublishing } from './desired-properties-publisher.js';
import type { ConnectionRegistry } from '../../services/connection-registry.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { ExternalClient, redactedUrl } from './external-client.js';
import { TopicRouter } from './topic-router.js';
import type { Identity } from '../../auth/identity.js';
import type { LiveRouter } from '../../messaging/live-router.js';
import { CommandRoutes } from './command-routes.js';
import { MqttDeviceChannel } from './mqtt-device-channel.js';

/** What `/ready` says about MQTT. */
export type MqttStatus =
  | { mode: 'off' }
  | { mode: 'embedded'; state: 'listening'; port: number }
  | { mode: 'embedded'; state: 'off'; reason: string; hint: string }
  | { mode: 'external'; state: 'connected' | 'connecting'; url: string; subscriptions: string[] };

export interface MqttTransportOptions {
  /** Embedded broker port; 0 = none. */
  port: number;
  host: string;
  /** An external broker instead of the embedded one. */
  url?: string;
  clientId: string;
  ingest: IngestService;
  identities: IdentityService;
  events: CommittedEventStream;
  logger: Logger;
  /** Specs that clients without a token may publish to on the embedded broker (the demo's). */
  anonymousSpecs?: ReadonlySet<string>;
  /** Where the embedded broker lists its connected clients (an external broker's are not seen). */
  connections?: ConnectionRegistry;
  /**
   * The live channel: messages and live commands for twins whose spec has `commands` are
   * published to their devices, and the devices' responses complete the requests.
   */
  live?: {
    router: LiveRouter;
    mayRead(identity: Identity, thingId: string, resource: string): boolean;
  };
}

/**
 * Starts whichever MQTT mode the configuration asks for. A port in use does not stop the server:
 * the broker stays off, the log and `/ready` say why and suggest `--mqtt-url`.
 */
export class MqttTransport implements DeviceCommandChannel {
  private constructor(
    private readonly router: TopicRouter | null,
    private readonly broker: EmbeddedBroker | null,
    private readonly client: ExternalClient | null,
    private readonly publisher: DesiredPropertiesPublisher | null,
    private readonly offStatus: MqttStatus,
    private readonly detach: () => void = () => {},
  ) {}

  /** Attaches the MQTT device channel to the live router (when there is one). */
  private static channel(
    options: MqttTransportOptions,
    routes: CommandRoutes,
    broker: DeviceCommandChannel,
  ): { channel: MqttDeviceChannel | null; detach: () => void } {
    if (options.live === undefined) return { channel: null, detach: () => {} };
    const channel = new MqttDeviceChannel(
      routes,
      broker,
      options.live.router,
      options.live.mayRead,
      options.logger,
    );
    return { channel, detach: options.live.router.attach(channel) };
  }

  /** What the publisher needs to send devices the events they are asked to acknowledge. */
  private static ackPublishing(
    options: MqttTransportOptions,
    routes: CommandRoutes,
  ): AckPublishing | null {
    if (options.live === undefined) return null;
    return { routes, mayRead: options.live.mayRead, sink: options.live.router };
  }

  static async start(options: MqttTransportOptions): Promise<MqttTransport> {
    const { logger } = options;
    if (options.url === undefined && options.port === 0)
      return new MqttTransport(null, null, null, null, { mode: 'off' });
    const router = new TopicRouter(options.ingest);
    const routes = new CommandRoutes(options.ingest, options.anonymousSpecs);
    if (options.url !== undefined) {
      const holder: { channel: MqttDeviceChannel | null } = { channel: null };
      const client = new ExternalClient({
        url: options.url,
        clientId: options.clientId,
        router,
        logger,
        responses:
          options.live === undefined
            ? undefined
            : {
                filters: () => routes.responseFilters(),
                receive: (topic, payload) => holder.channel?.receiveTopic(topic, payload) ?? false,
              },
      });
      const attached = MqttTransport.channel(options, routes, client);
      holder.channel = attached.channel;
      if (!(await client.waitConnected(5000)))
        logger.warn(
          { url: redactedUrl(options.url) },
          'the external MQTT broker does not answer yet; Twinfold keeps trying to connect',
        );
      const publisher = new DesiredPropertiesPublisher(
        options.events,
        client,
        logger,
        routes,
        MqttTransport.ackPublishing(options, routes),
      );
      return new MqttTransport(router, null, client, publisher, { mode: 'off' }, attached.detach);
    }
    const broker = await EmbeddedBroker.create({
      port: options.port,
      host: options.host,
      identities: options.identities,
      router,
      logger,
      anonymousSpecs: options.anonymousSpecs,
      commands: routes,
      connections: options.connections,
    });
    const result = await broker.listen();
    if (!result.listening) {
      await broker.close();
      router.close();
      const hint = `give --mqtt-port another port (0 turns the broker off), or --mqtt-url mqtt://user:pass@host:${options.port} to use the broker already running there`;
      logger.warn(
        { mqttPort: options.port, reason: result.reason, hint },
        `the embedded MQTT broker is OFF: ${result.reason}; ${hint}`,
      );
      return new MqttTransport(null, null, null, null, {
        mode: 'embedded',
        state: 'off',
        reason: result.reason,
        hint,
      });
    }
    logger.info({ mqttPort: result.port, host: options.host }, 'embedded MQTT broker listening');
    const publisher = new DesiredPropertiesPublisher(
      options.events,
      broker,
      logger,
      routes,
      MqttTransport.ackPublishing(options, routes),
    );
    const attached = MqttTransport.channel(options, routes, broker);
    const channel = attached.channel;
    if (channel !== null)
      broker.onResponse = (topic, payload) => channel.receiveTopic(topic, payload);
    return new MqttTransport(
      router,
      broker,
      null,
      publisher,
      { mode: 'embedded', state: 'listening', port: result.port },
      attached.detach,
    );
  }

  status(): MqttStatus {
    if (this.broker !== null) return this.offStatus;
    if (this.client !== null)
      return {
        mode: 'external',
        state: this.client.connected ? 'connected' : 'connecting',
        url: this.client.url,
        subscriptions: this.client.subscriptions(),
      };
    return this.offStatus;
  }

  /** The clients connected to the embedded broker now, or null when it is not running. */
  clients(): number | null {
    return this.broker === null ? null : this.broker.aedes.connectedClients;
  }

  /** The port the embedded broker listens on, or null. */
  get port(): number | null {
    const status = this.offStatus;
    return status.mode === 'embedded' && status.state === 'listening' ? status.port : null;
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1): Promise<void> {
    const channel = this.broker ?? this.client;
    if (channel === null)
      return Promise.reject(new Error('MQTT is off: no embedded broker and no --mqtt-url'));
    return channel.publish(topic, payload, qos);
  }

  async close(): Promise<void> {
    this.detach();
    await this.publisher?.close();
    await this.broker?.close();
    await this.client?.close();
    this.router?.close();
  }
}
