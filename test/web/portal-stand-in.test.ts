import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import { openMigrated } from '../../service/db/open-database.js';
import { PortalKey } from '../../service/portal/portal-key.js';
import { portalDb } from '../../service/portal/portal-tables.js';
import { Registrations } from '../../service/portal/registrations.js';
import { newTotpSecret } from '../../service/portal/totp.js';
import { PortalStandInAgent, type StandInUser } from '../helpers/portal-stand-in-agent.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { SmsReceiver } from '../helpers/sms-receiver.js';
import { SmtpInbox } from '../helpers/smtp-inbox.js';
import { screenshot } from './helpers/browser.js';
import { codeIn, enterCode, identify as identifyAt, launchPortalBrowser, section, setPassword } from './helpers/portal-pages.js';

// The portal's flows that need the agent's portal operations (getContactInfo, verifyPassword;
// docs/self-service.md), on the real service process, driven through chromium. The agent here is
// a stand-in that answers those operations from a table over a real WebSocket with real
// signatures and sealed secrets (the real agent's support is on another branch). Two methods are
// required and only group members may use the portal.

const HELPDESK = 'helpdesk@corp.example';
const USERS: Record<string, StandInUser> = {
  nina: { password: 'Nina-Current-1!', contact: { mail: ['nina@corp.example'], mobile: ['+15550201'], otherMailbox: [] }, eligible: true, notApplied: [{ what: 'lockoutTime', code: 'PERMISSION_DENIED' }] },
  dora: { password: 'Dora-Current-1!', contact: { mail: ['dora@corp.example'], mobile: ['+15550202'], otherMailbox: [] }, eligible: true, resetCode: 'PERMISSION_DENIED' },
  adam: { password: 'Adam-Current-1!', contact: { mail: ['adam@corp.example'], mobile: ['+15550203'], otherMailbox: ['adam@home.example'] }, eligible: true, protected: true },
  ivy: { password: 'Ivy-Current-1!', contact: {}, eligible: false },
  olaf: { password: 'Olaf-Current-1!', contact: { mail: ['olaf@corp.example'], mobile: [], otherMailbox: [] }, eligible: true },
};

let env: ServiceEnvironment;
let inbox: SmtpInbox;
let sms: SmsReceiver;
let agent: PortalStandInAgent;
let url = '';
let context: BrowserContext;
let browser: Awaited<ReturnType<typeof launchPortalBrowser>> | null = null;
const totpSecretsSeen: string[] = [];

const identify = (page: Page, user: string, options: { admin?: boolean } = {}) => identifyAt(page, url, user, options);

