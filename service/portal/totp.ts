import { Secret, TOTP } from 'otpauth';
import { toString as qrToString } from 'qrcode';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s steps; one step either side for clock drift. */
const TOTP_SETTINGS = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 } as const;

/** A new 160-bit secret, base32 (what the QR code and the manual entry carry). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, label = 'user', issuer = 'Password reset'): TOTP {
  return new TOTP({ issuer, label, algorithm: TOTP_SETTINGS.algorithm, digits: TOTP_SETTINGS.digits, period: TOTP_SETTINGS.period, secret: Secret.fromBase32(secretBase32) });
}

/** The `otpauth://` URI an app enrols from, and the same as a QR code (SVG data URL, no script, safe under the page's CSP). */
export async function totpEnrolment(secretBase32: string, label: string, issuer: string): Promise<{ uri: string; qrDataUrl: string }> {
  const uri = totp(secretBase32, label, issuer).toString();
  const svg = await qrToString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { uri, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/**
 * The time step of `token` when it is right for `now` and later than `lastStep` (a code is
 * accepted once: a replay within its 30 s is refused); null otherwise.
 */
export function checkTotp(secretBase32: string, token: string, now: Date, lastStep: number): number | null {
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secretBase32).validate({ token, timestamp: now.getTime(), window: TOTP_SETTINGS.window });
  if (delta === null) return null;
  const step = TOTP.counter({ period: TOTP_SETTINGS.period, timestamp: now.getTime() }) + delta;
  return step > lastStep ? step : null;
}

/** The code for `now` (tests and the demo's "what the app would show"). */
export function totpCode(secretBase32: string, now: Date): string {
  return totp(secretBase32).generate({ timestamp: now.getTime() });
}
