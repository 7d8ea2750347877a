import test from 'ava';
import { Client } from 'ldapts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import { openMigrated } from '../../service/db/open-database.js';
import { PortalKey } from '../../service/portal/portal-key.js';
import { portalDb } from '../../service/portal/portal-tables.js';
import { Registrations } from '../../service/portal/registrations.js';
import { newTotpSecret } from '../../service/portal/totp.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { SmsReceiver } from '../helpers/sms-receiver.js';
import { SmtpInbox } from '../helpers/smtp-inbox.js';
import { focused, screenshot, unlabelledInputs } from './helpers/browser.js';
import { codeIn, identify as identifyAt, launchPortalBrowser, section, setPassword } from './helpers/portal-pages.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';

// The self-service portal on the real service (`writeback-service serve` over TLS), a real agent
// and slapd, driven through Debian's chromium. E-mail is read from a real SMTP server in this
// process, SMS from a local HTTP receiver, authenticator codes computed with otpauth. The agent
// here has no `portal` section, so it offers neither getContactInfo nor verifyPassword: contact
// data comes from registrations seeded in the service's database, and signing in to register says
// it is not on (portal-agent-ops.test.ts has the agent's portal ops on).

let slapd: SlapdFixture;
let env: ServiceEnvironment;
let inbox: SmtpInbox;
let sms: SmsReceiver;
let url = '';
let context: BrowserContext;
let browser: Awaited<ReturnType<typeof launchPortalBrowser>> | null = null;
const totpSecrets: Record<string, string> = {};
const passwordsUsed: string[] = [];
/** What chromium received and asked for, over every test: the leak check reads it at the end. */
const seen: { urls: string[]; responses: { url: string; headers: string; body: string }[]; reading: Promise<void>[] } = { urls: [], responses: [], reading: [] };

const HELPDESK = 'helpdesk@corp.example';

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

const identify = (page: Parameters<typeof identifyAt>[0], user: string, options: { admin?: boolean; unlock?: boolean } = {}) => identifyAt(page, url, user, options);

test.before(async () => {
  inbox = await SmtpInbox.start();
  sms = await SmsReceiver.start();
  slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } });
  passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
  env = await ServiceEnvironment.create({
    directories: [slapdTestDirectory(slapd)],
    serviceConfig: (config) => {
      config.smtp = { host: '127.0.0.1', port: inbox.port, security: 'none', user: null, password: null, from: 'portal@corp.example' };
      config.sms = { endpoint: sms.url, credential: { file: 'sms.credential' } };
      config.portal.tenant = 'acme';
      config.portal.targetBy = 'uid';
      config.portal.methods = ['email', 'sms', 'totp'];
      config.portal.helpdeskContact = HELPDESK;
      config.portal.notify = { user: true, admins: ['security@corp.example'] };
      config.portal.limits = { perUser: 12, perAddress: 500, windowSeconds: 900 };
    },
  });
  writeFileSync(join(env.dataDirs[0]!, 'sms.credential'), 'sms-provider-token\n', { mode: 0o600 });
  url = (await env.startNode(0)).url;
  await env.writeAgentConfig(url);
  await env.register();
  await env.startAgent();
  // What users would have registered (their sign-in needs the agent's verifyPassword, off here).
  const store = await openMigrated({ url: null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
  try {
    const registrations = new Registrations(portalDb(store.db), PortalKey.load(null, env.dataDirs[0]!));
    for (const [user, phone] of [
      ['alice', '+15550101'],
      ['erin', '+15550105'],
      ['rootops', '+15550199'],
    ] as const) {
      totpSecrets[user] = newTotpSecret();
      await registrations.save(env.tenantId, user, { email: `${user}@corp.example`, phone, totpSecret: totpSecrets[user] }, new Date());
    }
  } finally {
    await store.close();
  }
  browser = await launchPortalBrowser();
  context = browser.context;
  context.on('request', (request) => seen.urls.push(request.url()));
  context.on('response', (response) => {
    seen.reading.push(
      (async () => {
        const headers = JSON.stringify(await response.allHeaders().catch(() => ({})));
        // A redirect has no body to read.
        seen.responses.push({ url: response.url(), headers, body: await response.text().catch(() => '') });
      })(),
    );
  });
});

