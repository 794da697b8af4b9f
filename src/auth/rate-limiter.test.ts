// Unit tests for the per-identity token bucket and the window of failed credentials per key.
import { describe, expect, it } from 'vitest';
import { FailureLimiter, RateLimiter } from './rate-limiter.js';

describe('rate-limiter', () => {
  it('allows a burst of twice the rate, then refuses', () => {
    const limiter = new RateLimiter(5, () => 0);
    for (let i = 0; i < 10; i++) expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBeGreaterThan(0);
  });

  it('says how long until the next request is allowed', () => {
    const limiter = new RateLimiter(5, () => 0);
    for (let i = 0; i < 10; i++) limiter.take('alice');
    expect(limiter.take('alice')).toBe(200);
  });

  it('refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(5, () => now);
    for (let i = 0; i < 10; i++) limiter.take('alice');
    expect(limiter.take('alice')).toBe(200);
    now += 199;
    expect(limiter.take('alice')).toBeGreaterThan(0);
    now += 1;
    expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBeGreaterThan(0);
    now += 1000;
    for (let i = 0; i < 5; i++) expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBeGreaterThan(0);
  });

  it('never holds more than the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    limiter.take('alice');
    now += 3_600_000;
    for (let i = 0; i < 4; i++) expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBe(500);
  });

  it('keeps one bucket per identity', () => {
    const limiter = new RateLimiter(1, () => 0);
    expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBe(1000);
    expect(limiter.take('bob')).toBe(0);
    expect(limiter.take('bob')).toBe(0);
    expect(limiter.take('bob')).toBe(1000);
  });
});

describe('failure-limiter', () => {
  it('refuses a key after the limit of distinct failures until the oldest leaves the window', () => {
    let now = 0;
    const limiter = new FailureLimiter({ failures: 3, windowMs: 10_000 }, () => now);
    for (const guess of ['a', 'b']) limiter.fail('10.0.0.1', guess);
    expect(limiter.retryAfter('10.0.0.1')).toBe(0);
    now = 4000;
    limiter.fail('10.0.0.1', 'c');
    expect(limiter.retryAfter('10.0.0.1')).toBe(6000);
    expect(limiter.retryAfter('10.0.0.2')).toBe(0);
    now = 10_000;
    expect(limiter.retryAfter('10.0.0.1')).toBe(0);
  });

  it('counts a repeated failure once, and checks in flight as failures until they settle', () => {
    const limiter = new FailureLimiter({ failures: 2, windowMs: 10_000 }, () => 0);
    for (let i = 0; i < 10; i++) limiter.fail('alice', 'same');
    expect(limiter.retryAfter('alice')).toBe(0);
    limiter.begin('alice', 'other');
    expect(limiter.retryAfter('alice')).toBeGreaterThan(0);
    expect(limiter.quiet('alice')).toBe(false);
    limiter.end('alice', 'other', false);
    expect(limiter.retryAfter('alice')).toBe(0);
    limiter.reset('alice');
    expect(limiter.quiet('alice')).toBe(true);
  });
});
