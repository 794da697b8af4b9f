// A thing's history from the journal as one identity may read it (each revision guarded by the policy
// of its incarnation), and Ditto's streaming subscription `…/things/twin/streaming/subscribeForPersistedEvents`.
import type { Identity } from '../auth/identity.js';
import type { ApiContext } from '../api/api-context.js';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import type { TwinEvent } from '../core/events.js';
import { isValidNamespacedId } from '../core/ids.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { incarnationAt, type Incarnation } from '../services/thing-incarnations.js';
import {
  eventEnvelope,
  ProtocolMessageError,
  responseHeaders,
  thingTopic,
  UNKNOWN_ERROR_TOPIC,
} from './ditto-protocol.js';
import { parseSelection } from './event-filter.js';
import {
  ReactiveSubscriptions,
  startOf,
  type SubscriptionMessage,
  type SubscriptionSource,
} from './reactive-subscriptions.js';
import { SubscriberView } from './subscriber-view.js';

/** A history range as Ditto takes it: revisions (negative: relative to the latest) or instants. */
export interface HistoryRange {
  fromRevision?: number;
  toRevision?: number;
  fromTimestamp?: number;
  toTimestamp?: number;
}

/** A thing's history as one identity reads it: pages of readable events from a resolved range. */
export class ReadableHistory {
  private constructor(
    private readonly context: ApiContext,
    private readonly thingId: string,
    private readonly lives: Incarnation[],
    private readonly viewers: Map<Incarnation, ReturnType<ApiContext['guard']['eventViewer']>>,
    /** The range with relative revisions resolved against the latest revision at the start. */
    readonly range: HistoryRange,
  ) {}

  /**
   * Opens the history of a thing, or null when it never existed. `toRevision` 0 means the latest
   * revision, negative revisions count back from it; they are resolved once, here.
   */
  static async open(
    context: ApiContext,
    identity: Identity,
    thingId: string,
    range: HistoryRange,
  ): Promise<ReadableHistory | null> {
    const { runtime, guard, incarnations } = context;
    const lives = await incarnations.of(thingId);
    if (lives === null) return null;
    const viewers = new Map(
      lives.map((life) => [life, guard.eventViewer(identity, thingId, life.policyId)]),
    );
    const current = runtime.getThing(thingId)?.meta.revision ?? lives.at(-1)?.to ?? 0;
    const relative = (n: number | undefined, zeroIsLatest: boolean) =>
      n === undefined
        ? undefined
        : n < 0
          ? Math.max(0, current + n)
          : n === 0 && zeroIsLatest
            ? current
            : n;
    return new ReadableHistory(context, thingId, lives, viewers, {
      fromRevision: relative(range.fromRevision, false),
      toRevision: relative(range.toRevision, true),
      fromTimestamp: range.fromTimestamp,
      toTimestamp: range.toTimestamp,
    });
  }

  /** Whether the identity may read anything of the thing in any of its lives. */
  get anyReadable(): boolean {
    return [...this.viewers.values()].some((viewer) => viewer !== null);
  }

  /**
   * Events from revision `from` on (at most `limit` read from the journal), each reduced to what
   * the identity may read under the policy of its life (unreadable ones left out), and the
   * revision of the last event read (null when there was none).
   */
  async page(
    from: number | undefined,
    limit?: number,
  ): Promise<{ events: TwinEvent[]; last: number | null }> {
    const fromRevision =
      from === undefined ? this.range.fromRevision : Math.max(from, this.range.fromRevision ?? 0);
    const events =
      (await this.context.runtime.history(this.thingId, { ...this.range, fromRevision, limit })) ??
      [];
    const seen: TwinEvent[] = [];
    for (const event of events) {
      const life = incarnationAt(this.lives, event.revision);
      const visible = life ? this.viewers.get(life)?.(event) : null;
      if (visible) seen.push(visible);
    }
    return { events: seen, last: events.at(-1)?.revision ?? null };
  }
}

/**
 * The events of a thing in a range, each reduced to what `identity` may read under the policy of
 * the incarnation it belongs to (unreadable ones left out); null when the thing never existed.
 */
export async function readableHistory(
  context: ApiContext,
  identity: Identity,
  thingId: string,
  range: HistoryRange,
): Promise<TwinEvent[] | null> {
  const history = await ReadableHistory.open(context, identity, thingId, range);
  return history ? (await history.page(undefined)).events : null;
}

/** Events read from the journal at a time by a streaming subscription. */
const HISTORY_PAGE = 256;

const SUBSCRIBE_KEYS = new Set([
  'fromHistoricalRevision',
  'toHistoricalRevision',
  'fromHistoricalTimestamp',
  'toHistoricalTimestamp',
  'filter',
]);

/** The persisted events of one thing, as Ditto Protocol events, read from the journal page by page. */
class PersistedEvents implements SubscriptionSource {
  private history: ReadableHistory | null = null;
  private readonly buffer: TwinEvent[] = [];
  /** The revision the next journal page starts at (undefined: the range's start). */
  private next: number | undefined;
  private exhausted = false;
  private readonly view: SubscriberView;

  constructor(
    private readonly context: ApiContext,
    private readonly identity: () => Identity,
    private readonly thingId: string,
    private readonly range: HistoryRange,
    filter: string | undefined,
  ) {
    this.view = new SubscriberView(
      context.runtime,
      context.guard,
      identity,
      parseSelection({ filter }, (_name, detail) => errors.rqlInvalid(detail)),
    );
  }

