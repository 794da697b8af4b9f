// axe-core in a Chromium page: its violations, and the critical and serious ones as lines to compare.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's violations on the page as it is (evaluated over CDP, so the app's CSP does not apply). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations as never;
  });
}

export const isSevere = (v: AxeViolation) => v.impact === 'critical' || v.impact === 'serious';

/** One line per violation: impact, rule, its help and where. */
export const describeViolations = (found: AxeViolation[]) =>
  found.map(
    (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );

/** The page's critical and serious violations, one line each (an empty list passes). */
export async function severeViolations(page: Page): Promise<string[]> {
  return describeViolations((await axeViolations(page)).filter(isSevere));
}
