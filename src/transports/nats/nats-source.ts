// Ingest over NATS: a core subscription per spec with `{nats: {subject}}`, or a durable JetStream
// consumer when the spec names a `stream`, kept in step with the specs as they change.
import { errorText } from '../../core/error-text.js';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { IngestService, RawMessage } from '../../ingest/ingest-service.js';
import type { CompiledSpec } from '../../ingest/spec.js';
import { IngestBatcher, rawMessage } from '../ingest-batcher.js';
import { SerialRuns } from '../serial-runs.js';
import { consumerName } from './nats-names.js';

/** How a spec's subscription stands, as `/ready` shows it. */
export interface NatsSubscriptionStatus {
  specId: string;
  subject: string;
  stream?: string;
  consumer?: string;
  state: 'active' | 'waiting' | 'failed';
  /** Why it is not active. */
  problem?: string;
}

export interface NatsSourceOptions {
  logger: Logger;
  /** Messages a JetStream consumer holds unacknowledged (default 2000). */
  maxAckPending?: number;
  /** Time before a stream that was missing is looked for again (ms, default 5000). */
  retryMs?: number;
  /** Delay before a message whose ingest failed is redelivered (ms, default 1000). */
  nakDelayMs?: number;
  /** Messages of a core subscription held before new ones are refused (default 100000). */
  maxCorePending?: number;
}

const JETSTREAM_NOT_FOUND = new Set([10059, 10014]);

function headersOf(headers: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const key of headers.keys()) out[key.toLowerCase()] = headers.get(key);
  return out;
}

/** One spec's live subscription. */
interface Active {
  key: string;
  spec: CompiledSpec;
  batcher: IngestBatcher;
  status: NatsSubscriptionStatus;
  stop(): Promise<void>;
}

/** The identity of a source: a change to it means subscribing again. */
function sourceKey(spec: CompiledSpec): string {
  return JSON.stringify([spec.filter, spec.stream ?? null]);
}

export class NatsSource {
  private readonly active = new Map<string, Active>();
  private unlisten: (() => void) | null = null;
  private readonly syncing = new SerialRuns(
    () => this.syncNow(),
    (error) => this.options.logger.error({ err: error }, 'NATS: could not follow the ingest specs'),
  );
  private closed = false;
  private jsm: JetStreamManager | null = null;
  /** Core messages refused because a subscription held too many (no acknowledgement exists). */
  dropped = 0;

  constructor(
    private readonly ingest: IngestService,
    private readonly nc: NatsConnection,
    private readonly options: NatsSourceOptions,
  ) {}

  /** Subscribes for every NATS spec, and follows the specs from now on. */
  async start(): Promise<void> {
    this.unlisten = this.ingest.onSpecsChanged(() => void this.sync());
    await this.sync();
  }

  /** The subscriptions and how they stand. */
  status(): NatsSubscriptionStatus[] {
    return [...this.active.values()].map((a) => ({ ...a.status }));
  }

  /** Brings the subscriptions in line with the specs (serialised: one sync at a time). */
  sync(): Promise<void> {
    return this.syncing.run();
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    const wanted = new Map(this.ingest.specsOfSource('nats').map((s) => [s.specId, s]));
    for (const [specId, current] of this.active) {
      const spec = wanted.get(specId);
      if (spec && sourceKey(spec) === current.key) continue;
      this.active.delete(specId);
      await current.stop();
      // A deleted spec leaves no durable consumer behind to hold messages for nobody.
      if (!spec && current.status.stream && current.status.consumer)
        await this.deleteConsumer(current.status.stream, current.status.consumer);
    }
    for (const [specId, spec] of wanted) {
      if (this.active.has(specId) || spec.filter === null) continue;
      const active =
        spec.stream === undefined ? this.subscribeCore(spec) : this.subscribeStream(spec);
      this.active.set(specId, active);
    }
  }

  /** The spec as it is now (a message maps with the newest spec), or null once deleted. */
  private currentSpec(specId: string): CompiledSpec | null {
    try {
      return this.ingest.specFor(specId);
    } catch {
      return null;
    }
  }

  /** A NATS message as the spec as it is now maps it, or null once the spec is deleted. */
  private messageOf(specId: string, msg: Msg | JsMsg): RawMessage | null {
    const current = this.currentSpec(specId);
    if (current === null) return null;
    return rawMessage(current, 'nats', msg.subject, msg.data, headersOf(msg.headers), Date.now());
  }

  private batcher(specId: string): IngestBatcher {
    return new IngestBatcher(this.ingest, specId, {
      failed: (id, error) =>
        this.options.logger.warn(
          { err: error, spec: id },
          'NATS: ingest failed; the messages are redelivered',
        ),
    });
  }

