import type { AuditCheckpoint, Feature, FrameError, Result, Subprotocol } from '../protocol/index.js';
import type { CheckpointRefusal, IgnoredFrame, ResultRefusal, ServiceErrorCode } from './error-codes.js';
import type { KeysAckRefusal } from '../service/gateway/key-announcement.js';
import type { CheckpointRegression } from '../service/store/checkpoint-regression.js';
import type { TranscriptEntry } from './transcript.js';

/** An authenticated agent session as tests see it. */
export interface SessionInfo {
  agentId: string;
  tenantId: string;
  sessionId: string;
  connectionId: number;
  maxInFlight: number;
  capabilities: readonly string[];
  /** The version agreed at the upgrade. */
  protocol: Subprotocol;
  /** The features both sides listed (none on version 1). */
  features: readonly Feature[];
  /** Commands sent on this session without a result yet. */
  outstanding: number;
}

export interface FrameErrorEvent {
  connectionId: number;
  agentId: string | null;
  error: FrameError | IgnoredFrame;
}

/** Every event the rig reports from the service's hooks (service/gateway/gateway-hooks.ts); `on(name, listener)` returns a Disposable. */
export interface ServiceEvents {
  /** Every frame, both directions, as recorded in the transcript. */
  frame: TranscriptEntry;
  /** A frame that was ignored (logged by code, never by content). */
  frameError: FrameErrorEvent;
  connection: { connectionId: number };
  connectionClosed: { connectionId: number; agentId: string | null; code: number };
  registered: { connectionId: number; agentId: string; tenantId: string; agentName: string };
  registrationRefused: { connectionId: number; code: ServiceErrorCode };
  /** After `welcome` was sent. */
  agentConnected: SessionInfo;
  helloRefused: { connectionId: number; agentId: string | null; code: ServiceErrorCode };
  /** The session ended: closed by either side, terminated, or replaced (then `replaced` is true). */
  agentDisconnected: { agentId: string; sessionId: string; connectionId: number; code: number; replaced: boolean };
  /** A command the service claimed went out, or a prepared frame the rig sent (`sendPrepared`); `outstanding` counts it. `redelivery`: sent before. */
  commandSent: { agentId: string; commandId: string; outstanding: number; maxInFlight: number; redelivery: boolean };
  /** `known`: a command issued through the rig. */
  ack: { agentId: string; commandId: string; known: boolean };
  /** A verified result the service stored: the command's result. */
  result: { agentId: string; result: Result };
  /** A verified result for a command this agent was not given (raw injections, prepared frames): acknowledged, not stored. */
  unstoredResult: { agentId: string; result: Result };
  /** A verified refusal the agent sent before authenticating a frame (`details.preAuthentication`): neither stored nor acknowledged (docs/protocol.md section 7). */
  refusedBeforeAuthentication: { agentId: string; result: Result };
  /** A verified result for an id that has one stored already (acknowledged again, not stored). `identical`: the same as the first one the rig saw. */
  duplicateResult: { agentId: string; result: Result; identical: boolean };
  /** A verified `serviceKeysAck`: the agent now trusts exactly `kids`. */
  serviceKeysAck: { agentId: string; issuedAt: string; kids: readonly string[] };
  /** A `serviceKeysAck` not signed by the session agent, or not answering the announcement sent on that session (ignored). */
  serviceKeysAckRefused: { agentId: string; reason: KeysAckRefusal };
  /** A verified audit checkpoint, later than the one held: now the agent's latest. */
  /** `regression`: why it does not extend the checkpoint held before it (the service's CheckpointRegression), null when it does or is the first. */
  auditCheckpoint: { agentId: string; checkpoint: AuditCheckpoint; regression: CheckpointRegression | null };
  /** An audit checkpoint not signed by the session agent's key, naming another agent, or dated ahead of the clock (ignored). */
  auditCheckpointRefused: { agentId: string; reason: CheckpointRefusal };
  /** A result that was not stored and not acknowledged. */
  resultRefused: { agentId: string; commandId: string; reason: ResultRefusal };
}
