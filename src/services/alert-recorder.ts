// Keeps the alerts list: a consumer of the committed-event stream that upserts every alert an
// event carries into the behaviour store together with the event's position, so a restart resumes
// without a gap or a repeat. The twins' journals stay the truth; this is their index.
import type { Logger } from 'pino';
import type { TwinEvent } from '../core/events.js';
import { CatchUpWaiters } from '../runtime/catch-up-waiters.js';
import type { CommittedEventStream } from '../runtime/committed-event-stream.js';
import { alertsInEvent, type TwinAlert } from '../core/alerts.js';
import type { AlertRecord, BehaviourStore } from '../store/behaviour-store.js';

export interface AlertRecorderOptions {
  stream: CommittedEventStream;
  store: BehaviourStore;
  logger?: Pick<Logger, 'warn'>;
  /** How long alerts are gathered before they are kept, in ms (default 100). */
  gatherMs?: number;
  /** With no alert to keep, the position is still moved on this often (ms, default 5000). */
  idleMoveMs?: number;
}

function recordOf(thingId: string, alert: TwinAlert): AlertRecord {
  return {
    id: alert.id,
    thingId,
    namespace: thingId.slice(0, thingId.indexOf(':')),
    type: alert.type,
    assessment: alert.assessment,
    severity: alert.severity,
    state: alert.state,
    raisedAt: alert.raisedAt,
    raisedRevision: alert.raisedRevision,
    resolvedAt: alert.resolvedAt,
    resolvedRevision: alert.resolvedRevision,
    acknowledgedAt: alert.acknowledgedAt,
    acknowledgedBy: alert.acknowledgedBy,
    note: alert.note,
  };
}

/** How long a reader waits for the alerts to catch up with what was committed before it asked. */
const CATCH_UP_PATIENCE_MS = 2000;

export class AlertRecorder {
  private closed = false;
  private running: Promise<void> = Promise.resolve();
  private stop: (() => void) | null = null;
  private kept = 0;
  private readonly waiters = new CatchUpWaiters(CATCH_UP_PATIENCE_MS, () => this.wake?.());
  /** Ends the keeper's wait for the next event (a reader waits). */
  private wake: (() => void) | null = null;

  constructor(private readonly options: AlertRecorderOptions) {}

  /** The position up to which the store holds every committed event's alerts. */
  get position(): number {
    return this.kept;
  }

  async start(): Promise<void> {
    this.kept = await this.options.store.alertPosition();
    this.running = this.run();
  }

  /**
   * Resolves once the alerts of every event up to `seq` (default: every one committed) are kept,
   * for read-your-writes; gives up waiting after 2 s (a stalled store must not hang reads).
   */
  caughtUp(seq: number = this.options.stream.position): Promise<void> {
    if (this.kept >= seq || this.closed) return Promise.resolve();
    return this.waiters.wait(seq);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop?.();
    await this.running.catch(() => undefined);
    this.waiters.releaseAll();
  }

  /**
   * Feeds the store from the stream: alerts found are kept within `gatherMs`, with the position of
   * the last event read; with none found, the position moves on every `idleMoveMs`.
   */
  private async run(): Promise<void> {
    const gatherMs = this.options.gatherMs ?? 100;
    const idleMoveMs = this.options.idleMoveMs ?? 5000;
    while (!this.closed) {
      const subscription = this.options.stream.subscribe({ fromSeq: this.kept + 1 });
      this.stop = () => this.options.stream.unsubscribe(subscription);
      const found = new Map<string, AlertRecord>();
      let position = this.kept;
      let keptAt = performance.now();
      let foundAt = 0;
      const take = (event: TwinEvent) => {
        for (const alert of alertsInEvent(event)) {
          if (found.size === 0) foundAt = performance.now();
          found.set(alert.id, recordOf(event.thingId, alert));
        }
        position = event.seq as number;
      };
      const keep = async () => {
        if (position === this.kept) return;
        await this.options.store.applyAlerts([...found.values()], position);
        found.clear();
        this.kept = position;
        keptAt = performance.now();
        this.release();
      };
      try {
        let next = subscription.next();
        for (;;) {
          const urgent = found.size > 0 || this.waiters.waiting;
          const result = await this.within(next, urgent ? gatherMs : idleMoveMs);
          if (result === null) {
            await keep();
            continue;
          }
          if (result.done) {
            await keep();
            return;
          }
          take(result.value);
          for (let more = subscription.poll(); more !== undefined; more = subscription.poll())
            take(more);
          next = subscription.next();
          const now = performance.now();
          if (
            this.waiters.waiting ||
            (found.size > 0 && now - foundAt >= gatherMs) ||
            now - keptAt >= idleMoveMs
          )
            await keep();
        }
      } catch (error) {
        if (this.closed) return;
        this.options.logger?.warn(
          { err: error },
          'alerts: keeping the alert list paused (storage failed); resuming in 1 s',
        );
        this.options.stream.unsubscribe(subscription);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** The next event, or null when none came within `ms` (the promise stays pending for later). */
  private async within<T>(next: Promise<T>, ms: number): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
      this.wake = () => resolve(null);
    });
    try {
      return await Promise.race([next, late]);
    } finally {
      clearTimeout(timer);
      this.wake = null;
    }
  }

  private release(): void {
    this.waiters.release(this.kept);
  }
}
