// Job records over the real behaviour store of every backend: progress written within the
// throttle, the detail once a job has ended, a running job's heartbeat, jobs of an earlier process
// read back (running ones as interrupted), the owner-or-administrator rule, trimming, and failed writes.
import { afterEach, expect, it } from 'vitest';
import type { Identity } from '../auth/identity.js';
import type { Storage } from '../store/storage.js';
import { describeBackends } from '../store/test-backends.js';
import { INTERRUPTED, JobRecords, type JobRecord, type JobStore } from './job-records.js';

interface TestJob extends JobRecord {
  id: string;
  done: number;
  results: number[];
}

const person = (id: string, admin = false): Identity => ({
  id,
  subjects: [id],
  admin,
  namespaces: null,
  readOnly: false,
  via: 'basic',
});
const ADMIN = person('admin', true);
const ALICE = person('alice');
const BOB = person('bob');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store with its writes counted, failing while `failing` is set. */
function counted(store: JobStore): JobStore & { puts: number; failing: boolean } {
  const wrapped = {
    puts: 0,
    failing: false,
    putJob: async (...args: Parameters<JobStore['putJob']>) => {
      wrapped.puts++;
      if (wrapped.failing) throw new Error('the disk is full');
      return store.putJob(...args);
    },
    getJob: (kind: string, id: string) => store.getJob(kind, id),
    listJobs: (kind: string) => store.listJobs(kind),
    trimJobs: (kind: string, keep: number) => store.trimJobs(kind, keep),
  };
  return wrapped;
}

function records(
  store: JobStore,
  options: Partial<ConstructorParameters<typeof JobRecords<TestJob>>[0]> = {},
): JobRecords<TestJob> {
  return new JobRecords<TestJob>({
    kind: 'test',
    store,
    heartbeatMs: 3_600_000,
    codec: {
      id: (job) => job.id,
      split: ({ results, ...summary }) => ({ summary, detail: results }),
      join: (summary, detail) => ({ ...summary, results: detail ?? [] }) as TestJob,
    },
    ...options,
  });
}

function job(id: string, owner = 'alice', created = Date.now()): TestJob {
  return {
    id,
    owner,
    created,
    finished: null,
    state: 'running',
    error: null,
    done: 0,
    results: [],
  };
}

