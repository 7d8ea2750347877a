import type { WebSocket } from 'ws';
import { Subprotocol } from '../protocol/index.js';
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

  /** The version the upgrade agreed on (server.ts only accepts known ones). */
  get protocol(): Subprotocol {
    return this.ws.protocol === Subprotocol.v2 ? Subprotocol.v2 : Subprotocol.v1;
  }

  get agentId(): string | null {
    return this.session?.agentId ?? null;
  }

  clearHelloTimer(): void {
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }
}
