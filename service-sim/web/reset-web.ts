import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Result } from '../../protocol/index.js';
import { resultInWords } from '../result-words.js';
import { CommandLog } from './command-log.js';
import { HttpRefusal, readForm, redirect, send } from './http-replies.js';
import { IdentityMethod } from './one-time-codes.js';
import { CHANNEL_LABEL, defaultContacts, maskContact } from './outbox.js';
import { accountPage, adminLoginPage, adminPage, errorPage, formatWhen, outboxJson, outcomePage, startPage, verifyPage, type PermissionView } from './pages.js';
import { RateLimiter } from './rate-limiter.js';
import { DEFAULT_HELP_DESK, DEFAULT_LIMITS, type ResetWebLimits, type ResetWebOptions } from './reset-web-options.js';
import { SCRIPT, STYLESHEET } from './web-assets.js';
import { cookieValue, SESSION_COOKIE, sessionCookie, SessionStore, type Outcome, type WebSession } from './web-session.js';

/** sAMAccountName, uid or UPN characters; anything else never reaches a command. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@'-]{0,63}$/;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

type Form = URLSearchParams;
interface Ctx {
  request: IncomingMessage;
  response: ServerResponse;
  session: WebSession;
}

/**
 * The self-service reset page of the simulated service, for the demo: a user proves who they are
 * with one-time codes (simulated email and SMS), sees their account state and the directory's rules
 * as the agent reports them, and sets a new password or unlocks; a help desk view resets or unlocks
 * anyone, lists the commands live and shows the agent's permission report.
 *
 * Passwords arrive only in POST bodies, go straight into a sealed command, and are never echoed,
 * logged, kept in a session or put in a URL. Forms carry a per-session CSRF token; the session
 * cookie is HttpOnly and SameSite=Strict.
 */
export class ResetWeb {
  readonly adminPasscode: string;
  readonly #options: ResetWebOptions;
  readonly #now: () => number;
  readonly #limits: ResetWebLimits;
  readonly #methods: readonly IdentityMethod[];
  readonly #required: number;
  readonly #helpDesk: string;
  readonly #sessions: SessionStore;
  readonly #commands: CommandLog;
  readonly #codeRequestsPerUser: RateLimiter;
  readonly #codeRequestsPerSession: RateLimiter;
  readonly #codeChecks: RateLimiter;
  readonly #attempts: RateLimiter;
  readonly #adminSignIns: RateLimiter;
  #permissions: PermissionView | null = null;
  #server: Server | null = null;
  #url = '';

