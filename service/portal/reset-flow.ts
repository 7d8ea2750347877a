import { lookUpContact } from './contact-lookup.js';
import { newCode, newLinkToken } from './one-time-codes.js';
import { reconfirmDue, takeUserLimit, userName, type PortalDeps, type PortalRequest } from './portal-deps.js';
import { redirect, sendPage } from './portal-http.js';
import { outcomePage, passwordPage, verifyPage, type MethodBlock } from './portal-pages.js';
import { outcomeOf, wordsFor } from './result-words.js';
import { checkTotp, newTotpSecret } from './totp.js';

/** The methods an administrator must pass (issue 19 item 7): a link to the alternate address and an SMS code. */
export const ADMIN_METHODS = ['link', 'sms'] as const;

const METHOD_LABELS: Readonly<Record<string, string>> = {
  email: 'A code by e-mail',
  sms: 'A code by SMS',
  totp: 'A code from your authenticator app',
  link: 'A link to your alternate e-mail address',
};

const NOTES: Readonly<Record<string, string>> = {
  wrong: 'That code is not right, or it has expired.',
  limited: 'Too many attempts for this account. Try again later.',
  mismatch: 'The two passwords are not the same.',
};

function methodsFor(deps: PortalDeps, admin: boolean): readonly string[] {
  return admin ? ADMIN_METHODS : deps.config.methods;
}

function needed(deps: PortalDeps, admin: boolean): number {
  return admin ? ADMIN_METHODS.length : deps.config.required;
}

function enoughPassed(deps: PortalDeps, r: PortalRequest): boolean {
  const { data } = r.session;
  const methods = methodsFor(deps, data.admin);
  return data.user !== null && data.passed.filter((m) => methods.includes(m)).length >= needed(deps, data.admin);
}

/** POST /identify: remembers the name and what is asked; says nothing about the account. */
export async function identify(deps: PortalDeps, r: PortalRequest): Promise<void> {
  const user = userName(r.form?.get('user') ?? null);
  if (user === null) return redirect(r.response, '/');
  Object.assign(r.session.data, { user, admin: r.form?.get('admin') === 'yes', action: r.form?.get('action') === 'unlock' ? 'unlock' : 'reset', passed: [], sent: [] });
  await deps.sessions.save(r.session);
  redirect(r.response, '/verify');
}

/** GET /verify: the same methods for every name (those offered, not those the account has). */
export function verify(deps: PortalDeps, r: PortalRequest): void {
  const { data } = r.session;
  if (data.user === null) return redirect(r.response, '/');
  if (enoughPassed(deps, r)) return redirect(r.response, '/password');
  const blocks: MethodBlock[] = methodsFor(deps, data.admin).map((method) => ({
    method,
    label: METHOD_LABELS[method] ?? method,
    sendable: method !== 'totp',
    passed: data.passed.includes(method),
    sent: data.sent.includes(method),
  }));
  const note = NOTES[r.url.searchParams.get('note') ?? ''] ?? null;
  const passed = data.passed.filter((m) => methodsFor(deps, data.admin).includes(m)).length;
  sendPage(r.response, 200, verifyPage(r.page, { needed: needed(deps, data.admin), passed, blocks, note, admin: data.admin, codeMinutes: Math.round(deps.config.codeTtlSeconds / 60) }));
}

/**
 * POST /send: a code (or the administrator's link) is issued for this session at once, whether or
 * not the account exists; looking up where it goes and sending it happen after the answer.
 */
export async function send(deps: PortalDeps, r: PortalRequest): Promise<void> {
  const { data } = r.session;
  const method = r.form?.get('method') ?? '';
  if (data.user === null || !methodsFor(deps, data.admin).includes(method) || method === 'totp') return redirect(r.response, '/verify');
  if (!(await takeUserLimit(deps, data.user))) return redirect(r.response, '/verify?note=limited');
  const secret = method === 'link' ? newLinkToken() : newCode();
  await deps.codes.issue(r.session.idHash, method, secret, deps.config.codeTtlSeconds);
  if (!data.sent.includes(method)) data.sent.push(method);
  await deps.sessions.save(r.session);
  const user = data.user;
  deps.background(async () => {
    const contact = await lookUpContact(deps.agent, deps.registrations, deps.tenantId, user);
    const minutes = Math.round(deps.config.codeTtlSeconds / 60);
    if (method === 'email' && contact.email !== null && deps.mailer !== null) {
      await deps.mailer.send({
        to: contact.email,
        subject: 'Your password reset code',
        text: `Your code is ${secret}\n\nIt works once, for ${minutes} minutes. If you did not ask for it, ignore this message.\n`,
      });
    } else if (method === 'sms' && contact.phone !== null && deps.sms !== null) {
      await deps.sms.send(contact.phone, `Your password reset code is ${secret}. It works once, for ${minutes} minutes.`);
    } else if (method === 'link' && contact.alternateEmail !== null && deps.mailer !== null) {
      const link = new URL(`/link?t=${secret}`, deps.context.config.publicUrl).toString();
      await deps.mailer.send({
        to: contact.alternateEmail,
        subject: 'Your administrator password reset link',
        text: `Open this link in the browser where you asked for it:\n\n${link}\n\nIt works once, for ${minutes} minutes. If you did not ask for it, tell your security team.\n`,
      });
    }
  });
  redirect(r.response, '/verify');
}

