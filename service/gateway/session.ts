import type { KeyObject } from 'node:crypto';
import type { Feature, ServiceKeysMessage, Subprotocol } from '../../protocol/index.js';
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
  /** The key announcement sent on this session and not acknowledged yet (keyRotation only). */
  announcement: ServiceKeysMessage | null = null;

  constructor(
    readonly sessionId: string,
    readonly agentId: string,
    readonly tenantId: string,
    readonly maxInFlight: number,
    readonly connection: Connection,
    /** Verifies this agent's results and its serviceKeysAck. */
    readonly agentSigningKey: KeyObject,
    /** The newest service key this agent trusts: commands to it are signed with it. Changes when it acknowledges a key announcement. */
    public commandKey: LoadedSigningKey,
    readonly protocol: Subprotocol,
    /** The features both sides listed (always empty on a version-1 session). */
    readonly features: ReadonlySet<Feature>,
  ) {}

  get credit(): number {
    return this.closed ? 0 : this.maxInFlight - this.outstanding.size;
  }
}
