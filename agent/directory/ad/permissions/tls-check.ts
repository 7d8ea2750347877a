import { connect } from 'node:tls';
import type { DirectoryConfig } from '../../directory-config.js';
import { certificateExpiry } from '../../../net/certificate-expiry.js';
import type { PermissionCheck } from '../../driver.js';
import { loadCa } from '../../ldap/ldap-connector.js';

/** A certificate with fewer days left than this is a WARN. */
export const CERT_WARN_DAYS = 30;

/** The peer certificate's notAfter of an LDAPS server, verified against the configured CA as the agent's connections are. */
function serverCertificateNotAfter(url: string, ca: Buffer | undefined, timeoutMs: number): Promise<{ notAfter: string; subject: string }> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(parsed.port || 636), ca, rejectUnauthorized: true, timeout: timeoutMs, ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }) }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve({ notAfter: certificate.valid_to, subject: certificate.subject?.CN === undefined ? 'the server certificate' : `CN=${String(certificate.subject.CN)}` });
    });
    socket.once('error', reject);
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('TLS handshake timed out'));
    });
  });
}

/** `tls`: every URL verifies against tls.caFile (or the system store), with the certificate's days to expiry. */
export async function tlsCheck(config: DirectoryConfig, now: Date): Promise<PermissionCheck> {
  const ca = loadCa(config.tls.caFile);
  const notes: string[] = [];
  let status: PermissionCheck['status'] = 'OK';
  let failed = 0;
  for (const url of config.urls) {
    if (!url.toLowerCase().startsWith('ldaps:')) {
      notes.push(`${url}: StartTLS, certificate verified by the bind (its expiry is not read over StartTLS)`);
      continue;
    }
    try {
      const { notAfter, subject } = await serverCertificateNotAfter(url, ca, config.timeoutMs);
      const expiry = certificateExpiry({ valid_to: notAfter }, { now, warningDays: [CERT_WARN_DAYS] });
      if (expiry.status !== 'ok') status = 'WARN';
      notes.push(`${url}: ${subject} verified, expires ${expiry.notAfter.toISOString().slice(0, 10)} (${expiry.daysLeft} day${expiry.daysLeft === 1 ? '' : 's'})`);
    } catch (error) {
      failed += 1;
      notes.push(`${url}: TLS failed (${error instanceof Error ? error.message : 'unknown error'})`);
    }
  }
  // One server of several failing is a WARN (failover still works); none verifying is MISSING.
  if (failed > 0) status = failed === config.urls.length ? 'MISSING' : 'WARN';
  const trust = config.tls.caFile ?? 'the system trust store';
  const check: PermissionCheck = { name: 'tls', status, required: true, detail: `${notes.join('; ')}; trust: ${trust}` };
  const server = config.kind === 'openldap' ? 'LDAP server' : 'DC';
  if (status !== 'OK') check.fix = `renew the ${server} certificate (or put the CA that signed it into ${trust}) so that every URL verifies for more than ${CERT_WARN_DAYS} days`;
  return check;
}
