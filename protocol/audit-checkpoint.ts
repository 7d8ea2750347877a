import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditCheckpointMessage } from './messages.js';
import { signCanonical, verifyCanonical } from './signature.js';

/** What a checkpoint says, before it is signed. */
export type UnsignedAuditCheckpoint = Pick<AuditCheckpoint, 'lastHash' | 'bytes' | 'at'>;

/** A checkpoint's `lastHash`: the SHA-256 of an audit line, lower-case hex. */
export const AUDIT_HASH = /^[0-9a-f]{64}$/;

/** Signs where the audit log has got to: Ed25519 by the agent's key over JCS(checkpoint without `signature`). */
export function signAuditCheckpoint(point: UnsignedAuditCheckpoint, agentSigningKey: KeyObject): AuditCheckpoint {
  const body = { v: 1 as const, lastHash: point.lastHash, bytes: point.bytes, at: point.at };
  return { ...body, signature: signCanonical(body, agentSigningKey) };
}

/** True when the agent's key signed exactly this checkpoint; never throws. */
export function verifyAuditCheckpoint(checkpoint: AuditCheckpoint, agentPublicKey: KeyObject): boolean {
  const { signature, ...body } = checkpoint;
  return verifyCanonical(body, signature, agentPublicKey);
}

/** The message that reports a checkpoint (v2, feature `auditCheckpoint`). */
export function auditCheckpointMessage(agentId: string, checkpoint: AuditCheckpoint): AuditCheckpointMessage {
  return { type: 'auditCheckpoint', agentId, checkpoint };
}
