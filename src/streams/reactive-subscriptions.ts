// Ditto's reactive-streams subscriptions over one WebSocket (search and history streaming): created,
// next as far as the client's demand goes, complete or failed, cancel, and Ditto's errors for misuse.
import { errors } from '../core/error-registry.js';
import type { ErrorBody } from '../core/errors.js';
import { TwinfoldError } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../core/json.js';

/** What a subscription streams: each pull gives the next element (and whether it is the last), or null. */
export interface SubscriptionSource {
  pull(): Promise<{ value: JsonValue; last: boolean } | null>;
}

/** A Ditto Protocol message a subscription sends. */
export interface SubscriptionMessage {
  topic: string;
  headers: Record<string, string>;
  path: '/';
  value: JsonObject;
}

/** The flavour of a family of subscriptions: its topics, its errors and the key of its elements. */
export interface SubscriptionKind {
  /** Search (`thing-search:` errors, `items`) or streaming (`item`). */
  streaming: boolean;
}

/** The most demand a subscription keeps (Ditto takes a long; more is as good as unbounded). */
const MAX_DEMAND = Number.MAX_SAFE_INTEGER;
/** Ended subscription ids remembered, to answer a late request as Ditto's zombie does. */
const REMEMBERED_ENDED = 1024;
/** Open subscriptions one socket may hold. */
export const MAX_OPEN_SUBSCRIPTIONS = 256;

interface Subscription {
  id: string;
  /** Where the messages go: the topic of the subscribe, with its action replaced. */
  topicBase: string;
  source: SubscriptionSource | null;
  /** The failure the first request is answered with (a subscribe that could not start). */
  failure: ErrorBody | null;
  demand: number;
  pumping: boolean;
  headers: Record<string, string>;
}

function headersFor(request: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (request['correlation-id'] !== undefined)
    headers['correlation-id'] = request['correlation-id'];
  return headers;
}

function bodyOf(error: unknown): ErrorBody {
  return error instanceof TwinfoldError ? error.toBody() : errors.internal().toBody();
}

/** A source made by `make`, or the error that kept it from starting (answered on the first request). */
export function startOf(make: () => SubscriptionSource): SubscriptionSource | TwinfoldError {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof TwinfoldError)) throw error;
    return error;
  }
}

/**
 * The subscriptions of one socket of one kind. `send` writes a message and says whether the socket
 * is still open; `onError` logs what failed inside a source.
 */
export class ReactiveSubscriptions {
  private readonly open = new Map<string, Subscription>();
  private readonly ended = new Set<string>();
  /** Subscriptions created while the socket held its most, answered `failed` on their request. */
  private readonly refused = new Set<string>();
  private counter = 0;
  private closed = false;