  static async start(options: ResetWebOptions): Promise<ResetWeb> {
    const web = new ResetWeb(options);
    const server = createServer((request, response) => void web.#handle(request, response));
    const host = options.host ?? '127.0.0.1';
    if (!host.startsWith('127.') && host !== '::1' && host !== 'localhost') throw new Error('the reset page listens on loopback only');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    web.#server = server;
    web.#url = `http://${host}:${(server.address() as AddressInfo).port}/`;
    return web;
  }

  private constructor(options: ResetWebOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#methods = options.identity?.methods ?? [IdentityMethod.email, IdentityMethod.sms];
    this.#required = Math.min(options.identity?.required ?? 1, this.#methods.length);
    this.#helpDesk = options.helpDesk ?? DEFAULT_HELP_DESK;
    this.adminPasscode = options.adminPasscode ?? randomBytes(9).toString('base64url');
    const limits = this.#limits;
    this.#sessions = new SessionStore(limits.sessionIdleMs, options.codeTtlMs ?? 5 * 60_000, limits.wrongCodesPerCode, this.#now);
    this.#commands = new CommandLog(options.service, this.#now);
    this.#codeRequestsPerUser = new RateLimiter(limits.codeRequestsPerUser, limits.windowMs, this.#now);
    this.#codeRequestsPerSession = new RateLimiter(limits.codeRequestsPerSession, limits.windowMs, this.#now);
    this.#codeChecks = new RateLimiter(limits.codeChecksPerSession, limits.windowMs, this.#now);
    this.#attempts = new RateLimiter(limits.attemptsPerUser, limits.windowMs, this.#now);
    this.#adminSignIns = new RateLimiter(limits.adminSignIns, limits.windowMs, this.#now);
  }

  /** `http://127.0.0.1:PORT/`. */
  get url(): string {
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#commands.dispose();
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- plumbing --------------------------------------------------------------------------------

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    try {
      const path = new URL(request.url ?? '/', 'http://page.invalid').pathname;
      if (request.method === 'GET' && path === '/app.css') return send(response, 200, 'text/css; charset=utf-8', STYLESHEET);
      if (request.method === 'GET' && path === '/app.js') return send(response, 200, 'text/javascript; charset=utf-8', SCRIPT);
      if (request.method === 'GET' || request.method === 'HEAD') {
        let session = this.#sessions.find(cookieValue(request.headers.cookie, SESSION_COOKIE));
        if (session === undefined) {
          session = this.#sessions.create();
          response.setHeader('set-cookie', sessionCookie(session.id));
        }
        return await this.#get(path, { request, response, session });
      }
      if (request.method === 'POST') {
        const session = this.#sessions.find(cookieValue(request.headers.cookie, SESSION_COOKIE));
        if (session === undefined) throw new HttpRefusal(403, 'Your session has expired (or cookies are off). Start again.');
        this.#checkOrigin(request);
        const form = await readForm(request);
        if (!session.csrfMatches(form.get('csrf'))) throw new HttpRefusal(403, 'This form is out of date. Start again.');
        return await this.#post(path, form, { request, response, session });
      }
      throw new HttpRefusal(405, 'Only GET and POST are used here.');
    } catch (error) {
      const status = error instanceof HttpRefusal ? error.status : 500;
      if (!(error instanceof HttpRefusal)) this.#log(`reset page: internal error: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) send(response, status, 'text/html; charset=utf-8', errorPage(status, error instanceof HttpRefusal ? error.message : 'Something went wrong on our side. Try again.'));
    }
  }

  /** A cross-site POST is refused even before its token is looked at (browsers send these headers). */
  #checkOrigin(request: IncomingMessage): void {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpRefusal(403, 'Cross-site requests are refused.');
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && `${origin}/` !== this.#url) throw new HttpRefusal(403, 'Cross-site requests are refused.');
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  async #issue(op: string, username: string | undefined, by: string, params: Record<string, unknown> = {}, secret?: Record<string, string>): Promise<Result | null> {
    const { service, tenantId } = this.#options;
    const target = username === undefined ? undefined : { by: this.#options.targetBy ?? 'sAMAccountName', value: username };
    const issued = service.issueCommand({ tenantId, op, params, ...(target === undefined ? {} : { target }), ...(secret === undefined ? {} : { secret }) });
    this.#commands.issued(issued.id, op, username ?? '(all)', by);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.#options.commandTimeoutMs ?? 20_000)));
    try {
      const result = await Promise.race([issued.result.catch(() => null), timeout]);
      this.#log(`reset page: ${op}${username === undefined ? '' : ` for ${username}`} (${by}) → ${result === null ? 'no answer in time' : describe(result)}`);
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  #outcome(op: string, username: string, result: Result | null): Outcome {
    const words = result === null ? 'The reset service did not hear back from your directory in time. Try again in a few minutes.' : resultInWords(result);
    return { op, username, result, words };
  }

  // --- GET -------------------------------------------------------------------------------------

  async #get(path: string, ctx: Ctx): Promise<void> {
    const { session, response } = ctx;
    const page = (body: string): void => send(response, 200, 'text/html; charset=utf-8', body);
    switch (path) {
      case '/':
        return page(startPage(session));
      case '/verify':
        if (session.username === null) return redirect(response, '/');
        if (this.#verified(session)) return redirect(response, '/account');
        return page(verifyPage(session, this.#methods, this.#required, this.#masked(session.username)));
      case '/account': {
        if (session.username === null || !this.#verified(session)) return redirect(response, session.username === null ? '/' : '/verify');
        const state = await this.#issue('getAccountState', session.username, 'user page');
        if (state === null || state.code !== 'OK') {
          session.outcome = this.#outcome('getAccountState', session.username, state);
          return page(outcomePage(session, this.#helpDesk));
        }
        return page(accountPage(session, { state, now: new Date(this.#now()) }, this.#helpDesk));
      }
      case '/done':
        return page(outcomePage(session, this.#helpDesk));
      case '/outbox.json':
        return send(response, 200, 'application/json', JSON.stringify(outboxJson(session.outbox)));
      case '/admin':
        if (!session.admin) return page(adminLoginPage(session));
        return page(
          adminPage(session, {
            rows: this.#commands.rows(),
            agents: this.#options.service.connectedAgents(this.#options.tenantId),
            permissions: this.#permissions,
            helpDesk: this.#helpDesk,
            directoryDown: this.#options.simulation?.directoryDown() ?? null,
          }),
        );
      case '/admin/commands.json':
        if (!session.admin) throw new HttpRefusal(403, 'Sign in as the help desk first.');
        return send(response, 200, 'application/json', JSON.stringify(this.#commands.rows()));
      default:
        throw new HttpRefusal(404, 'There is no such page.');
    }
  }

  #verified(session: WebSession): boolean {
    return session.verified.size >= this.#required;
  }

  #masked(username: string): Record<IdentityMethod, string> {
    const contacts = (this.#options.contacts ?? defaultContacts)(username);
    return { email: maskContact('email', contacts.email), sms: maskContact('sms', contacts.sms) };
  }

  // --- POST ------------------------------------------------------------------------------------

  async #post(path: string, form: Form, ctx: Ctx): Promise<void> {
    const { session, response } = ctx;
    switch (path) {
      case '/start': {
        const username = (form.get('username') ?? '').trim();
        if (!USERNAME.test(username)) {
          session.flash = { kind: 'bad', text: 'Enter your username: letters, digits and . _ - @ and apostrophes only.' };
          return redirect(response, '/');
        }
        session.begin(username, form.get('intent') === 'unlock' ? 'unlock' : 'reset');
        return redirect(response, '/verify');
      }
      case '/send-code':
        return this.#sendCode(form, session, response);
      case '/verify-code':
        return this.#verifyCode(form, session, response);
      case '/reset': {
        const username = this.#requireVerified(session, 'reset');
        const newPassword = form.get('newPassword') ?? '';
        if (newPassword.length === 0 || newPassword !== form.get('confirmPassword')) {
          session.flash = { kind: 'bad', text: newPassword.length === 0 ? 'Type your new password twice.' : 'The two passwords are not the same. Type them again.' };
          return redirect(response, '/account');
        }
        if (!this.#allowed(this.#attempts, `user:${username.toLowerCase()}`, session, 'Too many attempts for this account')) return redirect(response, '/account');
        const result = await this.#issue('resetPassword', username, 'user page', { unlock: true }, { newPassword });
        return this.#finish(session, response, 'resetPassword', username, result);
      }
      case '/unlock': {
        const username = this.#requireVerified(session, 'unlock');
        if (!this.#allowed(this.#attempts, `user:${username.toLowerCase()}`, session, 'Too many attempts for this account')) return redirect(response, '/account');
        const result = await this.#issue('unlockAccount', username, 'user page');
        return this.#finish(session, response, 'unlockAccount', username, result);
      }
      case '/admin/login': {
        if (!this.#allowed(this.#adminSignIns, 'admin', session, 'Too many sign-in attempts')) return redirect(response, '/admin');
        const a = Buffer.from(form.get('passcode') ?? '');
        const b = Buffer.from(this.adminPasscode);
        if (a.length === b.length && timingSafeEqual(a, b)) session.admin = true;
        else session.flash = { kind: 'bad', text: 'That passcode is not right.' };
        this.#log(`reset page: help desk sign-in ${session.admin ? 'succeeded' : 'refused'}`);
        return redirect(response, '/admin');
      }
      case '/admin/logout':
        session.admin = false;
        session.adminOutcome = null;
        return redirect(response, '/admin');
      case '/admin/action':
        return this.#adminAction(form, session, response);
      case '/admin/outage': {
        this.#requireAdmin(session);
        const controls = this.#options.simulation;
        if (controls === undefined) throw new HttpRefusal(404, 'There are no demo controls here.');
        controls.setDirectoryDown(form.get('down') === '1');
        this.#log(`reset page: demo control: the directory is ${controls.directoryDown() ? 'down' : 'up'}`);
        return redirect(response, '/admin');
      }
      case '/admin/check-permissions': {
        this.#requireAdmin(session);
        const result = await this.#issue('checkPermissions', undefined, 'help desk');
        this.#permissions = { at: new Date(this.#now()), result, words: result === null ? 'The agent did not answer in time.' : resultInWords(result) };
        return redirect(response, '/admin');
      }
      default:
        throw new HttpRefusal(404, 'There is no such form.');
    }
  }

  #sendCode(form: Form, session: WebSession, response: ServerResponse): void {
    const username = session.username;
    if (username === null) return redirect(response, '/');
    const method = this.#methods.find((m) => m === form.get('method'));
    if (method === undefined) throw new HttpRefusal(400, 'That way of sending a code is not offered.');
    if (
      !this.#allowed(this.#codeRequestsPerSession, session.id, session, 'Too many codes requested') ||
      !this.#allowed(this.#codeRequestsPerUser, `user:${username.toLowerCase()}`, session, 'Too many codes requested for this account')
    ) {
      return redirect(response, '/verify');
    }
    // A code goes out whether or not the account exists: the page must not tell who has an account.
    const { code, expiresAt } = session.codes.issue(method);
    const contacts = (this.#options.contacts ?? defaultContacts)(username);
    const to = maskContact(method, contacts[method]);
    const text = `Your password self-service code is ${code}. It works once, until ${formatWhen(expiresAt)}. If you did not ask for it, tell your help desk.`;
    session.outbox.push({ at: new Date(this.#now()), channel: method, to, text });
    this.#log(`reset page: ${CHANNEL_LABEL[method].toLowerCase()} to ${contacts[method]} (for ${username}): "${text}"`);
    session.flash = { kind: 'ok', text: `We sent a code: ${CHANNEL_LABEL[method].toLowerCase()} to ${to}. It works for ${Math.round((expiresAt.getTime() - this.#now()) / 60_000)} minutes.` };
    return redirect(response, '/verify');
  }

  #verifyCode(form: Form, session: WebSession, response: ServerResponse): void {
    if (session.username === null) return redirect(response, '/');
    const method = this.#methods.find((m) => m === form.get('method'));
    if (method === undefined) throw new HttpRefusal(400, 'That way of sending a code is not offered.');
    if (!this.#allowed(this.#codeChecks, session.id, session, 'Too many codes tried')) return redirect(response, '/verify');
    const check = session.codes.check(method, form.get('code') ?? '');
    const texts = {
      ok: null,
      wrong: 'That code is not right. Check the message and type it again.',
      expired: 'That code has expired. Ask for a new one.',
      burned: 'Too many wrong codes: that code no longer works. Ask for a new one.',
      none: 'Ask for a code first.',
    } as const;
    const text = texts[check];
    if (text === null) {
      session.verified.add(method);
      session.flash = { kind: 'ok', text: `${CHANNEL_LABEL[method]} confirmed.` };
    } else session.flash = { kind: 'bad', text };
    return redirect(response, this.#verified(session) ? '/account' : '/verify');
  }

  async #adminAction(form: Form, session: WebSession, response: ServerResponse): Promise<void> {
    this.#requireAdmin(session);
    const username = (form.get('username') ?? '').trim();
    if (!USERNAME.test(username)) {
      session.flash = { kind: 'bad', text: 'Enter a username: letters, digits and . _ - @ and apostrophes only.' };
      return redirect(response, '/admin');
    }
    if (form.get('action') === 'unlock') {
      session.adminOutcome = this.#outcome('unlockAccount', username, await this.#issue('unlockAccount', username, 'help desk'));
      return redirect(response, '/admin');
    }
    const newPassword = form.get('newPassword') ?? '';
    if (newPassword.length === 0) {
      session.flash = { kind: 'bad', text: 'A reset needs a new password.' };
      return redirect(response, '/admin');
    }
    // The help desk resets for someone who forgot: the minimum age is the user's rule, not the help desk's.
    const params = { forceChangeAtNextLogon: form.get('forceChange') === '1', unlock: true, enforceMinimumAge: false };
    session.adminOutcome = this.#outcome('resetPassword', username, await this.#issue('resetPassword', username, 'help desk', params, { newPassword }));
    return redirect(response, '/admin');
  }

  #finish(session: WebSession, response: ServerResponse, op: string, username: string, result: Result | null): void {
    session.outcome = this.#outcome(op, username, result);
    // One verification, one change: another change needs fresh codes.
    if (result?.code === 'OK') session.verified.clear();
    return redirect(response, '/done');
  }

  #requireVerified(session: WebSession, intent: 'reset' | 'unlock'): string {
    if (session.username === null || !this.#verified(session)) throw new HttpRefusal(403, 'Verify it is you first.');
    if (session.intent !== intent) throw new HttpRefusal(400, 'Start again and choose what you need.');
    return session.username;
  }

  #requireAdmin(session: WebSession): void {
    if (!session.admin) throw new HttpRefusal(403, 'Sign in as the help desk first.');
  }

  #allowed(limiter: RateLimiter, key: string, session: WebSession, what: string): boolean {
    const decision = limiter.take(key);
    if (decision.allowed) return true;
    session.flash = { kind: 'bad', text: `${what}. Try again from ${formatWhen(decision.retryAt)}.` };
    this.#log(`reset page: rate limit: ${what.toLowerCase()}`);
    return false;
  }
}

function describe(result: Result): string {
  const reason = result.details['reason'];
  return `${result.code}${result.code === 'PASSWORD_POLICY' && typeof reason === 'string' ? ` (${reason})` : ''}`;
}