async function withRegistrations<T>(work: (registrations: Registrations) => Promise<T>): Promise<T> {
  const store = await openMigrated({ url: null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
  try {
    return await work(new Registrations(portalDb(store.db), PortalKey.load(null, env.dataDirs[0]!)));
  } finally {
    await store.close();
  }
}

/** Sends an e-mail code from the methods page and types it in. */
async function passEmail(page: Page, to: string): Promise<void> {
  const before = inbox.messages.length;
  await section(page, 'A code by e-mail').getByRole('button', { name: 'Send me a code' }).click();
  await enterCode(page, 'A code by e-mail', codeIn((await inbox.waitFor(to, /reset code/, 20_000, before)).text));
}

async function passSms(page: Page, to: string): Promise<void> {
  const before = sms.messages.length;
  await section(page, 'A code by SMS').getByRole('button', { name: 'Send me a code' }).click();
  await enterCode(page, 'A code by SMS', codeIn((await sms.waitFor(to, 20_000, before)).text));
}

test.before(async () => {
  inbox = await SmtpInbox.start();
  sms = await SmsReceiver.start();
  env = await ServiceEnvironment.create({
    directories: [],
    serviceConfig: (config) => {
      config.smtp = { host: '127.0.0.1', port: inbox.port, security: 'none', user: null, password: null, from: 'portal@corp.example' };
      config.sms = { endpoint: sms.url, credential: { file: 'sms.credential' } };
      config.portal.tenant = 'acme';
      config.portal.targetBy = 'uid';
      config.portal.methods = ['email', 'sms', 'totp'];
      config.portal.required = 2;
      config.portal.access = 'group';
      config.portal.reconfirmDays = 30;
      config.portal.helpdeskContact = HELPDESK;
      config.portal.notify = { user: true, admins: ['security@corp.example'] };
      config.portal.limits = { perUser: 30, perAddress: 500, windowSeconds: 900 };
    },
  });
  writeFileSync(join(env.dataDirs[0]!, 'sms.credential'), 'sms-provider-token\n', { mode: 0o600 });
  url = (await env.startNode(0)).url;
  agent = await PortalStandInAgent.start(env, url, USERS);
  browser = await launchPortalBrowser();
  context = browser.context;
});

test.after.always(async () => {
  await browser?.close();
  await agent?.stop();
  await env?.close();
  await inbox?.stop();
  await sms?.stop();
});

test.serial('registration: sign in with the directory password (verifyPassword), confirm an e-mail address and a phone by code, and an authenticator app by its QR key', async (t) => {
  const page = await context.newPage();
  await page.goto(`${url}/register`);
  await page.getByLabel('Your user name').fill('olaf');
  await page.getByLabel('Your current password').fill('not-it');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('That user name and password do not match.').waitFor();
  await page.getByLabel('Your user name').fill('olaf');
  await page.getByLabel('Your current password').fill(USERS['olaf']!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your recovery methods' }).waitFor();
  const verify = agent.commands.filter((c) => c.op === 'verifyPassword');
  t.deepEqual(verify.map((c) => c.secret), [{ password: 'not-it' }, { password: USERS['olaf']!.password }], 'the password reaches the agent sealed, and only there');

  const before = inbox.messages.length;
  await page.getByLabel('E-mail address').fill('olaf.private@home.example');
  await page.getByRole('button', { name: 'Send a code to this address' }).click();
  const mail = await inbox.waitFor('olaf.private@home.example', /Confirm your recovery e-mail/, 20_000, before);
  await page.getByLabel('Code sent to olaf.private@home.example').fill(codeIn(mail.text));
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByText('Saved. Your recovery methods are confirmed.').waitFor();

  const texts = sms.messages.length;
  await page.getByLabel('Mobile number').fill('+15550299');
  await page.getByRole('button', { name: 'Send a code by SMS' }).click();
  const text = await sms.waitFor('+15550299', 20_000, texts);
  await page.getByLabel('Code sent to +15550299').fill(codeIn(text.text));
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByText('Phone: +15550299').waitFor();

  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  const secret = (await page.locator('#totp-secret').textContent())!.trim();
  totpSecretsSeen.push(secret);
  t.regex(await page.getByAltText('QR code for your authenticator app').getAttribute('src') ?? '', /^data:image\/svg\+xml;base64,/);
  await screenshot(page, 'portal-totp-enrolment');
  await page.getByLabel('Code the app shows').fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
  await page.getByRole('button', { name: 'Confirm the app' }).click();
  await page.getByText('Authenticator app: registered').waitFor();
  const saved = await withRegistrations((r) => r.get(env.tenantId, 'olaf'));
  t.like(saved, { email: 'olaf.private@home.example', phone: '+15550299', totpSecret: secret });
  await page.close();
});

test.serial('two methods (registered e-mail + authenticator); the agent answers OK with notApplied: "partly done" to the user, and the help desk is mailed', async (t) => {
  const secret = newTotpSecret();
  totpSecretsSeen.push(secret);
  await withRegistrations((r) => r.save(env.tenantId, 'nina', { email: 'nina.reg@corp.example', phone: null, totpSecret: secret }, new Date()));
  const page = await context.newPage();
  await identify(page, 'nina');
  t.true(await page.getByText('Confirm two of these. Confirmed so far: 0 of 2.').isVisible());
  await passEmail(page, 'nina.reg@corp.example');
  await page.getByText('Confirmed so far: 1 of 2.').waitFor();
  await enterCode(page, 'A code from your authenticator app', new TOTP({ secret: Secret.fromBase32(secret) }).generate());
  const before = inbox.messages.length;
  await setPassword(page, 'Nina-New-2026!');
  await page.getByRole('heading', { name: 'Partly done' }).waitFor();
  await page.getByText('Your new password is set, but not everything was done: your account is still locked').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  await screenshot(page, 'portal-partial');
  t.regex((await inbox.waitFor(HELPDESK, /Partly applied: nina/, 20_000, before)).text, /partly applied/);
  await inbox.waitFor('nina.reg@corp.example', /Your password was reset/, 20_000, before);
  const reset = agent.commands.filter((c) => c.op === 'resetPassword').at(-1);
  t.like(reset, { user: 'nina', params: { unlock: true }, secret: { newPassword: 'Nina-New-2026!' } });
  t.false('selfService' in reset!.params);
  await page.close();
});

test.serial('contact data from the directory (getContactInfo): e-mail and SMS codes; PERMISSION_DENIED is said plainly and the help desk is mailed', async (t) => {
  const page = await context.newPage();
  await identify(page, 'dora');
  await passEmail(page, 'dora@corp.example');
  await passSms(page, '+15550202');
  const before = inbox.messages.length;
  await setPassword(page, 'Dora-New-2026!');
  await page.getByText('The reset service is not allowed to change this account, and nothing was changed.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  t.regex((await inbox.waitFor(HELPDESK, /Permission denied: dora/, 20_000, before)).text, /ended PERMISSION_DENIED/);
  await page.close();
});

test.serial('a user outside the allowed groups is refused even with registered methods (the agent decides eligibility)', async (t) => {
  const secret = newTotpSecret();
  await withRegistrations((r) => r.save(env.tenantId, 'ivy', { email: 'ivy@corp.example', phone: null, totpSecret: secret }, new Date()));
  const page = await context.newPage();
  await identify(page, 'ivy');
  await passEmail(page, 'ivy@corp.example');
  await enterCode(page, 'A code from your authenticator app', new TOTP({ secret: Secret.fromBase32(secret) }).generate());
  await setPassword(page, 'Ivy-New-2026!');
  await page.getByText('Your organisation has not opened the self-service portal to this account.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  t.false(agent.commands.some((c) => c.op === 'resetPassword' && c.user === 'ivy'));
  await page.close();
});

test.serial('a protected account must say it is an administrator; then the link goes to otherMailbox, the SMS to mobile, the reset carries selfService and the administrators are told', async (t) => {
  const page = await context.newPage();
  await identify(page, 'adam');
  await passEmail(page, 'adam@corp.example');
  await passSms(page, '+15550203');
  await setPassword(page, 'Adam-New-2026!');
  await page.getByText('This is an administrator\'s account: start again').waitFor();
  t.false(agent.commands.some((c) => c.op === 'resetPassword' && c.user === 'adam'));

  await identify(page, 'adam', { admin: true });
  const before = inbox.messages.length;
  await page.getByRole('button', { name: 'Send me a link' }).click();
  const mail = await inbox.waitFor('adam@home.example', /administrator password reset link/, 20_000, before);
  await page.goto(/https?:\/\/\S+\/link\?t=[A-Za-z0-9_-]+/.exec(mail.text)![0].replace(/^https?:\/\/[^/]+/, url));
  await passSms(page, '+15550203');
  await setPassword(page, 'Adam-New-2026!');
  await page.getByText('Your new password is set. You can sign in with it now.').waitFor();
  t.like(agent.commands.filter((c) => c.op === 'resetPassword').at(-1), { user: 'adam', params: { unlock: true, selfService: true } });
  t.regex((await inbox.waitFor('security@corp.example', /Administrator self-service: adam/, 20_000, before)).text, /administrator account adam/);
  await page.close();
});

test.serial('methods are due for re-confirmation after reconfirmDays: the methods page asks, "these are still right" confirms them', async (t) => {
  await withRegistrations((r) => r.save(env.tenantId, 'olaf', { email: 'olaf.private@home.example', phone: null, totpSecret: null }, new Date(Date.now() - 40 * 86_400_000)));
  const page = await context.newPage();
  await page.goto(`${url}/register`);
  if (!(await page.getByRole('heading', { name: 'Your recovery methods', exact: true }).isVisible())) {
    await page.getByLabel('Your user name').fill('olaf');
    await page.getByLabel('Your current password').fill(USERS['olaf']!.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByText('Please check these are still right and confirm them.').waitFor();
  await page.getByRole('button', { name: 'These are still right' }).click();
  await page.getByText('Saved. Your recovery methods are confirmed.').waitFor();
  t.false(await page.getByText('Please check these are still right').isVisible());
  const saved = await withRegistrations((r) => r.get(env.tenantId, 'olaf'));
  t.true(Date.now() - saved!.confirmedAt.getTime() < 60_000);
  await page.close();
});

test.serial('no password, authenticator secret or e-mailed code reaches the service\'s database, logs or files in plain form', (t) => {
  const secrets = [...Object.values(USERS).map((u) => u.password), 'not-it', 'Nina-New-2026!', 'Dora-New-2026!', 'Adam-New-2026!', 'Ivy-New-2026!', ...totpSecretsSeen];
  for (const mail of inbox.messages) {
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    if (code !== undefined) secrets.push(`"${code}"`);
  }
  t.deepEqual(findSecrets([env.dir], secrets), []);
});