test.after.always(async () => {
  await browser?.close();
  await env?.close();
  await slapd?.stop();
  await inbox?.stop();
  await sms?.stop();
});

test.serial('e-mail code, new password, done: the password works at the directory and the user gets a notice', async (t) => {
  const page = await context.newPage();
  await identify(page, 'alice');
  const before = inbox.messages.length;
  await section(page, 'A code by e-mail').getByRole('button', { name: 'Send me a code' }).click();
  const mail = await inbox.waitFor('alice@corp.example', /reset code/, 20_000, before);
  await section(page, 'A code by e-mail').getByLabel('Code').fill(codeIn(mail.text));
  await section(page, 'A code by e-mail').getByRole('button', { name: 'Check the code' }).click();
  const password = 'Portal-Alice-2026!';
  passwordsUsed.push(password);
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('The same again').fill(password);
  await page.getByRole('button', { name: 'Set my new password' }).click();
  await page.getByText('Your new password is set. You can sign in with it now.').waitFor();
  await screenshot(page, 'portal-done');
  t.true(await canBind(slapd.users.alice.dn, password));
  const notice = await inbox.waitFor('alice@corp.example', /Your password was reset/, 20_000, before);
  t.regex(notice.text, /If this was not you/);
  // The code is single use: the same session is gone, and a new one starts at the beginning.
  await page.goto(`${url}/password`);
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
  await page.close();
});

test.serial('authenticator app code unlocks a locked account (erin)', async (t) => {
  const page = await context.newPage();
  await identify(page, 'erin', { unlock: true });
  const app = new TOTP({ secret: Secret.fromBase32(totpSecrets['erin']!) });
  await section(page, 'A code from your authenticator app').getByLabel('Code').fill(app.generate());
  await section(page, 'A code from your authenticator app').getByRole('button', { name: 'Check the code' }).click();
  await page.getByRole('button', { name: 'Unlock my account' }).click();
  await page.getByText('Your account is unlocked. You can sign in again.').waitFor();
  const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'erin', '--by', 'uid', '--json']);
  t.like(JSON.parse(state.stdout).result, { code: 'OK', details: { locked: false } });
  await inbox.waitFor('erin@corp.example', /Your account was unlocked/);
  t.true(await canBind(slapd.users.erin.dn, slapd.users.erin.password), 'an unlock keeps the password');
  await page.close();
});

test.serial('an unknown user sees the same pages, and a wrong code reads the same; nothing is sent anywhere', async (t) => {
  const page = await context.newPage();
  const mails = inbox.messages.length;
  const texts = inbox.messages.length + sms.messages.length;
  await identify(page, 'nosuchuser');
  const unknownPage = await page.locator('main').innerHTML();
  await section(page, 'A code by SMS').getByRole('button', { name: 'Send me a code' }).click();
  await page.getByText('If your account has this method, a code is on its way.').waitFor();
  await section(page, 'A code by SMS').getByLabel('Code').fill('123456');
  await section(page, 'A code by SMS').getByRole('button', { name: 'Check the code' }).click();
  await page.getByText('That code is not right, or it has expired.').waitFor();
  const known = await context.newPage();
  await identify(known, 'bob');
  t.is(await known.locator('main').innerHTML(), unknownPage, 'the page says nothing about the account');
  await known.close();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t.is(inbox.messages.length + sms.messages.length, texts);
  t.is(inbox.messages.length, mails);
  await page.close();
});

