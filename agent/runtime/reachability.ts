import { connect } from 'node:net';

/** Whether a TCP connection to an LDAP URL's host and port opens within the timeout. */
export async function tcpReachable(url: string, timeoutMs = 3_000): Promise<{ reachable: boolean; reason?: string }> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname.replace(/^\[|\]$/g, '');
    port = parsed.port ? Number(parsed.port) : parsed.protocol === 'ldaps:' ? 636 : 389;
  } catch {
    return { reachable: false, reason: 'not a URL' };
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: { reachable: boolean; reason?: string }): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ reachable: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ reachable: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ reachable: false, reason: error.code ?? error.message }));
  });
}
