import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Secret, TOTP } from 'otpauth';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import { cliArgs, runCli } from '../helpers/agent-process.js';
import { screenshot } from './helpers/browser.js';
import { launchPortalBrowser } from './helpers/portal-pages.js';

// `writeback-agent demo --serve`: the story first on the real service, then the system stays up
// with the real portal until SIGTERM, its mail printed on the console; the exit status is still
// the story's. Chromium walks a reset by e-mailed code, reading the code off the demo's output.

const NEW_PASSWORD = 'Portal#Meadow2026';

/** The next text matching `pattern` in the demo's output after `from`, with a deadline. */
async function waitForOutput(read: () => string, pattern: RegExp, from: number, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(read().slice(from));
    if (match !== null) return match;
    if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in the demo's output within ${timeoutMs} ms:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("demo --serve: the real portal loads, a reset by e-mailed code and a registration signed in by verifyPassword work in chromium, and SIGTERM stops it with the story's status", async (t) => {
  const child = spawn(process.execPath, cliArgs(['demo', '--serve']), { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
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
    t.regex(stdout, /token [A-Za-z0-9_-]{20,}, e\.g\. curl --cacert \S+demo-ca\.pem/);
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
    t.pass();
  } finally {
    await browser?.close();
    child.kill('SIGTERM');
  }
  const [code] = (await exited) as [number | null];
  t.is(code, 0, `${stdout}\n${stderr}`);
  t.regex(stdout, /Stopping\.\nDemo finished: 9 of 9 steps went as expected\.\n$/);
  t.false(stdout.includes(NEW_PASSWORD), 'the new password is printed nowhere');
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
