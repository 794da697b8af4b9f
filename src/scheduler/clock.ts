// The time of the scheduler, injected so that tests run it at exact instants without waiting.

/** Now, and timers on the same clock. */
export interface SchedulerClock {
  /** Epoch ms. */
  now(): number;
  /** Calls `fire` once after `ms`; returns the cancel. */
  setTimer(ms: number, fire: () => void): () => void;
}

/** The wall clock and Node's timers (unref'd: they never keep a process alive on their own). */
export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer(ms, fire) {
    const timer = setTimeout(fire, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Resolves after `ms` on `clock`, or rejects with the signal's reason once it is aborted. */
export function sleep(clock: SchedulerClock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      cancel();
      reject(signal.reason as Error);
    };
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
