// When a service is due: cron strings (croner, UTC unless a timezone is given) and fixed intervals
// ({"every": "5m"}, instants aligned to the epoch), with durations such as 30s, 5m, 1h, 1d.
import { Cron } from 'croner';
import { errors } from '../core/error-registry.js';
import { isJsonObject } from '../core/json.js';

/** A parsed schedule: the next instant after a time, and the latest one at or before it. */
export interface Schedule {
  /** The first instant strictly after `t` (epoch ms); null when there is none. */
  nextAfter(t: number): number | null;
  /** The latest instant at or before `t`; null when there is none. */
  latestAtOrBefore(t: number): number | null;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/** Milliseconds of a duration such as `500ms`, `30s`, `5m`, `1h`, `1d`; null when it is not one. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (match === null) return null;
  return Number(match[1]) * UNITS[match[2]];
}

const MIN_EVERY_MS = 1000;
const MAX_EVERY_MS = 366 * 86_400_000;

class EverySchedule implements Schedule {
  constructor(readonly everyMs: number) {}
  nextAfter(t: number): number {
    return (Math.floor(t / this.everyMs) + 1) * this.everyMs;
  }
  latestAtOrBefore(t: number): number {
    return Math.floor(t / this.everyMs) * this.everyMs;
  }
}

class CronSchedule implements Schedule {
  constructor(private readonly cron: Cron) {}
  nextAfter(t: number): number | null {
    return this.cron.nextRun(new Date(t))?.getTime() ?? null;
  }
  latestAtOrBefore(t: number): number | null {
    // previousRuns is strictly before its reference.
    const [latest] = this.cron.previousRuns(1, new Date(t + 1));
    return latest?.getTime() ?? null;
  }
}

/** Whether `zone` is an IANA time zone this Node knows. */
function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a schedule: a cron string (5 fields, or 6 with seconds first) read in `timezone` (UTC by
 * default), or `{"every": "<duration>"}` (1s to 366d). Throws `services:schedule.invalid` (400)
 * naming the field.
 *
 * @example parseSchedule('*\/5 * * * *').nextAfter(Date.UTC(2026, 0, 1)) // 2026-01-01T00:05Z
 */
export function parseSchedule(value: unknown, timezone?: string): Schedule {
  if (timezone !== undefined && !knownZone(timezone))
    throw errors.serviceScheduleInvalid('timezone', timezone, 'is not a known IANA time zone');
  if (typeof value === 'string') {
    const fields = value.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6)
      throw errors.serviceScheduleInvalid(
        'schedule',
        value,
        `has ${fields} fields; a cron string has five (minute hour day month weekday), or six with seconds first`,
      );
    let cron: Cron;
    try {
      cron = new Cron(value, { timezone: timezone ?? 'UTC', paused: true });
    } catch (error) {
      throw errors.serviceScheduleInvalid(
        'schedule',
        value,
        `is not a cron string: ${(error as Error).message}`,
      );
    }
    return new CronSchedule(cron);
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    const every = value.every;
    if (keys.length !== 1 || typeof every !== 'string')
      throw errors.serviceScheduleInvalid(
        'schedule',
        JSON.stringify(value),
        'must be a cron string or {"every": "<duration>"} and nothing else',
      );
    if (timezone !== undefined)
      throw errors.serviceScheduleInvalid(
        'timezone',
        timezone,
        'applies to cron schedules only; an "every" schedule runs at multiples of its interval since 1970-01-01T00:00Z',
      );
    const ms = parseDuration(every);
    if (ms === null || ms < MIN_EVERY_MS || ms > MAX_EVERY_MS)
      throw errors.serviceScheduleInvalid(
        'schedule',
        JSON.stringify(value),
        'needs "every" to be a duration from 1s to 366d such as "30s", "5m", "1h" or "1d"',
      );
    return new EverySchedule(ms);
  }
  throw errors.serviceScheduleInvalid(
    'schedule',
    JSON.stringify(value),
    'must be a cron string or {"every": "<duration>"}',
  );
}
