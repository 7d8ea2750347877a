import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM } from './browser.js';

/** Chromium on a fresh profile that accepts the test CA's certificate (the portal is served over TLS). */
export async function launchPortalBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'wb-portal-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  context.setDefaultTimeout(30_000);
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The six-digit code in a message. */
export function codeIn(text: string): string {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (code === undefined) throw new Error('no code in the message');
  return code;
}

/** The start page filled in, up to the methods page. */
export async function identify(page: Page, url: string, user: string, options: { admin?: boolean; unlock?: boolean } = {}): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Your user name').fill(user);
  if (options.unlock === true) await page.getByLabel('Unlock my account').check();
  if (options.admin === true) await page.getByLabel('I am an administrator').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Prove it is you' }).waitFor();
}

/** One method's block on the methods page. */
export function section(page: Page, label: string): Locator {
  return page.locator(`section[aria-label="${label}"]`);
}

/** Types a code into a method's block and checks it. */
export async function enterCode(page: Page, label: string, code: string): Promise<void> {
  await section(page, label).getByLabel('Code').fill(code);
  await section(page, label).getByRole('button', { name: 'Check the code' }).click();
}

export async function setPassword(page: Page, password: string): Promise<void> {
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('The same again').fill(password);
  await page.getByRole('button', { name: 'Set my new password' }).click();
}
