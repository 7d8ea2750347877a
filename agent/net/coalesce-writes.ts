import type { Duplex } from 'node:stream';

/**
 * Writes a stream gets in one turn of the event loop go out together: it is corked at the first
 * and uncorked by setImmediate, after the loop has handled every socket that was ready, so they
 * leave as one TLS record and one system call instead of one each. Concurrent commands, replies
 * from several LDAP connections arriving together and a journal group commit releasing many
 * commands at once make such bursts common, and socket writes are among the agent's largest costs.
 * Used for the LDAP connections and the service WebSocket.
 */
export function coalesceWrites(stream: Duplex): void {
  const write = stream.write.bind(stream);
  let corked = false;
  stream.write = ((...args: Parameters<Duplex['write']>) => {
    if (!corked) {
      corked = true;
      stream.cork();
      setImmediate(() => {
        corked = false;
        stream.uncork();
      });
    }
    return write(...args);
  }) as Duplex['write'];
}

/**
 * Resolves once the writes corked in the current turn of the event loop have left: coalesceWrites
 * uncorks in a setImmediate queued at the first write, which may come after a setImmediate queued
 * now (the write can wait for microtasks), so this waits for two. For starting a request and then
 * doing CPU-bound work while it is on the wire.
 */
export async function afterCorkedWrites(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
