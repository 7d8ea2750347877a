import type { WebSocket } from 'ws';
import type { Session } from './session.js';

export type ConnectionPhase = 'open' | 'registering' | 'session' | 'closed';

/** One accepted WebSocket, before and after it becomes an agent session. */
export class Connection {
  readonly id: number;
  readonly ws: WebSocket;
  phase: ConnectionPhase = 'open';
  /** The challenge nonce sent on this connection; null until sent (a stalled service sends none). */
  nonce: string | null = null;
  session: Session | null = null;
  /** Heartbeat: set by any frame or pong, cleared at each ping round. */
  alive = true;
  helloTimer: NodeJS.Timeout | null = null;

  constructor(id: number, ws: WebSocket) {
    this.id = id;
    this.ws = ws;
  }

  get agentId(): string | null {
    return this.session?.agentId ?? null;
  }

  clearHelloTimer(): void {
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }
}
