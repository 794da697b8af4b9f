// Ditto's rounding of subject expiries and announcement durations, case by case.
import { describe, expect, it } from 'vitest';
import {
  instantString,
  parseDuration,
  roundUpDuration,
  roundUpExpiry,
  withRoundedExpiries,
} from './subject-expiry.js';
import type { Policy } from './policy-model.js';

const at = (iso: string) => Date.parse(iso);
const round = (iso: string, granularity: string) =>
  instantString(roundUpExpiry(at(iso), parseDuration(granularity) as number));

describe('subject expiry rounding', () => {
  it('rounds up to the next multiple of the granularity within its enclosing unit', () => {
    expect(round('2030-03-04T10:20:30.5Z', '1h')).toBe('2030-03-04T11:00:00Z');
    expect(round('2030-03-04T10:00:00Z', '1h')).toBe('2030-03-04T10:00:00Z');
    expect(round('2030-03-04T10:00:00.001Z', '1h')).toBe('2030-03-04T11:00:00Z');
    expect(round('2030-03-04T10:20:31Z', '10s')).toBe('2030-03-04T10:20:40Z');
    expect(round('2030-03-04T10:20:30Z', '30s')).toBe('2030-03-04T10:20:30Z');
    expect(round('2030-03-04T10:20:31Z', '1s')).toBe('2030-03-04T10:20:31Z');
    expect(round('2030-03-04T10:20:30.2Z', '1s')).toBe('2030-03-04T10:20:31Z');
    // 12 h: the next half day; 1 d: the next day; 15 d: the next half month.
    expect(round('2030-03-04T10:20:00Z', '12h')).toBe('2030-03-04T12:00:00Z');
    expect(round('2030-03-04T13:00:00Z', '12h')).toBe('2030-03-05T00:00:00Z');
    expect(round('2030-03-04T10:20:00Z', '1d')).toBe('2030-03-05T00:00:00Z');
    expect(round('2030-03-04T10:20:00Z', '15d')).toBe('2030-03-16T00:00:00Z');
    // The largest whole unit counts (90 min rounds as 1 h); under a second, no rounding.
    expect(round('2030-03-04T10:20:00Z', '90m')).toBe('2030-03-04T11:00:00Z');
    expect(round('2030-03-04T10:20:00.25Z', '500ms')).toBe('2030-03-04T10:20:00.250Z');
    expect(round('2030-03-04T10:20:00.25Z', '0')).toBe('2030-03-04T10:20:00.250Z');
  });

  it('rounds beforeExpiry up in its own unit, and keeps values already on the granularity', () => {
    expect(roundUpDuration('90s', 60_000)).toBe('120s');
    expect(roundUpDuration('5m', 60_000)).toBe('5m');
    expect(roundUpDuration('1h', 60_000)).toBe('1h');
    expect(roundUpDuration('1500ms', 1000)).toBe('2000ms');
  });

  it("writes expiries in Ditto's form, and returns the same policy when nothing changes", () => {
    const policy: Policy = {
      policyId: 'ns:p',
      imports: {},
      entries: {
        e: {
          subjects: {
            'user:a': {
              type: 'user',
              expiry: '2030-03-04T10:20:00Z',
              announcement: { beforeExpiry: '90s' },
            },
            'user:b': { type: 'user', expiry: '2030-03-04T13:00:00.000+02:00' },
            'user:c': { type: 'user' },
          },
          resources: {},
        },
      },
    } as unknown as Policy;
    const rounded = withRoundedExpiries(policy, 3_600_000);
    expect(rounded.entries.e.subjects).toEqual({
      'user:a': {
        type: 'user',
        expiry: '2030-03-04T11:00:00Z',
        announcement: { beforeExpiry: '120s' },
      },
      'user:b': { type: 'user', expiry: '2030-03-04T11:00:00Z' },
      'user:c': { type: 'user' },
    });
    expect(withRoundedExpiries(rounded, 3_600_000)).toBe(rounded);
  });
});
