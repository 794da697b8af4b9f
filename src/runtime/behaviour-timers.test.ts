import { afterEach, describe, expect, it, vi } from 'vitest';
import { BehaviourTimers } from './behaviour-timers.js';

describe('BehaviourTimers', () => {
  afterEach(() => void vi.useRealTimers());

  it('fires a twin once its due time is reached, with that time', () => {
    vi.useFakeTimers({ now: 1_000 });
    const fired: [string, number][] = [];
    const timers = new BehaviourTimers((id, at) => fired.push([id, at]));
    timers.set('ns:a', 1_500);
    vi.advanceTimersByTime(499);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([['ns:a', 1_500]]);
    expect(timers.size).toBe(0);
  });

  it('keeps only the latest due time of a twin, and null clears it', () => {
    vi.useFakeTimers({ now: 0 });
    const fired: [string, number][] = [];
    const timers = new BehaviourTimers((id, at) => fired.push([id, at]));
    timers.set('ns:a', 100);
    timers.set('ns:a', 300);
    timers.set('ns:b', 200);
    timers.set('ns:b', null);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([['ns:a', 300]]);
  });

  it('a due time already past fires at once; nothing fires after close', () => {
    vi.useFakeTimers({ now: 5_000 });
    const fired: string[] = [];
    const timers = new BehaviourTimers((id) => fired.push(id));
    timers.set('ns:late', 1_000);
    timers.set('ns:later', 9_000);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['ns:late']);
    timers.close();
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['ns:late']);
  });
});
