// The scheduler against every storage backend, on a hand-moved clock: exact instants, catch-up of one
// missed run, no run twice (across a restart, with two schedulers on one store), timeouts, retries.
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../core/json.js';
import { openPostgresStorage } from '../store/postgres/postgres-storage.js';
import type { RunRecord, ServiceRecord } from '../store/service-store.js';
import type { Storage } from '../store/storage.js';
import { describeBackends, type TestBackend } from '../store/test-backends.js';
import { ManualClock } from './manual-clock.js';
import { backoffMs, Scheduler, scheduleOf } from './scheduler.js';
import { parseServiceConfig } from './service-config.js';
import type { JobContext, ServiceJobs } from './service-jobs.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MIN = 60_000;

interface Call {
  serviceId: string;
  scheduledFor: number;
  attempt: number;
  at: number;
  parameters: unknown;
}

/** Jobs that record their calls; `behaviour` decides what each call does. */
class RecordingJobs implements ServiceJobs {
  readonly calls: Call[] = [];
  private waiting: (() => void)[] = [];
  constructor(
    private readonly clock: ManualClock,
    public behaviour: (context: JobContext) => Promise<JsonValue> = async () => ({ ok: true }),
  ) {}
  async run(_config: unknown, context: JobContext): Promise<JsonValue> {
    this.calls.push({
      serviceId: context.serviceId,
      scheduledFor: context.scheduledFor,
      attempt: context.attempt,
      at: this.clock.now(),
      parameters: context.parameters,
    });
    for (const wake of this.waiting.splice(0)) wake();
    return this.behaviour(context);
  }
  /** Resolves once `n` calls were made. */
  async called(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise<void>((r) => this.waiting.push(r));
  }
}

/** A job that runs until its signal is aborted (then rejects with the reason). */
function untilAborted(context: JobContext): Promise<JsonValue> {
  return new Promise((_, reject) =>
    context.signal.addEventListener('abort', () => reject(context.signal.reason as Error)),
  );
}

async function addService(
  storage: Storage,
  id: string,
  body: Record<string, unknown>,
  now: number,
): Promise<ServiceRecord> {
  const config = parseServiceConfig({ kind: 'http', url: 'http://127.0.0.1:9/job', ...body });
  const record: ServiceRecord = {
    id,
    revision: 1,
    created: now,
    modified: now,
    owner: { id: 'user:alice', subjects: ['user:alice'], admin: false, namespaces: null },
    config: JSON.stringify(config),
    nextDue: scheduleOf(config)?.nextAfter(now) ?? null,
  };
  await storage.services.putService(record);
  return record;
}

async function runsOf(storage: Storage, serviceId: string): Promise<RunRecord[]> {
  return storage.services.listRuns(serviceId, { limit: 100 });
}

