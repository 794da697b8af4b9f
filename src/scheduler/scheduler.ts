// Runs scheduled services: claims each due instant through the store's lease (so one scheduler, of
// any process on the store, runs it), catches up at most one missed instant, and runs the job with
// a timeout and retries with exponential backoff, writing the run log as it goes.
import { randomBytes } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import {
  runId as newRunId,
  type RunRecord,
  type ServiceOwnerRecord,
  type ServiceRecord,
  type ServiceStore,
} from '../store/service-store.js';
import { sleep, systemClock, type SchedulerClock } from './clock.js';
import { parseSchedule, type Schedule } from './schedule.js';
import type { ServiceConfig } from './service-config.js';
import type { ServiceJobs } from './service-jobs.js';

export interface SchedulerOptions {
  store: ServiceStore;
  jobs: ServiceJobs;
  clock?: SchedulerClock;
  /** Names this scheduler in leases (default: random); two schedulers must differ. */
  holder?: string;
  /** How often the store is asked which services are due (ms, default 1000). */
  pollMs?: number;
  /** A lease lasts the attempt's timeout plus this (ms, default 30 s): a crashed holder's expires. */
  leaseMarginMs?: number;
  /** Told of every run that ended, with its final status (metrics). */
  finished?: (serviceId: string, status: RunRecord['status']) => void;
  /** Told when the store cannot be read or written (logs); the scheduler goes on. */
  failed?: (serviceId: string | null, error: unknown) => void;
  /**
   * The identity a run acts as, from the owner recorded with the service: its rights as they are
   * now; null when the owner is gone or disabled (the run then fails, saying so). Default: the
   * owner as recorded.
   */
  owner?: (recorded: ServiceRecord['owner']) => Identity | null;
}

/** A run whose owner is gone or disabled: it fails at once with this message. */
class OwnerRefusedError extends Error {
  override readonly name = 'OwnerRefusedError';
}

/** How many of a service's latest runs are checked for ones a crashed scheduler left open. */
const ABANDONED_SCAN = 5;
/** The longest wait between two attempts. */
export const MAX_BACKOFF_MS = 3_600_000;
/** Most characters of a run's output kept in the log (more is replaced by a note saying so). */
export const MAX_OUTPUT_CHARS = 64 * 1024;

/** The wait before retry `n` (from 1): the delay, doubled for each retry before it. */
export function backoffMs(retryDelayMs: number, n: number): number {
  return Math.min(MAX_BACKOFF_MS, retryDelayMs * 2 ** (n - 1));
}

/** A service's settings as stored (by ServiceManager), and its schedule. */
export function storedConfig(record: ServiceRecord): ServiceConfig {
  return JSON.parse(record.config) as ServiceConfig;
}

/** The schedule of stored settings; null for an on-demand service. */
export function scheduleOf(config: ServiceConfig): Schedule | null {
  return config.schedule === undefined ? null : parseSchedule(config.schedule, config.timezone);
}

export function ownerIdentity(owner: ServiceOwnerRecord): Identity {
  return { ...owner, readOnly: false, via: 'token' };
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}
class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

function bounded(output: JsonValue): JsonValue {
  const text = JSON.stringify(output) ?? 'null';
  if (text.length <= MAX_OUTPUT_CHARS) return output;
  return { truncated: true, characters: text.length, start: text.slice(0, 1024) };
}

