import test from 'ava';
import { Client } from 'ldapts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, type BrowserContext, type Cookie, type Page } from 'playwright-core';
import { openMigrated } from '../../service/db/open-database.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { eventually } from '../helpers/eventually.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { launchPortalBrowser } from './helpers/portal-pages.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';

// The help desk at /helpdesk on the real service (`writeback-service serve` over TLS), with a real
// agent against a real slapd, driven through Debian's chromium. The operator signs in with the
// admin token the CLI printed, which opens a server-side session: the cookie carries a random
// session id, never the token. In the seeded slapd, erin is locked out and rootops is a direct
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

/** Runs `change` on the service's database (SQLite in node 0's data directory). */
async function inDatabase(change: (db: Awaited<ReturnType<typeof openMigrated>>['db']) => Promise<unknown>): Promise<void> {
  const store = await openMigrated({ url: null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
  try {
    await change(store.db);
  } finally {
    await store.close();
  }
}

const idHash = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');

async function sessionCookie(of: BrowserContext): Promise<Cookie> {
  const found = (await of.cookies()).find((c) => c.name === 'wb_helpdesk');
  if (found === undefined) throw new Error('no help desk session cookie');
  // Every session id the browser got goes into the final secret scan.
  if (!passwordsUsed.includes(found.value)) passwordsUsed.push(found.value);
  return found;
}

/** A client holding only a copy of `cookie`: whether it still opens a help desk page (else it is sent to sign in). */
async function replayOpens(cookie: Cookie): Promise<boolean> {
  const replay = await request.newContext({ ignoreHTTPSErrors: true, extraHTTPHeaders: { cookie: `${cookie.name}=${cookie.value}` } });
  try {
    const response = await replay.get(`${url}/helpdesk/t/acme`, { maxRedirects: 0 });
    if (response.status() === 200) return true;
    if (response.status() === 303 && response.headers()['location'] === '/helpdesk/sign-in') return false;
    throw new Error(`unexpected answer ${response.status()}`);
  } finally {
    await replay.dispose();
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
  const session = await sessionCookie(context);
  t.like(session, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/helpdesk' });
  // The cookie is a random session id, not the token; only the id's hash is stored.
  t.regex(session.value, /^[A-Za-z0-9_-]{43}$/);
  t.false(session.value.includes(env.adminToken) || env.adminToken.includes(session.value));
  t.deepEqual(findSecrets([env.dir], [session.value]), [], 'the session id is nowhere in the service data or logs');
  t.true(await replayOpens(session));
  const response = await page.goto(`${url}/helpdesk/t/acme`);
  t.regex(response?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  await page.close();
});

test.serial('a tenant path with a malformed %-escape is no such tenant (404), not an internal error', async (t) => {
  const page = await context.newPage();
  await signIn(page, env.adminToken);
  await page.getByRole('link', { name: 'acme' }).waitFor();
  const session = await sessionCookie(context);
  const client = await request.newContext({ ignoreHTTPSErrors: true, extraHTTPHeaders: { cookie: `${session.name}=${session.value}` } });
  try {
    const response = await client.get(`${url}/helpdesk/t/%E0%A4%A`, { maxRedirects: 0 });
    t.is(response.status(), 404);
  } finally {
    await client.dispose();
  }
  t.false(env.nodes[0]!.process.output.includes('help desk request failed'));
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

test.serial('reset with "must change at next sign-in": the directory asks for a change at the next sign-in, and the typed password is on no page', async (t) => {
  const page = await context.newPage();
  const reading: Promise<string>[] = [];
  // A redirect has no body to read.
  page.on('response', (response) => reading.push(response.text().catch(() => '')));
  const password = 'Helpdesk-Force-Pass8!';
  passwordsUsed.push(password);
  await page.goto(`${url}/helpdesk/t/acme`);
  const form = page.getByRole('form', { name: 'Reset a password' });
  await form.getByLabel('User', { exact: true }).fill('bob');
  await form.getByLabel('New password').fill(password);
  await form.getByLabel('Must change at next sign-in').check();
  await form.getByRole('button').click();
  await page.getByRole('heading', { name: 'Commands: acme' }).waitFor();
  t.is(await codeOf(page, 'resetPassword', 'bob'), 'OK');
  t.deepEqual((await slapd.read(slapd.users.bob.dn, ['pwdReset'])).pwdReset, ['TRUE']);
  const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'bob', '--by', 'uid', '--json']);
  t.like(JSON.parse(state.stdout).result, { code: 'OK', details: { mustChangePassword: true } });
  const bodies = await Promise.all(reading);
  t.true(bodies.length > 0);
  t.false(
    bodies.some((body) => body.includes(password)),
    'the form comes back empty and no page shows the password',
  );
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

test.serial('signing out ends the session on the server: the next page asks to sign in again, and a kept copy of the cookie is refused', async (t) => {
  const page = await context.newPage();
  await page.goto(`${url}/helpdesk`);
  const kept = await sessionCookie(context);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Help desk sign-in' }).waitFor();
  await page.goto(`${url}/helpdesk/t/acme`);
  t.true(page.url().endsWith('/helpdesk/sign-in'));
  t.false(await replayOpens(kept));
  await page.close();
});

test.serial('a session past its expiry, or idle for longer than the idle timeout, is refused', async (t) => {
  const page = await context.newPage();
  await signIn(page, env.adminToken);
  await page.getByRole('link', { name: 'acme' }).waitFor();
  const expiring = await sessionCookie(context);
  t.true(await replayOpens(expiring));
  await inDatabase((db) =>
    db
      .updateTable('helpdesk_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id_hash', '=', idHash(expiring.value))
      .execute(),
  );
  t.false(await replayOpens(expiring));

  await signIn(page, env.adminToken);
  await page.getByRole('link', { name: 'acme' }).waitFor();
  const idle = await sessionCookie(context);
  t.not(idle.value, expiring.value, 'each sign-in opens a new session');
  // The default idle timeout is 30 minutes: last used 31 minutes ago.
  await inDatabase((db) =>
    db
      .updateTable('helpdesk_sessions')
      .set({ last_used_at: new Date(Date.now() - 31 * 60_000).toISOString() })
      .where('id_hash', '=', idHash(idle.value))
      .execute(),
  );
  t.false(await replayOpens(idle));
  await page.goto(`${url}/helpdesk`);
  t.true(page.url().endsWith('/helpdesk/sign-in'));
  await page.close();
});

test.serial('revoking the admin token (`admin-token revoke`) ends the sessions opened with it, and it signs in no more', async (t) => {
  const created = await env.cli(['admin-token', 'create', '--name', 'desk2']);
  t.is(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  passwordsUsed.push(token);
  const page = await context.newPage();
  await signIn(page, env.adminToken);
  await page.getByRole('link', { name: 'acme' }).waitFor();
  const other = await sessionCookie(context);
  await signIn(page, token);
  await page.getByRole('link', { name: 'acme' }).waitFor();
  const revoked = await sessionCookie(context);
  t.true(await replayOpens(revoked));

  const revoke = await env.cli(['admin-token', 'revoke', '--name', 'desk2']);
  t.is(revoke.code, 0, revoke.stderr);
  t.is(revoke.stdout, 'revoked 1 admin token(s) named desk2; their help desk sessions ended\n');
  t.false(await replayOpens(revoked));
  t.true(await replayOpens(other), "another token's session goes on");
  await signIn(page, token);
  await page.getByText('That token is not valid.').waitFor();
  const list = await env.cli(['admin-token', 'list']);
  t.regex(list.stdout, /^e2e {2}created \S+$/m);
  t.false(list.stdout.includes('desk2'));
  await page.close();
});

test.serial("no password, admin or registration token or help desk session id reaches the service's or the agent's database, logs or files in plain form", (t) => {
  t.true(env.registrationTokens.length > 0);
  t.deepEqual(findSecrets([env.dir], [...passwordsUsed, env.adminToken, ...env.registrationTokens]), []);
});