  constructor(
    private readonly kind: SubscriptionKind,
    private readonly send: (message: SubscriptionMessage) => boolean,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /**
   * Starts a subscription and answers `created` (always, as Ditto does); a `failure` is sent as
   * `failed` on the first request, never before it.
   */
  create(
    topicBase: string,
    start: SubscriptionSource | TwinfoldError,
    headers: Record<string, string>,
  ): string {
    const id = String(this.counter++);
    const full = this.open.size >= MAX_OPEN_SUBSCRIPTIONS;
    const subscription: Subscription = {
      id,
      topicBase,
      source: start instanceof TwinfoldError ? null : start,
      failure: start instanceof TwinfoldError ? start.toBody() : null,
      demand: 0,
      pumping: false,
      headers: headersFor(headers),
    };
    if (full) {
      // Not held open: its first request is answered from the (bounded) list of refused ids.
      this.remember(this.refused, id);
      this.emit(subscription, 'created', {});
      return id;
    }
    this.open.set(id, subscription);
    this.emit(subscription, 'created', {});
    return id;
  }

  /**
   * A `request` or `cancel` command as its value came: checks the value (`refuse` throws what is
   * malformed) and hands it on. `elements` names what a unit of demand is, for the error.
   */
  command(
    topicBase: string,
    action: 'request' | 'cancel',
    value: JsonObject,
    headers: Record<string, string>,
    elements: string,
    refuse: (error: TwinfoldError) => never,
  ): void {
    const invalid = (detail: string) => refuse(errors.protocolInvalid(detail));
    const id = value.subscriptionId;
    if (typeof id !== 'string' || id === '')
      invalid(`a '${action}' needs the 'subscriptionId' of a 'created' event.`);
    const allowed = action === 'request' ? ['subscriptionId', 'demand'] : ['subscriptionId'];
    for (const key of Object.keys(value))
      if (!allowed.includes(key))
        invalid(`a '${action}' takes only ${allowed.join(' and ')}, not '${key}'.`);
    if (action === 'cancel') return this.cancel(topicBase, id as string, headers);
    if (typeof value.demand !== 'number')
      invalid(`a 'request' needs a numeric 'demand' (how many ${elements} to send).`);
    this.request(topicBase, id as string, value.demand as number, headers);
  }

  /** A `request`: adds demand (a demand ≤ 0 fails the subscription, rule 3.9). */
  request(topicBase: string, id: string, demand: number, headers: Record<string, string>): void {
    const subscription = this.open.get(id);
    if (!subscription && this.refused.delete(id)) {
      this.remember(this.ended, id);
      return this.failure(
        topicBase,
        id,
        headers,
        errors.subscriptionProtocolError(
          `At most ${MAX_OPEN_SUBSCRIPTIONS} subscriptions may be open on one WebSocket; cancel one first.`,
          this.kind.streaming,
        ),
      );
    }
    if (!subscription) return this.unknown(topicBase, id, headers);
    subscription.headers = headersFor(headers);
    if (subscription.failure) return this.fail(subscription, subscription.failure);
    if (!Number.isInteger(demand) || demand <= 0)
      return this.fail(
        subscription,
        errors
          .subscriptionProtocolError(
            'The number of requested elements must be > 0 (see reactive-streams specification, rule 3.9)',
            this.kind.streaming,
          )
          .toBody(),
      );
    subscription.demand = Math.min(MAX_DEMAND, subscription.demand + demand);
    void this.pump(subscription);
  }

  /** A `cancel`: the subscription ends, nothing more is sent for it. */
  cancel(topicBase: string, id: string, headers: Record<string, string>): void {
    const subscription = this.open.get(id);
    if (!subscription && this.refused.delete(id)) return this.remember(this.ended, id);
    if (!subscription) {
      // Cancelling one that already ended is harmless (a complete may cross the cancel).
      if (!this.ended.has(id)) this.unknown(topicBase, id, headers);
      return;
    }
    this.end(subscription);
  }

  /** Ends every subscription (the socket closed). */
  close(): void {
    this.closed = true;
    this.open.clear();
  }

  private unknown(topicBase: string, id: string, headers: Record<string, string>): void {
    const error = this.ended.has(id)
      ? errors.subscriptionProtocolError(
          'This subscription is considered cancelled. No more messages are processed.',
          this.kind.streaming,
        )
      : errors.subscriptionNotFound(id, this.kind.streaming);
    this.failure(topicBase, id, headers, error);
  }

  private failure(
    topicBase: string,
    id: string,
    headers: Record<string, string>,
    error: TwinfoldError,
  ): void {
    this.send({
      topic: `${topicBase}/failed`,
      headers: headersFor(headers),
      path: '/',
      value: { subscriptionId: id, error: error.toBody() as unknown as JsonValue },
    });
  }

  private end(subscription: Subscription): void {
    this.open.delete(subscription.id);
    this.remember(this.ended, subscription.id);
  }

  private remember(ids: Set<string>, id: string): void {
    ids.add(id);
    if (ids.size > REMEMBERED_ENDED) ids.delete(ids.values().next().value as string);
  }

  private fail(subscription: Subscription, error: ErrorBody): void {
    this.end(subscription);
    this.emit(subscription, 'failed', { error: error as unknown as JsonValue });
  }

  private emit(subscription: Subscription, action: string, value: JsonObject): boolean {
    if (this.closed) return false;
    return this.send({
      topic: `${subscription.topicBase}/${action}`,
      headers: subscription.headers,
      path: '/',
      value: { subscriptionId: subscription.id, ...value },
    });
  }

  private live(subscription: Subscription): boolean {
    return !this.closed && this.open.get(subscription.id) === subscription;
  }

  /** Sends elements while there is demand, one pull at a time. */
  private async pump(subscription: Subscription): Promise<void> {
    if (subscription.pumping) return;
    subscription.pumping = true;
    const key = this.kind.streaming ? 'item' : 'items';
    try {
      while (subscription.demand > 0 && this.live(subscription)) {
        let next: Awaited<ReturnType<SubscriptionSource['pull']>>;
        try {
          next = await (subscription.source as SubscriptionSource).pull();
        } catch (error) {
          if (!(error instanceof TwinfoldError)) this.onError(error);
          if (this.live(subscription)) this.fail(subscription, bodyOf(error));
          return;
        }
        if (!this.live(subscription)) return;
        if (next === null) {
          this.end(subscription);
          this.emit(subscription, 'complete', {});
          return;
        }
        subscription.demand--;
        if (!this.emit(subscription, 'next', { [key]: next.value })) return;
        if (next.last) {
          this.end(subscription);
          this.emit(subscription, 'complete', {});
          return;
        }
      }
    } finally {
      subscription.pumping = false;
    }
  }
}
