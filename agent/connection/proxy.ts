import type { Agent } from 'node:http';
import { createRequire } from 'node:module';
import type { HttpsProxyAgent } from 'https-proxy-agent';

// Loaded on first use (require of an ES module, synchronous since Node 22): most agents have no
// proxy, and https-proxy-agent with its http/net dependencies takes resident memory at start.
const require = createRequire(import.meta.url);

/**
 * The HTTPS proxy (CONNECT) for the service URL: the config's `service.proxy` wins, else
 * HTTPS_PROXY / https_proxy, unless NO_PROXY / no_proxy matches the host.
 */
export function proxyFor(serviceUrl: string, configured: string | null, env: NodeJS.ProcessEnv = process.env): string | null {
  if (configured) return configured;
  const fromEnv = env['HTTPS_PROXY'] ?? env['https_proxy'];
  if (!fromEnv) return null;
  const host = new URL(serviceUrl).hostname.toLowerCase();
  return noProxyMatches(host, env['NO_PROXY'] ?? env['no_proxy'] ?? '') ? null : fromEnv;
}

/** NO_PROXY: comma-separated hosts or domain suffixes (`.corp.example` or `corp.example`), `*` for all. */
export function noProxyMatches(host: string, noProxy: string): boolean {
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (!entry) continue;
    if (entry === '*') return true;
    const suffix = entry.startsWith('.') ? entry : `.${entry}`;
    if (host === entry.replace(/^\./, '') || host.endsWith(suffix)) return true;
  }
  return false;
}

export function proxyAgent(proxyUrl: string, ca: Buffer | undefined): Agent {
  const loaded = require('https-proxy-agent') as { HttpsProxyAgent: typeof HttpsProxyAgent };
  return new loaded.HttpsProxyAgent(proxyUrl, ca === undefined ? {} : { ca });
}
