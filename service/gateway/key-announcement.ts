import { Feature, signServiceKeys, verifyServiceKeysAck, type ServiceKeysAckMessage, type ServiceKeysMessage } from '../../protocol/index.js';
import type { LoadedSigningKey } from '../keys/signing-keys.js';
import type { Session } from './session.js';

/** The optional features this service lists in a version-2 welcome (docs/protocol.md, "Features"). */
export const SERVICE_FEATURES: readonly Feature[] = [Feature.keyRotation, Feature.auditCheckpoint, Feature.directories];

/** Why a `serviceKeysAck` is refused: logged, never believed. */
export const KeysAckRefusal = {
  /** Not signed by this session's agent (or naming another agent). */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** Answers no announcement this session is waiting on, or lists other kids than it announced. */
  MISMATCHED: 'MISMATCHED',
} as const;
export type KeysAckRefusal = (typeof KeysAckRefusal)[keyof typeof KeysAckRefusal];

/** Whether the agent's trusted kids differ from the node's active keys (then it is told the set). */
export function announcementNeeded(trusted: ReadonlySet<string>, keys: readonly LoadedSigningKey[]): boolean {
  return trusted.size !== keys.length || keys.some((key) => !trusted.has(key.kid));
}

/** The node's whole active set, signed by `signer`, a key the agent already trusts. */
export function buildAnnouncement(keys: readonly LoadedSigningKey[], signer: LoadedSigningKey, now: Date): ServiceKeysMessage {
  return signServiceKeys({ keys: keys.map((key) => ({ kid: key.kid, publicKey: key.publicKeyRaw })), issuedAt: now, kid: signer.kid }, signer.privateKey);
}

/** Null when the ack is signed by the session's agent and answers exactly the announcement sent. */
export function judgeKeysAck(session: Pick<Session, 'agentId' | 'agentSigningKey' | 'announcement'>, ack: ServiceKeysAckMessage): KeysAckRefusal | null {
  if (ack.agentId !== session.agentId || !verifyServiceKeysAck(ack, session.agentSigningKey)) return KeysAckRefusal.INVALID_SIGNATURE;
  const sent = session.announcement;
  if (sent === null || ack.issuedAt !== sent.issuedAt) return KeysAckRefusal.MISMATCHED;
  const announced = sent.keys.map((key) => key.kid).sort();
  const acked = [...ack.kids].sort();
  return announced.length === acked.length && announced.every((kid, index) => kid === acked[index]) ? null : KeysAckRefusal.MISMATCHED;
}
