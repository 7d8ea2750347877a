import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';
import { readCookie } from '../portal/portal-http.js';
import { checkAdminToken } from '../store/admin-tokens.js';

export const HELPDESK_PREFIX = '/helpdesk';
/** Holds the admin token the operator signed in with; checked (hashed) against the database on every request, so any node serves the next page and a deleted token ends the session. */
export const HELPDESK_COOKIE = 'wb_helpdesk';
/** Random value of the sign-in form, paired with the same value in the form (login CSRF). */
export const SIGN_IN_COOKIE = 'wb_helpdesk_signin';

const TOKEN = /^[A-Za-z0-9_-]{16,200}$/;

/** A signed-in operator: the admin token's name and the CSRF token every form carries. */
export interface HelpdeskOperator {
  name: string;
  csrf: string;
}

/** The form token derives from the admin token, which a cross-site page cannot read. */
function csrfOf(token: string): string {
  return createHmac('sha256', token).update('helpdesk form').digest('base64url');
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isTokenShaped(token: string): boolean {
  return TOKEN.test(token);
}

/** The operator whose cookie holds a valid admin token, else null (fails closed). */
export async function operatorOf(db: Kysely<ServiceDatabase>, request: IncomingMessage): Promise<HelpdeskOperator | null> {
  const token = readCookie(request, HELPDESK_COOKIE);
  if (token === null || !isTokenShaped(token)) return null;
  const name = await checkAdminToken(db, token);
  return name === null ? null : { name, csrf: csrfOf(token) };
}

/** HttpOnly, SameSite=Strict, scoped to /helpdesk, Secure over HTTPS; a browser-session cookie. */
export function cookie(name: string, value: string, secure: boolean, clear = false): string {
  return `${name}=${value}; Path=${HELPDESK_PREFIX}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}${clear ? '; Max-Age=0' : ''}`;
}

export function newSignInNonce(): string {
  return randomBytes(24).toString('base64url');
}
