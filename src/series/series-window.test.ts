// Parsing of series read parameters: times, steps, aggregations and fill modes, and their errors.
import { describe, expect, it } from 'vitest';
import { hasCode } from '../core/errors.js';
import { bucketCount, parseDuration, parseInstant, parseSeriesWindow } from './series-window.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function refusal(parameters: Record<string, string>): string {
  try {
    parseSeriesWindow(parameters, NOW);
  } catch (error) {
    expect(hasCode(error, 'timeseries:parameter.invalid')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('series window', () => {
  it('times - ISO-8601, epoch ms and relative to now', () => {
    expect(parseInstant('2026-12-01T10:00:00Z', NOW)).toBe(Date.UTC(2026, 11, 1, 10));
    expect(parseInstant('2026-12-01T10:00:00.250+01:00', NOW)).toBe(
      Date.UTC(2026, 11, 1, 9, 0, 0, 250),
    );
    expect(parseInstant('2026-12-01', NOW)).toBe(Date.UTC(2026, 11, 1));
    expect(parseInstant('1700000000000', NOW)).toBe(1_700_000_000_000);
    expect(parseInstant('-5', NOW)).toBe(-5);
    expect(parseInstant('now', NOW)).toBe(NOW);
    expect(parseInstant('now-7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseInstant('now+90s', NOW)).toBe(NOW + 90_000);
    for (const bad of [
      'yesterday',
      '2026-13-45T00:00:00Z',
      '12.5',
      'now-7',
      'now-1y',
      '',
      '9000000000000000',
      'now+999999999w',
    ])
      expect(parseInstant(bad, NOW), bad).toBeNull();
  });

  it('durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('250ms')).toBe(250);
    for (const bad of ['0s', '5', 'm', '1.5h', '-1m', '5 m']) expect(parseDuration(bad)).toBeNull();
  });

  it('defaults - the last day, raw; a step alone averages and fills with null', () => {
    expect(parseSeriesWindow({}, NOW)).toEqual({
      from: NOW - 86_400_000,
      to: NOW,
      step: null,
      aggregations: [],
      fill: 'null',
    });
    expect(parseSeriesWindow({ from: 'now-1h', step: '5m' }, NOW)).toEqual({
      from: NOW - 3_600_000,
      to: NOW,
      step: 300_000,
      aggregations: ['avg'],
      fill: 'null',
    });
    expect(
      parseSeriesWindow(
        { from: '0', to: '10', step: '1ms', agg: 'max,avg,max', fill: 'linear' },
        NOW,
      ),
    ).toEqual({ from: 0, to: 10, step: 1, aggregations: ['max', 'avg'], fill: 'linear' });
  });

  it('bad parameters - each refusal names its parameter and says why', () => {
    expect(refusal({ from: 'yesterday' })).toMatch(/'from'.*'yesterday' is not a time/);
    expect(refusal({ to: 'soon' })).toMatch(/'to'/);
    expect(refusal({ from: 'now', to: 'now-1h' })).toMatch(/'from'.*is after to/);
    expect(refusal({ step: '5 minutes' })).toMatch(/'step'.*not a duration/);
    expect(refusal({ step: '5m', agg: 'avg,median' })).toMatch(/'agg'.*'median'/);
    expect(refusal({ agg: 'avg' })).toMatch(/'agg'.*needs a step/);
    expect(refusal({ fill: 'null' })).toMatch(/'fill'.*needs a step/);
    expect(refusal({ step: '1m', fill: 'zero' })).toMatch(/'fill'.*'zero'/);
  });

  it('bucket count - whole buckets from the one holding from to the one holding to', () => {
    const window = parseSeriesWindow({ from: '90000', to: '300000', step: '1m' }, NOW);
    expect(bucketCount({ ...window, step: 60_000 })).toBe(5); // 60k, 120k, 180k, 240k, 300k
  });
});
