import test from 'ava';
import { ServiceSim } from '../../service-sim/index.js';
import { ResetWeb, type ResetWebOptions } from '../../service-sim/web/index.js';

// The reset page's own rules over plain HTTP (no browser, no agent needed): the session cookie,
// CSRF tokens, origin checks, one-time codes that expire and die after wrong guesses, rate limits.

interface Reply {
  status: number;
  location: string | null;
  text: string;
  headers: Headers;
}

/** A cookie-keeping client that does not follow redirects, as a browser would see each step. */
class Client {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}

  async get(path: string): Promise<Reply> {
    const response = await fetch(new URL(path, this.base), { redirect: 'manual', headers: this.cookie === '' ? {} : { cookie: this.cookie } });
    return this.#keep(response);
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    const body = new URLSearchParams({ csrf: this.csrf, ...fields }).toString();
    const response = await fetch(new URL(path, this.base), {
      method: 'POST',
      redirect: 'manual',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.cookie === '' ? {} : { cookie: this.cookie }), ...headers },
    });
    return this.#keep(response);
  }

  async #keep(response: Response): Promise<Reply> {
    const set = response.headers.get('set-cookie');
    if (set !== null) this.cookie = set.split(';')[0]!;
    const text = await response.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf !== undefined) this.csrf = csrf;
    return { status: response.status, location: response.headers.get('location'), text, headers: response.headers };
  }

  /** The newest code in this session's outbox. */
  async code(): Promise<string> {
    const messages = (await this.get('/outbox.json')).text;
    const code = /code is (\d{6})/.exec(messages)?.[1];
    if (code === undefined) throw new Error('no code in the outbox');
    return code;
  }
}

let service: ServiceSim;
test.before(async () => {
  service = await ServiceSim.start();
});
test.after.always(async () => {
  await service?.stop();
});

async function withWeb(t: { teardown(fn: () => Promise<void>): void }, options: Partial<ResetWebOptions> = {}): Promise<{ web: ResetWeb; client: Client; clock: { now: number } }> {
  const clock = { now: Date.parse('2026-11-21T12:00:00Z') };
  const web = await ResetWeb.start({ service, tenantId: 'tenant-x', now: () => clock.now, commandTimeoutMs: 300, ...options });
  t.teardown(() => web.stop());
  const client = new Client(web.url);
  await client.get('/');
  return { web, client, clock };
}

async function startAs(client: Client, username: string): Promise<void> {
  const reply = await client.post('/start', { username, intent: 'reset' });
  if (reply.location !== '/verify') throw new Error(`start: ${reply.status} ${reply.location}`);
  await client.get('/verify');
}

test('the session cookie is HttpOnly and SameSite=Strict; pages forbid framing and inline script', async (t) => {
  const { web } = await withWeb(t);
  const response = await fetch(web.url);
  const cookie = response.headers.get('set-cookie') ?? '';
  t.regex(cookie, /^wb_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
  t.regex(response.headers.get('content-security-policy') ?? '', /script-src 'self'.*frame-ancestors 'none'/);
  t.is(response.headers.get('x-frame-options'), 'DENY');
  t.is(response.headers.get('cache-control'), 'no-store');
});

test("a POST without the session token, with another session's token or from another site is refused", async (t) => {
  const { client, web } = await withWeb(t);
  const other = new Client(web.url);
  await other.get('/');
  t.is((await client.post('/start', { username: 'bob', csrf: '' })).status, 403);
  t.is((await client.post('/start', { username: 'bob', csrf: other.csrf })).status, 403);
  t.is((await client.post('/start', { username: 'bob' }, { origin: 'http://evil.invalid' })).status, 403);
  t.is((await client.post('/start', { username: 'bob' }, { 'sec-fetch-site': 'cross-site' })).status, 403);
  const none = new Client(web.url);
  t.is((await none.post('/start', { username: 'bob' })).status, 403, 'no session cookie');
  const ok = await client.post('/start', { username: 'bob' }, { origin: web.url.replace(/\/$/, ''), 'sec-fetch-site': 'same-origin' });
  t.is(ok.status, 303);
  t.is(ok.location, '/verify');
});

test('a code works once; a wrong code does not verify', async (t) => {
  const { client } = await withWeb(t);
  await startAs(client, 'bob');
  await client.post('/send-code', { method: 'email' });
  const code = await client.code();
  const wrong = code === '000000' ? '111111' : '000000';
  t.is((await client.post('/verify-code', { method: 'email', code: wrong })).location, '/verify');
  t.regex((await client.get('/verify')).text, /That code is not right/);
  t.is((await client.post('/verify-code', { method: 'email', code })).location, '/account');
  // Start again as someone else: the used code is gone with the earlier request.
  await startAs(client, 'bob');
  t.is((await client.post('/verify-code', { method: 'email', code })).location, '/verify');
  t.regex((await client.get('/verify')).text, /Ask for a code first/);
});

test('a code expires', async (t) => {
  const { client, clock } = await withWeb(t, { codeTtlMs: 5 * 60_000 });
  await startAs(client, 'bob');
  await client.post('/send-code', { method: 'sms' });
  const code = await client.code();
  clock.now += 5 * 60_000 + 1;
  t.is((await client.post('/verify-code', { method: 'sms', code })).location, '/verify');
  t.regex((await client.get('/verify')).text, /That code has expired/);
});

test('five wrong guesses kill a code, even the right one after them', async (t) => {
  const { client } = await withWeb(t);
  await startAs(client, 'bob');
  await client.post('/send-code', { method: 'email' });
  const code = await client.code();
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 4; i++) await client.post('/verify-code', { method: 'email', code: wrong });
  await client.post('/verify-code', { method: 'email', code: wrong });
  t.regex((await client.get('/verify')).text, /Too many wrong codes/);
  t.is((await client.post('/verify-code', { method: 'email', code })).location, '/verify');
});

