// Ditto's acknowledgement aggregation: a request waits for the custom labels it asked for (issued by
// subscribers by correlation-id) up to its timeout, and is answered with each label's status.
import { errors } from '../core/error-registry.js';
import type { JsonValue } from '../core/json.js';

/** One acknowledgement as Ditto's aggregated response shows it. */
export interface Ack {
  status: number;
  headers: Record<string, string>;
  payload?: JsonValue;
}

/** The labels of one request and the acknowledgements received so far. */
export class AckAggregation {
  readonly received = new Map<string, Ack>();
  private wake: (() => void) | null = null;

  constructor(
    readonly correlationId: string,
    readonly labels: readonly string[],
  ) {}

  /** True when every label has its acknowledgement. */
  get complete(): boolean {
    return this.labels.every((label) => this.received.has(label));
  }

  /** Records an acknowledgement; the first for a label counts (as in Ditto). */
  fulfil(label: string, ack: Ack): boolean {
    if (!this.labels.includes(label) || this.received.has(label)) return false;
    this.received.set(label, ack);
    if (this.complete) this.wake?.();
    return true;
  }

  /** Resolves once every label is acknowledged or `timeoutMs` passed. */
  settled(timeoutMs: number): Promise<void> {
    if (this.complete) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** The open aggregations by correlation-id. */
export class AckRequests {
  private readonly open = new Map<string, AckAggregation>();

  /**
   * Opens the aggregation of a request's custom labels (before its write, so that no early
   * acknowledgement is missed).
   *
   * @throws TwinfoldError `header.invalid` when another request waits under the same correlation-id
   */
  begin(correlationId: string, labels: readonly string[]): AckAggregation {
    if (this.open.has(correlationId)) throw errors.correlationIdInUse(correlationId);
    const aggregation = new AckAggregation(correlationId, labels);
    this.open.set(correlationId, aggregation);
    return aggregation;
  }

  /** The labels requested under `correlationId` (to tell subscribers what to acknowledge). */
  labelsOf(correlationId: string): readonly string[] {
    return this.open.get(correlationId)?.labels ?? [];
  }

  issue(correlationId: string, label: string, ack: Ack): boolean {
    return this.open.get(correlationId)?.fulfil(label, ack) ?? false;
  }

  end(aggregation: AckAggregation): void {
    if (this.open.get(aggregation.correlationId) === aggregation)
      this.open.delete(aggregation.correlationId);
  }
}

/**
 * The HTTP answer of acknowledgements as Ditto gives it: one label alone answers with its own
 * status and payload; several answer 200 when all succeeded and 424 otherwise, with a body of each
 * label's status, headers and payload. A label never acknowledged is Ditto's 408
 * `acknowledgement:request.timeout`.
 *
 * @example aggregateAcks(['twin-persisted', 'a'], new Map([['twin-persisted', {status: 204, headers: {}}]]), 10000, 'c1')
 */
export function aggregateAcks(
  labels: readonly string[],
  received: ReadonlyMap<string, Ack>,
  timeoutMs: number,
  correlationId: string,
): { status: number; body: JsonValue | undefined; acks: Record<string, Ack> } {
  const acks: Record<string, Ack> = {};
  for (const label of labels) {
    acks[label] = received.get(label) ?? {
      status: 408,
      headers: { 'correlation-id': correlationId },
      payload: errors.ackRequestTimeout(timeoutMs).toBody() as unknown as JsonValue,
    };
  }
  if (labels.length === 1) {
    const only = acks[labels[0]];
    return { status: only.status, body: only.payload, acks };
  }
  const allOk = labels.every((label) => acks[label].status >= 200 && acks[label].status < 300);
  const body: Record<string, JsonValue> = {};
  for (const label of labels) {
    const ack = acks[label];
    const entry: Record<string, JsonValue> = { status: ack.status, headers: ack.headers };
    if (ack.payload !== undefined) entry.payload = ack.payload;
    body[label] = entry;
  }
  return { status: allOk ? 200 : 424, body, acks };
}
