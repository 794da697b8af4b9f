// Percentiles and the plain-text tables every benchmark prints.

/** The q-quantile (0…1) of unsorted samples, nearest-rank; NaN when there are none. */
export function percentile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** Formats a number with a fixed number of decimals, or '—' when it is not a number. */
export function fmt(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

export function ms(value: number): string {
  return `${fmt(value, value < 10 ? 2 : 1)} ms`;
}

export function mib(bytes: number): string {
  return `${fmt(bytes / 1024 / 1024, 0)} MiB`;
}

/** `a / b` as a percentage or a factor. */
export function ratio(a: number, b: number, as: 'percent' | 'times' = 'percent'): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return as === 'percent' ? `${fmt((100 * a) / b, 0)} %` : `${fmt(a / b, 1)}×`;
}

/** 'yes' or 'NO' against a bar, for the eye (benchmarks do not assert). */
export function meets(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}

/** Prints a table with a title; the first column is left-aligned, the others right-aligned. */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  console.log(`\n${title}\n${line(header)}\n${rule}`);
  for (const row of rows) console.log(line(row));
}

export function note(text: string): void {
  console.log(`  ${text}`);
}
