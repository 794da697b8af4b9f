// Gathers the messages a transport receives together into one ingest call per spec, and settles
// each message (ack or redeliver) once that call has made its observations durable.
import type { IngestService, RawMessage } from '../ingest/ingest-service.js';
import type { CompiledSpec } from '../ingest/spec.js';
import { templateHeaders } from '../ingest/http-messages.js';
import { topicContext } from '../ingest/topic-context.js';

/** Told whether the message is settled for good (durable or dead-lettered) or must come again. */
export type Settle = (durable: boolean, error?: unknown) => void;

export interface IngestBatcherOptions {
  /** Most messages in one ingest call (default 1000). */
  maxBatch?: number;
  /** Most ingest calls in flight per spec; more messages wait for one to finish (default 4). */
  maxInFlight?: number;
  /** Told of every ingest call that failed (the messages are then redelivered). */
  failed?: (specId: string, error: unknown) => void;
}

interface Pending {
  message: RawMessage;
  settle: Settle;
}

/** The message a transport received, ready for {@link IngestService.ingest}. */
export function rawMessage(
  spec: CompiledSpec,
  transport: string,
  topic: string,
  data: Uint8Array,
  headers: Record<string, string>,
  received: number,
): RawMessage {
  const kept = templateHeaders(spec, headers);
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  const message: RawMessage = {
    raw,
    transport,
    topic,
    headers: kept,
    context: { headers: kept },
    received,
  };
  const context = topicContext(spec.source, spec.filter ?? undefined, topic, kept);
  if (typeof context === 'string') {
    message.parseError = context;
    return message;
  }
  message.context = context;
  try {
    message.payload = JSON.parse(raw);
  } catch (error) {
    message.parseError = `not JSON: ${(error as Error).message}`;
  }
  return message;
}

/**
 * One batcher per spec subscription: `add` queues a message; the messages added in one turn of
 * the event loop (or up to `maxBatch` of them) go to the ingest service as one call.
 */
export class IngestBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private inFlightMessages = 0;
  private readonly idle = new Set<() => void>();
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly ingest: Pick<IngestService, 'ingest'>,
    readonly specId: string,
    private readonly options: IngestBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 4;
  }

  /** Messages received but not yet settled. */
  get pending(): number {
    return this.queue.length + this.inFlightMessages;
  }

  add(message: RawMessage, settle: Settle): void {
    this.queue.push({ message, settle });
    if (this.queue.length >= this.maxBatch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.inFlightMessages += batch.length;
      this.ingest
        .ingest(
          this.specId,
          batch.map((p) => p.message),
        )
        .then(
          () => {
            for (const p of batch) p.settle(true);
          },
          (error: unknown) => {
            this.options.failed?.(this.specId, error);
            for (const p of batch) p.settle(false, error);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.inFlightMessages -= batch.length;
          this.flush();
          if (this.pending === 0) for (const resolve of this.idle) resolve();
          if (this.pending === 0) this.idle.clear();
        });
    }
  }

  /** Resolves once every message added so far is settled. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }
}
