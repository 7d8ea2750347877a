import { newCode } from './one-time-codes.js';
import { PortalOperation } from '../../protocol/index.js';
import { reconfirmDue, takeUserLimit, userName, type PortalDeps, type PortalRequest } from './portal-deps.js';
import { isHttps, redirect, sendPage, sessionCookie } from './portal-http.js';
import { methodsPage, signInPage } from './portal-pages.js';
import { signInRefusal } from './result-words.js';
import { checkTotp, newTotpSecret, totpEnrolment } from './totp.js';

const EMAIL = /^[^\s@<>()",;]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,63}$/;
const PHONE = /^\+?[0-9 ()-]{6,24}$/;

const NOTES: Readonly<Record<string, string>> = {
  saved: 'Saved. Your recovery methods are confirmed.',
  wrong: 'That code is not right, or it has expired.',
  invalid: 'That does not look right; check it and try again.',
  unsent: 'The code could not be sent. Try again later.',
};

/** GET /register: the sign-in form, or the methods once signed in. */
export function register(r: PortalRequest): void {
  if (r.session.data.signedIn !== null) return redirect(r.response, '/register/methods');
  sendPage(r.response, 200, signInPage(r.page, null));
}

/**
 * POST /register/sign-in: the current password, checked on the premises by the agent's
 * verifyPassword (a bind as the user, nothing written). A wrong password and an unknown name read
 * the same.
 */
export async function signIn(deps: PortalDeps, r: PortalRequest): Promise<void> {
  const user = userName(r.form?.get('user') ?? null);
  const password = r.form?.get('password') ?? '';
  if (user === null || password.length === 0 || password.length > 1024) return sendPage(r.response, 400, signInPage(r.page, 'Type your user name and your current password.'));
  if (!(await takeUserLimit(deps, user))) return sendPage(r.response, 429, signInPage(r.page, 'Too many attempts for this account. Try again later.'));
  if (!(await deps.agent.offers(PortalOperation.verifyPassword))) return sendPage(r.response, 200, signInPage(r.page, 'Your organisation has not turned on signing in here yet.'));
  const result = await deps.agent.run(PortalOperation.verifyPassword, user, {}, { password });
  if (result?.code === 'OK' && result.details['verified'] === true) {
    // A new session id at sign-in, so an id planted in the browser before it is worth nothing.
    await deps.sessions.end(r.session);
    const created = await deps.sessions.create();
    created.session.data.signedIn = user;
    await deps.sessions.save(created.session);
    r.response.setHeader('set-cookie', sessionCookie(created.cookieId, isHttps(r.request)));
    return redirect(r.response, '/register/methods');
  }
  sendPage(r.response, 200, signInPage(r.page, signInRefusal(result, deps.context.now())));
}

/** GET /register/methods: what is registered, and forms to change it. */
export async function methods(deps: PortalDeps, r: PortalRequest): Promise<void> {
  const { data } = r.session;
  if (data.signedIn === null) return redirect(r.response, '/register');
  const registration = await deps.registrations.get(deps.tenantId, data.signedIn);
  const pendingSecret = data.pendingTotp === null ? null : deps.key.open(data.pendingTotp);
  const enrolment = pendingSecret === null ? null : { ...(await totpEnrolment(pendingSecret, data.signedIn, 'Password reset')), secret: pendingSecret };
  sendPage(
    r.response,
    200,
    methodsPage(r.page, {
      user: data.signedIn,
      methods: deps.config.methods,
      email: registration?.email ?? null,
      phone: registration?.phone ?? null,
      totp: (registration?.totpSecret ?? null) !== null,
      confirmedAt: registration?.confirmedAt.toISOString().slice(0, 10) ?? null,
      reconfirmDue: registration === null || reconfirmDue(deps, registration.confirmedAt),
      pendingEmail: data.pendingEmail,
      pendingPhone: data.pendingPhone,
      enrolment,
      note: NOTES[r.url.searchParams.get('note') ?? ''] ?? null,
    }),
  );
}

/** POST /register/email and /register/phone: a code to the new address, to prove it is theirs. */
export async function startContact(deps: PortalDeps, r: PortalRequest, what: 'email' | 'phone'): Promise<void> {
  const { data } = r.session;
  if (data.signedIn === null) return redirect(r.response, '/register');
  const value = (r.form?.get(what) ?? '').trim();
  if (!(what === 'email' ? EMAIL : PHONE).test(value)) return redirect(r.response, '/register/methods?note=invalid');
  if (!(await takeUserLimit(deps, data.signedIn))) return redirect(r.response, '/register/methods?note=unsent');
  const code = newCode();
  await deps.codes.issue(r.session.idHash, `register-${what}`, code, deps.config.codeTtlSeconds);
  try {
    if (what === 'email') {
      if (deps.mailer === null) throw new Error('no mailer');
      await deps.mailer.send({
        to: value,
        subject: 'Confirm your recovery e-mail address',
        text: `Your confirmation code is ${code}\n\nIt works once, for ${Math.round(deps.config.codeTtlSeconds / 60)} minutes.\n`,
      });
    } else {
      if (deps.sms === null) throw new Error('no SMS provider');
      await deps.sms.send(value, `Your confirmation code is ${code}.`);
    }
  } catch (error) {
    deps.context.logger.warn('portal registration code not sent', { what, error: error instanceof Error ? error.message : 'unknown' });
    return redirect(r.response, '/register/methods?note=unsent');
  }
  if (what === 'email') data.pendingEmail = value;
  else data.pendingPhone = value;
  await deps.sessions.save(r.session);
  redirect(r.response, '/register/methods');
}

async function saveWith(deps: PortalDeps, user: string, change: { email?: string; phone?: string; totpSecret?: string }): Promise<void> {
  const current = await deps.registrations.get(deps.tenantId, user);
  await deps.registrations.save(
    deps.tenantId,
    user,
    {
      email: change.email ?? current?.email ?? null,
      phone: change.phone ?? current?.phone ?? null,
      totpSecret: change.totpSecret ?? current?.totpSecret ?? null,
      totpLastStep: change.totpSecret === undefined ? (current?.totpLastStep ?? 0) : 0,
    },
    deps.context.now(),
  );
}

/** POST /register/email/confirm and /register/phone/confirm. */
export async function confirmContact(deps: PortalDeps, r: PortalRequest, what: 'email' | 'phone'): Promise<void> {
  const { data } = r.session;
  const pending = what === 'email' ? data.pendingEmail : data.pendingPhone;
  if (data.signedIn === null || pending === null) return redirect(r.response, '/register/methods');
  if (!(await deps.codes.redeem(r.session.idHash, `register-${what}`, r.form?.get('code') ?? ''))) return redirect(r.response, '/register/methods?note=wrong');
  await saveWith(deps, data.signedIn, what === 'email' ? { email: pending } : { phone: pending });
  if (what === 'email') data.pendingEmail = null;
  else data.pendingPhone = null;
  await deps.sessions.save(r.session);
  redirect(r.response, '/register/methods?note=saved');
}

/** POST /register/totp: a new authenticator secret, shown as a QR code until confirmed. */
export async function startTotp(deps: PortalDeps, r: PortalRequest): Promise<void> {
  if (r.session.data.signedIn === null) return redirect(r.response, '/register');
  r.session.data.pendingTotp = deps.key.seal(newTotpSecret());
  await deps.sessions.save(r.session);
  redirect(r.response, '/register/methods');
}

/** POST /register/totp/confirm: the app's first code proves it was enrolled. */
export async function confirmTotp(deps: PortalDeps, r: PortalRequest): Promise<void> {
  const { data } = r.session;
  const secret = data.pendingTotp === null ? null : deps.key.open(data.pendingTotp);
  if (data.signedIn === null || secret === null) return redirect(r.response, '/register/methods');
  if (checkTotp(secret, (r.form?.get('code') ?? '').trim(), deps.context.now(), 0) === null) return redirect(r.response, '/register/methods?note=wrong');
  await saveWith(deps, data.signedIn, { totpSecret: secret });
  data.pendingTotp = null;
  await deps.sessions.save(r.session);
  redirect(r.response, '/register/methods?note=saved');
}

/** POST /register/reconfirm: the user says their methods are still right (every `reconfirmDays`). */
export async function reconfirm(deps: PortalDeps, r: PortalRequest): Promise<void> {
  if (r.session.data.signedIn === null) return redirect(r.response, '/register');
  await saveWith(deps, r.session.data.signedIn, {});
  redirect(r.response, '/register/methods?note=saved');
}
