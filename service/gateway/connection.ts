import type { WebSocket } from 'ws';
import { Subprotocol } from '../../protocol/index.js';
import type { Session } from './session.js';

export type ConnectionPhase = 'open' | 'busy' | 'session' | 'closed';

/** One accepted WebSocket, before and after it becomes an agent session. */
export class Connection {
  readonly id: number;
  readonly ws: WebSocket;
  /** The negotiated subprotocol (the endpoint refuses an upgrade without one it speaks). */
  readonly protocol: Subprotocol;
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
    this.protocol = protocol === Subprotocol.v2 ? Subprotocol.v2 : Subprotocol.v1;
    this.source = source;
  }

  clearHelloTimer(): void {
    if (this.helloTimer !== null) clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }
}
