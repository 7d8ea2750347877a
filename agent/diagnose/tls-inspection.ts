import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { classifyError } from './classify-error.js';
import { fixFor, type DiagnosePath, type StepResult } from './network-causes.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Below this many days left, the expiry step warns (as check-permissions does). */
export const EXPIRY_WARNING_DAYS = 30;

/** What a TLS handshake showed about the server's certificate, verified or not. */
export interface TlsFacts {
  /** Node's verification code when the chain is not trusted (e.g. SELF_SIGNED_CERT_IN_CHAIN); null when trusted. */
  chainError: string | null;
  /** Who issued the server's certificate: "CN (O)". */
  issuer: string;
  /** The top of the chain the server sent (its root or last intermediate). */
  chainTop: string;
  subject: string;
  validFrom: Date;
  validTo: Date;
  /** checkServerIdentity's code when the certificate does not name the host; null when it does. */
  nameError: string | null;
}

/** Node reports name and expiry problems as verification errors too; they have their own steps. */
const NOT_CHAIN_ERRORS = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** A certificate's subject or issuer as an admin reads it: "CN (O)". */
export function distinguishedName(name: Record<string, unknown> | undefined): string {
  if (name === undefined) return 'unknown';
  const text = (key: string): string | null => {
    const value = name[key];
    return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : null;
  };
  const cn = text('CN');
  const o = text('O');
  if (cn !== null && o !== null) return `${cn} (${o})`;
  return cn ?? o ?? 'unnamed';
}

/** The facts of a TLS socket whose handshake finished (verified or not). */
export function tlsFacts(socket: TLSSocket, host: string): TlsFacts {
  const cert = socket.getPeerCertificate(true);
  let top: DetailedPeerCertificate = cert;
  // The chain ends where a certificate is its own issuer (Node links a root to itself).
  for (let i = 0; i < 10 && top.issuerCertificate !== undefined && top.issuerCertificate !== top; i++) top = top.issuerCertificate;
  const identity = checkServerIdentity(host, cert);
  const code = socket.authorizationError === null ? null : (socket.authorizationError as unknown as string | Error);
  const chainError = code === null || socket.authorized ? null : typeof code === 'string' ? code : ((code as NodeJS.ErrnoException).code ?? code.message);
  return {
    chainError: chainError !== null && NOT_CHAIN_ERRORS.has(chainError) ? null : chainError,
    issuer: distinguishedName(cert.issuer),
    chainTop: distinguishedName(top.issuer ?? top.subject),
    subject: distinguishedName(cert.subject),
    validFrom: new Date(cert.valid_from),
    validTo: new Date(cert.valid_to),
    nameError: identity === undefined ? null : ((identity as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'),
  };
}

/**
 * A TLS handshake that reads the certificate without trusting it, to tell why it would not be
 * trusted. The socket is closed at once: nothing is sent over an unverified connection; the
 * connections that carry data (the WebSocket, the bind) verify as the agent does.
 */
export async function inspectTls(target: { host: string; port: number; socket?: Socket; ca: Buffer | undefined; timeoutMs: number }): Promise<TlsFacts> {
  const socket = connect({
    host: target.host,
    port: target.port,
    ...(target.socket === undefined ? {} : { socket: target.socket }),
    ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
    ...(target.ca === undefined ? {} : { ca: target.ca }),
    minVersion: 'TLSv1.2',
    // Inspection only (see above): the verdict is computed from authorizationError below.
    rejectUnauthorized: false,
  });
  try {
    return await new Promise<TlsFacts>((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' })), target.timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(tlsFacts(socket, target.host));
      });
      socket.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    socket.destroy();
    target.socket?.destroy();
  }
}

/** The tls, hostname and expiry lines for a handshake's facts. */
export function tlsSteps(facts: TlsFacts, context: { path: DiagnosePath; target: string; directory?: string; host: string; now: Date; caFile: string | null }): StepResult[] {
  const base = { path: context.path, target: context.target, ...(context.directory === undefined ? {} : { directory: context.directory }) };
  const trustedBy = context.caFile === null ? 'the built-in CA list' : context.caFile;
  const tls: StepResult =
    facts.chainError === null
      ? { ...base, step: 'tls', status: 'OK', detail: `issued by ${facts.issuer}, trusted (${trustedBy})` }
      : classifyError(Object.assign(new Error(facts.chainError), { code: facts.chainError }), { viaProxy: false })?.cause === 'TLS_INSPECTION'
        ? {
            ...base,
            step: 'tls',
            status: 'FAIL',
            cause: 'TLS_INSPECTION',
            detail: `TLS inspection suspected (issuer: ${facts.issuer}): ${facts.chainTop === facts.issuer ? 'it' : `the chain ends at ${facts.chainTop}, which`} is not in ${trustedBy} (${facts.chainError})`,
            fix: fixFor('TLS_INSPECTION', context.host),
          }
        : { ...base, step: 'tls', status: 'FAIL', cause: 'TLS_FAILED', detail: `the certificate issued by ${facts.issuer} does not verify (${facts.chainError})`, fix: fixFor('TLS_FAILED') };
  const hostname: StepResult =
    facts.nameError === null
      ? { ...base, step: 'hostname', status: 'OK', detail: `the certificate names ${context.host}` }
      : { ...base, step: 'hostname', status: 'FAIL', cause: 'NAME_MISMATCH', detail: `the certificate (subject ${facts.subject}) does not name ${context.host}`, fix: fixFor('NAME_MISMATCH') };
  return [tls, hostname, expiryStep(facts, base, context.now)];
}

function expiryStep(facts: TlsFacts, base: Pick<StepResult, 'path' | 'target' | 'directory'>, now: Date): StepResult {
  const until = facts.validTo.toISOString();
  if (facts.validFrom.getTime() > now.getTime()) {
    return { ...base, step: 'expiry', status: 'FAIL', cause: 'CERT_NOT_YET_VALID', detail: `not valid before ${facts.validFrom.toISOString()}`, fix: fixFor('CERT_NOT_YET_VALID') };
  }
  const daysLeft = Math.floor((facts.validTo.getTime() - now.getTime()) / DAY_MS);
  if (facts.validTo.getTime() <= now.getTime()) {
    return { ...base, step: 'expiry', status: 'FAIL', cause: 'CERT_EXPIRED', detail: `expired ${until} (subject ${facts.subject})`, fix: fixFor('CERT_EXPIRED') };
  }
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    return { ...base, step: 'expiry', status: 'WARN', cause: 'CERT_EXPIRES_SOON', detail: `expires ${until}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`, fix: fixFor('CERT_EXPIRES_SOON') };
  }
  return { ...base, step: 'expiry', status: 'OK', detail: `valid until ${until} (${daysLeft} days)` };
}
