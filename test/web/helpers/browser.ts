import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); playwright-core never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'screenshots');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** One response as the browser received it: what the tests search for passwords. */
export interface RecordedResponse {
  url: string;
  status: number;
  headers: string;
  body: string;
}

export interface Browser {
  context: BrowserContext;
  /** Every request URL the browser made. */
  urls: string[];
  responses: RecordedResponse[];
  /** Waits until every response body seen so far has been read. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Chromium headless with a fresh profile (playwright wants the profile as `userDataDir`, which it
 * passes as --user-data-dir), recording every request URL and response of every page.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`);
  const profile = await mkdtemp(join(tmpdir(), 'wb-web-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1200, height: 860 } });
  context.setDefaultTimeout(30_000);
  const urls: string[] = [];
  const responses: RecordedResponse[] = [];
  const reading: Promise<void>[] = [];
  context.on('request', (request) => urls.push(request.url()));
  context.on('response', (response) => {
    reading.push(
      (async () => {
        const headers = JSON.stringify(await response.allHeaders().catch(() => ({})));
        // Redirects have no body to read.
        const body = await response.text().catch(() => '');
        responses.push({ url: response.url(), status: response.status(), headers, body });
      })(),
    );
  });
  return {
    context,
    urls,
    responses,
    settled: async () => {
      await Promise.all(reading);
    },
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A screenshot kept as a test artifact (test-artifacts/screenshots/NAME.png, git-ignored). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Form controls without an accessible label (a `<label>`, aria-label or aria-labelledby). */
export async function unlabelledInputs(page: Page): Promise<string[]> {
  // A string, run in the page: this project's TypeScript has no DOM types.
  return page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => (!el.labels || el.labels.length === 0) && !el.hasAttribute('aria-label') && !el.hasAttribute('aria-labelledby'))
    .map((el) => el.name || el.id || el.outerHTML)`);
}

/** The focused element as `tag#id[name] "text"`, for keyboard tests. */
export async function focused(page: Page): Promise<{ tag: string; id: string; text: string; name: string }> {
  return page.evaluate<{ tag: string; id: string; text: string; name: string }>(`(() => {
    const el = document.activeElement;
    return { tag: el ? el.tagName.toLowerCase() : '', id: el ? el.id : '', text: el ? (el.textContent || '').trim() : '', name: el ? el.getAttribute('name') || '' : '' };
  })()`);
}
