import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { openMigrated } from '../../../service/db/open-database.js';
import { PortalKey } from '../../../service/portal/portal-key.js';
import { hashSessionId } from '../../../service/portal/portal-sessions.js';
import { portalDb } from '../../../service/portal/portal-tables.js';
import { Registrations } from '../../../service/portal/registrations.js';
import { newTotpSecret } from '../../../service/portal/totp.js';
import { runServiceCli, ServiceProcess } from '../../helpers/service-process.js';
import { SmtpInbox } from '../../helpers/smtp-inbox.js';

// The rules every request to the portal and the help desk meets, over plain HTTP against a real
// `writeback-service serve` (no agent: nothing here reaches a directory): the headers, the session
// cookies, the CSRF token, forms from another site, what a session must have passed before the
// password form, the per-user limit across sessions, and the help desk's failed sign-in limit.

interface Reply {
  status: number;
  location: string | null;
  text: string;
  headers: Headers;
}

/** A cookie-keeping client that does not follow redirects, so each step's answer is seen as a browser gets it. */
class Client {
  readonly cookies = new Map<string, string>();
  /** The last form token a page carried (`csrf`, or the help desk sign-in's `nonce`). */
  csrf = '';
  nonce = '';

  constructor(readonly base: string) {}

  get(path: string): Promise<Reply> {
    return this.#send(path, { method: 'GET' });
  }

  /** A form POST carrying this session's token unless `fields` sets `csrf` itself. */
  post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    const body = new URLSearchParams({ csrf: this.csrf, ...fields }).toString();
    return this.#send(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  async #send(path: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Reply> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(new URL(path, this.base), {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, ...(cookie === '' ? {} : { cookie }) },
      signal: AbortSignal.timeout(10_000),
    });
    for (const set of response.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const [name = '', ...value] = pair.split('=');
      this.cookies.set(name, value.join('='));
    }
    const text = await response.text();
    this.csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    this.nonce = /name="nonce" value="([^"]+)"/.exec(text)?.[1] ?? this.nonce;
    return { status: response.status, location: response.headers.get('location'), text, headers: response.headers };
  }
}

const HELPDESK_MAX_FAILURES = 6;
let dir: string;
let inbox: SmtpInbox;
let node: { process: ServiceProcess; url: string };
let adminToken = '';
const totpSecret = newTotpSecret();

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wb-portal-checks-'));
  inbox = await SmtpInbox.start();
  const data = join(dir, 'data');
  const init = await runServiceCli(['init', '--data', data]);
  if (init.code !== 0) throw new Error(init.stderr);
  const file = join(data, 'service.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.smtp = { ...config.smtp, host: '127.0.0.1', port: inbox.port, security: 'none', from: 'portal@corp.example' };
  // Fewer than the default 10: the test shows the key is read, with fewer round trips.
  config.helpdesk = { ...config.helpdesk, maxFailures: HELPDESK_MAX_FAILURES };
  config.portal = { ...config.portal, tenant: 'acme', targetBy: 'uid', methods: ['email', 'totp'], required: 2, limits: { perUser: 4, perAddress: 500, windowSeconds: 900 } };
  writeFileSync(file, JSON.stringify(config, null, 2));
  const tenant = await runServiceCli(['tenant', 'create', 'acme', '--data', data]);
  if (tenant.code !== 0) throw new Error(tenant.stderr);
  const token = await runServiceCli(['admin-token', 'create', '--name', 'desk', '--data', data]);
  if (token.code !== 0) throw new Error(token.stderr);
  adminToken = token.stdout.trim();
  // alice has registered an e-mail address and an authenticator app (both needed: `required` is 2).
  const store = await openMigrated({ url: null, sqliteFile: join(data, 'service.db') });
  try {
    await new Registrations(portalDb(store.db), PortalKey.load(null, data)).save(tenant.stdout.trim(), 'alice', { email: 'alice@corp.example', phone: null, totpSecret }, new Date());
  } finally {
    await store.close();
  }
  node = await ServiceProcess.start(['--data', data, '--listen', '127.0.0.1:0'], join(dir, 'output'), 'serve');
});

