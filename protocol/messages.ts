import type { Operation, ResultCode, ResultStatus, TargetKind } from './codes.js';
import type { SealedSecret } from './sealed-secret.js';

/** Every message of protocol v1 (SPEC.md sections 4 to 7), by direction. */

export const SUBPROTOCOL = 'writeback.v1';
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

export type ServiceMessage =
  | ChallengeMessage
  | RegisteredMessage
  | ErrorMessage
  | WelcomeMessage
  | CommandMessage
  | ResultAckMessage;
export type AgentMessage = RegisterMessage | HelloMessage | AckMessage | ResultMessage;
export type AnyMessage = ServiceMessage | AgentMessage;