  private subscribeCore(spec: CompiledSpec): Active {
    const subject = spec.filter as string;
    const batcher = this.batcher(spec.specId);
    const maxPending = this.options.maxCorePending ?? 100_000;
    const status: NatsSubscriptionStatus = { specId: spec.specId, subject, state: 'active' };
    const subscription: Subscription = this.nc.subscribe(subject, {
      callback: (error, msg: Msg) => {
        if (error) {
          status.state = 'failed';
          status.problem = errorText(error);
          this.options.logger.error(
            { err: error, spec: spec.specId, subject },
            'NATS: subscription failed',
          );
          return;
        }
        if (batcher.pending >= maxPending) {
          // Core NATS has no redelivery: say that messages are lost rather than grow without bound.
          if (this.dropped++ % 10_000 === 0)
            this.options.logger.warn(
              { spec: spec.specId, subject, dropped: this.dropped },
              'NATS: ingest falls behind a core subscription; messages are dropped (use a JetStream stream for none to be)',
            );
          return;
        }
        const message = this.messageOf(spec.specId, msg);
        if (message !== null) batcher.add(message, () => {});
      },
    });
    this.options.logger.info({ spec: spec.specId, subject }, 'NATS: subscribed');
    return {
      key: sourceKey(spec),
      spec,
      batcher,
      status,
      stop: async () => {
        subscription.unsubscribe();
        await batcher.drained();
      },
    };
  }

  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await jetstreamManager(this.nc);
    return this.jsm;
  }

  private subscribeStream(spec: CompiledSpec): Active {
    const subject = spec.filter as string;
    const stream = spec.stream as string;
    const consumer = consumerName(spec.specId);
    const batcher = this.batcher(spec.specId);
    const status: NatsSubscriptionStatus = {
      specId: spec.specId,
      subject,
      stream,
      consumer,
      state: 'waiting',
    };
    let messages: ConsumerMessages | null = null;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const nakDelay = this.options.nakDelayMs ?? 1000;
    const onMessage = (msg: JsMsg) => {
      const message = this.messageOf(spec.specId, msg);
      if (message === null) return msg.nak(nakDelay);
      batcher.add(message, (durable) => {
        // Acknowledged only once durable (a dead letter is durable too); else it comes again.
        if (durable) msg.ack();
        else msg.nak(nakDelay);
      });
    };
    const open = async () => {
      if (stopped) return;
      try {
        const jsm = await this.manager();
        await this.ensureConsumer(jsm, stream, consumer, subject);
        const js = jetstream(this.nc);
        const source = await js.consumers.get(stream, consumer);
        if (stopped) return;
        messages = await source.consume({ max_messages: 1000, callback: onMessage });
        status.state = 'active';
        delete status.problem;
        this.options.logger.info(
          { spec: spec.specId, subject, stream, consumer },
          'NATS: consuming from JetStream',
        );
        void messages.closed().then((error) => {
          if (stopped || this.closed) return;
          status.state = 'waiting';
          status.problem = `the consumer stopped${error ? `: ${errorText(error)}` : ''}`;
          retry = setTimeout(() => void open(), this.options.retryMs ?? 5000);
        });
      } catch (error) {
        status.state = 'waiting';
        status.problem =
          error instanceof JetStreamApiError && error.code === 10059
            ? `the JetStream stream '${stream}' does not exist; create it with a subject that covers '${subject}' (e.g. nats stream add ${stream} --subjects '${subject}')`
            : `could not consume from the JetStream stream '${stream}': ${errorText(error)}`;
        this.options.logger.error(
          { spec: spec.specId, subject, stream },
          `NATS: ${status.problem}; trying again in ${(this.options.retryMs ?? 5000) / 1000} s`,
        );
        if (!stopped && !this.closed)
          retry = setTimeout(() => void open(), this.options.retryMs ?? 5000);
      }
    };
    void open();
    return {
      key: sourceKey(spec),
      spec,
      batcher,
      status,
      stop: async () => {
        stopped = true;
        clearTimeout(retry);
        // No more pulls; the messages received so far still settle (ack or nak) on the connection.
        await messages?.close();
        await batcher.drained();
      },
    };
  }

  /** Creates the durable consumer, or points an existing one at the spec's subject. */
  private async ensureConsumer(
    jsm: JetStreamManager,
    stream: string,
    consumer: string,
    subject: string,
  ): Promise<void> {
    await jsm.streams.info(stream);
    try {
      const info = await jsm.consumers.info(stream, consumer);
      if (info.config.filter_subject !== subject)
        await jsm.consumers.update(stream, consumer, { filter_subject: subject });
      return;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && JETSTREAM_NOT_FOUND.has(error.code))) throw error;
    }
    await jsm.consumers.add(stream, {
      durable_name: consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subject,
      max_ack_pending: this.options.maxAckPending ?? 2000,
    });
  }

  private async deleteConsumer(stream: string, consumer: string): Promise<void> {
    try {
      await (await this.manager()).consumers.delete(stream, consumer);
      this.options.logger.info(
        { stream, consumer },
        'NATS: durable consumer of a deleted spec removed',
      );
    } catch (error) {
      if (!(error instanceof JetStreamApiError && JETSTREAM_NOT_FOUND.has(error.code)))
        this.options.logger.warn(
          { err: error, stream, consumer },
          'NATS: could not remove a consumer',
        );
    }
  }

  /** Stops every subscription after the messages received so far are settled. */
  async close(): Promise<void> {
    this.closed = true;
    this.unlisten?.();
    await this.syncing.idle();
    const all = [...this.active.values()];
    this.active.clear();
    await Promise.all(all.map((a) => a.stop()));
  }
}
