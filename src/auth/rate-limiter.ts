// Abuse limits: a token bucket per identity, and a sliding window of failed credentials per key.

/** A token bucket per identity: `rate` requests per second, bursts of up to twice that. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = rate * 2;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the milliseconds until one is free. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    if (this.buckets.size > 100_000) this.buckets.clear();
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.rate) * 1000);
  }
}

/** At most `failures` distinct failed credentials per key within `windowMs`. */
export interface FailureLimit {
  failures: number;
  windowMs: number;
}

interface FailureEntry {
  /** Fingerprint of a failed credential -> when it last failed; oldest first. */
  failed: Map<string, number>;
  /** Fingerprints being checked right now -> how many checks of each. */
  pending: Map<string, number>;
}

const MAX_KEYS = 100_000;

/**
 * Counts distinct failed credentials per key (a client address, a username) in a sliding window.
 * A credential being checked counts as failed until it is settled, so a parallel burst is cut at
 * the limit too. A credential that failed before does not count again: a client retrying a stale
 * password is no guesser (Entra ID's smart lockout does the same), and an attacker has to guess
 * distinct values.
 *
 * @example
 * const wait = limiter.retryAfter(ip); // 0, or ms until `ip` may try again
 * limiter.begin(ip, fp); const ok = await check(); limiter.end(ip, fp, !ok);
 */
export class FailureLimiter {
  private readonly entries = new Map<string, FailureEntry>();

  constructor(
    private readonly limit: FailureLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** The milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const now = this.now();
    this.prune(key, entry, now);
    let count = entry.failed.size;
    for (const fingerprint of entry.pending.keys()) if (!entry.failed.has(fingerprint)) count++;
    if (count < this.limit.failures) return 0;
    const oldest = entry.failed.values().next();
    // Only checks in flight fill the window: they settle within a second or so.
    if (oldest.done) return 1000;
    return Math.max(1000, oldest.value + this.limit.windowMs - now);
  }

  /** True when `key` has no failures in the window and no check in flight. */
  quiet(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return true;
    this.prune(key, entry, this.now());
    return entry.failed.size === 0 && entry.pending.size === 0;
  }

  /** Notes that a check of `fingerprint` for `key` has started. */
  begin(key: string, fingerprint: string): void {
    const entry = this.entry(key);
    entry.pending.set(fingerprint, (entry.pending.get(fingerprint) ?? 0) + 1);
  }

  /** Settles a check started with {@link begin}. */
  end(key: string, fingerprint: string, failed: boolean): void {
    const entry = this.entries.get(key);
    if (entry) {
      const pending = (entry.pending.get(fingerprint) ?? 1) - 1;
      if (pending > 0) entry.pending.set(fingerprint, pending);
      else entry.pending.delete(fingerprint);
    }
    if (failed) this.fail(key, fingerprint);
    else if (entry) this.prune(key, entry, this.now());
  }

  /** Records a failed credential for `key` (for checks that need no {@link begin}). */
  fail(key: string, fingerprint: string): void {
    const entry = this.entry(key);
    entry.failed.delete(fingerprint);
    entry.failed.set(fingerprint, this.now());
    // Beyond the limit the key is refused anyway: keep no more than that.
    if (entry.failed.size > this.limit.failures)
      entry.failed.delete(entry.failed.keys().next().value as string);
  }

  /** Forgets the failures of `key` (after it proved it holds a valid credential). */
  reset(key: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.failed.clear();
    if (entry?.pending.size === 0) this.entries.delete(key);
  }

  private entry(key: string): FailureEntry {
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= MAX_KEYS) this.evict();
      entry = { failed: new Map(), pending: new Map() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private prune(key: string, entry: FailureEntry, now: number): void {
    for (const [fingerprint, at] of entry.failed) {
      if (at + this.limit.windowMs > now) break;
      entry.failed.delete(fingerprint);
    }
    if (entry.failed.size === 0 && entry.pending.size === 0) this.entries.delete(key);
  }

  /** Drops expired keys, then the oldest tenth if that was not enough (bounded memory). */
  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) this.prune(key, entry, now);
    let excess = this.entries.size - Math.floor(MAX_KEYS * 0.9);
    for (const key of this.entries.keys()) {
      if (excess-- <= 0) break;
      this.entries.delete(key);
    }
  }
}
