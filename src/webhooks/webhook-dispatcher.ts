// Delivers one webhook's events: a cursor on the committed-event stream, a bounded window of events,
// one POST at a time per twin (in order), retries with backoff and jitter, dead letters, and the
// progress (position, attempt state, delivery log) written to the WebhookStore in batches.
import { createHmac } from 'node:crypto';
import { alertsChangedBy } from '../core/alerts.js';
import type { TwinEvent } from '../core/events.js';
import type { CommittedEventStream, EventSubscription } from '../runtime/committed-event-stream.js';
import type { DeliveryRecord, WebhookStore } from '../store/webhook-store.js';
import { eventEnvelope, eventEnvelopeText } from '../streams/ditto-protocol.js';
import type { SubscriberView } from '../streams/subscriber-view.js';
import type { WebhookConfig } from './webhook-config.js';

/** How deliveries are paced: tests shorten these, the command line sets the retry cap. */
export interface DeliveryTiming {
  /** First retry delay (ms, default 1000); each later one doubles, up to `retryMaxMs`. */
  retryBaseMs: number;
  /** Longest delay between two attempts (ms, default 300,000). */
  retryMaxMs: number;
  /** An attempt without an answer after this long fails (ms, default 10,000). */
  timeoutMs: number;
  /** Events held in memory per webhook (default 1000); past that the stream waits in the journal. */
  windowSize: number;
  /** Requests in flight per webhook (default 8). */
  concurrency: number;
  /** How often progress is written (ms, default 100). */
  flushMs: number;
  /** Delivered entries kept in the log per webhook (default 1000; dead letters are all kept). */
  logSize: number;
}

export const DEFAULT_TIMING: DeliveryTiming = {
  retryBaseMs: 1000,
  retryMaxMs: 300_000,
  timeoutMs: 10_000,
  windowSize: 1000,
  concurrency: 8,
  flushMs: 100,
  logSize: 1000,
};

/** What happened to an attempt, for metrics. */
export type AttemptOutcome = 'delivered' | 'failed' | 'dead';

