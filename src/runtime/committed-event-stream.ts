// The one stream of committed events: after each group commit, its events are handed, in commit
// order, to every subscriber; a subscriber resumes from any position by reading the journal.
import type { TwinEvent } from '../core/events.js';
import type { Journal } from '../store/journal.js';

/** Where a subscription starts and how much it may hold before it falls back to the journal. */
export interface SubscribeOptions {
  /**
   * The first position to deliver. Absent: only events committed from now on. A position at or
   * before the last committed one is read from the journal first (a resume).
   */
  fromSeq?: number;
  /**
   * Events held for a subscriber that does not keep up (default 4096). Past that it stops being
   * fed from commits and reads the journal from its position instead, so a slow subscriber never
   * holds up commits nor grows memory without bound.
   */
  bufferSize?: number;
  /**
   * Only events of these twins are queued for the subscriber (and counted against its buffer);
   * the others pass it by. Publishing looks each event's twin up once for all such subscribers,
   * so many subscribers each watching a few twins cost little per event.
   */
  thingIds?: ReadonlySet<string>;
}

const DEFAULT_BUFFER = 4096;

/**
 * One subscriber's view of the stream: an async iterator of committed events in `seq` order,
 * gap-free from where it started. Ends when closed (`return()`, or `close()` on the stream).
 */
export class EventSubscription implements AsyncIterableIterator<TwinEvent> {
  private queue: TwinEvent[] = [];
  private head = 0;
  /** The next position this subscriber needs. */
  private wanted: number;
  /** True while the subscriber reads from the journal rather than being fed from commits. */
  private behind: boolean;
  private closed = false;
  private delivered: number;
  private wake: (() => void) | null = null;

  /** @internal Created by {@link CommittedEventStream.subscribe}. */
  constructor(
    private readonly stream: CommittedEventStream,
    private readonly journal: Pick<Journal, 'readAll'>,
    fromSeq: number,
    private readonly bufferSize: number,
    /** The twins whose events it wants; null for every twin. */
    readonly thingIds: ReadonlySet<string> | null = null,
  ) {
    this.wanted = fromSeq;
    this.delivered = fromSeq - 1;
    this.behind = fromSeq <= stream.position;
  }

  /** The position of the last event delivered (one before the start when none was). */
  get position(): number {
    return this.delivered;
  }

  /**
   * @internal Called by the stream, in commit order, with the events of one commit (those of its
   * `thingIds` only, when it has some).
   */
  offer(events: readonly TwinEvent[]): void {
    if (this.closed || this.behind) return;
    if (this.queue.length - this.head + events.length > this.bufferSize) {
      // From here on it reads the journal from `wanted`, which the dropped events start at.
      this.behind = true;
    } else {
      for (const event of events) {
        // Only a subscription that starts ahead of the stream sees events before its start.
        if ((event.seq as number) >= this.wanted) this.queue.push(event);
      }
      this.wanted = Math.max(this.wanted, (events[events.length - 1].seq as number) + 1);
    }
    this.signal();
  }

