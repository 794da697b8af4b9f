// LatestObservations: which observations are late, and what is forgotten past capacity.
import { describe, expect, it } from 'vitest';
import { LatestObservations } from './latest-observations.js';

describe('LatestObservations', () => {
  it('calls late only what is older than the value a property holds', () => {
    const latest = new LatestObservations();
    expect(latest.isLate('ns:a', '/t', 5)).toBe(false);
    latest.of('ns:a').observe('/t', 10);
    expect(latest.isLate('ns:a', '/t', 9)).toBe(true);
    expect(latest.isLate('ns:a', '/t', 10)).toBe(false);
    expect(latest.isLate('ns:a', '/w', 1)).toBe(false);
    expect(latest.isLate('ns:b', '/t', 1)).toBe(false);
    latest.observeIfNewer('ns:a', '/t', 3);
    expect(latest.isLate('ns:a', '/t', 9)).toBe(true);
    latest.observeIfNewer('ns:a', '/t', 20);
    expect(latest.isLate('ns:a', '/t', 19)).toBe(true);
    expect(latest.size).toBe(1);
  });

  it('forgets the twins least recently observed past its capacity in properties', () => {
    const latest = new LatestObservations(4);
    latest.of('ns:a').observe('/t', 10);
    latest.of('ns:a').observe('/w', 10);
    latest.of('ns:b').observe('/t', 10);
    latest.of('ns:a').observe('/t', 11); // a is now the most recent
    latest.of('ns:c').observe('/t', 10);
    expect(latest.size).toBe(4);
    latest.of('ns:c').observe('/w', 10); // five: b, the oldest, goes
    expect(latest.size).toBe(4);
    expect(latest.isLate('ns:b', '/t', 1)).toBe(false);
    expect(latest.isLate('ns:a', '/t', 1)).toBe(true);
    expect(latest.isLate('ns:c', '/w', 1)).toBe(true);
  });
});