test.serial("the administrator's own reset: a link to the alternate address plus an SMS code, sent with selfService; the refusal names the help desk", async (t) => {
  const page = await context.newPage();
  await identify(page, 'rootops', { admin: true });
  t.true(await page.getByText('As an administrator you need both of these.').isVisible());
  const before = inbox.messages.length;
  await page.getByRole('button', { name: 'Send me a link' }).click();
  const mail = await inbox.waitFor('rootops@corp.example', /administrator password reset link/, 20_000, before);
  const link = /https?:\/\/\S+\/link\?t=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
  t.truthy(link);
  await page.goto(link!.replace(/^https?:\/\/[^/]+/, url));
  await page.getByText('A link to your alternate e-mail address: confirmed.').waitFor();
  const smsBefore = sms.messages.length;
  await section(page, 'A code by SMS').getByRole('button', { name: 'Send me a code' }).click();
  const text = await sms.waitFor('+15550199', 20_000, smsBefore);
  t.is(text.authorization, 'Bearer sms-provider-token');
  await section(page, 'A code by SMS').getByLabel('Code').fill(codeIn(text.text));
  await section(page, 'A code by SMS').getByRole('button', { name: 'Check the code' }).click();
  const password = 'Portal-Root-2026!';
  passwordsUsed.push(password);
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('The same again').fill(password);
  await page.getByRole('button', { name: 'Set my new password' }).click();
  // This branch's agent has no self-service opt-in: it refuses the protected account, as by default.
  await page.getByText('This is a privileged account: its password cannot be reset here.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  await screenshot(page, 'portal-admin-refused');
  t.false(await canBind(slapd.users.rootops.dn, password));
  const store = await openMigrated({ url: null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
  try {
    const command = await store.db.selectFrom('commands').select(['params']).where('op', '=', 'resetPassword').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    t.deepEqual(JSON.parse(command.params), { unlock: true, selfService: true });
  } finally {
    await store.close();
  }
  await page.close();
});

test.serial('forms carry a CSRF token, pages a CSP and no script, the cookie is HttpOnly and Secure, names are escaped', async (t) => {
  const page = await context.newPage();
  const response = await page.goto(url);
  const headers = response!.headers();
  t.regex(headers['content-security-policy'] ?? '', /default-src 'none'/);
  t.regex(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  t.is(headers['x-content-type-options'], 'nosniff');
  const cookie = (await context.cookies(url)).find((c) => c.name === 'wb_portal');
  t.true(cookie?.httpOnly);
  t.true(cookie?.secure);
  t.is(await page.locator('script').count(), 0);
  const forged = await page.request.post(`${url}/identify`, { form: { user: 'alice', csrf: 'forged' } });
  t.is(forged.status(), 403);
  await identify(page, '<img src=x onerror=alert(1)>');
  t.is(await page.locator('img').count(), 0);
  await page.close();
});

test.serial("registration needs a sign-in with the directory password; without the agent's verifyPassword it says so", async (t) => {
  const page = await context.newPage();
  await page.goto(`${url}/register`);
  await page.getByLabel('Your user name').fill('bob');
  await page.getByLabel('Your current password').fill(slapd.users.bob.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Your organisation has not turned on signing in here yet.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  await page.close();
});

test.serial('per-user limit: past portal.limits.perUser attempts, the answer is "too many", the same for any name', async (t) => {
  const page = await context.newPage();
  for (const user of ['bob', 'nobody-at-all']) {
    await identify(page, user);
    for (let i = 0; i < 13; i++) {
      await section(page, 'A code from your authenticator app').getByLabel('Code').fill('000000');
      await section(page, 'A code from your authenticator app').getByRole('button', { name: 'Check the code' }).click();
    }
    await page.getByText('Too many attempts for this account. Try again later.').waitFor();
  }
  t.pass();
  await page.close();
});

/** Identifies `user`, passes an e-mailed code and submits `password` twice. */
async function resetByEmail(page: Page, user: string, password: string): Promise<void> {
  await identify(page, user);
  const before = inbox.messages.length;
  await section(page, 'A code by e-mail').getByRole('button', { name: 'Send me a code' }).click();
  const mail = await inbox.waitFor(`${user}@corp.example`, /reset code/, 20_000, before);
  await section(page, 'A code by e-mail').getByLabel('Code').fill(codeIn(mail.text));
  await section(page, 'A code by e-mail').getByRole('button', { name: 'Check the code' }).click();
  await setPassword(page, password);
}

test.serial("a password the directory's rules refuse: the page names the minimum length, says nothing changed, names the help desk and never shows the password", async (t) => {
  const page = await context.newPage();
  const short = 'Ab#1x';
  passwordsUsed.push(short);
  const answer = page.waitForResponse((response) => response.url().endsWith('/finish'));
  await resetByEmail(page, 'alice', short);
  // The seeded slapd's policy: pwdMinLength 8, checked by the agent before it writes.
  await page.getByText('That password is too short: use at least 8 characters.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  t.false((await (await answer).text()).includes(short));
  t.false(await canBind(slapd.users.alice.dn, short));
  await page.close();
});

test.serial('directory unavailable: the page says to try again in a few minutes, and trying again works once the directory is back', async (t) => {
  const page = await context.newPage();
  const password = 'Portal-Retry-2026!';
  passwordsUsed.push(password);
  await slapd.stop();
  try {
    await resetByEmail(page, 'alice', password);
    await page.getByText('Your directory cannot be reached right now. Try again in a few minutes.').waitFor();
    t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  } finally {
    await slapd.start();
  }
  await resetByEmail(page, 'alice', password);
  await page.getByText('Your new password is set. You can sign in with it now.').waitFor();
  t.true(await canBind(slapd.users.alice.dn, password));
  await page.close();
});

test.serial('keyboard only: Tab and typing take a user from the start page through an authenticator code to a new password; every input has a label', async (t) => {
  const page = await context.newPage();
  const unlabelled: string[] = [];
  const labelsOn = async (name: string): Promise<void> => {
    for (const input of await unlabelledInputs(page)) unlabelled.push(`${name}: ${input}`);
  };
  const tabTo = async (matches: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 25; i++) {
      if (matches(await focused(page))) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  };
  await page.goto(url);
  await labelsOn('start');
  await tabTo((f) => f.id === 'user', 'the user name field');
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  t.like(await focused(page), { tag: 'input', name: 'action' });
  await tabTo((f) => f.tag === 'button' && f.text === 'Continue', 'Continue');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Prove it is you' }).waitFor();
  await labelsOn('verify');
  await tabTo((f) => f.id === 'code-totp', 'the authenticator code field');
  await page.keyboard.type(new TOTP({ secret: Secret.fromBase32(totpSecrets['alice']!) }).generate());
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await labelsOn('password');
  const password = 'Keyboard-Only-2026!';
  passwordsUsed.push(password);
  await tabTo((f) => f.id === 'password', 'the new password field');
  await page.keyboard.type(password);
  await page.keyboard.press('Tab');
  t.is((await focused(page)).id, 'confirm');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.getByText('Your new password is set. You can sign in with it now.').waitFor();
  t.true(await canBind(slapd.users.alice.dn, password));
  await page.goto(`${url}/register`);
  await labelsOn('register');
  await page.goto(`${url}/helpdesk/sign-in`);
  await labelsOn('helpdesk-sign-in');
  t.deepEqual(unlabelled, []);
  await page.close();
});

test.serial('no password typed reaches a page, a header or a URL the browser saw, nor the database, a log or any file of the service', async (t) => {
  await Promise.all(seen.reading);
  t.true(seen.responses.length > 30, `only ${seen.responses.length} responses recorded`);
  const leaks: string[] = [];
  for (const secret of new Set(passwordsUsed)) {
    for (const r of seen.responses) if (r.body.includes(secret) || r.headers.includes(secret)) leaks.push(`response ${r.url}`);
    for (const u of seen.urls) if (u.includes(secret) || u.includes(encodeURIComponent(secret))) leaks.push(`url ${u}`);
  }
  t.deepEqual(leaks, []);
  t.deepEqual(findSecrets([env.dir], passwordsUsed), []);
});