  /** @internal */
  end(): void {
    this.closed = true;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * The next event when one is queued already, else undefined (then `next()` waits for one): a
   * consumer drains what a commit brought without a promise per event.
   */
  poll(): TwinEvent | undefined {
    if (this.closed || this.head === this.queue.length) return undefined;
    const value = this.queue[this.head++];
    this.delivered = value.seq as number;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return value;
  }

  async next(): Promise<IteratorResult<TwinEvent>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const value = this.poll();
      if (value !== undefined) return { done: false, value };
      if (!this.behind) await new Promise<void>((resolve) => (this.wake = resolve));
      else {
        try {
          await this.catchUp();
        } catch (error) {
          // The consumer sees the failure and may subscribe again from its position; a
          // subscription it cannot use any more does not stay behind.
          this.stream.unsubscribe(this);
          throw error;
        }
      }
    }
  }

  /** Reads the next page from the journal; rejoins the live feed once it has read everything. */
  private async catchUp(): Promise<void> {
    // Every event up to here is committed, so in the journal unless it was pruned.
    const reached = this.stream.position;
    let read = 0;
    for await (const event of this.journal.readAll({
      fromSeq: this.wanted,
      limit: this.bufferSize,
    })) {
      if (this.thingIds === null || this.thingIds.has(event.thingId)) this.queue.push(event);
      this.wanted = (event.seq as number) + 1;
      read++;
    }
    // A short page read everything the journal had: positions up to `reached` left are pruned.
    if (read < this.bufferSize) this.wanted = Math.max(this.wanted, reached + 1);
    // Synchronously after the read: every event published meanwhile was skipped, so the feed is
    // rejoined only when the journal has given everything up to the stream's position.
    if (this.wanted > this.stream.position) this.behind = false;
  }

  async return(): Promise<IteratorResult<TwinEvent>> {
    this.stream.unsubscribe(this);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The publisher of committed events. The runtime publishes each commit's events, numbered by the
 * journal, right after the commit is durable; `publish` only queues them for each subscriber.
 *
 * @example
 * for await (const event of stream.subscribe({ fromSeq: saved + 1 })) deliver(event);
 */
export class CommittedEventStream {
  private last = 0;
  private readonly subscribers = new Set<EventSubscription>();
  /** The subscribers that want every event. */
  private readonly everyEvent = new Set<EventSubscription>();
  /** The subscribers that want some twins' events only, by twin. */
  private readonly byThing = new Map<string, Set<EventSubscription>>();

  constructor(private readonly journal: Pick<Journal, 'readAll'>) {}

  /** The position of the last committed event. */
  get position(): number {
    return this.last;
  }

  /** Sets the position reached before this process started (the journal's `lastSeq()`). */
  startAt(lastSeq: number): void {
    this.last = lastSeq;
  }

  /** Hands the events of one commit, in order, to every subscriber. */
  publish(events: readonly TwinEvent[]): void {
    if (events.length === 0) return;
    this.last = events[events.length - 1].seq as number;
    for (const subscriber of this.everyEvent) subscriber.offer(events);
    if (this.byThing.size === 0) return;
    const picked = new Map<EventSubscription, TwinEvent[]>();
    for (const event of events) {
      const wanting = this.byThing.get(event.thingId);
      if (wanting === undefined) continue;
      for (const subscriber of wanting) {
        const mine = picked.get(subscriber);
        if (mine === undefined) picked.set(subscriber, [event]);
        else mine.push(event);
      }
    }
    for (const [subscriber, mine] of picked) subscriber.offer(mine);
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    const from = Math.max(1, options.fromSeq ?? this.last + 1);
    const subscription = new EventSubscription(
      this,
      this.journal,
      from,
      Math.max(1, options.bufferSize ?? DEFAULT_BUFFER),
      options.thingIds ?? null,
    );
    this.subscribers.add(subscription);
    if (subscription.thingIds === null) this.everyEvent.add(subscription);
    else
      for (const id of subscription.thingIds) {
        let wanting = this.byThing.get(id);
        if (wanting === undefined) this.byThing.set(id, (wanting = new Set()));
        wanting.add(subscription);
      }
    return subscription;
  }

  /** The committed event at a position, read from the journal; null when it is no longer there. */
  async eventAt(seq: number): Promise<TwinEvent | null> {
    for await (const event of this.journal.readAll({ fromSeq: seq, limit: 1 }))
      return event.seq === seq ? event : null;
    return null;
  }

  /** @internal */
  unsubscribe(subscription: EventSubscription): void {
    if (this.subscribers.delete(subscription)) {
      if (subscription.thingIds === null) this.everyEvent.delete(subscription);
      else
        for (const id of subscription.thingIds) {
          const wanting = this.byThing.get(id);
          wanting?.delete(subscription);
          if (wanting?.size === 0) this.byThing.delete(id);
        }
    }
    subscription.end();
  }

  /** Number of open subscriptions. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Ends every subscription (at shutdown). */
  close(): void {
    for (const subscription of this.subscribers) this.unsubscribe(subscription);
  }
}
