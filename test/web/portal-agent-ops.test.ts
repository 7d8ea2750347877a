import test from 'ava';
import { Attribute, Change, Client } from 'ldapts';
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
import { screenshot } from './helpers/browser.js';
import { codeIn, enterCode, identify as identifyAt, launchPortalBrowser, section, setPassword } from './helpers/portal-pages.js';

// The portal's flows that need the agent's portal operations (getContactInfo, verifyPassword;
// docs/self-service.md), on the real service process and the real agent process against a real
// slapd, driven through chromium. The agent's directory has the portal on: contact attributes,
// sign-in with the directory password, only members of cn=portal eligible, and frank's group
// (nested-admins) opted in for the administrator's own reset. Two methods are required.
//
// Who is who in the seeded slapd: alice signs in to register; erin is locked, and the service
// account may set her password but not clear her pwdReset, which slapd's pwdMustChange sets on
// every reset by another account (a reset only partly applied);
// carol lives outside the delegated OU, so the agent may read her but not write (PERMISSION_DENIED);
// frank is protected (nested-admins) and opted in; grace is protected (helpdesk) and not opted in;
// bob is in scope but not in cn=portal.

const HELPDESK = 'helpdesk@corp.example';
const WRONG = 'Not-Alices-Pass9!';

let slapd: SlapdFixture;
let env: ServiceEnvironment;
let inbox: SmtpInbox;
let sms: SmsReceiver;
let url = '';
let context: BrowserContext;
let browser: Awaited<ReturnType<typeof launchPortalBrowser>> | null = null;
const totpSecretsSeen: string[] = [];
const passwordsUsed: string[] = [WRONG];

const identify = (page: Page, user: string, options: { admin?: boolean } = {}) => identifyAt(page, url, user, options);

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

const add = (type: string, values: string[]) => new Change({ operation: 'add', modification: new Attribute({ type, values }) });

