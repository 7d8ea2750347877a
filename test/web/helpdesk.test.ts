import test from 'ava';
import { Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { eventually } from '../helpers/eventually.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { launchPortalBrowser } from './helpers/portal-pages.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';

// The help desk at /helpdesk on the real service (`writeback-service serve` over TLS), with a real
// agent against a real slapd, driven through Debian's chromium. The operator signs in with the
// admin token the CLI printed. In the seeded slapd, erin is locked out and rootops is a direct
// member of the protected admins group.

const TYPED = 'Helpdesk-Typed-Pass7!';

let slapd: SlapdFixture;
let env: ServiceEnvironment;
let url = '';
let context: BrowserContext;
let browser: Awaited<ReturnType<typeof launchPortalBrowser>> | null = null;
const passwordsUsed: string[] = [TYPED];

async function canBind(dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.caFile)] } });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${url}/helpdesk/sign-in`);
  await page.getByLabel('Help desk token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Fills one of the tenant page's forms and submits it. */
async function submit(page: Page, form: string, user: string | null, password = ''): Promise<void> {
  await page.goto(`${url}/helpdesk/t/acme`);
  const section = page.getByRole('form', { name: form });
  if (user !== null) await section.getByLabel('User', { exact: true }).fill(user);
  if (password !== '') await section.getByLabel('New password').fill(password);
  await section.getByRole('button').click();
}

/** The result code of the newest command of `op` on `user`, read from the list until it has one (30 s deadline). */
async function codeOf(page: Page, op: string, user: string): Promise<string> {
  let code = '';
  await eventually(
    async () => {
      await page.goto(`${url}/helpdesk/t/acme/commands`);
      const row = page
        .locator('tbody tr')
        .filter({ has: page.locator('td', { hasText: op }) })
        .filter({ has: page.getByRole('cell', { name: user, exact: true }) })
        .first();
      code = (
        (await row
          .locator('td.code')
          .textContent({ timeout: 5_000 })
          .catch(() => '')) ?? ''
      ).trim();
      return code !== '';
    },
    { timeoutMs: 30_000, intervalMs: 300, what: `a result for ${op} ${user}` },
  );
  return code;
}

test.before(async () => {
  slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } });
  passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
  env = await ServiceEnvironment.create({
    directories: [slapdTestDirectory(slapd)],
  });
  url = (await env.startNode(0)).url;
  await env.writeAgentConfig(url);
  await env.register();
  await env.startAgent();
  browser = await launchPortalBrowser();
  context = browser.context;
});

test.after.always(async () => {
  await browser?.close();
  await env?.close();
  await slapd?.stop();
});

test.serial('a page without the session cookie redirects to the sign-in page', async (t) => {
  const page = await context.newPage();
  await page.goto(`${url}/helpdesk/t/acme/commands`);
  await page.getByRole('heading', { name: 'Help desk sign-in' }).waitFor();
  t.true(page.url().endsWith('/helpdesk/sign-in'));
  await page.close();
});

test.serial('a wrong token is refused', async (t) => {
  const page = await context.newPage();
  await signIn(page, `wba_${'x'.repeat(40)}`);
  await page.getByText('That token is not valid.').waitFor();
  t.false((await context.cookies()).some((c) => c.name === 'wb_helpdesk'));
  await page.close();
});

test.serial('sign in with the admin token; the session cookie is HttpOnly, Secure, SameSite=Strict; pages carry a CSP', async (t) => {
  const page = await context.newPage();
  await signIn(page, env.adminToken);
  await page.getByRole('link', { name: 'acme' }).click();
  await page.getByRole('heading', { name: 'Help desk: acme' }).waitFor();
  const session = (await context.cookies()).find((c) => c.name === 'wb_helpdesk');
  t.like(session, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/helpdesk' });
  const response = await page.goto(`${url}/helpdesk/t/acme`);
  t.regex(response?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  await page.close();
});

test.serial('reset with a typed password: OK in the list, and the new password binds at slapd', async (t) => {
  const page = await context.newPage();
  await submit(page, 'Reset a password', 'alice', TYPED);
  await page.getByRole('heading', { name: 'Commands: acme' }).waitFor();
  t.is(await codeOf(page, 'resetPassword', 'alice'), 'OK');
  t.true(await canBind(slapd.users.alice.dn, TYPED));
  t.false(await canBind(slapd.users.alice.dn, slapd.users.alice.password));
  await page.close();
});

test.serial('unlock a locked-out user', async (t) => {
  const page = await context.newPage();
  t.is((await slapd.read(slapd.users.erin.dn, ['pwdAccountLockedTime'])).pwdAccountLockedTime?.length, 1);
  await submit(page, 'Unlock an account', 'erin');
  t.is(await codeOf(page, 'unlockAccount', 'erin'), 'OK');
  t.is((await slapd.read(slapd.users.erin.dn, ['pwdAccountLockedTime'])).pwdAccountLockedTime?.length ?? 0, 0, 'the agent cleared the lockout at slapd');
  await page.close();
});

test.serial('refusals are shown with their code: PROTECTED_ACCOUNT (generated password shown once) and USER_NOT_FOUND', async (t) => {
  const page = await context.newPage();
  await submit(page, 'Reset a password', 'rootops');
  const generated = ((await page.locator('#generated').textContent()) ?? '').trim();
  t.is(generated.length, 20);
  passwordsUsed.push(generated);
  t.is(await codeOf(page, 'resetPassword', 'rootops'), 'PROTECTED_ACCOUNT');
  t.false(await page.getByText(generated).isVisible(), 'the list never shows the generated password');
  t.false(await canBind(slapd.users.rootops.dn, generated));
  await submit(page, 'Unlock an account', 'nobody');
  t.is(await codeOf(page, 'unlockAccount', 'nobody'), 'USER_NOT_FOUND');
  await page.close();
});

test.serial('user input is shown as text, never as markup', async (t) => {
  const page = await context.newPage();
  const user = 'x<b id="injected">y</b>';
  await submit(page, 'Account state', user);
  t.not(await codeOf(page, 'getAccountState', user), 'OK');
  t.is(await page.locator('#injected').count(), 0);
  await page.close();
});

test.serial("check permissions shows the agent's report", async (t) => {
  const page = await context.newPage();
  await submit(page, "Check the agent's permissions", null);
  let code = '';
  await eventually(
    async () => {
      await page.goto(`${url}/helpdesk/t/acme/commands`);
      code = ((await page.locator('tbody tr').filter({ hasText: 'checkPermissions' }).first().locator('td.code').textContent()) ?? '').trim();
      return code !== '';
    },
    { timeoutMs: 30_000, intervalMs: 300, what: "the agent's permission report in the command list" },
  );
  t.regex(code, /^[A-Z_]+$/);
  t.true(await page.locator('tbody tr').filter({ hasText: 'checkPermissions' }).first().getByText('Details').isVisible());
  await page.close();
});

test.serial('a form without the CSRF token is refused', async (t) => {
  // The browser context's request client sends the session cookie, as a cross-site form would not even do.
  const response = await context.request.post(`${url}/helpdesk/t/acme/submit`, { form: { action: 'unlock', by: 'uid', user: 'bob' }, maxRedirects: 0 });
  t.is(response.status(), 403);
});

test.serial('signing out ends the session: the next page asks to sign in again', async (t) => {
  const page = await context.newPage();
  await page.goto(`${url}/helpdesk`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Help desk sign-in' }).waitFor();
  await page.goto(`${url}/helpdesk/t/acme`);
  t.true(page.url().endsWith('/helpdesk/sign-in'));
  await page.close();
});

test.serial("no password or token reaches the service's or the agent's database, logs or files in plain form", (t) => {
  t.deepEqual(findSecrets([env.dir], [...passwordsUsed, env.adminToken]), []);
});
