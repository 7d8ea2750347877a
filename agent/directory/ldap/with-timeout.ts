import { LdapTransportError } from './directory-errors.js';

/**
 * Races `promise` against a timer: ldapts has no timeout for the StartTLS handshake, and a socket
 * that accepts and never answers must not hang the agent. `onTimeout` cleans up (closes the socket).
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new LdapTransportError('timeout', `${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
