// Runs of one task kept in line, each after the one before: how a source brings its subscriptions in
// step with the ingest specs without two runs interleaving; a failed run is reported, the next goes on.
export class SerialRuns {
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly task: () => Promise<void>,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Queues a run; resolves once it is done (it never rejects). */
  run(): Promise<void> {
    this.last = this.last.then(this.task).catch(this.failed);
    return this.last;
  }

  /** Resolves once the runs queued so far are done. */
  idle(): Promise<void> {
    return this.last;
  }
}
