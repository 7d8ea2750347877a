import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommandTarget } from '../../protocol/index.js';
import { parseCommandRequest } from '../commands/command-request.js';
import { tenantTargetKind } from '../commands/default-target-kind.js';
import { generatePassword } from '../commands/generate-password.js';
import { submitCommand } from '../commands/submit-command.js';
import { isServiceError } from '../errors.js';
import type { NodeContext } from '../gateway/node-context.js';
import type { HttpPart } from '../http/http-router.js';
import { errorName } from '../logger.js';
import { isCrossSite, isHttps, PORTAL_HEADERS, readCookie, readForm, redirect, sendPage } from '../portal/portal-http.js';
import { findTenant, type Tenant } from '../store/tenants.js';
import { portalDb } from '../portal/portal-tables.js';
import { RateLimits } from '../portal/rate-limits.js';
import { commandsPage, generatedPage, HELPDESK_CSS, signInPage, tenantPage, tenantsPage } from './helpdesk-pages.js';
import { listTenants, recentCommands } from './helpdesk-queries.js';
import { cookie, HELPDESK_COOKIE, HELPDESK_PREFIX, isTokenShaped, newSignInNonce, operatorOf, sameText, SIGN_IN_COOKIE, type HelpdeskOperator } from './helpdesk-session.js';
import { findAdminToken } from '../store/admin-tokens.js';
import { endHelpdeskSession, openHelpdeskSession, type SessionLimits } from '../store/helpdesk-sessions.js';

/** What each help desk form asks the agent to do (SPEC.md section 6). */
const ACTIONS = {
  reset: 'resetPassword',
  unlock: 'unlockAccount',
  state: 'getAccountState',
  permissions: 'checkPermissions',
} as const;

type Action = keyof typeof ACTIONS;

/**
 * The help desk at `/helpdesk` (docs/service.md "The help desk"): an operator signs in with an
 * admin token from `writeback-service admin-token create`, which opens a server-side session
 * (helpdesk-session.ts; the cookie carries only its random id), then resets, unlocks, reads the state
 * of any user of a tenant or checks the agent's permissions, and follows the results. It submits
 * through the same code as the CLI and the admin API (commands/); pages carry no script.
 */
export function helpdesk(context: NodeContext, onSubmitted: () => void): HttpPart {
  return {
    prefix: HELPDESK_PREFIX,
    async handle(request, response, path) {
      try {
        await route(context, request, response, path.slice(HELPDESK_PREFIX.length), onSubmitted);
      } catch (error) {
        context.logger.error('help desk request failed', { error: errorName(error) });
        if (!response.headersSent) sendPage(response, 500, 'internal error', { 'content-type': 'text/plain; charset=utf-8' });
      }
    },
  };
}

