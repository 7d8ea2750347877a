import type { Duplex } from 'node:stream';

/**
 * Writes a stream gets in one tick go out together: it is corked at the first and uncorked on the
 * next tick, so they leave as one TLS record and one system call instead of one each. Concurrent
 * commands and a journal group commit releasing many at once make such bursts common (issue 9's
 * profile: socket writes were the agent's largest single cost). Used for the LDAP connections and
 * the service WebSocket.
 */
export function coalesceWrites(stream: Duplex): void {
  const write = stream.write.bind(stream);
  let corked = false;
  stream.write = ((...args: Parameters<Duplex['write']>) => {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(() => {
        corked = false;
        stream.uncork();
      });
    }
    return write(...args);
  }) as Duplex['write'];
}
