import type { Socket } from 'node:net';
import type { Client } from 'ldapts';
import { coalesceWrites } from '../../net/coalesce-writes.js';

/**
 * Tunes an ldapts client's socket (ldapts 9 keeps it in `socket`; without one, nothing changes):
 * the writes of one turn of the event loop leave together (coalesceWrites), and each leaves at
 * once (TCP_NODELAY): LDAP is request and reply, so Nagle's algorithm only holds a request back
 * while an earlier one on the same connection is unacknowledged.
 */
export function tuneClientSocket(client: Client): void {
  const socket = (client as unknown as { socket?: Socket }).socket;
  if (socket === undefined || typeof socket.cork !== 'function') return;
  coalesceWrites(socket);
  if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
}