async function route(context: NodeContext, request: IncomingMessage, response: ServerResponse, path: string, onSubmitted: () => void): Promise<void> {
  const { db } = context.store;
  const secure = isHttps(request);
  if (path === '/helpdesk.css') {
    response.writeHead(200, { ...PORTAL_HEADERS, 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=3600' }).end(HELPDESK_CSS);
    return;
  }
  // Every form of the help desk is posted from its own pages: one from another site is refused before anything else.
  if (request.method === 'POST' && isCrossSite(request, context.config.publicUrl)) return sendPage(response, 403, 'cross-site request refused', { 'content-type': 'text/plain; charset=utf-8' });
  if (path === '/sign-in' && request.method === 'GET') return showSignIn(response, secure, null, 200);
  if (path === '/sign-in' && request.method === 'POST') return signIn(context, request, response, secure);
  const operator = await operatorOf(db, request, sessionLimits(context), context.now());
  if (operator === null) return redirect(response, `${HELPDESK_PREFIX}/sign-in`);
  if (path === '/sign-out' && request.method === 'POST') {
    const form = await readForm(request);
    if (form === null || !sameText(form.get('csrf') ?? '', operator.csrf)) return sendPage(response, 403, 'forbidden', { 'content-type': 'text/plain; charset=utf-8' });
    // Ended on the server: a copy of the cookie kept elsewhere no longer opens a page.
    await endHelpdeskSession(db, operator.sessionId);
    context.logger.info('help desk sign-out', { by: operator.name });
    return redirect(response, `${HELPDESK_PREFIX}/sign-in`, { 'set-cookie': cookie(HELPDESK_COOKIE, '', secure, true) });
  }
  if ((path === '' || path === '/') && request.method === 'GET') return sendPage(response, 200, tenantsPage(operator.name, operator.csrf, await listTenants(db)));
  const match = /^\/t\/([^/]+)(\/commands|\/submit)?$/.exec(path);
  if (match === null) return sendPage(response, 404, 'no such page', { 'content-type': 'text/plain; charset=utf-8' });
  const tenant = await tenantOf(context, match[1]!);
  if (tenant === null) return sendPage(response, 404, 'no such tenant', { 'content-type': 'text/plain; charset=utf-8' });
  if (match[2] === undefined && request.method === 'GET') return sendPage(response, 200, tenantPage(tenant, operator.csrf, null, (await tenantTargetKind(db, tenant.id)).by));
  if (match[2] === '/commands' && request.method === 'GET') return sendPage(response, 200, commandsPage(tenant, await recentCommands(db, tenant.id)));
  if (match[2] === '/submit' && request.method === 'POST') return submit(context, request, response, tenant, operator, onSubmitted);
  sendPage(response, 405, 'method not allowed', { 'content-type': 'text/plain; charset=utf-8' });
}

function sessionLimits(context: NodeContext): SessionLimits {
  return { maxMs: context.config.helpdesk.sessionMaxMs, idleMs: context.config.helpdesk.sessionIdleMs };
}

/** The tenant a path segment names (still %-encoded), or null: a malformed escape names no tenant. */
async function tenantOf(context: NodeContext, segment: string): Promise<Tenant | null> {
  try {
    return await findTenant(context.store.db, decodeURIComponent(segment));
  } catch (error) {
    if (error instanceof URIError || (isServiceError(error) && error.code === 'NOT_FOUND')) return null;
    throw error;
  }
}

function showSignIn(response: ServerResponse, secure: boolean, note: string | null, status: number): void {
  const nonce = newSignInNonce();
  sendPage(response, status, signInPage(nonce, note), { 'set-cookie': cookie(SIGN_IN_COOKIE, nonce, secure) });
}

async function signIn(context: NodeContext, request: IncomingMessage, response: ServerResponse, secure: boolean): Promise<void> {
  const form = await readForm(request);
  const nonce = readCookie(request, SIGN_IN_COOKIE);
  if (form === null || nonce === null || !sameText(form.get('nonce') ?? '', nonce)) return showSignIn(response, secure, 'The sign-in form expired; please try again.', 403);
  // helpdesk.maxFailures failed sign-ins from one client address per window refuse every sign-in from
  // it (a right token too) until the window ends. Admin tokens are 32 random bytes, so this is a second
  // line, as registration.maxFailures is, not what stops guessing.
  const { maxFailures, failureWindowMs } = context.config.helpdesk;
  const windowSeconds = Math.ceil(failureWindowMs / 1000);
  const limits = new RateLimits(portalDb(context.store.db), context.now);
  const failures = `helpdesk-sign-in:${request.socket.remoteAddress ?? 'unknown'}`;
  if (await limits.reached(failures, maxFailures, windowSeconds)) {
    context.logger.warn('help desk sign-in refused: too many failures from this address', {});
    return showSignIn(response, secure, 'Too many failed sign-ins from your address. Try again later.', 429);
  }
  const token = (form.get('token') ?? '').trim();
  const admin = isTokenShaped(token) ? await findAdminToken(context.store.db, token) : null;
  if (admin === null) {
    await limits.take(failures, maxFailures, windowSeconds);
    context.logger.warn('help desk sign-in refused', {});
    return showSignIn(response, secure, 'That token is not valid.', 401);
  }
  const sessionId = await openHelpdeskSession(context.store.db, admin.tokenHash, sessionLimits(context), context.now());
  context.logger.info('help desk sign-in', { by: admin.name });
  response.setHeader('set-cookie', [cookie(HELPDESK_COOKIE, sessionId, secure), cookie(SIGN_IN_COOKIE, '', secure, true)]);
  redirect(response, HELPDESK_PREFIX);
}

async function submit(context: NodeContext, request: IncomingMessage, response: ServerResponse, tenant: Tenant, operator: HelpdeskOperator, onSubmitted: () => void): Promise<void> {
  const form = await readForm(request);
  if (form === null || !sameText(form.get('csrf') ?? '', operator.csrf)) return sendPage(response, 403, 'forbidden', { 'content-type': 'text/plain; charset=utf-8' });
  const action = form.get('action') ?? '';
  if (!Object.hasOwn(ACTIONS, action)) return sendPage(response, 400, tenantPage(tenant, operator.csrf, 'Unknown action.', (await tenantTargetKind(context.store.db, tenant.id)).by));
  const op = ACTIONS[action as Action];
  const typed = form.get('password') ?? '';
  const generated = op === 'resetPassword' && typed === '' ? generatePassword() : null;
  const target: CommandTarget | null = op === 'checkPermissions' ? null : { by: (form.get('by') ?? '') as CommandTarget['by'], value: (form.get('user') ?? '').trim() };
  const params = op === 'resetPassword' ? { forceChangeAtNextLogon: form.get('force') === 'yes' } : {};
  try {
    const body = { op, target, params, ...(op === 'resetPassword' ? { secret: { newPassword: generated ?? typed } } : {}) };
    const submitted = await submitCommand(context.store, {
      tenantId: tenant.id,
      request: parseCommandRequest(body),
      submittedBy: operator.name,
      defaultTtlMs: context.config.commands.defaultTtlMs,
      now: context.now(),
    });
    context.logger.info('command submitted', { tenantId: tenant.id, commandId: submitted.id, op, by: operator.name, via: 'helpdesk' });
    onSubmitted();
    if (generated !== null) return sendPage(response, 200, generatedPage(tenant, submitted.id, generated));
    redirect(response, `${HELPDESK_PREFIX}/t/${encodeURIComponent(tenant.name)}/commands`);
  } catch (error) {
    // The message names what is wrong (never a password's value, see command-request.ts).
    if (isServiceError(error) && (error.code === 'USAGE' || error.code === 'NOT_SENT'))
      return sendPage(response, 400, tenantPage(tenant, operator.csrf, error.message, (await tenantTargetKind(context.store.db, tenant.id)).by));
    throw error;
  }
}
