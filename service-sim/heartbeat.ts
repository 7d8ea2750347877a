import type { Connection } from './connection.js';

/**
 * The ws liveness pattern: each round, a session that answered nothing (no frame, no pong) since
 * the previous round is terminated; the others are pinged. Two silent intervals mean dead.
 */
export function startHeartbeat(intervalMs: number, hooks: { connections: () => Iterable<Connection>; paused: () => boolean; onDead: (connection: Connection) => void }): () => void {
  const timer = setInterval(() => {
    if (hooks.paused()) return;
    for (const connection of hooks.connections()) {
      if (connection.phase !== 'session') continue;
      if (!connection.alive) {
        hooks.onDead(connection);
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
