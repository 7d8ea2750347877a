import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

export type TunnelResult = { ok: true; socket: Socket } | { ok: false; status: number } | { ok: false; error: Error };

/** A proxy URL with its user and password left out, for messages. */
export function redactProxy(proxyUrl: string): string {
  try {
    const url = new URL(proxyUrl);
    url.username = '';
    url.password = '';
    return url.origin;
  } catch {
    return 'an invalid proxy URL';
  }
}

/**
 * Asks an HTTP(S) proxy for a CONNECT tunnel to host:port, as https-proxy-agent does for the
 * agent's own connection, and hands back the tunnel or the proxy's HTTP status (407: the proxy wants
 * credentials). Credentials in the proxy URL go out as Basic Proxy-Authorization.
 */
export async function openTunnel(proxyUrl: string, host: string, port: number, options: { ca: Buffer | undefined; timeoutMs: number }): Promise<TunnelResult> {
  let proxy: URL;
  try {
    proxy = new URL(proxyUrl);
  } catch (error) {
    return { ok: false, error: error as Error };
  }
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username !== '') {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  const secure = proxy.protocol === 'https:';
  const request = (secure ? httpsRequest : httpRequest)({
    method: 'CONNECT',
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: proxy.port === '' ? (secure ? 443 : 80) : Number(proxy.port),
    path: authority,
    headers,
    agent: false,
    ...(secure && options.ca !== undefined ? { ca: options.ca } : {}),
  });
  return new Promise<TunnelResult>((resolve) => {
    const timer = setTimeout(() => {
      request.destroy();
      resolve({ ok: false, error: Object.assign(new Error('the proxy did not answer in time'), { code: 'ETIMEDOUT' }) });
    }, options.timeoutMs);
    request.once('connect', (response, socket) => {
      clearTimeout(timer);
      if (response.statusCode === 200) resolve({ ok: true, socket });
      else {
        socket.destroy();
        resolve({ ok: false, status: response.statusCode ?? 0 });
      }
    });
    request.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error });
    });
    request.end();
  });
}
