import type { WebSocket } from 'ws';
import type { Session } from './session.js';

export type ConnectionPhase = 'open' | 'busy' | 'session' | 'closed';

/** One accepted WebSocket, before and after it becomes an agent session. */
export class Connection {
  readonly id: number;
  readonly ws: WebSocket;
  /** The negotiated subprotocol (`writeback.v1` today; later versions plug in here). */
  readonly protocol: string;
  /** Remote address, for the registration attempt limit. */
  readonly source: string;
  phase: ConnectionPhase = 'open';
  nonce = '';
  session: Session | null = null;
  /** Heartbeat: set by any frame or pong, cleared at each ping round. */
  alive = true;
  helloTimer: NodeJS.Timeout | null = null;

  constructor(id: number, ws: WebSocket, protocol: string, source: string) {
    this.id = id;
    this.ws = ws;
    this.protocol = protocol;
    this.source = source;
  }

  clearHelloTimer(): void {
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }
}
