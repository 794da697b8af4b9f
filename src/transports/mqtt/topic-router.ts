// Routes MQTT messages to the ingest specs whose topic filter they match, batched per spec per tick.
import type { Identity } from '../../auth/identity.js';
import type { IngestService, RawMessage } from '../../ingest/ingest-service.js';
import type { CompiledSpec } from '../../ingest/spec.js';
import { fillTemplate } from '../../ingest/template.js';
import { matchMqttTopic } from '../../ingest/topic-context.js';

/** One spec a topic matched, with the named segments of the topic. */
export interface TopicMatch {
  spec: CompiledSpec;
  named: Record<string, string>;
}

interface Pending {
  message: RawMessage;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The MQTT filter of a spec as brokers read it: named segments `+name`/`#name` become `+`/`#`. */
export function brokerFilter(filter: string): string {
  return filter
    .split('/')
    .map((segment) => (segment.startsWith('+') ? '+' : segment.startsWith('#') ? '#' : segment))
    .join('/');
}

/** A payload as a raw message: kept whole, parsed when it is JSON. */
export function rawMessage(
  topic: string,
  payload: Buffer,
  named: Record<string, string>,
  received: number,
): RawMessage {
  const raw = payload.toString('utf8');
  const message: RawMessage = {
    raw,
    transport: 'mqtt',
    topic,
    headers: {},
    context: { topic: named, headers: {} },
    received,
  };
  try {
    message.payload = JSON.parse(raw);
  } catch (error) {
    message.parseError = `not JSON: ${(error as Error).message}`;
  }
  return message;
}

/**
 * Knows the mqtt specs (refreshed when specs change) and hands messages to ingest: the messages
 * that arrive in one turn of the event loop go to `ingest` in one call per spec, and each
 * message's promise resolves once its observations (or its dead letter) are durable.
 */
export class TopicRouter {
  private specs: CompiledSpec[] = [];
  private readonly queues = new Map<string, Pending[]>();
  private scheduled = false;
  private readonly unsubscribe: () => void;
  private readonly changeListeners = new Set<() => void>();

  constructor(private readonly ingest: IngestService) {
    this.refresh();
    this.unsubscribe = ingest.onSpecsChanged(() => {
      this.refresh();
      for (const listener of this.changeListeners) listener();
    });
  }

  private refresh(): void {
    this.specs = this.ingest.specsOfSource('mqtt').filter((s) => s.filter !== null);
  }

  /** Calls `listener` after the mqtt specs changed (to resubscribe); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The mqtt specs, in id order. */
  mqttSpecs(): readonly CompiledSpec[] {
    return this.specs;
  }

  /** The broker filters of every mqtt spec, each once, in order. */
  filters(): string[] {
    return [...new Set(this.specs.map((s) => brokerFilter(s.filter as string)))].sort();
  }

  /** The specs `topic` matches, with its named segments. */
  match(topic: string): TopicMatch[] {
    const matches: TopicMatch[] = [];
    for (const spec of this.specs) {
      const named = matchMqttTopic(spec.filter as string, topic);
      if (named !== null) matches.push({ spec, named });
    }
    return matches;
  }

  /**
   * Why `identity` may not publish `message` for `spec` (null when it may): a read-only token
   * writes nothing, and a token limited to namespaces writes only twins of those namespaces.
   */
  static refusal(
    identity: Identity,
    spec: CompiledSpec,
    messageOf: () => RawMessage,
  ): string | null {
    if (identity.readOnly) return 'the token is read-only';
    const allowed = identity.namespaces;
    if (allowed === null) return null;
    let namespaces = spec.namespaces;
    if (spec.payload === 'dittoProtocol') {
      // The Ditto Protocol message names its thing: `<namespace>/<name>/things/…`.
      const payload = messageOf().payload as { topic?: unknown } | undefined;
      if (typeof payload?.topic !== 'string')
        return 'the twin cannot be known from a message without a Ditto Protocol topic';
      namespaces = [payload.topic.split('/')[0]];
    } else if (namespaces === null) {
      const message = messageOf();
      if (message.payload === undefined)
        return 'the twin cannot be known from a payload that is not JSON';
      const filled = fillTemplate(spec.thingId, message.payload, message.payload, message.context);
      if (!filled.ok) return `the thingId cannot be filled (${filled.missing} is missing)`;
      const colon = filled.value.indexOf(':');
      namespaces = [colon < 0 ? filled.value : filled.value.slice(0, colon)];
    }
    const outside = namespaces.find((ns) => !allowed.includes(ns));
    return outside === undefined
      ? null
      : `the token may not write namespace '${outside}' (spec '${spec.specId}')`;
  }

  /** Queues one message for a spec's next batch; resolves once durable. */
  submit(specId: string, message: RawMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let queue = this.queues.get(specId);
      if (queue === undefined) this.queues.set(specId, (queue = []));
      queue.push({ message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Routes one received message to every spec it matches; resolves once all are durable. */
  deliver(topic: string, payload: Buffer, matches = this.match(topic)): Promise<void> {
    const received = Date.now();
    if (matches.length === 1)
      return this.submit(
        matches[0].spec.specId,
        rawMessage(topic, payload, matches[0].named, received),
      );
    return Promise.all(
      matches.map((m) => this.submit(m.spec.specId, rawMessage(topic, payload, m.named, received))),
    ).then(() => undefined);
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.queues];
    this.queues.clear();
    for (const [specId, batch] of batches) {
      this.ingest
        .ingest(
          specId,
          batch.map((p) => p.message),
        )
        .then(
          () => {
            for (const p of batch) p.resolve();
          },
          (error: unknown) => {
            for (const p of batch) p.reject(error);
          },
        );
    }
  }

  close(): void {
    this.unsubscribe();
    this.changeListeners.clear();
  }
}