await describeBackends('job records', (backend) => {
  let storage: Storage;
  afterEach(async () => {
    await storage?.close();
  });

  it('jobs - progress is written at most once per throttle, the detail once the job has ended', async () => {
    storage = await backend.open();
    const store = counted(storage.behaviour);
    const jobs = records(store, { throttleMs: 100 });
    const record = job('j1');
    await jobs.add(record);
    expect(store.puts).toBe(1);
    // Another process sharing the store reads the job back as it was last written.
    const other = records(storage.behaviour, { shared: true });
    const started = Date.now();
    for (let i = 1; i <= 60; i++) {
      record.done = i;
      record.results.push(i);
      jobs.changed('j1');
      await sleep(5);
    }
    const elapsed = Date.now() - started;
    await sleep(150);
    // The initial write, then at most one per 100 ms (the last one after the changes stopped).
    expect(store.puts).toBeGreaterThanOrEqual(2);
    expect(store.puts).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 100));
    const running = await other.visible(ADMIN, 'j1');
    expect(running).toMatchObject({ state: 'running', done: 60, results: [] });
    record.state = 'succeeded';
    record.finished = record.created + 1;
    await jobs.finish('j1');
    const ended = await other.visible(ADMIN, 'j1');
    expect(ended).toMatchObject({ state: 'succeeded', done: 60, error: null });
    expect(ended?.results).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const writes = store.puts;
    jobs.changed('j1');
    await sleep(150);
    expect(store.puts).toBe(writes);
  });

  it('jobs - one left running by an earlier process reads back failed, interrupted, with its progress', async () => {
    storage = await backend.open();
    const before = records(storage.behaviour, { throttleMs: 0 });
    const record = job('j1', 'alice', Date.now() - 1000);
    await before.add(record);
    await before.add({ ...job('j2', 'bob'), state: 'succeeded', finished: Date.now() });
    await before.finish('j2');
    record.done = 7;
    before.changed('j1');
    await sleep(50);
    // The process stops here, j1 under way; another opens the store.
    storage = await backend.reopen(storage);
    const after = records(storage.behaviour);
    const read = await after.visible(ALICE, 'j1');
    expect(read).toMatchObject({ state: 'failed', error: INTERRUPTED, done: 7 });
    expect(read!.finished).toBeGreaterThanOrEqual(record.created);
    expect(read!.finished).toBeLessThanOrEqual(Date.now());
    expect((await after.listFor(ADMIN)).map((j) => [j.id, j.state])).toEqual([
      ['j2', 'succeeded'],
      ['j1', 'failed'],
    ]);
    // The owner or an administrator sees a job; nobody else does.
    expect(await after.visible(BOB, 'j1')).toBeUndefined();
    expect((await after.visible(ADMIN, 'j1'))?.state).toBe('failed');
    expect((await after.listFor(ALICE)).map((j) => j.id)).toEqual(['j1']);
    expect((await after.listFor(BOB)).map((j) => j.id)).toEqual(['j2']);
    expect(await after.visible(ADMIN, 'nope')).toBeUndefined();
  });

  it('jobs - on a shared store, another process’s running job is interrupted only once its heartbeat is stale', async () => {
    storage = await backend.open();
    let now = 1_000_000;
    const clock = () => now;
    const runner = records(storage.behaviour, { shared: true, heartbeatMs: 1000, now: clock });
    const reader = records(storage.behaviour, { shared: true, heartbeatMs: 1000, now: clock });
    const record = job('j1', 'alice', now);
    await runner.add(record);
    now += 2999;
    expect((await reader.visible(ADMIN, 'j1'))?.state).toBe('running');
    now += 2;
    expect((await reader.visible(ADMIN, 'j1'))?.state).toBe('failed');
    expect((await reader.visible(ADMIN, 'j1'))?.finished).toBe(1_000_000);
    // Its runner, still under way, keeps it running.
    expect((await runner.visible(ADMIN, 'j1'))?.state).toBe('running');
    record.state = 'succeeded';
    record.finished = now;
    await runner.finish('j1');
    expect(await reader.visible(ADMIN, 'j1')).toMatchObject({ state: 'succeeded', error: null });
  });

  it('jobs - a running job is written at every heartbeat without progress', async () => {
    storage = await backend.open();
    const store = counted(storage.behaviour);
    const jobs = records(store, { heartbeatMs: 60 });
    const record = job('j1');
    await jobs.add(record);
    await sleep(400);
    // Every 60 ms (timers run late on a busy machine: at least three in 400 ms).
    expect(store.puts).toBeGreaterThanOrEqual(4);
    expect(store.puts).toBeLessThanOrEqual(8);
    record.state = 'failed';
    record.error = 'stopped';
    record.finished = Date.now();
    await jobs.finish('j1');
    const writes = store.puts;
    await sleep(150);
    expect(store.puts).toBe(writes);
  });

  it('jobs - the store keeps the newest; a running job trimmed away comes back with its next write', async () => {
    storage = await backend.open();
    const jobs = records(storage.behaviour, { kept: 2, throttleMs: 0 });
    const t = Date.now();
    const first = job('j1', 'alice', t);
    await jobs.add(first);
    for (const [id, created] of [
      ['j2', t + 1],
      ['j3', t + 2],
    ] as const) {
      await jobs.add({ ...job(id, 'alice', created), state: 'succeeded', finished: created });
      await jobs.finish(id);
    }
    expect((await storage.behaviour.listJobs('test')).map((j) => j.id)).toEqual(['j3', 'j2']);
    // This process still holds j1 (running).
    expect((await jobs.listFor(ADMIN)).map((j) => j.id)).toEqual(['j3', 'j2', 'j1']);
    first.done = 1;
    jobs.changed('j1');
    await sleep(50);
    expect((await storage.behaviour.listJobs('test')).map((j) => j.id)).toEqual(['j3', 'j2', 'j1']);
    // A later job trims the store to the newest two again.
    await jobs.add({ ...job('j4', 'alice', t + 3), state: 'succeeded', finished: t + 3 });
    await jobs.finish('j4');
    const fresh = records(storage.behaviour, { kept: 2 });
    expect((await fresh.listFor(ADMIN)).map((j) => j.id)).toEqual(['j4', 'j3']);
  });

  it('jobs - a start that cannot be written is refused; a later failed write is told, the record kept', async () => {
    storage = await backend.open();
    const store = counted(storage.behaviour);
    const failures: string[] = [];
    const jobs = records(store, {
      throttleMs: 0,
      writeFailed: (error, id) => failures.push(`${id}: ${(error as Error).message}`),
    });
    store.failing = true;
    await expect(jobs.add(job('j1'))).rejects.toThrow('the disk is full');
    expect(await jobs.visible(ADMIN, 'j1')).toBeUndefined();
    store.failing = false;
    const record = job('j2');
    await jobs.add(record);
    store.failing = true;
    record.state = 'succeeded';
    record.finished = Date.now();
    await jobs.finish('j2');
    expect(failures).toEqual(['j2: the disk is full']);
    expect((await jobs.visible(ADMIN, 'j2'))?.state).toBe('succeeded');
    expect((await storage.behaviour.getJob('test', 'j2'))?.detail).toBeNull();
  });
});