/** POST /check: a code by e-mail or SMS, or from the authenticator app; the same work for unknown names. */
export async function check(deps: PortalDeps, r: PortalRequest): Promise<void> {
  const { data } = r.session;
  const method = r.form?.get('method') ?? '';
  const code = (r.form?.get('code') ?? '').trim().slice(0, 64);
  if (data.user === null || !methodsFor(deps, data.admin).includes(method) || method === 'link') return redirect(r.response, '/verify');
  if (!(await takeUserLimit(deps, data.user))) return redirect(r.response, '/verify?note=limited');
  let right: boolean;
  if (method === 'totp') {
    const registration = await deps.registrations.get(deps.tenantId, data.user);
    // Without an authenticator, a throw-away secret is checked, so the answer takes the same path.
    const step = checkTotp(registration?.totpSecret ?? newTotpSecret(), code, deps.context.now(), registration?.totpLastStep ?? 0);
    right = step !== null && registration !== null && registration.totpSecret !== null && (await deps.registrations.useTotpStep(deps.tenantId, data.user, step));
  } else right = await deps.codes.redeem(r.session.idHash, method, code);
  if (!right) return redirect(r.response, '/verify?note=wrong');
  if (!data.passed.includes(method)) data.passed.push(method);
  await deps.sessions.save(r.session);
  redirect(r.response, enoughPassed(deps, r) ? '/password' : '/verify');
}

/** GET /link?t=TOKEN: the administrator's e-mailed link, valid only in the browser session that asked for it. */
export async function link(deps: PortalDeps, r: PortalRequest): Promise<void> {
  const { data } = r.session;
  const token = (r.url.searchParams.get('t') ?? '').slice(0, 64);
  if (data.user === null || !data.admin) return redirect(r.response, '/');
  if (!(await deps.codes.redeem(r.session.idHash, 'link', token))) return redirect(r.response, '/verify?note=wrong');
  if (!data.passed.includes('link')) data.passed.push('link');
  await deps.sessions.save(r.session);
  redirect(r.response, enoughPassed(deps, r) ? '/password' : '/verify');
}

/** GET /password: the new password form (or the unlock button) once enough methods are passed. */
export function password(deps: PortalDeps, r: PortalRequest): void {
  if (!enoughPassed(deps, r)) return redirect(r.response, '/verify');
  sendPage(r.response, 200, passwordPage(r.page, r.session.data.action, NOTES[r.url.searchParams.get('note') ?? ''] ?? null));
}

/** POST /finish: sends the reset or unlock through the agent and tells the outcome in plain words. */
export async function finish(deps: PortalDeps, r: PortalRequest): Promise<void> {
  if (!enoughPassed(deps, r)) return redirect(r.response, '/verify');
  const { data } = r.session;
  const user = data.user!;
  const action = data.action;
  let secret: Record<string, string> | undefined;
  if (action === 'reset') {
    const newPassword = r.form?.get('password') ?? '';
    if (newPassword !== (r.form?.get('confirm') ?? '') || newPassword.length === 0 || newPassword.length > 256) return redirect(r.response, '/password?note=mismatch');
    secret = { newPassword };
  }
  const contact = await lookUpContact(deps.agent, deps.registrations, deps.tenantId, user);
  const due = reconfirmDue(deps, contact.registration?.confirmedAt ?? null);
  // Fails closed: an agent that cannot say (no getContactInfo) admits nobody through a group, and
  // an agent that says "not eligible" is obeyed whatever `access` says (its owner decides).
  if ((deps.config.access === 'group' && contact.eligible !== true) || contact.eligible === false) {
    // GROUP_UNREADABLE here means the agent cannot read a listed group: the operator's to fix, so it is logged.
    deps.context.logger.info('portal refused: not eligible', { eligibility: contact.eligibility ?? 'UNKNOWN', access: deps.config.access });
    await deps.sessions.end(r.session);
    return sendPage(r.response, 403, outcomePage(r.page, { kind: 'refused', words: 'Your organisation has not opened the self-service portal to this account.' }, false));
  }
  if (contact.protectedAccount && !contact.protectedSelfService) {
    // The agent would refuse it even as the administrator's own reset: say so before any write is asked.
    await deps.sessions.end(r.session);
    return sendPage(r.response, 200, outcomePage(r.page, { kind: 'refused', words: wordsFor('PROTECTED_ACCOUNT') }, false));
  }
  if (!data.admin && contact.protectedAccount) {
    await deps.sessions.end(r.session);
    return sendPage(
      r.response,
      200,
      outcomePage(r.page, { kind: 'refused', words: "This is an administrator's account: start again and answer that you are an administrator, which needs two methods." }, false),
    );
  }
  const params: Record<string, unknown> = action === 'reset' ? { unlock: true } : {};
  // The service vouches that the user proved who they are; the agent still decides (docs/self-service.md).
  if (data.admin) params['selfService'] = true;
  const result = await deps.agent.run(action === 'reset' ? 'resetPassword' : 'unlockAccount', user, params, secret);
  const outcome = outcomeOf(result, action);
  await deps.sessions.end(r.session);
  deps.context.logger.info('portal command done', { action, code: result?.code ?? 'NO_ANSWER', commandId: result?.commandId ?? null, admin: data.admin });
  deps.background(() =>
    deps.notifications.afterCommand({ user, action, admin: data.admin, code: result?.code ?? null, outcome, userEmail: contact.email, commandId: result?.commandId ?? null, at: deps.context.now() }),
  );
  sendPage(r.response, 200, outcomePage(r.page, outcome, due && outcome.kind !== 'refused'));
}
