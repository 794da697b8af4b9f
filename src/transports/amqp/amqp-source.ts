// Ingest over AMQP 0.9.1 (e.g. RabbitMQ): one consumer per spec with `{amqp: {queue}}`, each
// message acknowledged only once its observations are durable; reconnects when the broker goes.
import { errorText } from '../../core/error-text.js';
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { CompiledSpec } from '../../ingest/spec.js';
import { IngestBatcher, rawMessage } from '../ingest-batcher.js';
import { SerialRuns } from '../serial-runs.js';

/** How a spec's consumer stands, as `/ready` shows it. */
export interface AmqpConsumerStatus {
  specId: string;
  queue: string;
  state: 'active' | 'waiting' | 'failed';
  problem?: string;
}

export interface AmqpSourceOptions {
  url: string;
  logger: Logger;
  /** Unacknowledged messages the broker hands each consumer (default 1000). */
  prefetch?: number;
  /** Delay before connecting again after the connection was lost (ms, default 1000, doubling to 30 s). */
  reconnectMs?: number;
}

interface Active {
  queue: string;
  channel: Channel | null;
  consumerTag: string | null;
  batcher: IngestBatcher;
  status: AmqpConsumerStatus;
}

function headersOf(message: ConsumeMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    out[key.toLowerCase()] =
      typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : String(value);
  }
  if (message.properties.contentType) out['content-type'] = String(message.properties.contentType);
  if (message.properties.messageId) out['message-id'] = String(message.properties.messageId);
  return out;
}

/** The URL without its password, for logs and `/ready`. */
export function redactedUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

export class AmqpSource {
  private connection: ChannelModel | null = null;
  private readonly active = new Map<string, Active>();
  private unlisten: (() => void) | null = null;
  private readonly syncing = new SerialRuns(
    () => this.syncNow(),
    (error) => this.options.logger.error({ err: error }, 'AMQP: could not follow the ingest specs'),
  );
  private closed = false;
  private reconnectDelay: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Why the broker cannot be reached, while it cannot. */
  problem: string | null = 'connecting';

  constructor(
    private readonly ingest: IngestService,
    private readonly options: AmqpSourceOptions,
  ) {
    this.reconnectDelay = options.reconnectMs ?? 1000;
  }

  get connected(): boolean {
    return this.connection !== null;
  }

  /** Connects (in the background until the broker answers) and follows the specs. */
  start(): void {
    this.unlisten = this.ingest.onSpecsChanged(() => void this.sync());
    void this.connect();
  }

  status(): AmqpConsumerStatus[] {
    return [...this.active.values()].map((a) => ({ ...a.status }));
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    try {
      const connection = await amqp.connect(this.options.url, {
        // Named so that operators (and tests) can tell this node's connection in the broker.
        clientProperties: { connection_name: `twinfold pid ${process.pid}` },
      });
      if (this.closed) {
        await connection.close().catch(() => {});
        return;
      }
      this.connection = connection;
      this.problem = null;
      this.reconnectDelay = this.options.reconnectMs ?? 1000;
      connection.on('error', (error: unknown) =>
        this.options.logger.warn({ err: error }, 'AMQP: connection error'),
      );
      connection.on('close', () => this.lost('the connection was closed'));
      this.options.logger.info({ url: redactedUrl(this.options.url) }, 'AMQP: connected');
      await this.sync();
    } catch (error) {
      this.lost(errorText(error));
    }
  }

  /** The connection went (or never came): every consumer waits, and we connect again later. */
  private lost(reason: string): void {
    if (this.closed) return;
    this.connection = null;
    this.problem = `cannot reach the AMQP broker at ${redactedUrl(this.options.url)}: ${reason}`;
    for (const active of this.active.values()) {
      active.channel = null;
      active.consumerTag = null;
      active.status.state = 'waiting';
      active.status.problem = 'waiting for the AMQP connection';
    }
    if (this.reconnectTimer) return;
    this.options.logger.warn(
      { retryMs: this.reconnectDelay },
      `AMQP: ${this.problem}; connecting again`,
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, 30_000);
  }

