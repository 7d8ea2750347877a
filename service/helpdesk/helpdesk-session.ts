import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';
import { readCookie } from '../portal/portal-http.js';
import { useHelpdeskSession, type SessionLimits } from '../store/helpdesk-sessions.js';

export const HELPDESK_PREFIX = '/helpdesk';
/**
 * Holds a random session id (service/store/helpdesk-sessions.ts), never the admin token: the
 * database keeps the id's hash, the token it was opened with, its expiry and last use, so any node
 * serves the next page and sign-out, expiry or revoking the token end it on the server.
 */
export const HELPDESK_COOKIE = 'wb_helpdesk';
/** Random value of the sign-in form, paired with the same value in the form (login CSRF). */
export const SIGN_IN_COOKIE = 'wb_helpdesk_signin';

const TOKEN = /^[A-Za-z0-9_-]{16,200}$/;
/** A session id: 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** A signed-in operator: the admin token's name, the session id and the CSRF token every form carries. */
export interface HelpdeskOperator {
  name: string;
  sessionId: string;
  csrf: string;
}

/** The form token derives from the session id, which a cross-site page cannot read. */
function csrfOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('helpdesk form').digest('base64url');
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isTokenShaped(token: string): boolean {
  return TOKEN.test(token);
}

/** The operator whose cookie names a live session, else null (fails closed). */
export async function operatorOf(db: Kysely<ServiceDatabase>, request: IncomingMessage, limits: SessionLimits, now: Date): Promise<HelpdeskOperator | null> {
  const sessionId = readCookie(request, HELPDESK_COOKIE);
  if (sessionId === null || !SESSION_ID.test(sessionId)) return null;
  const session = await useHelpdeskSession(db, sessionId, limits, now);
  return session === null ? null : { name: session.name, sessionId, csrf: csrfOf(sessionId) };
}

/** HttpOnly, SameSite=Strict, scoped to /helpdesk, Secure over HTTPS; a browser-session cookie. */
export function cookie(name: string, value: string, secure: boolean, clear = false): string {
  return `${name}=${value}; Path=${HELPDESK_PREFIX}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}${clear ? '; Max-Age=0' : ''}`;
}

export function newSignInNonce(): string {
  return randomBytes(24).toString('base64url');
}