  async pull() {
    if (this.history === null) {
      const identity = this.identity();
      this.context.guard.assertInScope(identity, this.thingId);
      const history = await ReadableHistory.open(this.context, identity, this.thingId, this.range);
      // A thing nobody may read of is one that does not exist, as for every other read.
      if (history === null || !history.anyReadable) throw errors.thingNotFound(this.thingId);
      this.history = history;
    }
    await this.fill();
    const event = this.buffer.shift();
    if (event === undefined) return null;
    // Whether it is the last one is known before it is sent, so that complete follows at once.
    await this.fill();
    return {
      value: eventEnvelope(event) as unknown as JsonValue,
      last: this.buffer.length === 0,
    };
  }

  /** Reads journal pages until an event passes or the range is exhausted. */
  private async fill(): Promise<void> {
    const history = this.history as ReadableHistory;
    while (this.buffer.length === 0 && !this.exhausted) {
      const page = await history.page(this.next, HISTORY_PAGE);
      if (page.last === null) {
        this.exhausted = true;
        return;
      }
      this.next = page.last + 1;
      for (const event of page.events) {
        const passed = this.view.select(event);
        if (passed) this.buffer.push(passed.event);
      }
    }
  }
}

function timestampOf(name: string, value: JsonValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed =
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed))
    throw errors.protocolInvalid(
      `'${name}' is an ISO-8601 timestamp, not ${JSON.stringify(value)}.`,
    );
  return parsed;
}

function revisionOf(name: string, value: JsonValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw errors.protocolInvalid(`'${name}' is an integer revision, not ${JSON.stringify(value)}.`);
  return value;
}

/** Reads the range of a subscribeForPersistedEvents value (Ditto: all history when none is given). */
export function historyRangeOf(value: JsonObject): HistoryRange {
  for (const key of Object.keys(value))
    if (!SUBSCRIBE_KEYS.has(key))
      throw errors.protocolInvalid(
        `'subscribeForPersistedEvents' takes ${[...SUBSCRIBE_KEYS].join(', ')}, not '${key}'.`,
      );
  const range: HistoryRange = {
    fromRevision: revisionOf('fromHistoricalRevision', value.fromHistoricalRevision),
    toRevision: revisionOf('toHistoricalRevision', value.toHistoricalRevision),
    fromTimestamp: timestampOf('fromHistoricalTimestamp', value.fromHistoricalTimestamp),
    toTimestamp: timestampOf('toHistoricalTimestamp', value.toHistoricalTimestamp),
  };
  const byRevision = range.fromRevision !== undefined || range.toRevision !== undefined;
  const byTime = range.fromTimestamp !== undefined || range.toTimestamp !== undefined;
  if (byRevision && byTime)
    throw errors.protocolInvalid('give a revision range or a timestamp range, not both.');
  return range;
}

/** The history streaming subscriptions of one socket (`<ns>/<name>/things/twin/streaming/…`). */
export class HistoryStreams {
  private readonly subscriptions: ReactiveSubscriptions;

  constructor(
    private readonly context: ApiContext,
    private readonly identity: () => Identity,
    send: (message: SubscriptionMessage) => boolean,
    onError?: (error: unknown) => void,
  ) {
    this.subscriptions = new ReactiveSubscriptions({ streaming: true }, send, onError);
  }

  static handles(parts: string[]): boolean {
    return parts.length >= 5 && parts[2] === 'things' && parts[4] === 'streaming';
  }

  /** Handles a streaming command; throws a {@link ProtocolMessageError} for one that is malformed. */
  handle(message: JsonObject, parts: string[], headers: Record<string, string>): void {
    const topic = String(message.topic);
    const [namespace, name, , channel, , action, ...more] = parts;
    const thingId = `${namespace}:${name}`;
    const known = isValidNamespacedId(thingId);
    const reply = responseHeaders(headers);
    const errorTopic = known ? thingTopic(thingId, 'errors') : UNKNOWN_ERROR_TOPIC;
    const refuse: (error: TwinfoldError) => never = (error) => {
      throw new ProtocolMessageError(error.toBody(), errorTopic, reply);
    };
    if (channel !== 'twin' || more.length > 0 || action === undefined)
      refuse(errors.unknownTopicPath(topic));
    if (!known) refuse(errors.thingIdInvalid(thingId));
    if (message.path !== undefined && message.path !== '/')
      refuse(
        errors.protocolInvalid(
          `a streaming command has the path '/', not '${String(message.path)}'.`,
        ),
      );
    const value = message.value ?? {};
    if (!isJsonObject(value))
      refuse(errors.protocolInvalid('the value of a streaming command is a JSON object.'));
    const base = thingTopic(thingId, 'streaming');
    if (action === 'subscribeForPersistedEvents') {
      let range: HistoryRange;
      try {
        range = historyRangeOf(value);
      } catch (error) {
        if (error instanceof TwinfoldError) refuse(error);
        throw error;
      }
      const filter = value.filter;
      if (filter !== undefined && typeof filter !== 'string')
        refuse(errors.protocolInvalid("'filter' is an RQL string."));
      const start = startOf(
        () => new PersistedEvents(this.context, this.identity, thingId, range, filter),
      );
      this.subscriptions.create(base, start, headers);
      return;
    }
    if (action !== 'request' && action !== 'cancel') refuse(errors.unknownTopicPath(topic));
    this.subscriptions.command(base, action, value, headers, 'events', refuse);
  }

  close(): void {
    this.subscriptions.close();
  }
}
