// Keeps the series: a consumer of the committed-event stream that appends the points of every
// event to the SeriesStore together with its position, so a restart resumes without a gap or a
// repeat; and the one writer of points that do not come from events (late observations, backfill).
import type { Logger } from 'pino';
import type { TwinEvent } from '../core/events.js';
import type { CommittedEventStream, EventSubscription } from '../runtime/committed-event-stream.js';
import {
  SeriesKindError,
  kindOf,
  type SeriesPoint,
  type SeriesStore,
} from '../store/series-store.js';
import { collectEventPoints } from './event-points.js';

export interface SeriesRecorderOptions {
  stream: CommittedEventStream;
  store: SeriesStore;
  logger?: Pick<Logger, 'warn'>;
  /** Events taken into one append at most (default 5000). */
  batchEvents?: number;
  /** Events held for the keeper before it reads the journal instead (default 65,536). */
  bufferSize?: number;
  /** Told how many points went in with each append (metrics). */
  appended?: (points: number) => void;
}

/** How long a reader waits for the series to catch up with what was committed before it asked. */
const CATCH_UP_PATIENCE_MS = 2000;

/**
 * The series keeper of one node.
 *
 * @example
 * const recorder = new SeriesRecorder({ stream: runtime.events, store: storage.series });
 * await recorder.start();
 */
export class SeriesRecorder {
  private subscription: EventSubscription | null = null;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  private pruning: NodeJS.Timeout | null = null;
  /** The position of the last event whose points are kept. */
  private kept = 0;
  /** Appends run one at a time: events, late points and backfills share the tier buckets. */
  private writing: Promise<unknown> = Promise.resolve();
  private readonly waiters: { seq: number; resolve: () => void }[] = [];
  /** Points passed over because their value's kind differs from their series' (per series). */
  readonly passedOver = new Map<string, number>();
  /** Why keeping stopped, while it is stopped. */
  problem: string | null = null;

  constructor(private readonly options: SeriesRecorderOptions) {}

  /** The position up to which the series hold every committed event's points. */
  get position(): number {
    return this.kept;
  }

  /** Resumes from the position the store holds (the whole journal, the first time). */
  async start(): Promise<void> {
    this.kept = await this.options.store.position();
    this.running = this.run();
  }

  /**
   * Resolves once the series hold every event committed up to `seq` (at once when they do), or
   * after a short wait when they fall behind: a read sees the writes acknowledged before it.
   */
  caughtUp(seq: number = this.options.stream.position): Promise<void> {
    if (this.kept >= seq || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CATCH_UP_PATIENCE_MS);
      this.waiters.push({
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /**
   * Keeps points that come from no event (late observations, backfill): resolves once durable.
   * Rejects with SeriesKindError when one does not fit its series (then none is kept).
   */
  keep(points: readonly SeriesPoint[]): Promise<void> {
    if (points.length === 0) return Promise.resolve();
    return this.serially(() => this.options.store.append(points));
  }

  /** Deletes what retention no longer keeps as of `now`, between appends; resolves to the rows gone. */
  prune(now: number): Promise<number> {
    return this.serially(() => this.options.store.prune(now));
  }

  /** Prunes every `everyMs` until closed (failures are logged and tried again next time). */
  startPruning(everyMs: number, now: () => number = Date.now): void {
    this.pruning = setInterval(() => {
      this.prune(now()).catch((error: unknown) =>
        this.options.logger?.warn(
          { err: error },
          'series: pruning by retention failed; trying again later',
        ),
      );
    }, everyMs).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pruning !== null) clearInterval(this.pruning);
    await this.subscription?.return();
    await this.running;
    await this.writing.catch(() => undefined);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private serially<T>(job: () => Promise<T>): Promise<T> {
    const next = this.writing.then(job, job);
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async run(): Promise<void> {
    const batchEvents = this.options.batchEvents ?? 5000;
    while (!this.closed) {
      // A deep buffer: events read back from the journal have lost their observation times.
      const subscription = this.options.stream.subscribe({
        fromSeq: this.kept + 1,
        bufferSize: this.options.bufferSize ?? 65_536,
      });
      this.subscription = subscription;
      try {
        for (;;) {
          const first = await subscription.next();
          if (first.done) return;
          const events: TwinEvent[] = [first.value];
          for (let event = subscription.poll(); event !== undefined; event = subscription.poll()) {
            events.push(event);
            if (events.length >= batchEvents) break;
          }
          await this.keepEvents(events);
        }
      } catch (error) {
        if (this.closed) return;
        this.problem = error instanceof Error ? error.message : String(error);
        this.options.logger?.warn(
          { err: error },
          'series: keeping points paused (storage failed); resuming in 1 s from the last kept position',
        );
        this.options.stream.unsubscribe(subscription);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async keepEvents(events: TwinEvent[]): Promise<void> {
    let points: SeriesPoint[] = [];
    for (const event of events) collectEventPoints(event, points);
    const position = events[events.length - 1].seq as number;
    for (;;) {
      try {
        const batch = points;
        await this.serially(() => this.options.store.append(batch, position));
        break;
      } catch (error) {
        if (!(error instanceof SeriesKindError)) throw error;
        // A property that changed kind (a number became a string): its series keeps its kind, and
        // the points that do not fit are counted and logged rather than stopping every series.
        points = points.filter(
          (p) =>
            !(
              p.thingId === error.thingId &&
              p.pointer === error.pointer &&
              kindOf(p.value) !== error.expected
            ),
        );
        const key = `${error.thingId} /${error.pointer}`;
        const before = this.passedOver.get(key) ?? 0;
        this.passedOver.set(key, before + 1);
        if (before === 0)
          this.options.logger?.warn(
            { thingId: error.thingId, pointer: error.pointer, kind: error.actual },
            `series: ${error.message}; such values are left out of the series`,
          );
      }
    }
    this.options.appended?.(points.length);
    this.problem = null;
    this.kept = position;
    if (this.waiters.length > 0) {
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i].seq <= position) this.waiters.splice(i, 1)[0].resolve();
      }
    }
  }
}