test.before(async () => {
  inbox = await SmtpInbox.start();
  sms = await SmsReceiver.start();
  slapd = await startSlapd({ rights: '=wm', readOnlyPwdReset: ['erin'], policy: { minAgeSeconds: 0 } });
  const { layout, users: u } = slapd;
  const portalGroup = `cn=portal,${layout.groupsDn}`;
  await slapd.asAdmin(async (client) => {
    await client.add(portalGroup, { objectClass: 'groupOfNames', cn: 'portal', member: [u.alice.dn, u.erin.dn, u.carol.dn, u.frank.dn, u.grace.dn] });
    await client.modify(u.carol.dn, [add('mobile', ['+15550202'])]);
    await client.modify(u.grace.dn, [add('mobile', ['+15550204'])]);
    // otherMailbox is cosine's; extensibleObject lets an inetOrgPerson hold it, as AD users do.
    await client.modify(u.frank.dn, [add('objectClass', ['extensibleObject']), add('mobile', ['+15550203']), add('otherMailbox', ['frank@home.example'])]);
  });
  passwordsUsed.push(layout.servicePassword, ...Object.values(u).map((user) => user.password));
  env = await ServiceEnvironment.create({
    directories: [
      {
        id: 'ldap',
        kind: 'openldap',
        urls: [slapd.ldapsUrl],
        baseDn: slapd.suffix,
        bindDn: layout.serviceDn,
        bindPassword: layout.servicePassword,
        caFile: slapd.caFile,
        include: [layout.peopleDn, layout.staffDn],
        extra: {
          scope: {
            include: [layout.peopleDn, layout.staffDn],
            exclude: [],
            refuseProtectedAccounts: true,
            protectedGroups: [layout.adminsGroupDn, layout.helpdeskGroupDn],
            selfServiceProtectedGroups: [layout.nestedAdminsGroupDn],
          },
          portal: { contactAttributes: ['mail', 'mobile', 'otherMailbox'], allowedGroups: [portalGroup], verifyPassword: { enabled: true, maxAttempts: 5, windowSeconds: 600 } },
        },
      },
    ],
    serviceConfig: (config) => {
      config.smtp = { host: '127.0.0.1', port: inbox.port, security: 'none', user: null, password: null, from: 'portal@corp.example' };
      config.sms = { endpoint: sms.url, credential: { file: 'sms.credential' } };
      config.portal.tenant = 'acme';
      // From the agent's report of its OpenLDAP directory: uid (docs/portal.md).
      config.portal.targetBy = 'agents';
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
  await inbox?.stop();
  await sms?.stop();
});

test.serial('registration: sign in with the directory password (verifyPassword), confirm an e-mail address and a phone by code, and an authenticator app by its QR key', async (t) => {
  const page = await context.newPage();
  await page.goto(`${url}/register`);
  await page.getByLabel('Your user name').fill('alice');
  await page.getByLabel('Your current password').fill(WRONG);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('That user name and password do not match.').waitFor();
  t.is((await slapd.read(slapd.users.alice.dn, ['pwdFailureTime'])).pwdFailureTime?.length, 1, 'the agent tried the password with a bind at slapd');
  await page.getByLabel('Your user name').fill('alice');
  await page.getByLabel('Your current password').fill(slapd.users.alice.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your recovery methods' }).waitFor();

  const before = inbox.messages.length;
  await page.getByLabel('E-mail address').fill('alice.private@home.example');
  await page.getByRole('button', { name: 'Send a code to this address' }).click();
  const mail = await inbox.waitFor('alice.private@home.example', /Confirm your recovery e-mail/, 20_000, before);
  await page.getByLabel('Code sent to alice.private@home.example').fill(codeIn(mail.text));
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
  t.regex((await page.getByAltText('QR code for your authenticator app').getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
  await screenshot(page, 'portal-totp-enrolment');
  await page.getByLabel('Code the app shows').fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
  await page.getByRole('button', { name: 'Confirm the app' }).click();
  await page.getByText('Authenticator app: registered').waitFor();
  const saved = await withRegistrations((r) => r.get(env.tenantId, 'alice'));
  t.like(saved, { email: 'alice.private@home.example', phone: '+15550299', totpSecret: secret });
  await page.close();
});

/** Signs in to /register from a fresh session and returns the sign-in form's message. */
async function signInSays(page: Page, user: string, password: string): Promise<string> {
  await context.clearCookies();
  await page.goto(`${url}/register`);
  await page.getByLabel('Your user name').fill(user);
  await page.getByLabel('Your current password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return (await page.getByRole('alert').textContent()) ?? '';
}

test.serial("sign-in refusals read like a wrong password unless the password was right: not eligible (never tried), locked; must change; the agent's limit", async (t) => {
  const page = await context.newPage();
  const { users: u } = slapd;
  t.regex(await signInSays(page, 'bob', u.bob.password), /That user name and password do not match\./, 'NOT_ELIGIBLE says nothing about the account');
  t.deepEqual((await slapd.read(u.bob.dn, ['pwdFailureTime'])).pwdFailureTime ?? [], [], 'the agent never tried the password of an ineligible user');
  t.regex(await signInSays(page, 'nobody', WRONG), /That user name and password do not match\./);
  t.regex(await signInSays(page, 'erin', u.erin.password), /That user name and password do not match\./, 'LOCKED is told before any bind, so not to the form');
  await slapd.setAttributes(u.alice.dn, { pwdReset: ['TRUE'] });
  t.regex(await signInSays(page, 'alice', u.alice.password), /Your password is right, but your directory wants it changed/, 'passwordMatched earns the reason');
  await slapd.setAttributes(u.alice.dn, { pwdReset: [] });
  // henry is not eligible either: the limit comes first, so these cost the directory nothing.
  for (let i = 0; i < 5; i++) await signInSays(page, 'henry', WRONG);
  t.regex(await signInSays(page, 'henry', WRONG), /Too many sign-in attempts for this account\. Try again in \d+ minutes?\./, 'BUSY VERIFY_RATE_LIMITED with retryAfter');
  await context.clearCookies();
  await page.close();
});

test.serial('two methods (registered e-mail + authenticator) for a locked user; the agent sets the password but cannot clear pwdReset: "partly done", and the help desk is mailed', async (t) => {
  const secret = newTotpSecret();
  totpSecretsSeen.push(secret);
  await withRegistrations((r) => r.save(env.tenantId, 'erin', { email: 'erin.reg@corp.example', phone: null, totpSecret: secret }, new Date()));
  const page = await context.newPage();
  await identify(page, 'erin');
  t.true(await page.getByText('Confirm two of these. Confirmed so far: 0 of 2.').isVisible());
  await passEmail(page, 'erin.reg@corp.example');
  await page.getByText('Confirmed so far: 1 of 2.').waitFor();
  await enterCode(page, 'A code from your authenticator app', new TOTP({ secret: Secret.fromBase32(secret) }).generate());
  const before = inbox.messages.length;
  const password = 'Erin-New-2026!';
  passwordsUsed.push(password);
  await setPassword(page, password);
  await page.getByRole('heading', { name: 'Partly done' }).waitFor();
  await page.getByText('Your new password is set, but not everything was done: your directory may ask you to change it again when you next sign in').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  await screenshot(page, 'portal-partial');
  t.regex((await inbox.waitFor(HELPDESK, /Partly applied: erin/, 20_000, before)).text, /partly applied/);
  await inbox.waitFor('erin.reg@corp.example', /Your password was reset/, 20_000, before);
  const state = await slapd.read(slapd.users.erin.dn, ['pwdReset', 'pwdAccountLockedTime']);
  t.deepEqual(state.pwdReset, ['TRUE'], 'the mark the agent could not clear is still there');
  t.deepEqual(state.pwdAccountLockedTime ?? [], [], 'the lock went with the new password');
  t.true(await canBind(slapd.users.erin.dn, password), 'the password itself was set');
  await page.close();
});

test.serial('contact data from the directory (getContactInfo): e-mail and SMS codes; PERMISSION_DENIED is said plainly and the help desk is mailed', async (t) => {
  const page = await context.newPage();
  await identify(page, 'carol');
  await passEmail(page, 'carol@example.org');
  await passSms(page, '+15550202');
  const before = inbox.messages.length;
  const password = 'Carol-New-2026!';
  passwordsUsed.push(password);
  await setPassword(page, password);
  await page.getByText('The reset service is not allowed to change this account, and nothing was changed.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  t.regex((await inbox.waitFor(HELPDESK, /Permission denied: carol/, 20_000, before)).text, /ended PERMISSION_DENIED/);
  t.true(await canBind(slapd.users.carol.dn, slapd.users.carol.password), 'her old password still works');
  await page.close();
});

test.serial('a user outside the allowed group is refused even with registered methods (the agent decides eligibility)', async (t) => {
  const secret = newTotpSecret();
  totpSecretsSeen.push(secret);
  await withRegistrations((r) => r.save(env.tenantId, 'bob', { email: 'bob.reg@corp.example', phone: null, totpSecret: secret }, new Date()));
  const page = await context.newPage();
  await identify(page, 'bob');
  await passEmail(page, 'bob.reg@corp.example');
  await enterCode(page, 'A code from your authenticator app', new TOTP({ secret: Secret.fromBase32(secret) }).generate());
  const password = 'Bob-New-2026!x';
  passwordsUsed.push(password);
  await setPassword(page, password);
  await page.getByText('Your organisation has not opened the self-service portal to this account.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  t.true(await canBind(slapd.users.bob.dn, slapd.users.bob.password), 'no reset was sent');
  await page.close();
});

test.serial('a protected account must say it is an administrator; then the link goes to otherMailbox, the SMS to mobile, the reset carries selfService and the administrators are told', async (t) => {
  const page = await context.newPage();
  await identify(page, 'frank');
  await passEmail(page, 'frank@example.org');
  await passSms(page, '+15550203');
  const password = 'Frank-New-2026!';
  passwordsUsed.push(password);
  await setPassword(page, password);
  await page.getByText("This is an administrator's account: start again").waitFor();
  t.true(await canBind(slapd.users.frank.dn, slapd.users.frank.password), 'nothing was sent');

  await identify(page, 'frank', { admin: true });
  const before = inbox.messages.length;
  await page.getByRole('button', { name: 'Send me a link' }).click();
  const mail = await inbox.waitFor('frank@home.example', /administrator password reset link/, 20_000, before);
  await page.goto(/https?:\/\/\S+\/link\?t=[A-Za-z0-9_-]+/.exec(mail.text)![0].replace(/^https?:\/\/[^/]+/, url));
  await passSms(page, '+15550203');
  await setPassword(page, password);
  await page.getByText('Your new password is set. You can sign in with it now.').waitFor();
  t.true(await canBind(slapd.users.frank.dn, password));
  t.true(env.agent!.output.includes('a protected account acts on itself through self-service'), 'the agent let it through its selfServiceProtectedGroups opt-in');
  t.regex((await inbox.waitFor('security@corp.example', /Administrator self-service: frank/, 20_000, before)).text, /administrator account frank/);
  await page.close();
});

test.serial('a protected account the agent has not opted in (protectedSelfService: false) is refused before any reset is sent', async (t) => {
  const page = await context.newPage();
  await identify(page, 'grace');
  await passEmail(page, 'grace@example.org');
  await passSms(page, '+15550204');
  const password = 'Grace-New-2026!';
  passwordsUsed.push(password);
  await setPassword(page, password);
  await page.getByText('This is a privileged account: its password cannot be reset here.').waitFor();
  t.true(await page.getByRole('link', { name: HELPDESK }).isVisible());
  t.true(await canBind(slapd.users.grace.dn, slapd.users.grace.password), 'nothing was sent');
  const audit = readFileSync(join(env.dir, 'agent-state', 'audit.jsonl'), 'utf8').split('\n');
  t.true(
    audit.some((line) => line.includes('"getContactInfo"') && line.includes(slapd.users.grace.dn)),
    'the agent was asked about grace',
  );
  t.false(
    audit.some((line) => line.includes('"resetPassword"') && line.includes(slapd.users.grace.dn)),
    'but sent no reset for her',
  );
  await page.close();
});

test.serial('methods are due for re-confirmation after reconfirmDays: the methods page asks, "these are still right" confirms them', async (t) => {
  await withRegistrations((r) => r.save(env.tenantId, 'alice', { email: 'alice.private@home.example', phone: null, totpSecret: null }, new Date(Date.now() - 40 * 86_400_000)));
  const page = await context.newPage();
  await page.goto(`${url}/register`);
  if (!(await page.getByRole('heading', { name: 'Your recovery methods', exact: true }).isVisible())) {
    await page.getByLabel('Your user name').fill('alice');
    await page.getByLabel('Your current password').fill(slapd.users.alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByText('Please check these are still right and confirm them.').waitFor();
  await page.getByRole('button', { name: 'These are still right' }).click();
  await page.getByText('Saved. Your recovery methods are confirmed.').waitFor();
  t.false(await page.getByText('Please check these are still right').isVisible());
  const saved = await withRegistrations((r) => r.get(env.tenantId, 'alice'));
  t.true(Date.now() - saved!.confirmedAt.getTime() < 60_000);
  await page.close();
});

test.serial("no password, authenticator secret or e-mailed code reaches the service's or the agent's database, logs or files in plain form", (t) => {
  const secrets = [...passwordsUsed, ...totpSecretsSeen];
  for (const mail of inbox.messages) {
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    if (code !== undefined) secrets.push(`"${code}"`);
  }
  t.deepEqual(findSecrets([env.dir], secrets), []);
});