/** The hex HMAC-SHA256 of a body, as `X-Twinfold-Signature` carries it (`sha256=<hex>`). */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The delay before attempt `attempts + 1`: exponential, capped, with jitter (half to all of it). */
export function backoffMs(
  attempts: number,
  timing: Pick<DeliveryTiming, 'retryBaseMs' | 'retryMaxMs'>,
): number {
  const base = Math.min(timing.retryMaxMs, timing.retryBaseMs * 2 ** Math.min(30, attempts - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

interface Entry {
  seq: number;
  thingId: string;
  /** The POST body; null once done (or for an event the webhook does not receive). */
  body: string | null;
  done: boolean;
  inFlight: boolean;
  attempts: number;
  firstAttempt: number;
  nextAttempt: number;
}

export interface DispatcherOptions {
  webhookId: string;
  config: WebhookConfig;
  /** The last position done (from the store). */
  position: number;
  stream: CommittedEventStream;
  view: SubscriberView;
  store: WebhookStore;
  timing: DeliveryTiming;
  now?: () => number;
  /** Told of every attempt (metrics). */
  attempted?: (outcome: AttemptOutcome) => void;
  /** Told when writing progress fails (it is retried at the next flush). */
  failed?: (error: unknown) => void;
}

/** One webhook's delivery loop; `start()` it, `stop()` it (which writes its progress). */
export class WebhookDispatcher {
  private readonly window: Entry[] = [];
  private windowHead = 0;
  private readonly twins = new Map<string, Entry[]>();
  private readonly ready: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unflushed = new Map<number, DeliveryRecord>();
  /** Attempt state and outcomes stored past the position (read at start). */
  private readonly known = new Map<number, DeliveryRecord>();
  private readonly abort = new AbortController();
  private subscription: EventSubscription | null = null;
  private lastPulled: number;
  private flushedPosition: number;
  private inFlight = 0;
  private running = false;
  private roomWaiter: (() => void) | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private flushes = 0;
  /** Failed attempts in a row, of any twin: the receiver's health. */
  private receiverFailures = 0;
  private receiverRetryAt = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  private pulling: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: DispatcherOptions) {
    this.lastPulled = options.position;
    this.flushedPosition = options.position;
    this.now = options.now ?? Date.now;
  }

  /** Every event at or before this position is done (delivered, dead-lettered or not selected). */
  get position(): number {
    for (let i = this.windowHead; i < this.window.length; i++)
      if (!this.window[i].done) return this.window[i].seq - 1;
    return this.lastPulled;
  }

  /** Events committed after the position: what the webhook still has to get through. */
  get backlog(): number {
    return Math.max(0, this.options.stream.position - this.position);
  }

  async start(): Promise<void> {
    const { store, webhookId, position } = this.options;
    for (let after = position; ;) {
      const page = await store.listDeliveries(webhookId, { afterSeq: after, limit: 1000 });
      for (const d of page) this.known.set(d.seq, d);
      if (page.length < 1000) break;
      after = page[page.length - 1].seq;
    }
    // Pending deliveries at or before the position are dead letters re-driven: sent again first.
    for (let after = 0; after < position;) {
      const page = await store.listDeliveries(webhookId, {
        state: 'pending',
        afterSeq: after,
        limit: 1000,
      });
      for (const d of page) if (d.seq <= position) await this.takeAgain(d);
      if (page.length < 1000) break;
      after = page[page.length - 1].seq;
    }
    this.running = true;
    this.subscription = this.options.stream.subscribe({
      fromSeq: this.options.position + 1,
      bufferSize: this.options.timing.windowSize,
    });
    this.flushTimer = setInterval(() => void this.flush(), this.options.timing.flushMs);
    this.flushTimer.unref();
    for (const queue of this.twins.values()) this.schedule(queue[0]);
    this.pulling = this.pull();
  }

  /** Stops pulling and sending (requests in flight are aborted and retried later) and writes progress. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    void this.subscription?.return();
    this.roomWaiter?.();
    await this.pulling?.catch(() => undefined);
    await this.flushing;
    await this.flush();
  }

  private windowSize(): number {
    return this.window.length - this.windowHead;
  }

  private async pull(): Promise<void> {
    const subscription = this.subscription!;
    while (this.running) {
      if (this.windowSize() >= this.options.timing.windowSize) {
        await new Promise<void>((resolve) => (this.roomWaiter = resolve));
        this.roomWaiter = null;
        continue;
      }
      let next: IteratorResult<TwinEvent>;
      try {
        next = await subscription.next();
      } catch (error) {
        // The journal could not be read: try again from where we are, a little later.
        this.options.failed?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (!this.running) return;
        this.subscription = this.options.stream.subscribe({
          fromSeq: this.lastPulled + 1,
          bufferSize: this.options.timing.windowSize,
        });
        return this.pull();
      }
      if (next.done || !this.running) return;
      await this.take(next.value);
    }
  }

  /** Whether the webhook receives this kind of event: every twin event, or those changing alerts. */
  private wants(event: TwinEvent): boolean {
    const { events } = this.options.config;
    return (
      events.includes('twin') || (events.includes('alerts') && alertsChangedBy(event).length > 0)
    );
  }

  private async take(event: TwinEvent): Promise<void> {
    const seq = event.seq as number;
    const known = this.known.get(seq);
    this.known.delete(seq);
    let body: string | null = null;
    if ((known === undefined || known.state === 'pending') && this.wants(event)) {
      const result = this.options.view.see(event);
      const seen = result instanceof Promise ? await result : result;
      if (seen !== null)
        body =
          seen.event === event && seen.extra === undefined
            ? eventEnvelopeText(event)
            : JSON.stringify(eventEnvelope(seen.event, seen.extra));
    }
    this.lastPulled = seq;
    const entry: Entry = {
      seq,
      thingId: event.thingId,
      body,
      done: body === null,
      inFlight: false,
      attempts: known?.attempts ?? 0,
      firstAttempt: known?.firstAttempt ?? 0,
      nextAttempt: known?.nextAttempt ?? 0,
    };
    this.window.push(entry);
    if (entry.done) return this.compact();
    const queue = this.twins.get(entry.thingId);
    if (queue) queue.push(entry);
    else {
      this.twins.set(entry.thingId, [entry]);
      this.schedule(entry);
    }
  }

  /**
   * Queues a re-driven dead letter behind the twin's other re-driven ones, outside the window (it
   * lies before the position). An event no longer in the journal, or no longer selected or
   * readable by the webhook's owner, is dead-lettered again with that reason.
   */
  private async takeAgain(delivery: DeliveryRecord): Promise<void> {
    const event = await this.options.stream.eventAt(delivery.seq);
    let body: string | null = null;
    let why = 'not sent again: the event is no longer in the journal (its history was pruned)';
    if (event !== null) {
      const result = this.options.view.see(event);
      const seen = result instanceof Promise ? await result : result;
      if (seen !== null) body = JSON.stringify(eventEnvelope(seen.event, seen.extra));
      else why = 'not sent again: the webhook no longer selects the event or may no longer read it';
    }
    const entry: Entry = {
      seq: delivery.seq,
      thingId: delivery.thingId,
      body,
      done: body === null,
      inFlight: false,
      attempts: delivery.attempts,
      firstAttempt: delivery.firstAttempt,
      nextAttempt: delivery.nextAttempt ?? 0,
    };
    if (body === null) return this.record(entry, 'dead', null, why);
    const queue = this.twins.get(entry.thingId);
    if (queue) queue.push(entry);
    else this.twins.set(entry.thingId, [entry]);
  }

  /** Makes the head of a twin's queue ready now, or when its next attempt is due. */
  private schedule(entry: Entry): void {
    const wait = entry.nextAttempt - this.now();
    if (wait <= 0) {
      this.ready.push(entry.thingId);
      this.send();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.running) return;
      this.ready.push(entry.thingId);
      this.send();
    }, wait);
    this.timers.add(timer);
  }

  /**
   * Sends the ready twins' heads. While the receiver fails, one probe at a time goes out, on the
   * receiver's own backoff: a dead receiver costs a request now and then, not one per twin.
   */
  private send(): void {
    if (this.receiverFailures > 0) {
      if (!this.running || this.inFlight > 0 || this.ready.length === 0) return;
      const wait = this.receiverRetryAt - this.now();
      if (wait > 0) {
        if (this.probeTimer === null) {
          this.probeTimer = setTimeout(() => {
            this.probeTimer = null;
            this.send();
          }, wait);
          this.probeTimer.unref();
        }
        return;
      }
    }
    const limit = this.receiverFailures > 0 ? 1 : this.options.timing.concurrency;
    while (this.running && this.inFlight < limit && this.ready.length > 0) {
      const thingId = this.ready.shift()!;
      const entry = this.twins.get(thingId)?.[0];
      if (!entry || entry.inFlight || entry.done) continue;
      void this.attempt(entry);
    }
  }

  private async attempt(entry: Entry): Promise<void> {
    const { config, timing } = this.options;
    const started = this.now();
    if (entry.attempts > 0 && started - entry.firstAttempt >= config.maxAgeHours * 3_600_000) {
      this.finish(entry, 'dead', null, `gave up: older than maxAgeHours (${config.maxAgeHours})`);
      return;
    }
    entry.inFlight = true;
    this.inFlight++;
    if (entry.attempts === 0) entry.firstAttempt = started;
    entry.attempts++;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-twinfold-event-id': `${entry.seq}-${this.options.webhookId}`,
        'x-twinfold-webhook': this.options.webhookId,
      };
      if (config.secret !== undefined)
        headers['x-twinfold-signature'] = signatureOf(config.secret, entry.body!);
      const response = await fetch(config.url, {
        method: 'POST',
        body: entry.body,
        headers,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timing.timeoutMs)]),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (status < 200 || status > 299) error = `the receiver answered ${status}`;
    } catch (failure) {
      error =
        failure instanceof Error && failure.name === 'TimeoutError'
          ? `no answer within ${timing.timeoutMs} ms`
          : `the receiver could not be reached: ${causeOf(failure)}`;
    } finally {
      entry.inFlight = false;
      this.inFlight--;
    }
    if (!this.running) {
      // Stopped mid-attempt: it does not count; the event is tried again after a restart.
      entry.attempts--;
      return;
    }
    if (error === null) this.receiverFailures = 0;
    else {
      this.receiverFailures++;
      this.receiverRetryAt = this.now() + backoffMs(this.receiverFailures, timing);
    }
    if (error === null) this.finish(entry, 'delivered', status, null);
    else if (entry.attempts >= config.maxAttempts)
      this.finish(entry, 'dead', status, `${error}; gave up after ${entry.attempts} attempts`);
    else {
      this.options.attempted?.('failed');
      entry.nextAttempt = this.now() + backoffMs(entry.attempts, timing);
      this.record(entry, 'pending', status, error);
      this.schedule(entry);
    }
    this.send();
  }

  private finish(
    entry: Entry,
    state: 'delivered' | 'dead',
    status: number | null,
    error: string | null,
  ): void {
    this.options.attempted?.(state);
    this.record(entry, state, status, error);
    entry.done = true;
    entry.body = null;
    const queue = this.twins.get(entry.thingId)!;
    queue.shift();
    if (queue.length === 0) this.twins.delete(entry.thingId);
    else this.schedule(queue[0]);
    this.compact();
  }

  private record(
    entry: Entry,
    state: DeliveryRecord['state'],
    status: number | null,
    error: string | null,
  ): void {
    this.unflushed.set(entry.seq, {
      webhookId: this.options.webhookId,
      seq: entry.seq,
      thingId: entry.thingId,
      state,
      attempts: entry.attempts,
      firstAttempt: entry.firstAttempt,
      lastAttempt: this.now(),
      nextAttempt: state === 'pending' ? entry.nextAttempt : null,
      status,
      error,
    });
  }

  /** Drops the done events at the front of the window, making room for more. */
  private compact(): void {
    while (this.windowHead < this.window.length && this.window[this.windowHead].done)
      this.windowHead++;
    if (this.windowHead > 1024 && this.windowHead * 2 > this.window.length) {
      this.window.splice(0, this.windowHead);
      this.windowHead = 0;
    }
    if (this.windowSize() < this.options.timing.windowSize) this.roomWaiter?.();
  }

  /** Writes the outcomes since the last flush and the position, in one transaction. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const position = this.position;
    if (this.unflushed.size === 0 && position === this.flushedPosition) return Promise.resolve();
    const records = [...this.unflushed.values()];
    this.unflushed.clear();
    const { store, webhookId, timing } = this.options;
    this.flushing = (async () => {
      try {
        await store.recordProgress(webhookId, records, position);
        this.flushedPosition = Math.max(this.flushedPosition, position);
        if (++this.flushes % 50 === 0) await store.pruneDelivered(webhookId, timing.logSize);
      } catch (error) {
        // Kept for the next flush, unless a newer outcome of the same event came meanwhile.
        for (const r of records) if (!this.unflushed.has(r.seq)) this.unflushed.set(r.seq, r);
        this.options.failed?.(error);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
