// The background jobs of a service (replays, bulk migrations): each one's record by id, who may
// see it (its owner, or an administrator), the last ones kept once finished, and the promises of
// those under way so that closing can wait for them. With a store, a record is written when its
// job starts, as it progresses (throttled) and when it ends, and the jobs of earlier processes are
// read back from it; one whose process stopped before it ended reads back failed, interrupted.
import { randomUUID } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import type { BehaviourStore, JobSummaryRow } from '../store/behaviour-store.js';

export interface JobRecord {
  readonly owner: string;
  /** Epoch ms it was created, and ended (null while running). */
  readonly created: number;
  finished: number | null;
  /** `running` until it ends. */
  state: string;
  error: string | null;
}

/** What a record becomes when stored: its summary (what lists show) and its detail apart. */
export interface JobCodec<R extends JobRecord> {
  /** The id of a record. */
  id(record: R): string;
  /** The record without its detail, and its detail (both JSON values). */
  split(record: R): { summary: object; detail: unknown };
  /** A record from a stored summary and detail (null: not read, or never written). */
  join(summary: object, detail: unknown): R;
}

/** The store of job records (the behaviour store's part). */
export type JobStore = Pick<BehaviourStore, 'putJob' | 'getJob' | 'listJobs' | 'trimJobs'>;

/** Where a service keeps its job records across restarts, and how (without a store: memory only). */
export interface JobStorage {
  /** Where records are kept across restarts (without it, in memory only). */
  store?: JobStore;
  /**
   * Other processes run jobs on the same store (PostgreSQL): a record another process left
   * running is taken as interrupted only once it has not been written for three heartbeats.
   * Otherwise (SQLite: one process per data directory) every such record is interrupted.
   */
  shared?: boolean;
  /** Told when a record could not be written; the job goes on, its record kept in memory. */
  writeFailed?: (error: unknown, id: string) => void;
  now?: () => number;
}

export interface JobRecordsOptions<R extends JobRecord> extends JobStorage {
  /** The kind of job (`replay`, `migration`): records of different kinds are apart in the store. */
  kind: string;
  codec: JobCodec<R>;
  /** Keeps at most this many records (default 100); the oldest finished ones go first. */
  kept?: number;
  /** Progress is written at most once per this many ms per job (default 500). */
  throttleMs?: number;
  /** A running job's record is written at least this often (ms, default 10,000). */
  heartbeatMs?: number;
}

/** The error of a job whose process stopped before it ended. */
export const INTERRUPTED =
  'interrupted by a restart: the server running this job stopped before it finished; the progress shown is the last it recorded';

/** A stored record: who ran it, when it was last written, and the job's summary. */
interface Envelope {
  runner: string;
  beat: number;
  job: object;
}

/** A job of this process being written to the store. */
interface Writing {
  /** When the last write began (epoch ms). */
  lastWrite: number;
  timer: NodeJS.Timeout | null;
  /** When the timer fires. */
  due: number;
  /** The writes in order: each one after the one before. */
  chain: Promise<void>;
}

export class JobRecords<R extends JobRecord> {
  private readonly records = new Map<string, R>();
  private readonly running = new Set<Promise<void>>();
  private readonly writing = new Map<string, Writing>();
  /** Names this process in the records it writes. */
  private readonly runner = randomUUID();
  private readonly kept: number;
  private readonly throttleMs: number;
  private readonly heartbeatMs: number;

  constructor(private readonly options: JobRecordsOptions<R>) {
    this.kept = options.kept ?? 100;
    this.throttleMs = options.throttleMs ?? 500;
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
  }

  /** How many jobs of this process are under way. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Counts `work` (a job) as under way until it settles. */
  track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /**
   * Holds `record`, a job starting, under its id; with a store, resolves once it is written there
   * (and the oldest records beyond those kept deleted), and rejects (holding nothing) when it cannot be.
   */
  async add(record: R): Promise<void> {
    const id = this.options.codec.id(record);
    const { store } = this.options;
    if (store) {
      const writing: Writing = { lastWrite: 0, timer: null, due: 0, chain: Promise.resolve() };
      this.writing.set(id, writing);
      try {
        await this.put(writing, record);
      } catch (error) {
        this.writing.delete(id);
        if (writing.timer !== null) clearTimeout(writing.timer);
        throw error;
      }
      await store
        .trimJobs(this.options.kind, this.kept)
        .catch((error: unknown) => this.options.writeFailed?.(error, id));
    }
    this.records.set(id, record);
    if (this.records.size <= this.kept) return;
    for (const [oldId, old] of this.records) {
      if (this.records.size <= this.kept) break;
      if (old.state !== 'running') this.records.delete(oldId);
    }
  }