test('code requests are limited per account across sessions, until the window has passed', async (t) => {
  const { client, web, clock } = await withWeb(t, { limits: { codeRequestsPerUser: 3, windowMs: 15 * 60_000 } });
  await startAs(client, 'alice');
  for (let i = 0; i < 3; i++) await client.post('/send-code', { method: 'email' });
  const second = new Client(web.url);
  await second.get('/');
  await startAs(second, 'Alice');
  await second.post('/send-code', { method: 'sms' });
  t.regex((await second.get('/verify')).text, /Too many codes requested for this account. Try again from 21 Nov 2026, 12:15 UTC/);
  t.is((await second.get('/outbox.json')).text, '[]');
  clock.now += 15 * 60_000;
  await second.post('/send-code', { method: 'sms' });
  t.regex(await second.code(), /^\d{6}$/);
});

test('code checks are limited per session', async (t) => {
  const { client } = await withWeb(t, { limits: { codeChecksPerSession: 3 } });
  await startAs(client, 'bob');
  await client.post('/send-code', { method: 'email' });
  const code = await client.code();
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 3; i++) await client.post('/verify-code', { method: 'email', code: wrong });
  t.is((await client.post('/verify-code', { method: 'email', code })).location, '/verify');
  t.regex((await client.get('/verify')).text, /Too many codes tried/);
});

test('with two methods required, one verified method is not enough', async (t) => {
  const { client } = await withWeb(t, { identity: { required: 2 } });
  await startAs(client, 'bob');
  t.regex((await client.get('/verify')).text, /Confirm 2 of the ways/);
  await client.post('/send-code', { method: 'email' });
  t.is((await client.post('/verify-code', { method: 'email', code: await client.code() })).location, '/verify');
  t.is((await client.get('/account')).location, '/verify');
  t.is((await client.post('/reset', { newPassword: 'Any#Password2026', confirmPassword: 'Any#Password2026' })).status, 403);
  await client.post('/send-code', { method: 'sms' });
  t.is((await client.post('/verify-code', { method: 'sms', code: await client.code() })).location, '/account');
});

test('the account page and password form need verification; the help desk needs its passcode', async (t) => {
  const { client, web } = await withWeb(t);
  await startAs(client, 'bob');
  t.is((await client.get('/account')).location, '/verify');
  t.is((await client.post('/reset', { newPassword: 'Any#Password2026', confirmPassword: 'Any#Password2026' })).status, 403);
  t.is((await client.get('/admin/commands.json')).status, 403);
  t.is((await client.post('/admin/action', { username: 'bob', action: 'unlock' })).status, 403);
  await client.post('/admin/login', { passcode: web.adminPasscode });
  t.is((await client.get('/admin/commands.json')).status, 200);
});

test('help desk sign-in attempts are limited', async (t) => {
  const { client, web } = await withWeb(t, { limits: { adminSignIns: 2 } });
  await client.post('/admin/login', { passcode: 'wrong-1' });
  await client.post('/admin/login', { passcode: 'wrong-2' });
  await client.post('/admin/login', { passcode: web.adminPasscode });
  t.regex((await client.get('/admin')).text, /Too many sign-in attempts/);
  t.is((await client.get('/admin/commands.json')).status, 403);
});

test('usernames are escaped into pages, never markup', async (t) => {
  const { client } = await withWeb(t);
  t.is((await client.post('/start', { username: '<b>x' })).location, '/');
  t.regex((await client.get('/')).text, /Enter your username/);
  await startAs(client, "o'brien@sim.test");
  t.regex((await client.get('/verify')).text, /Verify it is you, o&#39;brien@sim\.test/);
});
