// The NATS and AMQP side of a node: the connection from `--nats-url`, ingest over NATS and AMQP,
// and events out on NATS (`--events-nats`); what `/ready` says about them; which specs it serves.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { errors } from '../core/error-registry.js';
import type { JsonValue } from '../core/json.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { CompiledSpec } from '../ingest/spec.js';
import type { CommittedEventStream } from '../runtime/committed-event-stream.js';
import { AmqpSource, redactedUrl } from './amqp/amqp-source.js';
import { NatsEventPublisher } from './nats/nats-event-publisher.js';
import { streamProblem, subjectProblem } from './nats/nats-names.js';
import { NatsSource } from './nats/nats-source.js';

export interface MessagingConfig {
  natsUrl?: string;
  amqpUrl?: string;
  /** Subject prefix of events out; unset = none published. */
  eventsNats?: string;
  /** Where the events publisher keeps its position. */
  eventsPositionFile: string;
}

/** Whether this node speaks MQTT: its embedded broker (`--mqtt-port` not 0) or `--mqtt-url`. */
export interface MqttAvailability {
  mqttPort: number;
  mqttUrl?: string;
}

/**
 * Refuses on PUT a spec this node cannot serve: an MQTT source or a `commands` section while MQTT
 * is off, a NATS or AMQP source without its URL, or a NATS subject or stream NATS would not take.
 */
export function messagingSourceCheck(
  config: Pick<MessagingConfig, 'natsUrl' | 'amqpUrl'> & MqttAvailability,
) {
  const mqttOff = config.mqttPort === 0 && config.mqttUrl === undefined;
  const mqttFlag = '--mqtt-port (not 0) or --mqtt-url (or TWINFOLD_MQTT_URL)';
  return (spec: CompiledSpec): void => {
    if (mqttOff && spec.source === 'mqtt') throw errors.ingestSourceUnavailable('MQTT', mqttFlag);
    if (mqttOff && spec.commands !== null) throw errors.ingestCommandsUnavailable(mqttFlag);
    if (spec.source === 'nats') {
      if (config.natsUrl === undefined)
        throw errors.ingestSourceUnavailable('NATS', '--nats-url (or TWINFOLD_NATS_URL)');
      const subject = subjectProblem(spec.filter ?? '');
      if (subject !== null) throw errors.ingestSpecInvalid(`at /source/nats/subject: ${subject}`);
      if (spec.stream !== undefined) {
        const stream = streamProblem(spec.stream);
        if (stream !== null) throw errors.ingestSpecInvalid(`at /source/nats/stream: ${stream}`);
      }
    }
    if (spec.source === 'amqp' && config.amqpUrl === undefined)
      throw errors.ingestSourceUnavailable('AMQP', '--amqp-url (or TWINFOLD_AMQP_URL)');
  };
}

/** The running NATS and AMQP parts of a node. */
export class Messaging {
  private nc: NatsConnection | null = null;
  private natsProblem: string | null = null;
  private natsSource: NatsSource | null = null;
  private publisher: NatsEventPublisher | null = null;
  private amqpSource: AmqpSource | null = null;
  private closed = false;

  constructor(
    private readonly config: MessagingConfig,
    private readonly ingest: IngestService | null,
    private readonly events: CommittedEventStream,
    private readonly logger: Logger,
  ) {}

  /** Starts what is configured; a broker that is not there yet is waited for in the background. */
  start(): void {
    if (this.config.amqpUrl !== undefined && this.ingest) {
      this.amqpSource = new AmqpSource(this.ingest, {
        url: this.config.amqpUrl,
        logger: this.logger,
      });
      this.amqpSource.start();
    }
    if (this.config.natsUrl !== undefined) void this.connectNats(this.config.natsUrl);
  }

  private async connectNats(url: string): Promise<void> {
    this.natsProblem = `connecting to ${redactedUrl(url)}`;
    try {
      const nc = await connect({
        servers: url,
        name: 'twinfold',
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
      });
      if (this.closed) {
        await nc.close();
        return;
      }
      this.nc = nc;
      this.natsProblem = null;
      this.logger.info({ url: redactedUrl(url) }, 'NATS: connected');
      void (async () => {
        for await (const status of nc.status()) {
          if (status.type === 'disconnect') {
            this.natsProblem = `disconnected from ${redactedUrl(url)}; reconnecting`;
            this.logger.warn(`NATS: ${this.natsProblem}`);
          } else if (status.type === 'reconnect') {
            this.natsProblem = null;
            this.logger.info('NATS: reconnected');
          }
        }
      })();
      if (this.ingest) {
        this.natsSource = new NatsSource(this.ingest, nc, { logger: this.logger });
        await this.natsSource.start();
      }
      if (this.config.eventsNats !== undefined) {
        this.publisher = new NatsEventPublisher(this.events, nc, {
          prefix: this.config.eventsNats,
          positionFile: this.config.eventsPositionFile,
          logger: this.logger,
        });
        this.publisher.start();
        this.logger.info({ prefix: this.config.eventsNats }, 'NATS: publishing committed events');
      }
    } catch (error) {
      this.natsProblem = `cannot connect to ${redactedUrl(url)}: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.error(`NATS: ${this.natsProblem}`);
    }
  }

  /** What `/ready` shows: each configured transport, and every subscription that is not active. */
  readiness(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    const inactive = (specs: { specId: string; state: string; problem?: string }[]) =>
      specs
        .filter((s) => s.state !== 'active')
        .map((s) => ({ specId: s.specId, state: s.state, problem: s.problem ?? null }));
    if (this.config.natsUrl !== undefined) {
      const subscriptions = this.natsSource?.status() ?? [];
      out.nats = {
        status: this.natsProblem === null ? 'connected' : 'disconnected',
        ...(this.natsProblem === null ? {} : { problem: this.natsProblem }),
        subscriptions: subscriptions.length,
        inactive: inactive(subscriptions),
        ...(this.natsSource && this.natsSource.dropped > 0
          ? { droppedCoreMessages: this.natsSource.dropped }
          : {}),
        ...(this.config.eventsNats === undefined
          ? {}
          : {
              events: {
                prefix: this.config.eventsNats,
                position: this.publisher?.position ?? null,
                ...(this.publisher?.problem ? { problem: this.publisher.problem } : {}),
              },
            }),
      };
    } else {
      const waiting = this.ingest?.specsOfSource('nats') ?? [];
      if (waiting.length > 0)
        out.nats = {
          status: 'not configured',
          problem:
            'specs with a NATS source are stored but --nats-url is not set: they receive nothing',
          inactive: waiting.map((s) => s.specId),
        };
    }
    if (this.config.amqpUrl !== undefined) {
      const consumers = this.amqpSource?.status() ?? [];
      out.amqp = {
        status: this.amqpSource?.connected ? 'connected' : 'disconnected',
        ...(this.amqpSource?.problem ? { problem: this.amqpSource.problem } : {}),
        consumers: consumers.length,
        inactive: inactive(consumers),
      };
    } else {
      const waiting = this.ingest?.specsOfSource('amqp') ?? [];
      if (waiting.length > 0)
        out.amqp = {
          status: 'not configured',
          problem:
            'specs with an AMQP source are stored but --amqp-url is not set: they receive nothing',
          inactive: waiting.map((s) => s.specId),
        };
    }
    return out;
  }

  /** Stops consuming (settling what was received), publishes the committed events, disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.natsSource?.close(), this.amqpSource?.close()]);
    await this.publisher?.close();
    // A connection still being waited for is closed by connectNats when it comes.
    if (this.nc) await this.nc.drain().catch(() => this.nc?.close());
  }
}
