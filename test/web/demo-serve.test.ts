import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Secret, TOTP } from 'otpauth';
import { SeededAccount, SeededContact } from '../../directory-sim/seed/seeded-domain.js';
import { cliArgs, runCli } from '../helpers/agent-process.js';
import { eventually } from '../helpers/eventually.js';
import { screenshot } from './helpers/browser.js';
import { enterCode, identify, launchPortalBrowser, section, setPassword } from './helpers/portal-pages.js';

// `writeback-agent demo --serve`: the story first on the real service, then the system stays up
// with the real portal until SIGTERM, its mail printed on the console; the exit status is still
// the story's. Chromium walks a reset by e-mailed code, one by SMS code and an administrator's own
// reset (the e-mailed link, then an SMS code), reading codes and link off the demo's output.

const NEW_PASSWORD = 'Portal#Meadow2026';
const SMS_PASSWORD = 'Texted#Harbour2026';
const ADMIN_PASSWORD = 'Beacon#Keeper2026';

/** The code of the next SMS to `to` the demo prints after `from`. */
async function smsCode(read: () => string, to: string, from: number): Promise<string> {
  const escaped = to.replace(/[+.]/g, '\\$&');
  return (await waitForOutput(read, new RegExp(`✆ SMS to ${escaped}: [^\\n]*?\\b(\\d{6})\\b`), from, 20_000))[1]!;
}

