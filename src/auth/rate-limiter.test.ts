// Unit tests for the per-identity token bucket: burst, refill, Retry-After and independence.
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

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
