// Keeps the assessments waiting out their `for` in the behaviour store, so that a restart takes them
// up. A twin's pending set is written once the write that changed it is durable, never before: a
// record the journal does not back would raise an alert no journaled input caused.
import type { BehaviourStore, PendingAssessment } from '../store/behaviour-store.js';

export interface PendingAssessmentKeeperOptions {
  store: Pick<BehaviourStore, 'replacePendingAssessments' | 'listPendingAssessments'>;
  /** Resolves once every write applied so far is durable, or its commit failed. */
  settled(): Promise<void>;
  /** A store write failed (it is retried after `retryMs`). */
  failed?(error: unknown): void;
  /** How long after a failed store write it is tried again, ms (default 1000). */
  retryMs?: number;
}

/**
 * Writes each twin's latest pending set given to {@link note}, in batches, one batch at a time.
 *
 * @example
 * const keeper = new PendingAssessmentKeeper({ store, settled: () => runtime.settled() });
 * keeper.note('dc:rack-1', [{ assessment: 'overload', type: 'dc:rack:1', since, due }]);
 * await keeper.close(); // after the runtime closed: writes what is left
 */
export class PendingAssessmentKeeper {
  /** The latest pending set of each twin not yet handed to the store. */
  private queued = new Map<string, PendingAssessment[]>();
  private writing: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: PendingAssessmentKeeperOptions) {}

  /** Every twin's pending assessments as last kept (at start). */
  load() {
    return this.options.store.listPendingAssessments();
  }

  /** A twin's pending assessments are now `assessments` (none: it has none left). */
  note(thingId: string, assessments: PendingAssessment[]): void {
    this.queued.set(thingId, assessments);
    this.schedule();
  }

  /** Writes what is queued (after the runtime has closed: every write is durable by then). */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    if (this.queued.size > 0) await this.write();
  }

  private schedule(): void {
    if (this.writing !== null || this.closed) return;
    this.writing = this.round().finally(() => {
      this.writing = null;
      if (this.queued.size > 0) this.schedule();
    });
  }

  private async round(): Promise<void> {
    // The write that noted a twin queues its event for commit after its plan steps, in this turn.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await this.write();
    } catch (error) {
      this.options.failed?.(error);
      if (!this.closed)
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1000).unref());
    }
  }

  /** Hands the queued sets to the store once the writes that made them are durable. */
  private async write(): Promise<void> {
    const batch = this.queued;
    this.queued = new Map();
    try {
      await this.options.settled();
      await this.options.store.replacePendingAssessments(
        [...batch].map(([thingId, assessments]) => ({ thingId, assessments })),
      );
    } catch (error) {
      // Sets noted since are newer: they win.
      for (const [thingId, assessments] of batch)
        if (!this.queued.has(thingId)) this.queued.set(thingId, assessments);
      throw error;
    }
  }
}
