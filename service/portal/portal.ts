import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from '../errors.js';
import type { NodeContext } from '../gateway/node-context.js';
import type { HttpPart } from '../http/http-router.js';
import { errorName } from '../logger.js';
import { findTenant } from '../store/tenants.js';
import { Mailer } from './mailer.js';
import { helpdeskAddress, Notifications } from './notifications.js';
import { OneTimeCodes } from './one-time-codes.js';
import { PortalAgent } from './portal-agent.js';
import type { PortalDeps, PortalRequest } from './portal-deps.js';
import { isCrossSite, isHttps, readCookie, readForm, sendPage, SESSION_COOKIE, sessionCookie, PORTAL_HEADERS } from './portal-http.js';
import { PortalKey } from './portal-key.js';
import { closedPage, PORTAL_CSS, startPage } from './portal-pages.js';
import { PortalSessions, type PortalSession } from './portal-sessions.js';
import { portalDb } from './portal-tables.js';
import { RateLimits } from './rate-limits.js';
import * as registration from './registration-flow.js';
import { Registrations } from './registrations.js';
import * as reset from './reset-flow.js';
import { SmsSender } from './sms-sender.js';

type Route = (deps: PortalDeps, r: PortalRequest) => Promise<void> | void;

const GET_ROUTES: Readonly<Record<string, Route>> = {
  '/verify': reset.verify,
  '/link': reset.link,
  '/password': reset.password,
  '/register': (_deps, r) => registration.register(r),
  '/register/methods': registration.methods,
};

const POST_ROUTES: Readonly<Record<string, Route>> = {
  '/identify': reset.identify,
  '/send': reset.send,
  '/check': reset.check,
  '/finish': reset.finish,
  '/register/sign-in': registration.signIn,
  '/register/email': (deps, r) => registration.startContact(deps, r, 'email'),
  '/register/email/confirm': (deps, r) => registration.confirmContact(deps, r, 'email'),
  '/register/phone': (deps, r) => registration.startContact(deps, r, 'phone'),
  '/register/phone/confirm': (deps, r) => registration.confirmContact(deps, r, 'phone'),
  '/register/totp': registration.startTotp,
  '/register/totp/confirm': registration.confirmTotp,
  '/register/reconfirm': registration.reconfirm,
};

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The self-service portal at `/` (issue 19, docs/portal.md): reset or unlock after one or two
 * methods, registration of those methods after a sign-in with the directory password, and the
 * administrator's own reset. Pages carry no script; every form carries the session's CSRF token.
 */
export class Portal implements HttpPart {
  readonly prefix = '/';
  readonly #context: NodeContext;
  readonly #parts: Omit<PortalDeps, 'agent' | 'tenantId' | 'context'> | null;
  readonly #wake: () => void;
  readonly #pending = new Set<Promise<void>>();

  constructor(context: NodeContext, dataDir: string, wake: () => void) {
    this.#context = context;
    this.#wake = wake;
    const { config } = context;
    const portal = config.portal;
    if (portal.tenant === null) {
      this.#parts = null;
      return;
    }
    const db = portalDb(context.store.db);
    const key = PortalKey.load(portal.secretKey, dataDir);
    const mailer = config.smtp.host === null ? null : new Mailer(config.smtp, dataDir);
    const sms = config.sms.endpoint === null ? null : new SmsSender(config.sms, dataDir);
    if (mailer === null && (portal.methods.includes('email') || portal.notify.user)) throw new ServiceError('CONFIG', 'portal: e-mail codes or user notifications need smtp.host and smtp.from');
    if (sms === null && portal.methods.includes('sms')) throw new ServiceError('CONFIG', 'portal: SMS codes need sms.endpoint');
    this.#parts = {
      config: portal,
      key,
      sessions: new PortalSessions(db, context.now),
      codes: new OneTimeCodes(db, key, context.now),
      limits: new RateLimits(db, context.now),
      registrations: new Registrations(db, key),
      mailer,
      sms,
      notifications: new Notifications(mailer, { user: portal.notify.user, admins: portal.notify.admins, helpdesk: helpdeskAddress(portal.helpdeskContact) }, context.logger),
      background: (work) => {
        const running = work()
          .catch((error: unknown) => context.logger.warn('portal background work failed', { error: errorName(error) }))
          .finally(() => this.#pending.delete(running));
        this.#pending.add(running);
      },
    };
  }

  /** Waits for codes and notifications still being sent (tests, and a clean stop). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Lets what is being sent finish, then closes the SMTP connections. */
  async close(): Promise<void> {
    await this.settled();
    this.#parts?.mailer?.close();
  }

  async handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    if (path === '/portal.css') {
      response.writeHead(200, { ...PORTAL_HEADERS, 'cache-control': 'max-age=3600', 'content-type': 'text/css; charset=utf-8' }).end(PORTAL_CSS);
      return;
    }
    const portal = this.#context.config.portal;
    const helpdesk = portal.helpdeskContact;
    const parts = this.#parts;
    if (parts === null) return sendPage(response, 503, closedPage({ csrf: '', helpdesk }, 'The self-service portal is not set up on this service.'));
    if (portal.access === 'none') return sendPage(response, 403, closedPage({ csrf: '', helpdesk }, 'Self-service password reset is not open. Your help desk can reset your password.'));
    const tenant = await findTenant(this.#context.store.db, portal.tenant!).catch(() => null);
    if (tenant === null) return sendPage(response, 503, closedPage({ csrf: '', helpdesk }, 'The self-service portal is not set up on this service.'));
    const deps: PortalDeps = { ...parts, context: this.#context, tenantId: tenant.id, agent: new PortalAgent(this.#context, tenant.id, this.#wake) };

    let session: PortalSession | null = await parts.sessions.load(readCookie(request, SESSION_COOKIE));
    if (session === null) {
      const created = await parts.sessions.create();
      session = created.session;
      // A new cookie reaches the browser on whatever this request answers.
      response.setHeader('set-cookie', sessionCookie(created.cookieId, isHttps(request)));
    }
    const url = new URL(request.url ?? '/', 'http://portal.invalid');
    const page = { csrf: session.data.csrf, helpdesk };
    const r: PortalRequest = { request, response, url, session, form: null, page };

    if (request.method === 'GET' || request.method === 'HEAD') {
      if (path === '/') return sendPage(response, 200, startPage(page, null));
      const route = GET_ROUTES[path];
      if (route === undefined) return sendPage(response, 404, closedPage(page, 'There is no such page.'));
      return route(deps, r);
    }
    const route = POST_ROUTES[path];
    if (request.method !== 'POST' || route === undefined) return sendPage(response, 405, closedPage(page, 'There is no such form.'));
    if (isCrossSite(request, this.#context.config.publicUrl)) return sendPage(response, 403, startPage(page, 'This form was sent from another site and was refused. Start again here.'));
    const form = await readForm(request);
    if (form === null || !sameToken(form.get('csrf') ?? '', session.data.csrf)) return sendPage(response, 403, startPage(page, 'This form has expired. Start again.'));
    const { perAddress, windowSeconds } = portal.limits;
    if (!(await parts.limits.take(`addr:${request.socket.remoteAddress ?? 'unknown'}`, perAddress, windowSeconds))) {
      return sendPage(response, 429, closedPage(page, 'Too many attempts from your network. Try again later.'));
    }
    r.form = form;
    return route(deps, r);
  }
}
