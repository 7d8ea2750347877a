import type { Duplex } from 'node:stream';
import type { Client } from 'ldapts';

/**
 * Requests a connection gets in one tick go out in one write: one TLS record and one system call
 * instead of one each. Commands run concurrently on shared connections, and a journal group
 * commit releases many of them at once (issue 9's profile: a write to the socket was the largest
 * single cost of the agent). ldapts 9 keeps its socket in `socket`; without one, nothing changes.
 */
export function coalesceWrites(client: Client): void {
  const socket = (client as unknown as { socket?: Duplex }).socket;
  if (socket === undefined || typeof socket.cork !== 'function') return;
  const write = socket.write.bind(socket);
  let corked = false;
  socket.write = ((...args: Parameters<Duplex['write']>) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as Duplex['write'];
}
