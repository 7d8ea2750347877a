import type { Operation, ResultCode, ResultStatus, TargetKind } from './codes.js';
import type { SealedSecret } from './sealed-secret.js';
import { Subprotocol } from './versions.js';

/** Every message of protocols v1 (SPEC.md sections 4 to 7) and v2 (docs/protocol.md), by direction. */

/** Version 1's subprotocol; versions.ts has the table of every version. */
export const SUBPROTOCOL = Subprotocol.v1;
export const MAX_FRAME_BYTES = 64 * 1024;
/** `expiresAt - issuedAt` may not exceed this (SPEC.md section 6). */
export const MAX_COMMAND_LIFETIME_MS = 15 * 60 * 1000;
export const DEFAULT_CLOCK_SKEW_MS = 60 * 1000;

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unauthorized: 4001,
  replaced: 4002,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export interface ServiceKey {
  kid: string;
  publicKey: string;
}

/** A key of a `serviceKeys` announcement (v2): a ServiceKey with an optional validity window. */
export interface AnnouncedServiceKey extends ServiceKey {
  /** Not to be used to verify before this time. */
  notBefore?: string;
  /** Not to be used to verify after this time. */
  notAfter?: string;
}

export interface CommandTarget {
  by: TargetKind;
  value: string;
}

/** The signed command object C. `op` stays a string: unknown ops are answered, not dropped. */
export interface Command {
  id: string;
  tenantId: string;
  agentId: string;
  op: Operation | (string & {});
  directory?: string;
  target?: CommandTarget;
  params: Record<string, unknown>;
  secret?: SealedSecret;
  issuedAt: string;
  expiresAt: string;
}

export interface ResetPasswordParams {
  forceChangeAtNextLogon: boolean;
  unlock: boolean;
  enforceMinimumAge: boolean;
  enforceHistory: boolean;
}

export interface Result {
  commandId: string;
  agentId: string;
  status: ResultStatus;
  code: ResultCode;
  message: string;
  details: Record<string, unknown>;
  completedAt: string;
}

// Service → agent
export interface ChallengeMessage {
  type: 'challenge';
  nonce: string;
}
export interface RegisteredMessage {
  type: 'registered';
  agentId: string;
  tenantId: string;
  serviceKeys: ServiceKey[];
}
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}
export interface WelcomeMessage {
  type: 'welcome';
  sessionId: string;
  heartbeatIntervalMs: number;
  serverTime: string;
  /** v2 only: the service's optional features (features.ts). */
  features?: string[];
}
export interface CommandMessage {
  type: 'command';
  command: Command;
  kid: string;
  signature: string;
}
export interface ResultAckMessage {
  type: 'resultAck';
  commandId: string;
}
/** v2 with keyRotation: the service's whole current set of signing keys, signed by a key the agent trusts. */
export interface ServiceKeysMessage {
  type: 'serviceKeys';
  keys: AnnouncedServiceKey[];
  issuedAt: string;
  kid: string;
  signature: string;
}

// Agent → service
export interface RegisterMessage {
  type: 'register';
  token: string;
  agentName: string;
  hostname: string;
  agentVersion: string;
  signingKey: string;
  encryptionKey: string;
}
export interface HelloMessage {
  type: 'hello';
  agentId: string;
  tenantId: string;
  agentVersion: string;
  capabilities: string[];
  maxInFlight: number;
  nonce: string;
  sentAt: string;
  /** v2 only: the agent's optional features (features.ts); covered by the signature. */
  features?: string[];
  signature: string;
}
export interface AckMessage {
  type: 'ack';
  commandId: string;
}
export interface ResultMessage {
  type: 'result';
  result: Result;
  signature: string;
}
/** v2 with keyRotation: the agent now trusts exactly `kids`, from the announcement of `issuedAt`. */
export interface ServiceKeysAckMessage {
  type: 'serviceKeysAck';
  agentId: string;
  issuedAt: string;
  kids: string[];
  signature: string;
}
/**
 * A signed checkpoint of the agent's audit log: the hash of its last durable line and the file's
 * length up to it. The signature covers every member but itself (protocol/audit-checkpoint.ts).
 */
export interface AuditCheckpoint {
  v: 1;
  /** SHA-256 hex of the last durable line. */
  lastHash: string;
  /** File length in bytes up to and including that line. */
  bytes: number;
  /** When it was signed. */
  at: string;
  signature: string;
}
/** v2 with auditCheckpoint: the agent's latest audit checkpoint, for the service to hold off the host. */
export interface AuditCheckpointMessage {
  type: 'auditCheckpoint';
  agentId: string;
  checkpoint: AuditCheckpoint;
}

/** One directory an agent serves: the id commands name and its kind (directories-report.ts). */
export interface ReportedDirectory {
  id: string;
  kind: string;
}
/** v2 with `directories`: the directories the agent serves and the one a command without `directory` goes to. */
export interface DirectoriesMessage {
  type: 'directories';
  agentId: string;
  directories: ReportedDirectory[];
  defaultDirectory: string;
  sentAt: string;
  signature: string;
}

export type ServiceMessage = ChallengeMessage | RegisteredMessage | ErrorMessage | WelcomeMessage | CommandMessage | ResultAckMessage | ServiceKeysMessage;
export type AgentMessage = RegisterMessage | HelloMessage | AckMessage | ResultMessage | ServiceKeysAckMessage | AuditCheckpointMessage | DirectoriesMessage;
export type AnyMessage = ServiceMessage | AgentMessage;
