import type { WebSocket } from 'ws';

/** What a ping round needs of a connection: only sessions are watched; `alive` is set by any frame or pong. */
export interface WatchedConnection {
  readonly phase: string;
  readonly ws: WebSocket;
  alive: boolean;
}

/**
 * One round of the ws liveness pattern: a session connection that sent nothing (no frame, no pong)
 * since the previous round is terminated, the others are pinged; two silent intervals mean dead.
 */
export function pingRound<C extends WatchedConnection>(connections: Iterable<C>, onDead: (connection: C) => void): void {
  for (const connection of connections) {
    if (connection.phase !== 'session') continue;
    if (!connection.alive) {
      onDead(connection);
      connection.ws.terminate();
      continue;
    }
    connection.alive = false;
    connection.ws.ping();
  }
}
