import type { NetworkCause } from './network-causes.js';

/** Node's error codes (errno and TLS verification), grouped by the cause an admin acts on. */
const CODE_CAUSE: Readonly<Record<string, NetworkCause>> = {
  ENOTFOUND: 'NAME_NOT_RESOLVED',
  EAI_AGAIN: 'NAME_NOT_RESOLVED',
  EAI_NONAME: 'NAME_NOT_RESOLVED',
  EAI_NODATA: 'NAME_NOT_RESOLVED',
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ETIMEDOUT: 'CONNECTION_TIMEOUT',
  EHOSTUNREACH: 'CONNECTION_FAILED',
  ENETUNREACH: 'CONNECTION_FAILED',
  ECONNRESET: 'CONNECTION_FAILED',
  EPIPE: 'CONNECTION_FAILED',
  EADDRNOTAVAIL: 'CONNECTION_FAILED',
  // The chain does not end at a trusted CA: what a TLS-inspecting proxy's certificate looks like.
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS_INSPECTION',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS_INSPECTION',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS_INSPECTION',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS_INSPECTION',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS_INSPECTION',
  CERT_UNTRUSTED: 'TLS_INSPECTION',
  ERR_TLS_CERT_ALTNAME_INVALID: 'NAME_MISMATCH',
  CERT_HAS_EXPIRED: 'CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'CERT_NOT_YET_VALID',
  EPROTO: 'TLS_FAILED',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS_FAILED',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'TLS_FAILED',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'TLS_FAILED',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'TLS_FAILED',
};

export interface Classified {
  cause: NetworkCause;
  /** Safe to log and to show: a code or a status, never a server's or a library's free text. */
  detail: string;
}

/** The HTTP status ws reports when the service answered without upgrading ("Unexpected server response: 407"). */
export function unexpectedStatus(error: Error): number | null {
  const match = /^Unexpected server response: (\d{3})$/.exec(error.message);
  return match ? Number(match[1]) : null;
}

/**
 * The cause of a failed connection from the error Node, ws or https-proxy-agent gave; null when it
 * is none of the known kinds. `viaProxy`: a non-101 answer of 407 then comes from the proxy.
 */
export function classifyError(error: unknown, context: { viaProxy: boolean }): Classified | null {
  if (!(error instanceof Error)) return null;
  const code: unknown = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string') {
    const cause = CODE_CAUSE[code] ?? (code.startsWith('ERR_SSL_') ? 'TLS_FAILED' : undefined);
    if (cause !== undefined) return { cause, detail: code };
  }
  const status = unexpectedStatus(error);
  if (status !== null) {
    if (status === 407 && context.viaProxy) return { cause: 'PROXY_AUTH_REQUIRED', detail: 'the proxy answered HTTP 407' };
    return { cause: 'NOT_WEBSOCKET', detail: `HTTP ${status}` };
  }
  if (/subprotocol/i.test(error.message)) return { cause: 'SUBPROTOCOL_REFUSED', detail: 'the answer named no subprotocol the agent offered' };
  if (/handshake has timed out/i.test(error.message)) return { cause: 'TIMEOUT', detail: 'no answer to the WebSocket upgrade in time' };
  return null;
}

/** The one-line text of a cause for the log and `status`: "TLS inspection suspected (issuer: …)". */
export function causeText(label: string, detail: string): string {
  return detail === '' ? label : `${label} (${detail})`;
}
