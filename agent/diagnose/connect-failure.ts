import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { proxyFor } from '../connection/proxy.js';
import type { ServiceEndpoint } from '../connection/socket-options.js';
import { causeText, classifyError } from './classify-error.js';
import { hostAndPort, resolveHost, systemLookup, tcpConnect } from './net-probes.js';
import { Diagnosis, fixFor, type NetworkCause } from './network-causes.js';
import { openTunnel } from './proxy-tunnel.js';
import { inspectTls } from './tls-inspection.js';

/** Why the running agent's last connect failed, in diagnose's words: for the log line and `status`. */
export interface ConnectFailure {
  /** Null when the error is of no known kind. */
  cause: NetworkCause | null;
  /** "TLS inspection suspected (issuer: …)", "proxy requires authentication (…)": never a library's text. */
  text: string;
  fix: string | null;
}

/** From the error alone. */
export function describeConnectFailure(error: Error, endpoint: ServiceEndpoint): ConnectFailure {
  const viaProxy = proxyFor(endpoint.url, endpoint.proxy) !== null;
  const classified = classifyError(error, { viaProxy });
  if (classified === null) {
    const code: unknown = (error as NodeJS.ErrnoException).code;
    return { cause: null, text: `the connection failed (${typeof code === 'string' ? code : error.name})`, fix: 'run `writeback-agent diagnose --config F` to find the failing step' };
  }
  const fix = fixFor(classified.cause, new URL(endpoint.url).hostname);
  return { cause: classified.cause, text: causeText(Diagnosis.causes[classified.cause].label, classified.detail), fix };
}

/** Whether reading the certificate would tell more than the error did (who issued it). */
export function needsCertificate(failure: ConnectFailure): boolean {
  return failure.cause === 'TLS_INSPECTION';
}

/**
 * For a chain that ends at an unknown CA: reads the certificate the agent was shown (through the same
 * proxy) to name its issuer, as `diagnose` does. Falls back to the description from the error.
 */
export async function explainConnectFailure(error: Error, endpoint: ServiceEndpoint, timeoutMs = 5_000): Promise<ConnectFailure> {
  const failure = describeConnectFailure(error, endpoint);
  if (!needsCertificate(failure)) return failure;
  try {
    const url = new URL(endpoint.url);
    const { host, port } = hostAndPort(url, { 'wss:': 443 });
    const ca = endpoint.caFile === null ? undefined : readFileSync(endpoint.caFile);
    const proxy = proxyFor(endpoint.url, endpoint.proxy);
    let socket: Socket;
    if (proxy === null) {
      const [address] = await resolveHost(host, systemLookup);
      socket = await tcpConnect(address ?? host, port, timeoutMs);
    } else {
      const tunnel = await openTunnel(proxy, host, port, { ca, timeoutMs });
      if (!tunnel.ok) return failure;
      socket = tunnel.socket;
    }
    const facts = await inspectTls({ host, port, socket, ca, timeoutMs });
    if (facts.chainError === null) return failure;
    return { ...failure, text: `${Diagnosis.causes.TLS_INSPECTION.label} (issuer: ${facts.issuer})` };
  } catch {
    return failure;
  }
}
