import type { Duplex } from 'node:stream';
import type { Client } from 'ldapts';
import { coalesceWrites } from '../../net/coalesce-writes.js';

/** coalesceWrites for an ldapts client's socket. ldapts 9 keeps it in `socket`; without one, nothing changes. */
export function coalesceClientWrites(client: Client): void {
  const socket = (client as unknown as { socket?: Duplex }).socket;
  if (socket !== undefined && typeof socket.cork === 'function') coalesceWrites(socket);
}
