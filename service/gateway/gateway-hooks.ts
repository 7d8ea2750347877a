import type { AuditCheckpoint, Result, ServiceKeysAckMessage } from '../../protocol/index.js';
import type { CheckpointRegression } from '../store/checkpoint-regression.js';
import type { StoreOutcome } from '../store/results.js';
import type { Connection } from './connection.js';
import type { KeysAckRefusal } from './key-announcement.js';
import type { Session } from './session.js';
import type { CheckpointRefusal, ResultRefusal, WireError } from './wire-errors.js';

/**
 * Where a test rig (service-sim/) watches the gateway and injects faults. Absent in production:
 * every call site is one optional call, so a node without hooks behaves and costs as before.
 * Hooks run synchronously at the point named and must not throw.
 */
export interface GatewayHooks {
  /** A WebSocket was accepted. True holds the challenge back (a stalled service); the rig sends it later with `AgentGateway.challenge`. */
  connectionAccepted?(connection: Connection): boolean;
  /** A frame arrived. False drops it unprocessed (a stalled service). */
  frameIn?(connection: Connection, data: Buffer, isBinary: boolean): boolean;
  /** A frame is about to be written. False drops it (a stalled service sends nothing). */
  frameOut?(connection: Connection, data: string | Buffer): boolean;
  /** A frame was ignored: a protocol FrameError, UNEXPECTED_MESSAGE, or FRAME_TOO_LARGE (ws closed with 1009). */
  frameError?(connection: Connection, error: string): void;
  registered?(connection: Connection, agent: { agentId: string; tenantId: string; agentName: string }): void;
  registrationRefused?(connection: Connection, code: WireError): void;
  helloRefused?(connection: Connection, agentId: string, code: WireError): void;
  /** After `welcome` was sent. */
  sessionOpened?(session: Session): void;
  /** The session ended (closed, cut, replaced: code 4002). */
  sessionClosed?(session: Session, code: number): void;
  connectionClosed?(connection: Connection, code: number): void;
  /** A claimed command went out on the session (counted in `outstanding` already). */
  commandSent?(session: Session, commandId: string, sends: number): void;
  ack?(session: Session, commandId: string): void;
  /** A verified result after its write: stored, a duplicate of a stored one, or for a command this agent was not given (acknowledged, not stored). */
  result?(session: Session, result: Result, outcome: StoreOutcome): void;
  resultRefused?(session: Session, commandId: string, reason: ResultRefusal): void;
  /** A verified refusal before authentication (docs/protocol.md section 7): neither stored nor acknowledged. */
  refusedBeforeAuthentication?(session: Session, result: Result): void;
  /** A serviceKeysAck, after its trust was stored (refusal null) or refused. */
  keysAck?(session: Session, message: ServiceKeysAckMessage, refusal: KeysAckRefusal | null): void;
  /** An audit checkpoint held (regression: the judgement against the previous one), or refused. */
  auditCheckpoint?(agentId: string, checkpoint: AuditCheckpoint, regression: CheckpointRegression | null): void;
  auditCheckpointRefused?(agentId: string, reason: CheckpointRefusal): void;
}
