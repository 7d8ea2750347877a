import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';

/** Largest form body the portal reads. */
const MAX_FORM_BYTES = 8 * 1024;

export const SESSION_COOKIE = 'wb_portal';

/**
 * Headers on every portal answer: no script at all, styles and forms from this origin only,
 * images from this origin or data: (the QR code), never framed, never cached, no referrer.
 */
export const PORTAL_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

export function isHttps(request: IncomingMessage): boolean {
  return request.socket instanceof TLSSocket;
}

/** `Sec-Fetch-Site` values of a request a page of this origin made, or one typed in the address bar. */
const OWN_FETCH_SITES: ReadonlySet<string> = new Set(['same-origin', 'none']);

/**
 * Whether a form was posted from another site, told by the headers browsers add. `Sec-Fetch-Site`,
 * when the browser sends it, decides alone: anything but same-origin (or none, typed by the user) is
 * another site, a sibling subdomain too; a page cannot set it, and it holds behind any proxy. Only a
 * browser without it is judged by `Origin`, which must name the host the request was addressed to
 * (over either scheme: behind a TLS-terminating balancer the request arrives over plain HTTP) or
 * `publicUrl`'s origin. `Origin: null` says nothing: browsers send it on every POST from a page under
 * `Referrer-Policy: no-referrer`, which ours are. Checked before the CSRF token, as a second lock; a
 * client that sends neither header (not a browser) still needs the token.
 */
export function isCrossSite(request: IncomingMessage, publicUrl: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return !OWN_FETCH_SITES.has(site);
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return true;
  }
  if ((parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.origin === origin && parsed.host === (request.headers.host ?? '').toLowerCase()) return false;
  try {
    return new URL(publicUrl).origin !== origin;
  } catch {
    // An unparsable publicUrl names no origin.
    return true;
  }
}

export function readCookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/** HttpOnly, SameSite=Lax (the administrator's e-mailed link is a top-level GET), Secure over HTTPS. */
export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function sendPage(response: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...PORTAL_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extra }).end(body);
}

export function redirect(response: ServerResponse, location: string, extra: Record<string, string> = {}): void {
  response.writeHead(303, { ...PORTAL_HEADERS, location, 'content-length': 0, ...extra }).end();
}

/** An urlencoded form of at most MAX_FORM_BYTES; null when too large or of another type. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams | null> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
