import type { KeyObject } from 'node:crypto';
import type { Feature, ServiceKeysMessage, Subprotocol } from '../protocol/index.js';
import type { Connection } from './connection.js';

/** An authenticated agent connection (after `welcome`): its credit and outstanding commands. */
export class Session {
  readonly sessionId: string;
  readonly agentId: string;
  readonly tenantId: string;
  readonly maxInFlight: number;
  readonly capabilities: readonly string[];
  /** The features both sides listed (always empty on a version-1 session). */
  readonly features: ReadonlySet<Feature>;
  readonly connection: Connection;
  /** Verifies this agent's results, checkpoints and serviceKeysAck. */
  readonly agentSigningKey: KeyObject;
  /** The key announcement sent on this session and not acknowledged yet (keyRotation only). */
  announcement: ServiceKeysMessage | null = null;
  /** Ids of commands sent on this session without a result from it yet (SPEC.md section 5). */
  readonly outstanding = new Set<string>();
  /** Monotonic stamp of the last command sent here; ties in least-loaded picking go round robin. */
  lastSentSeq = 0;
  closed = false;

  constructor(init: {
    sessionId: string;
    agentId: string;
    tenantId: string;
    maxInFlight: number;
    capabilities: readonly string[];
    features: ReadonlySet<Feature>;
    connection: Connection;
    agentSigningKey: KeyObject;
  }) {
    this.sessionId = init.sessionId;
    this.agentId = init.agentId;
    this.tenantId = init.tenantId;
    this.maxInFlight = init.maxInFlight;
    this.capabilities = init.capabilities;
    this.features = init.features;
    this.connection = init.connection;
    this.agentSigningKey = init.agentSigningKey;
  }

  get protocol(): Subprotocol {
    return this.connection.protocol;
  }

  /** How many more commands may be sent now. */
  get credit(): number {
    return this.closed ? 0 : this.maxInFlight - this.outstanding.size;
  }
}
