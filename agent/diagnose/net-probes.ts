import { lookup as dnsLookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';

/** Resolves a host name to its addresses; passed in so tests decide what a name resolves to. */
export type Lookup = (host: string) => Promise<string[]>;

/** The operating system's resolver (getaddrinfo: hosts file, then DNS), as Node's connections use it. */
export const systemLookup: Lookup = async (host) => (await dnsLookup(host, { all: true })).map((entry) => entry.address);

/** The addresses of a host; an IP literal is its own. */
export async function resolveHost(host: string, lookup: Lookup): Promise<string[]> {
  return isIP(host) !== 0 ? [host] : lookup(host);
}

/** A TCP connection to address:port within the timeout (ETIMEDOUT when none). */
export async function tcpConnect(address: string, port: number, timeoutMs: number): Promise<Socket> {
  const socket = connect({ host: address, port });
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer from ${address}:${port}`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** The host of a URL without IPv6 brackets, and its port (or the scheme's default). */
export function hostAndPort(url: URL, defaults: Readonly<Record<string, number>>): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? (defaults[url.protocol] ?? 0) : Number(url.port) };
}
