import { readFileSync } from 'node:fs';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { ClientOptions } from 'ws';
import { MAX_FRAME_BYTES } from '../../protocol/index.js';
import { SetupError } from '../errors.js';
import { proxyAgent, proxyFor } from './proxy.js';

export interface ServiceEndpoint {
  url: string;
  allowInsecure: boolean;
  caFile: string | null;
  proxy: string | null;
}

/** The one line that refuses to run with certificate verification turned off process-wide; null when it is on. */
export function tlsVerificationDisabled(env: NodeJS.ProcessEnv = process.env): string | null {
  return env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0'
    ? 'NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate verification for every TLS connection; unset it (a private CA goes in service.caFile and tls.caFile)'
    : null;
}

/**
 * ws client options for the service: TLS verified (custom CA), proxy, frame size limit.
 * Verification is explicit (rejectUnauthorized, and the service's name checked against the
 * service URL's host): through a CONNECT proxy to an IP address, the proxy agent gives TLS no
 * host name, and Node would then check the certificate against "localhost".
 */
export function socketOptions(endpoint: ServiceEndpoint, handshakeTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const disabled = tlsVerificationDisabled(env);
  if (disabled !== null) throw new SetupError('CONFIG', disabled);
  const url = new URL(endpoint.url);
  if (url.protocol !== 'wss:' && !(url.protocol === 'ws:' && endpoint.allowInsecure)) {
    throw new SetupError('CONFIG', `service.url must be wss:// (got ${url.protocol}//); set service.allowInsecure to true only for local testing`);
  }
  let ca: Buffer | undefined;
  if (endpoint.caFile) {
    try {
      ca = readFileSync(endpoint.caFile);
    } catch {
      throw new SetupError('CONFIG', `cannot read service.caFile ${endpoint.caFile}: check the path and that the agent's account can read it`);
    }
  }
  // URL.hostname keeps an IPv6 address in brackets; checkServerIdentity wants it bare.
  const serviceHost = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const verifyIdentity = (_host: string, cert: PeerCertificate): Error | undefined => checkServerIdentity(serviceHost, cert);
  const options: ClientOptions = {
    maxPayload: MAX_FRAME_BYTES,
    handshakeTimeout: handshakeTimeoutMs,
    perMessageDeflate: false,
    rejectUnauthorized: true,
    // ws hands it to tls.connect, which wants Node's signature (an Error or undefined); ws's type says boolean.
    checkServerIdentity: verifyIdentity as unknown as ClientOptions['checkServerIdentity'],
  };
  if (ca !== undefined) options.ca = ca;
  const proxy = proxyFor(endpoint.url, endpoint.proxy);
  if (proxy) options.agent = proxyAgent(proxy, ca);
  return options;
}