test.after.always(async () => {
  await node?.process.stop();
  await inbox?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** A new browser session on the portal's start page. */
async function session(): Promise<Client> {
  const client = new Client(node.url);
  await client.get('/');
  return client;
}

async function identify(client: Client, user: string): Promise<void> {
  const reply = await client.post('/identify', { user, action: 'reset' });
  if (reply.location !== '/verify') throw new Error(`identify: ${reply.status} ${reply.location}`);
  await client.get('/verify');
}

test('every portal and help desk page: a CSP with no script and no framing, nosniff, DENY, no referrer, no caching', async (t) => {
  for (const path of ['/', '/verify', '/register', '/nowhere', '/helpdesk/sign-in']) {
    const { headers } = await new Client(node.url).get(path);
    const csp = headers.get('content-security-policy') ?? '';
    t.regex(csp, /default-src 'none'/, path);
    t.regex(csp, /frame-ancestors 'none'/, path);
    t.regex(csp, /form-action 'self'/, path);
    t.false(csp.includes('script-src'), `${path}: no script at all`);
    t.is(headers.get('x-frame-options'), 'DENY', path);
    t.is(headers.get('x-content-type-options'), 'nosniff', path);
    t.is(headers.get('referrer-policy'), 'no-referrer', path);
    t.is(headers.get('cache-control'), 'no-store', path);
  }
});

test('the portal cookie holds 32 random bytes, HttpOnly, SameSite=Lax, not Secure over plain HTTP; the help desk sign-in cookie is SameSite=Strict', async (t) => {
  const portal = await fetch(node.url, { signal: AbortSignal.timeout(10_000) });
  t.regex(portal.headers.get('set-cookie') ?? '', /^wb_portal=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  const helpdesk = await fetch(new URL('/helpdesk/sign-in', node.url), { signal: AbortSignal.timeout(10_000) });
  t.regex(helpdesk.headers.get('set-cookie') ?? '', /^wb_helpdesk_signin=[A-Za-z0-9_-]+; Path=\/helpdesk; HttpOnly; SameSite=Strict$/);
});

test("a portal form without the token, with another session's token, or without a session is refused", async (t) => {
  const client = await session();
  const other = await session();
  t.not(client.csrf, other.csrf);
  t.is((await client.post('/identify', { user: 'bob', csrf: '' })).status, 403);
  t.is((await client.post('/identify', { user: 'bob', csrf: other.csrf })).status, 403);
  const stranger = new Client(node.url);
  stranger.csrf = client.csrf;
  const refused = await stranger.post('/identify', { user: 'bob' });
  t.is(refused.status, 403, 'no session cookie: a new session, whose token this is not');
  t.regex(refused.text, /This form has expired\. Start again\./);
  t.is((await client.post('/identify', { user: 'bob' })).location, '/verify', 'the right token in its own session works');
});

test('a portal form from another site is refused even with the right token; Origin null, the own origin and the own host over HTTPS are not', async (t) => {
  const client = await session();
  const own = new URL(node.url).origin;
  const crossSite = await client.post('/identify', { user: 'bob' }, { 'sec-fetch-site': 'cross-site' });
  t.is(crossSite.status, 403);
  t.regex(crossSite.text, /sent from another site and was refused/);
  t.is((await client.post('/identify', { user: 'bob' }, { 'sec-fetch-site': 'same-site' })).status, 403, 'a sibling subdomain is another site');
  t.is((await client.post('/identify', { user: 'bob' }, { origin: 'https://evil.example' })).status, 403);
  t.is((await client.post('/identify', { user: 'bob' }, { origin: own.replace(/:\d+$/, ':1') })).status, 403, 'another port is another origin');
  // What chromium sends from our own pages: Origin null under Referrer-Policy no-referrer, and same-origin.
  t.is((await client.post('/identify', { user: 'bob' }, { origin: 'null', 'sec-fetch-site': 'same-origin' })).location, '/verify');
  t.is((await client.post('/identify', { user: 'bob' }, { origin: own, 'sec-fetch-site': 'same-origin' })).location, '/verify');
  t.is((await client.post('/identify', { user: 'bob' }, { origin: 'http://127.0.0.1:8443' })).location, '/verify', 'the configured publicUrl (behind a balancer) is our origin too');
  // Behind a TLS-terminating balancer the form arrives over plain HTTP: the host is what must match.
  t.is((await client.post('/identify', { user: 'bob' }, { origin: own.replace(/^http:/, 'https:') })).location, '/verify', 'the own host over HTTPS, forwarded as plain HTTP');
  t.is(
    (await client.post('/identify', { user: 'bob' }, { origin: 'https://reset.example.com', 'sec-fetch-site': 'same-origin' })).location,
    '/verify',
    'Sec-Fetch-Site decides when the browser sends it, whatever host and publicUrl a proxy leaves the node',
  );
});

test('the password form and the reset need every required method, one of two is not enough; with no agent to answer, the page says nothing changed', async (t) => {
  const client = await session();
  t.is((await client.get('/password')).location, '/verify', 'nobody identified yet');
  await identify(client, 'alice');
  t.is((await client.get('/password')).location, '/verify');
  t.is((await client.post('/finish', { password: 'Any#Password2026', confirm: 'Any#Password2026' })).location, '/verify');
  const before = inbox.messages.length;
  await client.post('/send', { method: 'email' });
  const code = /\b(\d{6})\b/.exec((await inbox.waitFor('alice@corp.example', /reset code/, 20_000, before)).text)?.[1] ?? '';
  t.is((await client.post('/check', { method: 'email', code })).location, '/verify');
  t.regex((await client.get('/verify')).text, /Confirmed so far: 1 of 2\./);
  t.is((await client.get('/password')).location, '/verify', 'one method of two');
  t.is((await client.post('/finish', { password: 'Any#Password2026', confirm: 'Any#Password2026' })).location, '/verify');
  t.is((await client.post('/check', { method: 'email', code })).location, '/verify?note=wrong', 'the code worked once');
  const app = new TOTP({ secret: Secret.fromBase32(totpSecret) });
  t.is((await client.post('/check', { method: 'totp', code: app.generate() })).location, '/password');
  t.is((await client.get('/password')).status, 200);
  // No agent serves this tenant: the user is told nothing was changed, and the session is spent.
  const finish = await client.post('/finish', { password: 'Any#Password2026', confirm: 'Any#Password2026' });
  t.is(finish.status, 200);
  t.regex(finish.text, /Your directory did not answer in time\. Nothing was changed; try again in a few minutes\./);
  t.false(finish.text.includes('Any#Password2026'));
  t.is((await client.get('/password')).location, '/verify');
  // Another browser has passed nothing, whatever this one did.
  const other = await session();
  await identify(other, 'alice');
  t.is((await other.get('/password')).location, '/verify');
});

test('a portal session past its 15 minutes is gone: its cookie gets a new, empty session and its token no longer works', async (t) => {
  const client = await session();
  await identify(client, 'bob');
  const cookie = client.cookies.get('wb_portal')!;
  const store = await openMigrated({ url: null, sqliteFile: join(dir, 'data', 'service.db') });
  try {
    await portalDb(store.db)
      .updateTable('portal_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id_hash', '=', hashSessionId(cookie))
      .execute();
  } finally {
    await store.close();
  }
  const stale = client.csrf;
  const verify = await client.get('/verify');
  t.is(verify.location, '/', 'the new session has no user');
  t.not(client.cookies.get('wb_portal'), cookie, 'a new cookie was set');
  t.is((await client.post('/identify', { user: 'bob', csrf: stale })).status, 403);
});

test('the per-user limit counts across sessions and reads the same for any name, known or not', async (t) => {
  for (const user of ['carol', 'no-such-user']) {
    const first = await session();
    await identify(first, user);
    for (let i = 0; i < 4; i++) t.is((await first.post('/check', { method: 'email', code: '000000' })).location, '/verify?note=wrong');
    const second = await session();
    await identify(second, ` ${user.toUpperCase()} `);
    t.is((await second.post('/send', { method: 'email' })).location, '/verify?note=limited', `${user}: the same account in another session`);
    t.regex((await second.get('/verify?note=limited')).text, /Too many attempts for this account\. Try again later\./);
  }
});

test('a help desk form needs a session: without one it goes to the sign-in page, and the sign-in needs its own nonce', async (t) => {
  const client = new Client(node.url);
  const submit = await client.post('/helpdesk/t/acme/submit', { action: 'unlock', by: 'uid', user: 'bob' });
  t.is(submit.status, 303);
  t.is(submit.location, '/helpdesk/sign-in');
  await client.get('/helpdesk/sign-in');
  const noNonce = await client.post('/helpdesk/sign-in', { token: adminToken, nonce: '' });
  t.is(noNonce.status, 403);
  t.false(client.cookies.has('wb_helpdesk'));
});

test('a help desk sign-in from another site is refused before the token is looked at', async (t) => {
  const client = new Client(node.url);
  await client.get('/helpdesk/sign-in');
  const refused = await client.post('/helpdesk/sign-in', { token: adminToken, nonce: client.nonce }, { 'sec-fetch-site': 'cross-site' });
  t.is(refused.status, 403);
  t.false(client.cookies.has('wb_helpdesk'));
  t.is((await client.post('/helpdesk/sign-in', { token: adminToken, nonce: client.nonce }, { origin: 'https://evil.example' })).status, 403);
  t.false(client.cookies.has('wb_helpdesk'));
});

test.serial('help desk: after helpdesk.maxFailures failed sign-ins from one address, every sign-in from it is refused, a right token too', async (t) => {
  const client = new Client(node.url);
  await client.get('/helpdesk/sign-in');
  const good = await client.post('/helpdesk/sign-in', { token: adminToken, nonce: client.nonce });
  t.is(good.location, '/helpdesk', 'the right token signs in before any failure');
  for (let i = 0; i < HELPDESK_MAX_FAILURES; i++) {
    await client.get('/helpdesk/sign-in');
    t.is((await client.post('/helpdesk/sign-in', { token: `wba_${'x'.repeat(43)}`, nonce: client.nonce })).status, 401);
  }
  const late = new Client(node.url);
  await late.get('/helpdesk/sign-in');
  const refused = await late.post('/helpdesk/sign-in', { token: adminToken, nonce: late.nonce });
  t.is(refused.status, 429);
  t.regex(refused.text, /Too many failed sign-ins from your address\. Try again later\./);
  t.false(late.cookies.has('wb_helpdesk'));
  t.false(node.process.output.includes(adminToken), 'the token is not logged');
});
