// The background jobs of a service (replays, bulk migrations): each one's record by id, who may
// see it (its owner, or an administrator), the last ones kept once finished, and the promises of
// those under way so that closing can wait for them.
import type { Identity } from '../auth/identity.js';

export interface JobRecord {
  readonly owner: string;
  state: string;
}

export class JobRecords<R extends JobRecord> {
  private readonly records = new Map<string, R>();
  private readonly running = new Set<Promise<void>>();

  /** Keeps at most `kept` records; the oldest finished ones go first. */
  constructor(private readonly kept = 100) {}

  /** How many jobs are under way. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Counts `work` (a job) as under way until it settles. */
  track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /** Holds `record` under `id`. */
  add(id: string, record: R): void {
    this.records.set(id, record);
    if (this.records.size <= this.kept) return;
    for (const [oldId, old] of this.records) {
      if (this.records.size <= this.kept) break;
      if (old.state !== 'running') this.records.delete(oldId);
    }
  }

  /** The record of `id` when `identity` may see it, else undefined. */
  visible(identity: Identity, id: string): R | undefined {
    const record = this.records.get(id);
    return record !== undefined && maySee(identity, record) ? record : undefined;
  }

  /** The records `identity` may see, newest first. */
  listFor(identity: Identity): R[] {
    return [...this.records.values()].filter((record) => maySee(identity, record)).reverse();
  }

  /** Resolves once every job under way has finished (closing, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }
}

function maySee(identity: Identity, record: JobRecord): boolean {
  return identity.admin || record.owner === identity.id;
}
