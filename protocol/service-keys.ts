import type { KeyObject } from 'node:crypto';
import type { AnnouncedServiceKey, ServiceKeysAckMessage, ServiceKeysMessage } from './messages.js';
import { signCanonical, verifyCanonical, type TrustedKeyEntry, type TrustedKeys } from './signature.js';
import { formatTime } from './time.js';

/**
 * Key rotation (docs/protocol.md, "Key rotation"; v2 sessions with the keyRotation feature): the
 * service announces its whole current set of signing keys, signed by a key the agent trusts; the
 * agent checks it here, replaces its trusted set and answers with a signed `serviceKeysAck`.
 */

/** Why an announcement is refused. Stable codes, logged by the agent; never trusted. */
export const ServiceKeysRefusal = {
  /** Signed with a kid the agent does not trust (or one outside its validity window). */
  UNKNOWN_KID: 'UNKNOWN_KID',
  /** The signature does not verify with the trusted key of that kid. */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** `issuedAt` is older than the last accepted announcement's (or equal with other keys). */
  REPLAYED: 'REPLAYED',
  /** `issuedAt` is further in the future than the allowed clock skew. */
  FROM_THE_FUTURE: 'FROM_THE_FUTURE',
  /** A kid the agent trusts is announced with another public key: a kid never changes its key. */
  KID_REUSED: 'KID_REUSED',
} as const;
export type ServiceKeysRefusal = (typeof ServiceKeysRefusal)[keyof typeof ServiceKeysRefusal];

export type UnsignedServiceKeys = Omit<ServiceKeysMessage, 'signature'>;

/** At most this many keys in one announcement. */
export const MAX_ANNOUNCED_KEYS = 16;

/** Service side: `serviceKeys` with SIG over JCS(the message without "signature") by key `kid`. */
export function signServiceKeys(input: { keys: readonly AnnouncedServiceKey[]; issuedAt: Date; kid: string }, serviceSigningKey: KeyObject): ServiceKeysMessage {
  const unsigned: UnsignedServiceKeys = {
    type: 'serviceKeys',
    keys: input.keys.map((key) => ({ ...key })),
    issuedAt: formatTime(input.issuedAt),
    kid: input.kid,
  };
  return { ...unsigned, signature: signCanonical(unsigned, serviceSigningKey) };
}

/** The signature alone, with the key of the announcement's kid among `trusted`. */
export function verifyServiceKeysSignature(message: ServiceKeysMessage, trusted: TrustedKeys): boolean {
  const { signature, ...unsigned } = message;
  return trusted.verify(unsigned, message.kid, signature);
}

export type ServiceKeysJudgement =
  /** `unchanged`: the very announcement accepted last (sent again): acknowledge, change nothing. */
  { ok: true; keys: TrustedKeyEntry[]; unchanged: boolean } | { ok: false; refusal: ServiceKeysRefusal; reason: string };

/**
 * The agent's checks, in order: kid trusted, signature, not from the future, not older than the
 * last accepted, no kid re-used with another key. `message` has passed the schema (validate-message.ts).
 */
export function judgeServiceKeys(message: ServiceKeysMessage, context: { trusted: TrustedKeys; lastIssuedAt: string | null; now: Date; clockSkewMs: number }): ServiceKeysJudgement {
  const { trusted } = context;
  if (trusted.get(message.kid) === undefined) return refuse(ServiceKeysRefusal.UNKNOWN_KID, 'signed with a key id this agent does not trust');
  if (!verifyServiceKeysSignature(message, trusted)) return refuse(ServiceKeysRefusal.INVALID_SIGNATURE, 'the signature does not verify');
  const issuedAt = Date.parse(message.issuedAt);
  if (issuedAt > context.now.getTime() + context.clockSkewMs) return refuse(ServiceKeysRefusal.FROM_THE_FUTURE, 'issuedAt is in the future (check the clocks)');
  const keys: TrustedKeyEntry[] = message.keys.map((key) => ({ ...key }));
  if (context.lastIssuedAt !== null) {
    const last = Date.parse(context.lastIssuedAt);
    if (issuedAt < last) return refuse(ServiceKeysRefusal.REPLAYED, 'older than the last accepted announcement');
    if (issuedAt === last) {
      return sameKeys(keys, trusted.entries()) ? { ok: true, keys, unchanged: true } : refuse(ServiceKeysRefusal.REPLAYED, 'the same issuedAt as the last accepted announcement with other keys');
    }
  }
  for (const key of keys) {
    const known = trusted.entries().find((entry) => entry.kid === key.kid);
    if (known !== undefined && known.publicKey !== key.publicKey) return refuse(ServiceKeysRefusal.KID_REUSED, `key id ${key.kid} is announced with another public key`);
  }
  return { ok: true, keys, unchanged: false };
}

function refuse(refusal: ServiceKeysRefusal, reason: string): ServiceKeysJudgement {
  return { ok: false, refusal, reason };
}

/** Same kids with the same keys and windows, in any order; `current` may hold more (configured keys). */
function sameKeys(announced: readonly TrustedKeyEntry[], current: readonly TrustedKeyEntry[]): boolean {
  return announced.every((key) => {
    const other = current.find((entry) => entry.kid === key.kid);
    return other !== undefined && other.publicKey === key.publicKey && other.notBefore === key.notBefore && other.notAfter === key.notAfter;
  });
}

export type UnsignedServiceKeysAck = Omit<ServiceKeysAckMessage, 'signature'>;

/** Agent side: SIG over JCS(the ack without "signature") with the agent's signing key. */
export function signServiceKeysAck(input: { agentId: string; issuedAt: string; kids: readonly string[] }, agentSigningKey: KeyObject): ServiceKeysAckMessage {
  const unsigned: UnsignedServiceKeysAck = { type: 'serviceKeysAck', agentId: input.agentId, issuedAt: input.issuedAt, kids: [...input.kids].sort() };
  return { ...unsigned, signature: signCanonical(unsigned, agentSigningKey) };
}

export function verifyServiceKeysAck(message: ServiceKeysAckMessage, agentPublicKey: KeyObject): boolean {
  const { signature, ...unsigned } = message;
  return verifyCanonical(unsigned, signature, agentPublicKey);
}
