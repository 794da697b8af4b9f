// Ditto's subject expiry rules: durations as configured, expiries rounded up to the granularity.
import type { Policy } from './policy-model.js';

/** Ditto's default `policies.subject-expiry.granularity`: expiries round up to the next full hour. */
export const DEFAULT_SUBJECT_EXPIRY_GRANULARITY_MS = 3_600_000;
/** Ditto's default `subject-deletion-announcement-granularity`: `beforeExpiry` rounds up to minutes. */
export const DEFAULT_ANNOUNCEMENT_GRANULARITY_MS = 60_000;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** A duration as Ditto writes them (`500ms`, `10s`, `5m`, `1h`, `1d`; `0` alone); null if not one. */
export function parseDuration(raw: string): number | null {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(raw.trim());
  if (!match) return raw.trim() === '0' ? 0 : null;
  return Number(match[1]) * UNIT_MS[match[2] as Unit];
}

/** The unit a granularity counts in, how many of it, and the unit the count restarts in. */
interface Granularity {
  unit: Exclude<Unit, 'ms'>;
  amount: number;
  parent: 'month' | Exclude<Unit, 'ms' | 's'>;
}

/** As Ditto: the largest whole unit of the granularity (90 min counts as 1 h); under 1 s, none. */
function granularityOf(ms: number): Granularity | null {
  if (ms >= UNIT_MS.d) return { unit: 'd', amount: Math.floor(ms / UNIT_MS.d), parent: 'month' };
  if (ms >= UNIT_MS.h) return { unit: 'h', amount: Math.floor(ms / UNIT_MS.h), parent: 'd' };
  if (ms >= UNIT_MS.m) return { unit: 'm', amount: Math.floor(ms / UNIT_MS.m), parent: 'h' };
  if (ms >= UNIT_MS.s) return { unit: 's', amount: Math.floor(ms / UNIT_MS.s), parent: 'm' };
  return null;
}

/**
 * Rounds an instant (epoch ms) up the way Ditto rounds a subject's expiry: to the next multiple of
 * the granularity counted from the start of the enclosing unit (12 h: the next half day; 15 d: the
 * next half month), in UTC. An instant already on it is kept.
 */
export function roundUpExpiry(at: number, granularityMs: number): number {
  const granularity = granularityOf(granularityMs);
  if (!granularity) return at;
  const unitMs = UNIT_MS[granularity.unit];
  const truncated = Math.floor(at / unitMs) * unitMs;
  let parentStart: number;
  if (granularity.parent === 'month') {
    const date = new Date(at);
    parentStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  } else {
    const parentMs = UNIT_MS[granularity.parent];
    parentStart = Math.floor(at / parentMs) * parentMs;
  }
  const delta = Math.round((truncated - parentStart) / unitMs) % granularity.amount;
  if (truncated === at && delta === 0) return at;
  return truncated + (granularity.amount - delta) * unitMs;
}

/** An instant as Java's `Instant.toString` writes it (Ditto's form): no `.000` for whole seconds. */
export function instantString(at: number): string {
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

/**
 * `policy` with every subject's expiry rounded up to the granularity and written as Ditto writes
 * an instant (`2030-01-01T10:00:00Z`, in UTC), and every announcement's `beforeExpiry` rounded up
 * to the announcement granularity (kept in its own unit, as Ditto does). The same object when
 * nothing changes.
 */
export function withRoundedExpiries(
  policy: Policy,
  granularityMs: number,
  announcementGranularityMs: number = DEFAULT_ANNOUNCEMENT_GRANULARITY_MS,
): Policy {
  let changed = false;
  const entries: Policy['entries'] = {};
  for (const [label, entry] of Object.entries(policy.entries)) {
    const subjects: Policy['entries'][string]['subjects'] = {};
    for (const [id, subject] of Object.entries(entry.subjects)) {
      let next = subject;
      if (subject.expiry !== undefined) {
        const at = Date.parse(subject.expiry);
        const written = instantString(roundUpExpiry(at, granularityMs));
        if (written !== subject.expiry) next = { ...next, expiry: written };
      }
      const before = subject.announcement?.beforeExpiry;
      if (before !== undefined) {
        const rounded = roundUpDuration(before, announcementGranularityMs);
        if (rounded !== before)
          next = { ...next, announcement: { ...next.announcement, beforeExpiry: rounded } };
      }
      if (next !== subject) changed = true;
      subjects[id] = next;
    }
    entries[label] = { ...entry, subjects };
  }
  return changed ? { ...policy, entries } : policy;
}

/**
 * Ditto's rounding of a `beforeExpiry` duration: up to a multiple of the granularity, written in
 * the duration's own unit (rounded up to a whole one); as written when already a multiple.
 */
export function roundUpDuration(duration: string, granularityMs: number): string {
  const match = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!match || granularityMs <= 0) return duration;
  const unit = match[2] as Unit;
  const ms = Number(match[1]) * UNIT_MS[unit];
  if (ms % granularityMs === 0) return duration;
  const roundedMs = Math.ceil(ms / granularityMs) * granularityMs;
  return `${Math.ceil(roundedMs / UNIT_MS[unit])}${unit}`;
}
