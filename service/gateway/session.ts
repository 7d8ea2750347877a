import type { KeyObject } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { LoadedSigningKey } from '../keys/signing-keys.js';

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

/** An agent session after `welcome`: its keys, credit and outstanding commands. */
export class Session {
  readonly outstanding = new Set<string>();
  closed = false;
  /** A claim is running: the next pump waits for it, so credit is never spent twice. */
  pumping = false;

  constructor(
    readonly sessionId: string,
    readonly agentId: string,
    readonly tenantId: string,
    readonly maxInFlight: number,
    readonly connection: Connection,
    /** Verifies this agent's results. */
    readonly agentSigningKey: KeyObject,
    /** The service key this agent trusts that commands to it are signed with. */
    readonly commandKey: LoadedSigningKey,
  ) {}

  get credit(): number {
    return this.closed ? 0 : this.maxInFlight - this.outstanding.size;
  }
}