/** The next text matching `pattern` in the demo's output after `from`, with a deadline; a timeout shows the output. */
async function waitForOutput(read: () => string, pattern: RegExp, from: number, timeoutMs: number): Promise<RegExpExecArray> {
  const found: { match: RegExpExecArray | null } = { match: null };
  await eventually(() => (found.match = pattern.exec(read().slice(from))) !== null, { timeoutMs, intervalMs: 100, what: `${String(pattern)} in the demo's output` }).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${read()}`);
  });
  return found.match!;
}

test("demo --serve: the real portal loads; resets by e-mailed and by SMS code, the administrator's own reset (link and SMS) and a registration signed in by verifyPassword work in chromium; SIGTERM stops it with the story's status", async (t) => {
  const child = spawn(process.execPath, cliArgs(['demo', '--serve']), { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'close');
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let browser: Awaited<ReturnType<typeof launchPortalBrowser>> | null = null;
  try {
    await waitForOutput(() => stdout, /Press Ctrl-C to stop\./, 0, 90_000);
    t.regex(stdout, /The story: 9 of 9 steps went as expected\./);
    const url = /The self-service portal: (https:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
    if (url === undefined) throw new Error(`no portal address:\n${stdout}`);
    t.regex(stdout, /The help desk: https:\/\/127\.0\.0\.1:\d+\/helpdesk, signing in with the admin token [A-Za-z0-9_-]{20,}/);
    t.regex(stdout, /e\.g\. curl --cacert \S+demo-ca\.pem/);
    t.true(stdout.includes(`SMS codes: frank has a mobile number (${SeededContact.frank.mobile})`), 'the instructions name the SMS user');
    t.true(stdout.includes(`The administrator's own reset: pat.admin`), "the instructions name the administrator's reset");
    browser = await launchPortalBrowser();
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1000, height: 760 });
    await page.goto(url);
    await page.getByLabel('Your user name').fill('bob');
    await screenshot(page, 'demo-portal-start');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Prove it is you' }).waitFor();
    const before = stdout.length;
    const email = page.locator('section[aria-label="A code by e-mail"]');
    await email.getByRole('button', { name: 'Send me a code' }).click();
    const code = (await waitForOutput(() => stdout, /✉ mail to bob@\S+: [^\n]*\n(?:[^\n]*\n)*?[^\n]*\b(\d{6})\b/, before, 20_000))[1]!;
    await email.getByLabel('Code').fill(code);
    await screenshot(page, 'demo-portal-code');
    await email.getByRole('button', { name: 'Check the code' }).click();
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByLabel('The same again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set my new password' }).click();
    await page.getByText('Your new password is set. You can sign in with it now.').waitFor();
    await screenshot(page, 'demo-portal-done');

    // Registration: the sign-in is the agent's verifyPassword, a bind as frank at directory-sim
    // (erin must change her password at next logon, so her sign-in is refused as it should be).
    const register = await browser.context.newPage();
    await register.goto(`${url}register`);
    await register.getByLabel('Your user name').fill('frank');
    await register.getByLabel('Your current password').fill(SeededAccount.frank.password);
    await register.getByRole('button', { name: 'Sign in' }).click();
    await register.getByRole('heading', { name: 'Your recovery methods', exact: true }).waitFor();
    await register.getByRole('button', { name: 'Add an authenticator app' }).click();
    const secret = (await register.locator('#totp-secret').textContent())!.trim();
    await register.getByLabel('Code the app shows').fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    await register.getByRole('button', { name: 'Confirm the app' }).click();
    await register.getByText('Authenticator app: registered').waitFor();

    // An SMS code: frank's mobile number from the directory (getContactInfo), the text printed by the
    // demo's SMS provider.
    const sms = await browser.context.newPage();
    await identify(sms, url, 'frank');
    const smsFrom = stdout.length;
    await section(sms, 'A code by SMS').getByRole('button', { name: 'Send me a code' }).click();
    await enterCode(sms, 'A code by SMS', await smsCode(() => stdout, SeededContact.frank.mobile, smsFrom));
    await setPassword(sms, SMS_PASSWORD);
    await sms.getByText('Your new password is set. You can sign in with it now.').waitFor();

    // The administrator's own reset: pat.admin (Domain Admins, the agent's selfServiceProtectedGroups)
    // follows the link mailed to otherMailbox, then types the SMS code sent to the mobile number.
    const admin = await browser.context.newPage();
    await identify(admin, url, 'pat.admin', { admin: true });
    const linkFrom = stdout.length;
    await admin.getByRole('button', { name: 'Send me a link' }).click();
    const mailTo = SeededContact.patAdmin.otherMailbox.replace(/\./g, '\\.');
    const link = (await waitForOutput(() => stdout, new RegExp(`✉ mail to ${mailTo}: [^\\n]*\\n(?:[^\\n]*\\n)*?[^\\n]*?(https://\\S+/link\\?t=[A-Za-z0-9_-]+)`), linkFrom, 20_000))[1]!;
    await admin.goto(link);
    const adminSmsFrom = stdout.length;
    await section(admin, 'A code by SMS').getByRole('button', { name: 'Send me a code' }).click();
    await enterCode(admin, 'A code by SMS', await smsCode(() => stdout, SeededContact.patAdmin.mobile, adminSmsFrom));
    await setPassword(admin, ADMIN_PASSWORD);
    await admin.getByText('Your new password is set. You can sign in with it now.').waitFor();
    await screenshot(admin, 'demo-portal-admin-done');
  } finally {
    await browser?.close();
    child.kill('SIGTERM');
  }
  const [code] = (await exited) as [number | null];
  t.is(code, 0, `${stdout}\n${stderr}`);
  t.regex(stdout, /Stopping\.\nDemo finished: 9 of 9 steps went as expected\.\n$/);
  for (const password of [NEW_PASSWORD, SMS_PASSWORD, ADMIN_PASSWORD]) t.false(stdout.includes(password), 'no new password is printed');
});

test('plain demo still tells its story and exits; --port without --serve is refused', async (t) => {
  const refused = await runCli(['demo', '--port', '8080']);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /--port and --both-methods go with --serve/);
  const demo = await runCli(['demo'], { timeoutMs: 100_000 });
  t.is(demo.code, 0, demo.stdout + demo.stderr);
  t.regex(demo.stdout, /Demo finished: 9 of 9 steps went as expected\.\n$/);
  t.notRegex(demo.stdout, /self-service portal:/);
});
