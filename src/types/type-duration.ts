// Durations in type documents (`250ms`, `30s`, `5m`, `1h`, `1d`) as milliseconds.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/**
 * Milliseconds of a duration such as `30s`; null when the text is not one. Zero (`0s`) parses;
 * callers that need a positive span refuse it.
 */
export function parseTypeDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (match === null) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return Number.isSafeInteger(ms) ? ms : null;
}
