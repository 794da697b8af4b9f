// Debian's Chromium for the browser tests: where it is, how to launch it, and what to do without it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. Without Chromium they fail under CI (it must be
 * installed there) and are skipped elsewhere, the reason in the suite's title.
 */
export function chromiumAvailable(test: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`${test} test: ${CHROMIUM} is missing (apt-get install chromium)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface SignedInPageOptions {
  readonly viewport?: { width: number; height: number };
  readonly acceptDownloads?: boolean;
  /** Default timeout of the page's actions, ms (default 8000). */
  readonly timeout?: number;
  /** Collects the page's uncaught errors. */
  readonly errors?: string[];
}

/** A new page of `browser` at `url`, signed in to the dashboard with an API token. */
export async function signedInPage(
  browser: Browser,
  url: string,
  token: string,
  options: SignedInPageOptions = {},
): Promise<Page> {
  const page = await browser.newPage({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    acceptDownloads: options.acceptDownloads,
  });
  page.setDefaultTimeout(options.timeout ?? 8000);
  const errors = options.errors;
  if (errors) page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.getByRole('tab', { name: 'API token' }).click();
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.getByTestId('subject').waitFor();
  return page;
}

/** Goes to an in-app URL without reloading (the dashboard keeps its credential in memory). */
export async function visitInApp(page: Page, url: string): Promise<void> {
  await page.evaluate((to) => {
    window.history.pushState(null, '', to);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, url);
}
