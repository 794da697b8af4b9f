// Keeps the series: a consumer of the committed-event stream that appends the points of every
// event to the SeriesStore together with its position, so a restart resumes without a gap or a
// repeat; and the one writer of points that do not come from events (late observations, backfill).
import type { Logger } from 'pino';
import { CatchUpWaiters } from '../runtime/catch-up-waiters.js';
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
  /** How long points are gathered before they are kept, in ms (default 1000). */
  gatherMs?: number;
  /** Points gathered at most before they are kept (default 50,000). */
  gatherPoints?: number;
  /** Events held for the keeper before it reads the journal instead (default 65,536). */
  bufferSize?: number;
  /** Told how many points went in with each append (metrics). */
  appended?: (points: number) => void;
}

const DUE = Symbol('due');

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
  /** Ends the keeper's wait for more events, so that what it gathered is kept now. */
  private wakeKeeper: (() => void) | null = null;
  /** The position of the last event whose points are kept. */
  private kept = 0;
  /** Appends run one at a time: events, late points and backfills share the tier buckets. */
  private writing: Promise<unknown> = Promise.resolve();
  private readonly waiters = new CatchUpWaiters(CATCH_UP_PATIENCE_MS, () => this.wakeKeeper?.());
  /** Points passed over because their value's kind differs from their series' (per series). */
  readonly passedOver = new Map<string, number>();
  /** Why keeping stopped, while it is stopped. */
  problem: string | null = null;

  constructor(private readonly options: SeriesRecorderOptions) {}

  /** The position up to which the series hold every committed event's points. */
  get position(): number {
    return this.kept;
  }

  /** The stream's position when the keeper started: what earlier processes committed. */
  startedAt = 0;

  /** Resumes from the position the store holds (the whole journal, the first time). */
  async start(): Promise<void> {
    this.startedAt = this.options.stream.position;
    this.kept = await this.options.store.position();
    this.running = this.run();
  }

  /**
   * Resolves once the series hold every event committed up to `seq` (at once when they do), or
   * after a short wait when they fall behind: a read sees the writes acknowledged before it.
   */
  caughtUp(seq: number = this.options.stream.position): Promise<void> {
    if (this.kept >= seq || this.closed) return Promise.resolve();
    return this.waiters.wait(seq);
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
    this.waiters.releaseAll();
  }

  private serially<T>(job: () => Promise<T>): Promise<T> {
    const next = this.writing.then(job, job);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Feeds the store from the stream. Points are gathered for up to `gatherMs` (or `gatherPoints`)
   * and kept in one append with the position of their last event: a big transaction writes each
   * page of the store once rather than once per commit. A reader waiting for them (caughtUp) has
   * them kept at once. A crash loses only what was gathered: the position had not moved past it,
   * so the journal gives those events again.
   */
  private async run(): Promise<void> {
    const gatherMs = this.options.gatherMs ?? 1000;
    const gatherPoints = this.options.gatherPoints ?? 50_000;
    while (!this.closed) {
      // A deep buffer: a keeper that falls behind it reads the journal again, which costs more
      // (the events read back keep their observation times, so the points land where they did).
      const subscription = this.options.stream.subscribe({
        fromSeq: this.kept + 1,
        bufferSize: this.options.bufferSize ?? 65_536,
      });
      this.subscription = subscription;
      let points: SeriesPoint[] = [];
      let position = this.kept;
      let since = 0;
      const keep = async () => {
        if (position === this.kept) return;
        const batch = points;
        points = [];
        await this.keepEvents(batch, position);
      };
      try {
        let next = subscription.next();
        for (;;) {
          const result =
            position === this.kept ? await next : await this.untilDue(next, since + gatherMs);
          if (result === DUE) {
            await keep();
            continue;
          }
          if (result.done) {
            await keep();
            return;
          }
          if (position === this.kept) since = performance.now();
          collectEventPoints(result.value, points);
          position = result.value.seq as number;
          for (let event = subscription.poll(); event !== undefined; event = subscription.poll()) {
            collectEventPoints(event, points);
            position = event.seq as number;
            if (points.length >= gatherPoints) break;
          }
          next = subscription.next();
          if (points.length >= gatherPoints || this.waiters.waiting) await keep();
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

  /** The next event, or DUE once `deadline` (performance.now()) passes or a reader waits. */
  private untilDue<T>(next: Promise<T>, deadline: number): Promise<T | typeof DUE> {
    if (this.waiters.waiting) return Promise.resolve(DUE);
    let timer: NodeJS.Timeout | undefined;
    const due = new Promise<typeof DUE>((resolve) => {
      timer = setTimeout(() => resolve(DUE), Math.max(0, deadline - performance.now()));
      this.wakeKeeper = () => resolve(DUE);
    });
    return Promise.race([next, due]).finally(() => {
      clearTimeout(timer);
      this.wakeKeeper = null;
    });
  }

  /** Keeps the points of the events up to `position`, with that position. */
  private async keepEvents(gathered: SeriesPoint[], position: number): Promise<void> {
    let points = gathered;
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
    this.waiters.release(position);
  }
}
