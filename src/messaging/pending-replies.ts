// Requests waiting for a reply by correlation-id: the first reply completes the waiter, a timer ends it.

interface Waiter<T> {
  resolve: (value: T | null) => void;
  timer: NodeJS.Timeout;
}

/**
 * The correlation registry of requests that wait for an answer from outside (a device, a WebSocket
 * client, an MQTT transport). A reply for an id nobody waits for (any more) is refused, not kept.
 */
export class PendingReplies<T> {
  private readonly waiting = new Map<string, Waiter<T>>();

  /** True while a request waits under `id`. */
  has(id: string): boolean {
    return this.waiting.has(id);
  }

  get size(): number {
    return this.waiting.size;
  }

  /**
   * Waits up to `timeoutMs` for the reply to `id`; resolves with it, or with null at the timeout.
   *
   * @throws Error when a request already waits under `id` (the caller refuses the request)
   */
  wait(id: string, timeoutMs: number): Promise<T | null> {
    if (this.waiting.has(id)) throw new Error(`a request already waits for '${id}'`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, timer });
    });
  }

  /** Completes the request waiting under `id`; false when none waits (late, unknown or answered). */
  complete(id: string, value: T): boolean {
    const waiter = this.waiting.get(id);
    if (!waiter) return false;
    this.waiting.delete(id);
    clearTimeout(waiter.timer);
    waiter.resolve(value);
    return true;
  }

  /** Ends the wait for `id` at once (as at its timeout). */
  cancel(id: string): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    clearTimeout(waiter.timer);
    waiter.resolve(null);
  }
}
