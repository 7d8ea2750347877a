import type { KeyObject } from 'node:crypto';
import type { LoadedSigningKey } from '../keys/signing-keys.js';
import type { Connection } from './connection.js';

/** An agent session after `welcome`: its keys, credit and outstanding commands. */
export class Session {
  readonly outstanding = new Set<string>();
  closed = false;
  /** A claim is running: the next pump waits for it, so credit is never spent twice. */
  pumping = false;
  /** A pump was asked for while one ran: it runs again when that one ends. */
  pumpAgain = false;

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
