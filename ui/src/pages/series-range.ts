// The Series page's reads: a named range's span, the step that keeps a read under ~2,000 buckets, the CSV's name.

/** The named ranges the page offers, and their spans in ms. */
export const RANGES = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
};
export type RangeName = keyof typeof RANGES | 'custom';

/** At most this many buckets per read (a raw read only for ranges of an hour or less). */
export const MAX_BUCKETS = 2_000;
const STEPS: [string, number][] = [
  ['1m', 60_000],
  ['5m', 300_000],
  ['15m', 900_000],
  ['1h', 3_600_000],
  ['6h', 21_600_000],
  ['1d', 86_400_000],
  ['7d', 604_800_000],
];

/**
 * The step to read a span with: none (raw points) up to an hour, else the smallest step giving
 * about {@link MAX_BUCKETS} buckets or fewer (24 h: 1m, 7 d: 5m, 30 d: 1h).
 */
export function stepFor(spanMs: number): string | undefined {
  if (spanMs <= RANGES['1h']) return undefined;
  // 5m over 7 days is 2,016 buckets: a whole week at 5 minutes is worth the 1 % over.
  const found = STEPS.find(([, ms]) => spanMs / ms <= MAX_BUCKETS * 1.01);
  return (found ?? STEPS[STEPS.length - 1])[0];
}

/**
 * The file name of a series' CSV: `<thingId>_<pointer>.csv`, the pointer's slashes as dots and
 * the twin id's colon as `_` (browsers replace it so anyway).
 */
export function csvName(thingId: string, pointer: string): string {
  return `${thingId.replace(/[:\\/]/g, '_')}_${pointer.replace(/\//g, '.')}.csv`;
}