  /** The record of `id` changed (progress): written within the throttle, not at every change. */
  changed(id: string): void {
    const writing = this.writing.get(id);
    if (writing) this.schedule(id, writing, writing.lastWrite + this.throttleMs);
  }

  /** The job of `id` ended (its record holds its final state): resolves once that is written. */
  async finish(id: string): Promise<void> {
    const writing = this.writing.get(id);
    const record = this.records.get(id);
    if (!writing || !record) return;
    this.writing.delete(id);
    if (writing.timer) clearTimeout(writing.timer);
    writing.timer = null;
    await this.write(id, writing, record);
  }

  /** The record of `id` when `identity` may see it, else undefined. */
  async visible(identity: Identity, id: string): Promise<R | undefined> {
    let record = this.records.get(id);
    if (record === undefined && this.options.store) {
      const row = await this.options.store.getJob(this.options.kind, id);
      if (row) record = this.decode(row, row.detail === null ? null : JSON.parse(row.detail));
    }
    return record !== undefined && maySee(identity, record) ? record : undefined;
  }

  /** The records `identity` may see (this process's and earlier ones'), newest first. */
  async listFor(identity: Identity): Promise<R[]> {
    const own = [...this.records.values()].reverse();
    if (!this.options.store) return own.filter((record) => maySee(identity, record));
    const rows = await this.options.store.listJobs(this.options.kind);
    const listed = new Set<string>();
    const records = rows.map((row) => {
      listed.add(row.id);
      return this.records.get(row.id) ?? this.decode(row, null);
    });
    const unlisted = own.filter((record) => !listed.has(this.options.codec.id(record)));
    // Records this process holds that the store no longer lists (trimmed while running).
    if (unlisted.length > 0) {
      records.push(...unlisted);
      records.sort((a, b) => b.created - a.created);
    }
    return records.filter((record) => maySee(identity, record));
  }

  /** Resolves once every job under way has finished (closing, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private schedule(id: string, writing: Writing, at: number): void {
    if (writing.timer !== null && writing.due <= at) return;
    if (writing.timer !== null) clearTimeout(writing.timer);
    writing.due = at;
    writing.timer = setTimeout(
      () => {
        writing.timer = null;
        const record = this.records.get(id);
        if (record && this.writing.get(id) === writing) void this.write(id, writing, record);
      },
      Math.max(0, at - this.now()),
    );
    writing.timer.unref();
  }

  /** Writes `record` after the writes before it; a failure is told, not thrown. */
  private write(id: string, writing: Writing, record: R): Promise<void> {
    writing.chain = writing.chain
      .then(() => this.put(writing, record))
      .catch((error: unknown) => this.options.writeFailed?.(error, id));
    return writing.chain;
  }

  /** Stores `record` as it is now: its detail once it has ended; a running one's next heartbeat. */
  private async put(writing: Writing, record: R): Promise<void> {
    const { codec, store, kind } = this.options;
    const id = codec.id(record);
    const { summary, detail } = codec.split(record);
    const ended = record.state !== 'running';
    writing.lastWrite = this.now();
    const envelope: Envelope = { runner: this.runner, beat: writing.lastWrite, job: summary };
    await store?.putJob({
      kind,
      id,
      owner: record.owner,
      created: record.created,
      record: JSON.stringify(envelope),
      detail: ended ? JSON.stringify(detail ?? null) : null,
    });
    if (!ended && this.writing.get(id) === writing)
      this.schedule(id, writing, writing.lastWrite + this.heartbeatMs);
  }

  /** A stored record as the job service holds it; one whose process stopped, failed. */
  private decode(row: JobSummaryRow, detail: unknown): R {
    const envelope = JSON.parse(row.record) as Envelope;
    const record = this.options.codec.join(envelope.job, detail);
    if (record.state === 'running' && this.interrupted(envelope)) {
      record.state = 'failed';
      record.finished = envelope.beat;
      record.error = INTERRUPTED;
    }
    return record;
  }

  private interrupted(envelope: Envelope): boolean {
    if (envelope.runner === this.runner) return false;
    return !this.options.shared || envelope.beat < this.now() - 3 * this.heartbeatMs;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function maySee(identity: Identity, record: JobRecord): boolean {
  return identity.admin || record.owner === identity.id;
}