function schedulerTests(backend: TestBackend): void {
  describe(`scheduler (${backend.name})`, () => {
    let storage: Storage;
    let second: Storage | null = null;
    const schedulers: Scheduler[] = [];
    const make = (store: Storage, jobs: ServiceJobs, clock: ManualClock, holder: string) => {
      const scheduler = new Scheduler({ store: store.services, jobs, clock, holder });
      schedulers.push(scheduler);
      return scheduler;
    };
    afterEach(async () => {
      for (const s of schedulers.splice(0)) await s.stop();
      await second?.close();
      second = null;
      await storage?.close();
    });

    it('every 5m - runs at exact instants, once each, the schedule moving on', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0 + 1234);
      const jobs = new RecordingJobs(clock);
      await addService(
        storage,
        's1',
        { schedule: { every: '5m' }, parameters: { a: 1 } },
        clock.now(),
      );
      const scheduler = make(storage, jobs, clock, 'A');
      expect(await scheduler.tick()).toEqual([]);
      clock.set(T0 + 5 * MIN - 1);
      expect(await scheduler.tick()).toEqual([]);
      for (const k of [5, 10, 15]) {
        clock.set(T0 + k * MIN);
        expect((await scheduler.tick()).map((r) => r.scheduledFor)).toEqual([T0 + k * MIN]);
        await scheduler.idle();
        expect(await scheduler.tick()).toEqual([]);
      }
      expect(jobs.calls.map((c) => [c.scheduledFor, c.at])).toEqual([
        [T0 + 5 * MIN, T0 + 5 * MIN],
        [T0 + 10 * MIN, T0 + 10 * MIN],
        [T0 + 15 * MIN, T0 + 15 * MIN],
      ]);
      expect(jobs.calls[0].parameters).toEqual({ a: 1 });
      expect((await storage.services.getService('s1'))?.nextDue).toBe(T0 + 20 * MIN);
      const runs = await runsOf(storage, 's1');
      expect(runs.map((r) => [r.status, r.scheduledFor, r.started, r.finished, r.attempt])).toEqual(
        [15, 10, 5].map((k) => ['succeeded', T0 + k * MIN, T0 + k * MIN, T0 + k * MIN, 1]),
      );
      expect(runs[0].output).toEqual({ ok: true });
    });

    it('cron - runs at the instants of a cron string, in its timezone', async () => {
      storage = await backend.open();
      // 09:30 in Amsterdam is 08:30 UTC in January.
      const clock = new ManualClock(Date.UTC(2026, 0, 5, 0, 0));
      const jobs = new RecordingJobs(clock);
      await addService(
        storage,
        'c1',
        { schedule: '30 9 * * 1-5', timezone: 'Europe/Amsterdam' },
        clock.now(),
      );
      await addService(storage, 'c2', { schedule: '*/15 * * * *' }, clock.now());
      const scheduler = make(storage, jobs, clock, 'A');
      expect((await storage.services.getService('c1'))?.nextDue).toBe(Date.UTC(2026, 0, 5, 8, 30));
      clock.set(Date.UTC(2026, 0, 5, 0, 15));
      expect((await scheduler.tick()).map((r) => r.serviceId)).toEqual(['c2']);
      await scheduler.idle();
      clock.set(Date.UTC(2026, 0, 5, 8, 30));
      // c2 missed 00:30 … 08:30: it runs once, for 08:30; c1 runs for 08:30.
      const started = await scheduler.tick();
      expect(started.map((r) => [r.serviceId, new Date(r.scheduledFor).toISOString()])).toEqual([
        ['c1', '2026-01-05T08:30:00.000Z'],
        ['c2', '2026-01-05T08:30:00.000Z'],
      ]);
      await scheduler.idle();
      // Friday 09:30 is followed by Monday 09:30.
      expect((await storage.services.getService('c1'))?.nextDue).toBe(Date.UTC(2026, 0, 6, 8, 30));
    });

    it('catch-up - after downtime a new scheduler on the same store runs the latest missed instant once, then resumes', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0);
      const jobs = new RecordingJobs(clock);
      await addService(storage, 's1', { schedule: { every: '5m' } }, clock.now());
      const first = make(storage, jobs, clock, 'A');
      clock.set(T0 + 5 * MIN);
      await first.tick();
      await first.stop();
      // Down from 00:05 to 00:28: 00:10, 00:15, 00:20 and 00:25 are missed.
      storage = await backend.reopen(storage);
      clock.set(T0 + 28 * MIN);
      const again = make(storage, jobs, clock, 'B');
      expect((await again.tick()).map((r) => r.scheduledFor)).toEqual([T0 + 25 * MIN]);
      await again.idle();
      expect(await again.tick()).toEqual([]);
      clock.set(T0 + 30 * MIN);
      expect((await again.tick()).map((r) => r.scheduledFor)).toEqual([T0 + 30 * MIN]);
      await again.idle();
      expect(jobs.calls.map((c) => (c.scheduledFor - T0) / MIN)).toEqual([5, 25, 30]);
      expect(jobs.calls.map((c) => (c.at - T0) / MIN)).toEqual([5, 28, 30]);
      expect((await runsOf(storage, 's1')).map((r) => r.status)).toEqual([
        'succeeded',
        'succeeded',
        'succeeded',
      ]);
    });

    it('restart - an instant already run is not run again, and a run under way in a crashed scheduler blocks the next until its lease ends', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0);
      const jobs = new RecordingJobs(clock, untilAborted);
      await addService(storage, 's1', { schedule: { every: '5m' }, timeout: '1m' }, clock.now());
      // A (crashes: never stopped) runs 00:05 and hangs.
      const crashed = new Scheduler({ store: storage.services, jobs, clock, holder: 'A' });
      clock.set(T0 + 5 * MIN);
      await crashed.tick();
      await jobs.called(1);
      // B on the same store, at the same instant and at the next while A's lease (1m + 30s) holds.
      jobs.behaviour = async () => ({ ok: true });
      const restarted = make(storage, jobs, clock, 'B');
      expect(await restarted.tick()).toEqual([]);
      clock.set(T0 + 6 * MIN);
      expect(await restarted.tick()).toEqual([]);
      // A's lease ran out at 00:06:30; the instant 00:10 is B's.
      clock.set(T0 + 10 * MIN);
      expect((await restarted.tick()).map((r) => r.scheduledFor)).toEqual([T0 + 10 * MIN]);
      await restarted.idle();
      expect(jobs.calls.map((c) => (c.scheduledFor - T0) / MIN)).toEqual([5, 10]);
      // The run the crashed scheduler left open is closed in the log by the one that took over.
      const [latest, abandoned] = await runsOf(storage, 's1');
      expect([latest.scheduledFor, latest.status]).toEqual([T0 + 10 * MIN, 'succeeded']);
      expect([abandoned.scheduledFor, abandoned.status, abandoned.finished]).toEqual([
        T0 + 5 * MIN,
        'failed',
        T0 + 10 * MIN,
      ]);
      expect(abandoned.error).toMatch(/^abandoned: /);
      await crashed.stop();
    });

    it('two schedulers on one store - each instant of each service runs exactly once', async () => {
      storage = await backend.open();
      if (backend.postgres !== undefined) {
        // Another process's storage on the same schema (the schema lock is the server's, not ours).
        second = await openPostgresStorage({
          url: backend.postgres.url,
          schema: backend.postgres.schema,
          poolSize: 4,
          exclusive: false,
        });
      }
      const other = second ?? storage;
      const clock = new ManualClock(T0);
      const jobs = new RecordingJobs(
        clock,
        () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 5)),
      );
      const ids = ['s1', 's2', 's3', 's4', 's5'];
      for (const id of ids) await addService(storage, id, { schedule: { every: '5m' } }, T0);
      const a = make(storage, jobs, clock, 'A');
      const b = make(other, jobs, clock, 'B');
      for (const k of [5, 10, 15]) {
        clock.set(T0 + k * MIN);
        const [ra, rb] = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
        expect(ra.length + rb.length).toBeLessThanOrEqual(5);
        await Promise.all([a.idle(), b.idle()]);
        // Whatever the first two ticks left (a lease still held) the next ones pick up.
        await Promise.all([a.tick(), b.tick()]);
        await Promise.all([a.idle(), b.idle()]);
      }
      for (const id of ids) {
        const mine = jobs.calls.filter((c) => c.serviceId === id);
        expect(mine.map((c) => (c.scheduledFor - T0) / MIN)).toEqual([5, 10, 15]);
        expect(await runsOf(other, id)).toHaveLength(3);
      }
    });

    it('on demand - runs once, refuses a second while one is under way, in either scheduler', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0);
      let release = () => undefined as void;
      const jobs = new RecordingJobs(
        clock,
        () => new Promise((resolve) => (release = () => resolve({ done: 1 }))),
      );
      const record = await addService(storage, 'd1', { parameters: { a: 1, b: 2 } }, T0);
      expect(record.nextDue).toBeNull();
      const a = make(storage, jobs, clock, 'A');
      const b = make(storage, jobs, clock, 'B');
      const run = await a.runNow(record, { b: 3 });
      expect(run?.status).toBe('running');
      expect(await a.runNow(record)).toBeNull();
      expect(await b.runNow(record)).toBeNull();
      await jobs.called(1);
      release();
      await a.idle();
      expect(jobs.calls[0].parameters).toEqual({ a: 1, b: 3 });
      const done = await storage.services.getRun('d1', run?.runId ?? '');
      expect([done?.status, done?.trigger, done?.output]).toEqual([
        'succeeded',
        'demand',
        { done: 1 },
      ]);
      expect(await b.runNow(record)).not.toBeNull();
      release();
      await b.idle();
    });

    it('an instant that comes while a run is under way runs once that run ends, not beside it', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0);
      let release = () => undefined as void;
      const jobs = new RecordingJobs(
        clock,
        () => new Promise((resolve) => (release = () => resolve({ done: 1 }))),
      );
      const record = await addService(storage, 'o1', { schedule: { every: '5m' } }, T0);
      const scheduler = make(storage, jobs, clock, 'A');
      clock.set(T0 + 4 * MIN);
      await scheduler.runNow(record);
      await jobs.called(1);
      clock.set(T0 + 5 * MIN);
      expect(await scheduler.tick()).toEqual([]);
      clock.set(T0 + 6 * MIN);
      release();
      await scheduler.idle();
      expect((await scheduler.tick()).map((r) => r.scheduledFor)).toEqual([T0 + 5 * MIN]);
      await jobs.called(2);
      release();
      await scheduler.idle();
      expect(jobs.calls.map((c) => [(c.scheduledFor - T0) / MIN, (c.at - T0) / MIN])).toEqual([
        [4, 4],
        [5, 6],
      ]);
      expect((await storage.services.getService('o1'))?.nextDue).toBe(T0 + 10 * MIN);
    });

    it('timeout - aborts the job and marks the run timedout at the timeout', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0);
      const jobs = new RecordingJobs(clock, untilAborted);
      await addService(storage, 't1', { schedule: { every: '5m' }, timeout: '45s' }, T0);
      const scheduler = make(storage, jobs, clock, 'A');
      clock.set(T0 + 5 * MIN);
      await scheduler.tick();
      await jobs.called(1);
      await clock.fire(45_000);
      await scheduler.idle();
      const [run] = await runsOf(storage, 't1');
      expect([run.status, run.started, run.finished, run.attempt]).toEqual([
        'timedout',
        T0 + 5 * MIN,
        T0 + 5 * MIN + 45_000,
        1,
      ]);
      expect(run.error).toBe('the run took longer than its timeout of 45000 ms');
    });

    it('stop - a run under way is aborted and logged as failed (interrupted), its lease given up', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0);
      const jobs = new RecordingJobs(clock, untilAborted);
      await addService(storage, 'i1', { schedule: { every: '5m' }, retries: 3 }, T0);
      const scheduler = make(storage, jobs, clock, 'A');
      clock.set(T0 + 5 * MIN);
      await scheduler.tick();
      await jobs.called(1);
      await scheduler.stop();
      const [run] = await runsOf(storage, 'i1');
      expect([run.status, run.attempt, run.error]).toEqual([
        'failed',
        1,
        'interrupted: the scheduler stopped',
      ]);
      expect(await storage.services.lease('i1', 'B', T0 + 5 * MIN, 1000)).toBe(true);
    });

    it('retries - backs off exponentially, then fails with the last error; a later attempt can succeed', async () => {
      storage = await backend.open();
      const clock = new ManualClock(T0);
      const jobs = new RecordingJobs(clock, (context) =>
        Promise.reject(new Error(`boom ${context.attempt}`)),
      );
      await addService(
        storage,
        'r1',
        { schedule: { every: '5m' }, retries: 2, retryDelay: '10s', timeout: '1m' },
        T0,
      );
      const scheduler = make(storage, jobs, clock, 'A');
      const start = T0 + 5 * MIN;
      clock.set(start);
      await scheduler.tick();
      await clock.fire(backoffMs(10_000, 1));
      await clock.fire(backoffMs(10_000, 2));
      await scheduler.idle();
      expect(jobs.calls.map((c) => [c.attempt, c.at - start])).toEqual([
        [1, 0],
        [2, 10_000],
        [3, 30_000],
      ]);
      const [run] = await runsOf(storage, 'r1');
      expect([run.status, run.attempt, run.error, run.finished]).toEqual([
        'failed',
        3,
        'boom 3',
        start + 30_000,
      ]);
      // Attempt 2 succeeds on the next instant.
      jobs.behaviour = async (context) => {
        if (context.attempt === 1) throw new Error('flaky');
        return { attempt: context.attempt };
      };
      clock.set(T0 + 10 * MIN);
      await scheduler.tick();
      await clock.fire(10_000);
      await scheduler.idle();
      const [latest] = await runsOf(storage, 'r1');
      expect([latest.status, latest.attempt, latest.error, latest.output]).toEqual([
        'succeeded',
        2,
        null,
        { attempt: 2 },
      ]);
    });
  });
}

await describeBackends('scheduler', schedulerTests);
