/**
 * Opens one LDAP connection with verified TLS: ldaps:// checked against the configured CA, or
 * ldap:// upgraded with StartTLS. A plain ldap:// URL without StartTLS is refused (passwords and
 * password changes would cross the network in clear). Certificate verification is never off.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import { Client } from 'ldapts';
import { AgentError } from '../../errors.js';
import { ResultCode } from '../../../protocol/codes.js';
import { tuneClientSocket } from './client-socket.js';
import { summarizeLdapMessagesInJson } from './request-json.js';
import { withTimeout } from './with-timeout.js';

// No request's password bytes in ldapts's eagerly built debug text (see request-json.ts).
summarizeLdapMessagesInJson();

export interface LdapTransportOptions {
  /** Tried in order; a dead or silent server moves on to the next. */
  urls: string[];
  tls: { caFile: string | null; startTls: boolean };
  /** Bounds connect, the TLS handshake, and every operation. */
  timeoutMs: number;
}

interface ParsedUrl {
  url: string;
  host: string;
  secure: boolean;
}

function configError(message: string, reason: string): AgentError {
  return new AgentError(ResultCode.INTERNAL, message, { details: { reason } });
}

/** Validates the URLs once, at construction: a configuration mistake fails at start-up, not on the first command. */
export function parseLdapUrls(options: LdapTransportOptions): ParsedUrl[] {
  if (options.urls.length === 0) throw configError('no directory URL configured', 'NO_URL');
  return options.urls.map((url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw configError(`invalid directory URL: ${url}`, 'INVALID_URL');
    }
    const scheme = parsed.protocol.replace(/:$/, '');
    if (scheme !== 'ldap' && scheme !== 'ldaps') throw configError(`directory URL must be ldaps:// or ldap:// with StartTLS: ${url}`, 'INVALID_URL');
    if (scheme === 'ldap' && !options.tls.startTls) {
      throw configError(`refusing plain ${url}: use ldaps:// or set tls.startTls to true`, 'INSECURE_URL');
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    return { url, host, secure: scheme === 'ldaps' };
  });
}

/** Reads the CA file once. */
export function loadCa(caFile: string | null): Buffer | undefined {
  if (caFile === null) return undefined;
  try {
    return readFileSync(caFile);
  } catch {
    throw configError(`cannot read tls.caFile ${caFile}`, 'CA_FILE_UNREADABLE');
  }
}

/**
 * The TLS context of every connection to one directory: the CA (or the system store) and TLS 1.2
 * at least. Made once and shared: without it, node builds a new context per connection (parsing
 * the CA file each time), which connections opened per command (a user's own bind for a password
 * change or a redelivery check) paid in CPU and in native memory.
 */
export function ldapSecureContext(ca: Buffer | undefined): SecureContext {
  return createSecureContext({ minVersion: 'TLSv1.2', ...(ca !== undefined ? { ca } : {}) });
}

/** TLS options that verify the server's certificate against the context's CA and its name. */
function tlsOptionsFor(host: string, secureContext: SecureContext): ConnectionOptions {
  const options: ConnectionOptions = { secureContext, rejectUnauthorized: true, host };
  // SNI takes host names only; an IP address is still verified against the certificate's IP SANs.
  if (isIP(host) === 0) options.servername = host;
  return options;
}

/** Connects to one URL and finishes TLS; the client is connected and not bound. Closes it on any failure. */
export async function connectOne(target: ParsedUrl, secureContext: SecureContext, timeoutMs: number): Promise<Client> {
  const tlsOptions = tlsOptionsFor(target.host, secureContext);
  // ldapts treats any tlsOptions as "connect with TLS at once": give them only for ldaps://.
  const client = new Client({ url: target.url, timeout: timeoutMs, connectTimeout: timeoutMs, ...(target.secure ? { tlsOptions } : {}) });
  const discard = (): void => {
    client.unbind().catch(() => undefined);
  };
  try {
    if (target.secure) {
      // ldapts connects on the first operation: a root DSE read proves the server speaks LDAP over
      // verified TLS. Any LDAP answer will do (a server may refuse anonymous reads).
      await withTimeout(
        client.search('', { scope: 'base', attributes: ['1.1'] }).catch((error: unknown) => {
          if (typeof (error as { code?: unknown }).code !== 'number' || !client.isConnected) throw error;
        }),
        timeoutMs,
        'connect',
        discard,
      );
    } else {
      await withTimeout(client.startTLS({ ...tlsOptions }), timeoutMs, 'StartTLS', discard);
    }
    tuneClientSocket(client);
    return client;
  } catch (error) {
    discard();
    throw error;
  }
}
