import type { ConnectionState } from '../connection/service-connection.js';

/**
 * What `status` (text and --json) says for each state of the service connection, in the admin's
 * words; docs/troubleshooting.md lists the same words (a test holds them together).
 */
export const ConnectionStatusWords = {
  idle: 'not started',
  connecting: 'connecting',
  handshaking: 'authenticating',
  ready: 'connected',
  waiting: 'waiting to reconnect',
  stopped: 'stopped',
} as const satisfies Record<ConnectionState, string>;

/** The word for a state read from the status file (written by a possibly different version: unknown states pass through). */
export function connectionStatusWord(state: string): string {
  return Object.hasOwn(ConnectionStatusWords, state) ? ConnectionStatusWords[state as ConnectionState] : state;
}
