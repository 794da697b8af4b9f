// One ordered queue per twin for the steps of the write pipeline that must wait (e.g. for storage).

/**
 * Runs steps of one twin one after another, in the order they were queued, while steps of
 * different twins run independently. A twin with nothing queued holds no memory here, so the
 * pipeline can apply a write at once, synchronously, when its twin is idle.
 */
export class TwinQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** True while a step of this twin is queued or running. */
  busy(thingId: string): boolean {
    return this.tails.has(thingId);
  }

  /** Runs `step` after every step queued before it for the same twin (whether they failed or not). */
  run<T>(thingId: string, step: () => Promise<T>): Promise<T> {
    const tail = this.tails.get(thingId);
    const result = tail === undefined ? step() : tail.then(step);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(thingId, settled);
    void settled.then(() => {
      if (this.tails.get(thingId) === settled) this.tails.delete(thingId);
    });
    return result;
  }
}
