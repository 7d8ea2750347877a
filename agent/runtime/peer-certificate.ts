import { connect, type PeerCertificate } from 'node:tls';

/**
 * The certificate a TLS server presents (for expiry warnings). Verification is as strict as the
 * agent's own connections; null when the server cannot be reached or the URL is not TLS-first.
 */
export async function peerCertificate(url: string, ca: Buffer | undefined, timeoutMs = 5_000): Promise<PeerCertificate | null> {
  const parsed = new URL(url);
  const defaults: Record<string, number> = { 'ldaps:': 636, 'wss:': 443, 'https:': 443 };
  const defaultPort = defaults[parsed.protocol];
  if (defaultPort === undefined) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port: parsed.port ? Number(parsed.port) : defaultPort, servername: /^[\d.:]+$/.test(host) ? undefined : host, ...(ca ? { ca } : {}) });
    const done = (cert: PeerCertificate | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(cert);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.once('secureConnect', () => done(socket.getPeerCertificate()));
    socket.once('error', () => done(null));
  });
}