export class Scheduler {
  private readonly clock: SchedulerClock;
  readonly holder: string;
  private readonly pollMs: number;
  private readonly leaseMarginMs: number;
  /** Runs under way here, by service id. */
  private readonly running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  private cancelPoll: (() => void) | null = null;
  private ticking: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.holder = options.holder ?? `scheduler-${randomBytes(6).toString('hex')}`;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMarginMs = options.leaseMarginMs ?? 30_000;
  }

  /** Asks for due services now and every poll interval until {@link stop}. */
  start(): void {
    if (this.stopped || this.cancelPoll !== null) return;
    const poll = () => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.options.failed?.(null, error))
        .finally(() => {
          this.ticking = null;
          if (!this.stopped) this.cancelPoll = this.clock.setTimer(this.pollMs, poll);
        });
    };
    this.cancelPoll = () => undefined;
    poll();
  }

  /** Stops polling, aborts the runs under way (logged as failed: interrupted) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPoll?.();
    await this.ticking;
    for (const run of this.running.values())
      run.abort.abort(new StoppedError('the scheduler stopped'));
    await this.idle();
  }

  /** Resolves once no run of this scheduler is under way. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Whether a run of `serviceId` is under way in this scheduler. */
  isRunning(serviceId: string): boolean {
    return this.running.has(serviceId);
  }

  /**
   * Claims and starts every service due now (without waiting for the runs); resolves to the runs
   * started. A service due at several missed instants runs once, for the latest of them.
   */
  async tick(): Promise<RunRecord[]> {
    const now = this.clock.now();
    const started: RunRecord[] = [];
    for (const record of await this.options.store.dueServices(now)) {
      if (this.stopped) break;
      if (this.running.has(record.id) || record.nextDue === null) continue;
      try {
        const config = storedConfig(record);
        const schedule = scheduleOf(config);
        const latest = schedule?.latestAtOrBefore(now) ?? null;
        const scheduledFor = Math.max(record.nextDue, latest ?? record.nextDue);
        const next = schedule?.nextAfter(now) ?? null;
        const won = await this.options.store.claim(
          record.id,
          this.holder,
          record.nextDue,
          next,
          now,
          config.timeoutMs + this.leaseMarginMs,
        );
        if (!won) continue;
        started.push(await this.begin(record, config, 'schedule', scheduledFor, config.parameters));
      } catch (error) {
        this.options.failed?.(record.id, error);
      }
    }
    return started;
  }

  /**
   * Starts an on-demand run of `record` (its parameters overlaid with `parameters`) unless one is
   * under way (here or in another process): then resolves to null.
   */
  async runNow(record: ServiceRecord, parameters: JsonObject = {}): Promise<RunRecord | null> {
    if (this.stopped || this.running.has(record.id)) return null;
    const config = storedConfig(record);
    const now = this.clock.now();
    const leased = await this.options.store.lease(
      record.id,
      this.holder,
      now,
      config.timeoutMs + this.leaseMarginMs,
    );
    if (!leased) return null;
    return this.begin(record, config, 'demand', now, { ...config.parameters, ...parameters });
  }

  /** Writes the run's first record, then runs it in the background; resolves to that record. */
  private async begin(
    record: ServiceRecord,
    config: ServiceConfig,
    trigger: RunRecord['trigger'],
    scheduledFor: number,
    parameters: JsonObject,
  ): Promise<RunRecord> {
    const now = this.clock.now();
    const run: RunRecord = {
      serviceId: record.id,
      runId: newRunId(now),
      status: 'running',
      trigger,
      scheduledFor,
      started: now,
      finished: null,
      attempt: 1,
      output: null,
      error: null,
    };
    const abort = new AbortController();
    const entry = { abort, done: Promise.resolve() };
    this.running.set(record.id, entry);
    try {
      await this.closeAbandoned(record.id, now);
      await this.options.store.putRun(run);
    } catch (error) {
      this.running.delete(record.id);
      await this.options.store.release(record.id, this.holder).catch(() => undefined);
      throw error;
    }
    entry.done = this.execute(record, config, { ...run }, parameters, abort.signal).finally(() =>
      this.running.delete(record.id),
    );
    return run;
  }

  /**
   * Ends, in the log, the runs left `running` or `queued` by a scheduler that stopped without
   * finishing them (a crashed process): whoever holds the lease, as this scheduler now does, is
   * the only one running the service, so any other run still open was abandoned.
   */
  private async closeAbandoned(serviceId: string, now: number): Promise<void> {
    const recent = await this.options.store.listRuns(serviceId, { limit: ABANDONED_SCAN });
    for (const old of recent)
      if (old.status === 'running' || old.status === 'queued')
        await this.options.store.putRun({
          ...old,
          status: 'failed',
          finished: now,
          error: `abandoned: the scheduler running it stopped without finishing it (its lease expired)${old.error === null ? '' : `; the last error was: ${old.error}`}`,
        });
  }

  private async write(run: RunRecord): Promise<void> {
    try {
      await this.options.store.putRun(run);
    } catch (error) {
      this.options.failed?.(run.serviceId, error);
    }
  }

  /** The attempts of one run, each with its timeout, with backoff between them. */
  private async execute(
    record: ServiceRecord,
    config: ServiceConfig,
    run: RunRecord,
    parameters: JsonObject,
    stop: AbortSignal,
  ): Promise<void> {
    const store = this.options.store;
    try {
      const owner = this.options.owner
        ? this.options.owner(record.owner)
        : ownerIdentity(record.owner);
      if (owner === null)
        throw new OwnerRefusedError(
          `the service's owner ${record.owner.id} no longer exists or is disabled; replace the service (PUT) to run it as yourself`,
        );
      for (let attempt = 1; ; attempt++) {
        if (attempt > 1) {
          const wait = backoffMs(config.retryDelayMs, attempt - 1);
          const until = this.clock.now() + wait + config.timeoutMs + this.leaseMarginMs;
          if (!(await store.renew(record.id, this.holder, until)))
            throw new StoppedError('the lease of the service was lost');
          await sleep(this.clock, wait, stop);
          if (
            !(await store.renew(
              record.id,
              this.holder,
              this.clock.now() + config.timeoutMs + this.leaseMarginMs,
            ))
          )
            throw new StoppedError('the lease of the service was lost');
          Object.assign(run, { status: 'running', attempt });
          await this.write(run);
        }
        const outcome = await this.attempt(config, {
          serviceId: record.id,
          runId: run.runId,
          scheduledFor: run.scheduledFor,
          attempt,
          parameters,
          owner,
          stop,
        });
        if (outcome.ok) {
          Object.assign(run, {
            status: 'succeeded',
            output: bounded(outcome.output),
            error: null,
            finished: this.clock.now(),
          });
          break;
        }
        const status = outcome.timedOut ? 'timedout' : 'failed';
        if (outcome.stopped || attempt > config.retries) {
          const error = outcome.stopped ? `interrupted: ${outcome.error}` : outcome.error;
          Object.assign(run, { status, error, finished: this.clock.now() });
          break;
        }
        Object.assign(run, { status: 'queued', error: outcome.error });
        await this.write(run);
      }
    } catch (error) {
      Object.assign(run, {
        status: 'failed',
        error:
          error instanceof OwnerRefusedError ? error.message : `interrupted: ${describe(error)}`,
        finished: this.clock.now(),
      });
    }
    // Counted before the log shows it, so whoever sees the run ended sees it counted.
    this.options.finished?.(record.id, run.status);
    await this.write(run);
    await store
      .release(record.id, this.holder)
      .catch((error: unknown) => this.options.failed?.(record.id, error));
  }

  /** One attempt: the job raced against its timeout (the job's signal is aborted at either end). */
  private async attempt(
    config: ServiceConfig,
    context: Omit<Parameters<ServiceJobs['run']>[1], 'signal'> & { stop: AbortSignal },
  ): Promise<
    | { ok: true; output: JsonValue }
    | { ok: false; timedOut: boolean; stopped: boolean; error: string }
  > {
    const controller = new AbortController();
    const { stop, ...rest } = context;
    let cancelTimer = () => undefined as void;
    let onStop = () => undefined as void;
    const ended = new Promise<never>((_, reject) => {
      onStop = () => {
        controller.abort(stop.reason);
        reject(stop.reason as Error);
      };
      if (stop.aborted) onStop();
      else stop.addEventListener('abort', onStop, { once: true });
      cancelTimer = this.clock.setTimer(config.timeoutMs, () => {
        const timeout = new TimeoutError(
          `the run took longer than its timeout of ${config.timeoutMs} ms`,
        );
        controller.abort(timeout);
        reject(timeout);
      });
    });
    try {
      const output = await Promise.race([
        this.options.jobs.run(config, { ...rest, signal: controller.signal }),
        ended,
      ]);
      return { ok: true, output };
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      return {
        ok: false,
        timedOut: reason instanceof TimeoutError,
        stopped: reason instanceof StoppedError,
        error: describe(reason),
      };
    } finally {
      cancelTimer();
      stop.removeEventListener('abort', onStop);
      controller.abort(new StoppedError('the attempt ended'));
    }
  }
}
