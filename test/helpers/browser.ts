// Headless Chromium for the live-feedback page's tests: playwright-core drives the system's
// browser (Debian's chromium, or CHROMIUM_PATH); it downloads none. Where there is no browser the
// tests skip and say why, rather than pass without looking.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

export interface BrowserPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors, in order. A page under test should have none. */
  errors: string[];
  close(): Promise<void>;
}

export interface BrowserOptions {
  viewport?: { width: number; height: number };
  /** The page's time zone, so clock times can be checked (default UTC). */
  timezoneId?: string;
}

/** A fresh browser with a fresh profile (nothing cached or remembered from another run). */
export async function openBrowser(options: BrowserOptions = {}): Promise<BrowserPage> {
  const profile = mkdtempSync(join(tmpdir(), 'sp-chromium-'));
  let context: BrowserContext;
  try {
    // Playwright owns --user-data-dir: a persistent context is how a profile directory is given.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: options.viewport ?? { width: 1920, height: 1080 },
      deviceScaleFactor: 1,
      timezoneId: options.timezoneId ?? 'UTC',
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return {
    page,
    context,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
