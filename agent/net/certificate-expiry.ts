import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `tls.TLSSocket#getPeerCertificate()` returns, as far as expiry goes. */
export interface PeerCertificateLike {
  valid_to: string;
  subject?: Record<string, unknown>;
}

export type CertificateInput = string | Buffer | X509Certificate | PeerCertificateLike;

export interface CertificateExpiry {
  subject: string;
  notAfter: Date;
  /** Whole days left (negative once expired). */
  daysLeft: number;
  status: 'ok' | 'warning' | 'expired';
  /** The smallest warning threshold (days) that applies; null when none does. */
  thresholdDays: number | null;
}

/** Every certificate in a PEM bundle (a CA file may hold several). */
export function certificatesInPem(pem: string | Buffer): X509Certificate[] {
  const blocks = pem.toString().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * Expiry of one certificate (a PEM, an X509Certificate, or a TLS socket's peer certificate) against
 * the warning thresholds in days, e.g. [30, 14, 7, 1].
 */
export function certificateExpiry(input: CertificateInput, options: { now: Date; warningDays: readonly number[] }): CertificateExpiry {
  const { subject, notAfter } = describe(input);
  const remainingMs = notAfter.getTime() - options.now.getTime();
  const daysLeft = Math.floor(remainingMs / DAY_MS);
  const applicable = options.warningDays.filter((days) => daysLeft < days).sort((a, b) => a - b);
  const thresholdDays = applicable[0] ?? null;
  const status = remainingMs <= 0 ? 'expired' : thresholdDays !== null ? 'warning' : 'ok';
  return { subject, notAfter, daysLeft, status, thresholdDays };
}

/** Expiry of every certificate in a PEM file (e.g. a directory's `tls.caFile`). */
export async function certificateFileExpiry(path: string, options: { now: Date; warningDays: readonly number[] }): Promise<CertificateExpiry[]> {
  const certificates = certificatesInPem(await readFile(path));
  if (certificates.length === 0) throw new Error(`${path} holds no PEM certificate`);
  return certificates.map((certificate) => certificateExpiry(certificate, options));
}

/** One log line for an expiring or expired certificate. */
export function describeExpiry(expiry: CertificateExpiry, where: string): string {
  const when = expiry.notAfter.toISOString();
  if (expiry.status === 'expired') return `TLS certificate ${expiry.subject} (${where}) expired on ${when}; renew it now`;
  return `TLS certificate ${expiry.subject} (${where}) expires in ${expiry.daysLeft} day${expiry.daysLeft === 1 ? '' : 's'} on ${when}; renew it`;
}

function describe(input: CertificateInput): { subject: string; notAfter: Date } {
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    const [first] = certificatesInPem(input);
    if (first === undefined) throw new Error('no PEM certificate in the input');
    return describe(first);
  }
  if (input instanceof X509Certificate) {
    return { subject: input.subject.replace(/\n/g, ', '), notAfter: new Date(input.validTo) };
  }
  const notAfter = new Date(input.valid_to);
  if (Number.isNaN(notAfter.getTime())) throw new Error('the peer certificate has no valid valid_to');
  const cn = input.subject?.CN;
  return { subject: typeof cn === 'string' ? `CN=${cn}` : 'peer certificate', notAfter };
}
