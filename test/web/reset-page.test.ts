import test from 'ava';
import type { Page } from 'playwright-core';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { SIM_TENANT } from './helpers/sim-environment.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { focused, screenshot } from './helpers/browser.js';
import { codeFromOutbox, step, WebHarness } from './helpers/harness.js';

// The reset page in Debian's chromium against the demo's real system: directory-sim (LDAPS),
// service-sim (wss) and a registered agent. Each test is one person's visit in a fresh session.

let h: WebHarness;
/** Inputs without a label, by page, over every page any test visits. */
const unlabelled: string[] = [];

test.before(async () => {
  h = await WebHarness.start();
});

test.after.always(async () => {
  await h?.stop();
});

async function visit(page: Page, name: string): Promise<void> {
  for (const input of await step(page, name)) unlabelled.push(`${name}: ${input}`);
}

/** Start page → verify by email (code read from the outbox panel) → the account page. */
async function verifiedAs(page: Page, username: string, prefix: string, intent: 'reset' | 'unlock' = 'reset'): Promise<void> {
  await page.goto(h.url('/'));
  await page.getByLabel('Username').fill(username);
  if (intent === 'unlock') await page.getByLabel('Unlock my account only').check();
  await visit(page, `${prefix}-1-start`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/verify');
  await visit(page, `${prefix}-2-verify`);
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.getByLabel('Code from the email').waitFor();
  await visit(page, `${prefix}-3-code-sent`);
  await page.getByLabel('Code from the email').fill(await codeFromOutbox(page));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL('**/account');
  await visit(page, `${prefix}-4-account`);
}

async function submitPassword(page: Page, password: string, prefix: string): Promise<string> {
  await page.getByLabel('New password', { exact: true }).fill(h.secret(password));
  await page.getByLabel('New password again').fill(password);
  await page.getByRole('button', { name: 'Set my new password' }).click();
  await page.waitForURL('**/done');
  await visit(page, `${prefix}-5-outcome`);
  return page.locator('#outcome-words').innerText();
}

test.serial('a reset that works: verify by email, read the rules and the state from the agent, set a password, sign in with it', async (t) => {
  const page = await h.freshPage();
  await verifiedAs(page, 'frank', 'success');
  const rules = await page.locator('#rules').innerText();
  t.regex(rules, /At least 7 characters/);
  t.regex(rules, /upper-case letters, lower-case letters, digits, symbols/);
  t.regex(rules, /Not one of your last 24 passwords/);
  t.regex(rules, /At most one change every day/);
  t.is(await page.locator('#state-allowed').innerText(), 'Now');
  t.is(await page.locator('#state-locked').innerText(), 'No');
  t.is(await submitPassword(page, 'Orchard#Blossom2026', 'success'), 'Your new password is set. You can sign in with it now.');
  t.regex(await page.locator('#outcome-code').innerText(), /For your help desk: OK, request [0-9a-f-]{36}/);
  t.true(await h.canSignIn(SeededAccount.frank.rdn, 'Orchard#Blossom2026'));
  // One verification, one change: the account page needs fresh codes now.
  await page.goto(h.url('/account'));
  t.true(page.url().endsWith('/verify'));
  await page.close();
});

test.serial('too short: the page says the minimum the directory requires', async (t) => {
  const page = await h.freshPage();
  await verifiedAs(page, 'bob', 'too-short');
  t.is(await submitPassword(page, 'Ab#1x', 'too-short'), 'That password is too short: use at least 7 characters.');
  t.regex(await page.locator('#outcome-code').innerText(), /PASSWORD_POLICY \(TOO_SHORT\)/);
  // The password fields come back empty: the page never echoes a password.
  await page.getByRole('link', { name: 'Try another password' }).click();
  await page.waitForURL('**/account');
  t.is(await page.getByLabel('New password', { exact: true }).inputValue(), '');
  t.true(await h.canSignIn(SeededAccount.bob.rdn, SeededAccount.bob.password));
  await page.close();
});

test.serial('history: a password used before is refused as such', async (t) => {
  const page = await h.freshPage();
  await verifiedAs(page, 'bob', 'history');
  t.is(await submitPassword(page, SeededAccount.bob.password, 'history'), 'You have used that password before. Choose one you have not used recently.');
  t.regex(await page.locator('#outcome-code').innerText(), /PASSWORD_POLICY \(HISTORY\)/);
  await page.close();
});

test.serial('too young: the page shows from when before the attempt, and the refusal says the same date and time', async (t) => {
  // Alice's password was just reset by the help desk: the domain's minimum age is one day.
  const setup = await h.env.service.issueCommand({
    tenantId: SIM_TENANT,
    op: 'resetPassword',
    target: { by: 'sAMAccountName', value: 'alice' },
    params: { enforceMinimumAge: false },
    secret: { newPassword: h.secret('Setup#Meadow2026') },
  }).result;
  t.is(setup.code, 'OK');
  const page = await h.freshPage();
  await verifiedAs(page, 'alice', 'too-young');
  const allowed = await page.locator('#state-allowed').innerText();
  const when = /^From (\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC)$/.exec(allowed)?.[1];
  t.truthy(when, allowed);
  // The README's picture of the user flow (docs/screenshots/user-flow.png is a copy).
  await screenshot(page, 'readme-user-flow', false);
  t.is(await submitPassword(page, 'Winter#Garden2026', 'too-young'), `Your password was changed too recently. You can change it again from ${when!}.`);
  t.regex(await page.locator('#outcome-code').innerText(), /PASSWORD_TOO_YOUNG/);
  await page.close();
});

test.serial('protected account: refused, and the page says whom to contact', async (t) => {
  const page = await h.freshPage();
  await verifiedAs(page, 'pat.admin', 'protected');
  t.is(await submitPassword(page, 'Takeover#Web2026', 'protected'), 'This is a privileged account: its password cannot be reset here. Contact your administrators.');
  t.is(await page.locator('#outcome-contact').innerText(), 'Contact: the IT help desk (helpdesk@sim.test, extension 4357).');
  t.false(await h.canSignIn(SeededAccount.patAdmin.rdn, 'Takeover#Web2026'));
  await page.close();
});

test.serial('out of scope: the agent refuses even to read the account; no password form, whom to contact', async (t) => {
  const page = await h.freshPage();
  await verifiedAs(page, 'mallory', 'out-of-scope');
  t.is(await page.locator('#outcome-words').innerText(), 'Passwords of this account cannot be reset here. Contact your help desk.');
  t.regex(await page.locator('#outcome-code').innerText(), /OUT_OF_SCOPE/);
  t.is(await page.locator('#outcome-contact').innerText(), 'Contact: the IT help desk (helpdesk@sim.test, extension 4357).');
  t.is(await page.locator('input[type=password]').count(), 0);
  await page.close();
});

test.serial('directory unavailable: try again, and trying again works once the directory is back', async (t) => {
  const page = await h.freshPage();
  await verifiedAs(page, 'carol', 'unavailable');
  h.env.directory.faults.respond('any', 'unavailable');
  try {
    t.is(await submitPassword(page, 'Summer#Rain2026', 'unavailable'), 'Your directory cannot be reached right now. Try again in a few minutes.');
    t.regex(await page.locator('#outcome-code').innerText(), /DIRECTORY_UNAVAILABLE/);
  } finally {
    h.env.directory.faults.clear();
  }
  await page.getByRole('link', { name: 'Try again' }).click();
  await page.waitForURL('**/account');
  t.is(await submitPassword(page, 'Summer#Rain2026', 'unavailable-retry'), 'Your new password is set. You can sign in with it now.');
  await page.close();
});

test.serial('unlock only: the page shows the lockout and clears it, the password stays', async (t) => {
  const page = await h.freshPage();
  await verifiedAs(page, 'dave', 'unlock', 'unlock');
  t.is(await page.locator('#state-locked').innerText(), 'Yes');
  t.is(await page.locator('input[type=password]').count(), 0);
  await page.getByRole('button', { name: 'Unlock my account' }).click();
  await page.waitForURL('**/done');
  await visit(page, 'unlock-5-outcome');
  t.is(await page.locator('#outcome-words').innerText(), 'Your account is unlocked. You can sign in again.');
  t.true(await h.canSignIn(SeededAccount.dave.rdn, SeededAccount.dave.password));
  await page.close();
});

test.serial('keyboard only: Tab and typing take a user from the start page to a new password', async (t) => {
  const page = await h.freshPage();
  const tabTo = async (matches: (f: { tag: string; id: string; text: string }) => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 25; i++) {
      if (matches(await focused(page))) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  };
  await page.goto(h.url('/'));
  await tabTo((f) => f.id === 'username', 'the username field');
  await page.keyboard.type('erin');
  await page.keyboard.press('Tab');
  t.like(await focused(page), { tag: 'input', name: 'intent' });
  await tabTo((f) => f.tag === 'button' && f.text === 'Continue', 'Continue');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/verify');
  await tabTo((f) => f.tag === 'button' && f.text === 'Text me a code', 'the SMS button');
  await page.keyboard.press('Enter');
  await page.getByLabel('Code from the text message').waitFor();
  await tabTo((f) => f.id === 'code-sms', 'the code field');
  await page.keyboard.type(await codeFromOutbox(page));
  await page.keyboard.press('Enter');
  await page.waitForURL('**/account');
  await tabTo((f) => f.id === 'new-password', 'the new password field');
  await page.keyboard.type(h.secret('Keyboard#Only2026'));
  await page.keyboard.press('Tab');
  t.is((await focused(page)).id, 'confirm-password');
  await page.keyboard.type('Keyboard#Only2026');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/done');
  await screenshot(page, 'keyboard-outcome');
  t.is(await page.locator('#outcome-words').innerText(), 'Your new password is set. You can sign in with it now.');
  await page.close();
});

test.serial('help desk view: sign-in, reset with must-change and unlock for any user, live command list, permission report', async (t) => {
  const page = await h.freshPage();
  await page.goto(h.url('/admin'));
  await visit(page, 'admin-1-sign-in');
  await page.getByLabel('Help desk passcode').fill('not-the-passcode');
  await page.getByRole('button', { name: 'Sign in' }).click();
  t.is(await page.getByRole('alert').innerText(), 'That passcode is not right.');
  await page.getByLabel('Help desk passcode').fill(h.web.adminPasscode);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Help desk', exact: true }).waitFor();

  await page.getByLabel('Username').fill('bob');
  await page.getByLabel('New password (for a reset)').fill(h.secret('Harbour#Light2026'));
  await page.getByLabel('The user must change it at next sign-in').check();
  await page.getByRole('button', { name: 'Reset password' }).click();
  await page.locator('#outcome-words').waitFor();
  t.is(await page.locator('#outcome-words').innerText(), 'Your new password is set. You can sign in with it now.');
  const state = await h.env.service.issueCommand({ tenantId: SIM_TENANT, op: 'getAccountState', target: { by: 'sAMAccountName', value: 'bob' } }).result;
  t.is(state.details['mustChangePassword'], true);
  t.is(await page.getByLabel('New password (for a reset)').inputValue(), '');

  await page.getByLabel('Username').fill('mallory');
  await page.getByRole('button', { name: 'Unlock only' }).click();
  await page.locator('#outcome-words').waitFor();
  t.is(await page.locator('#outcome-words').innerText(), 'Passwords of this account cannot be reset here. Contact your help desk.');

  await page.getByRole('button', { name: 'Ask the agent now' }).click();
  const report = await page.locator('#permission-report').innerText();
  for (const check of ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy']) t.regex(report, new RegExp(`^${check}\\t`, 'm'));
  t.regex(report, /minimum length 7, complexity on, history 24/);

  const rows = page.locator('#command-rows');
  t.regex(await rows.innerText(), /resetPassword\tbob\thelp desk\t[\d:]+\tOK\t(sent \d+ ms · )?ack \d+ ms · result \d+ ms/);
  // Live: a command from elsewhere shows up without a reload (the page polls every second).
  const issued = h.env.service.issueCommand({ tenantId: SIM_TENANT, op: 'getAccountState', target: { by: 'sAMAccountName', value: 'frank' } });
  await issued.result;
  await rows.getByText(issued.id.slice(0, 8)).waitFor();
  t.regex(await rows.locator('tr').first().innerText(), /getAccountState\tfrank\tservice\t[\d:]+\tOK/);
  // The demo's outage switch: directory-sim answers "unavailable" until it is switched back.
  await page.getByRole('button', { name: 'Simulate a directory outage' }).click();
  t.regex(await page.locator('#directory-state').innerText(), /^down/);
  t.is(h.env.directory.faults.responseFor('search'), 'unavailable');
  await page.getByRole('button', { name: 'End the directory outage' }).click();
  t.is(await page.locator('#directory-state').innerText(), 'up');
  t.is(h.env.directory.faults.responseFor('search'), undefined);
  await visit(page, 'admin-2-view');
  // The README's picture of the help desk view (docs/screenshots/admin-view.png is a copy).
  await page.setViewportSize({ width: 1480, height: 1000 });
  await screenshot(page, 'readme-admin-view', false);
  await page.close();
});

test.serial('every input on every page visited has a label', (t) => {
  t.deepEqual(unlabelled, []);
});

test.serial('no password or passcode in any page response, header, URL, console line or agent file', async (t) => {
  await h.browser.settled();
  t.true(h.browser.responses.length > 50, `only ${h.browser.responses.length} responses recorded`);
  const secrets = [...new Set(h.secrets)];
  const leaks: string[] = [];
  for (const secret of secrets) {
    for (const r of h.browser.responses) if (r.body.includes(secret) || r.headers.includes(secret)) leaks.push(`response ${r.url}`);
    for (const url of h.browser.urls) if (url.includes(secret) || url.includes(encodeURIComponent(secret))) leaks.push(`url ${url}`);
    for (const line of h.lines) if (line.includes(secret)) leaks.push(`console: ${line}`);
  }
  t.deepEqual(leaks, []);
  t.deepEqual(findSecrets([h.env.dir], secrets), []);
  // The console did get the simulated messages.
  t.true(h.lines.some((line) => /email to frank@sim\.test .*code is \d{6}/.test(line)));
});