  sync(): Promise<void> {
    return this.syncing.run();
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    const wanted = new Map(this.ingest.specsOfSource('amqp').map((s) => [s.specId, s]));
    for (const [specId, current] of this.active) {
      const spec = wanted.get(specId);
      if (spec && spec.filter === current.queue && current.channel !== null) continue;
      if (spec && spec.filter === current.queue && this.connection === null) continue;
      this.active.delete(specId);
      await this.stop(current);
    }
    for (const [specId, spec] of wanted) {
      if (spec.filter === null) continue;
      const existing = this.active.get(specId);
      if (existing && existing.channel !== null) continue;
      const active: Active = existing ?? {
        queue: spec.filter,
        channel: null,
        consumerTag: null,
        batcher: new IngestBatcher(this.ingest, specId, {
          failed: (id, error) =>
            this.options.logger.warn(
              { err: error, spec: id },
              'AMQP: ingest failed; the messages are requeued',
            ),
        }),
        status: { specId, queue: spec.filter, state: 'waiting', problem: 'connecting' },
      };
      this.active.set(specId, active);
      if (this.connection !== null) await this.consume(spec, active, this.connection);
    }
  }

  /** Asserts the queue (durable, when it does not exist yet) and consumes it on its own channel. */
  private async consume(
    spec: CompiledSpec,
    active: Active,
    connection: ChannelModel,
  ): Promise<void> {
    const queue = active.queue;
    try {
      await this.ensureQueue(connection, queue);
      const channel = await connection.createChannel();
      channel.on('error', (error: unknown) =>
        this.options.logger.warn({ err: error, spec: spec.specId, queue }, 'AMQP: channel error'),
      );
      channel.on('close', () => {
        if (active.channel !== channel) return;
        active.channel = null;
        active.consumerTag = null;
        if (this.closed || this.connection === null) return;
        active.status.state = 'waiting';
        active.status.problem = 'the channel was closed; consuming again';
        setTimeout(() => void this.sync(), this.options.reconnectMs ?? 1000).unref();
      });
      await channel.prefetch(this.options.prefetch ?? 1000);
      active.channel = channel;
      const { consumerTag } = await channel.consume(
        queue,
        (message) => {
          if (message === null) {
            // The broker cancelled the consumer (the queue was deleted): consume again later.
            active.status.state = 'waiting';
            active.status.problem = `the broker cancelled the consumer of '${queue}'`;
            void channel.close().catch(() => {});
            return;
          }
          this.received(spec.specId, active, channel, message);
        },
        { noAck: false },
      );
      active.consumerTag = consumerTag;
      active.status.state = 'active';
      delete active.status.problem;
      this.options.logger.info({ spec: spec.specId, queue }, 'AMQP: consuming');
    } catch (error) {
      active.status.state = 'failed';
      active.status.problem = `could not consume the queue '${queue}': ${errorText(error)}`;
      this.options.logger.error({ spec: spec.specId, queue }, `AMQP: ${active.status.problem}`);
    }
  }

  private received(
    specId: string,
    active: Active,
    channel: Channel,
    message: ConsumeMessage,
  ): void {
    let spec: CompiledSpec;
    try {
      spec = this.ingest.specFor(specId);
    } catch {
      channel.nack(message, false, true);
      return;
    }
    const raw = rawMessage(
      spec,
      'amqp',
      message.fields.routingKey,
      message.content,
      headersOf(message),
      Date.now(),
    );
    active.batcher.add(raw, (durable) => {
      // The channel this came on may be gone: the broker then redelivers it, as it should.
      if (active.channel !== channel) return;
      try {
        if (durable) channel.ack(message);
        else channel.nack(message, false, true);
      } catch {
        // closed meanwhile: redelivered
      }
    });
  }

  /** A missing queue is declared durable; an existing one is used as it is. */
  private async ensureQueue(connection: ChannelModel, queue: string): Promise<void> {
    // A check that fails closes its channel, hence a throwaway channel for it.
    const probe = await connection.createChannel();
    probe.on('error', () => {});
    try {
      await probe.checkQueue(queue);
      await probe.close();
      return;
    } catch {
      // 404: not there
    }
    const declare = await connection.createChannel();
    try {
      await declare.assertQueue(queue, { durable: true });
    } finally {
      await declare.close().catch(() => {});
    }
  }

  private async stop(active: Active): Promise<void> {
    const channel = active.channel;
    if (channel && active.consumerTag) await channel.cancel(active.consumerTag).catch(() => {});
    await active.batcher.drained();
    active.channel = null;
    if (channel) await channel.close().catch(() => {});
  }

  /** Stops consuming once the messages received so far are settled, then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.unlisten?.();
    await this.syncing.idle();
    const all = [...this.active.values()];
    this.active.clear();
    await Promise.all(all.map((a) => this.stop(a)));
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.close().catch(() => {});
  }
}
