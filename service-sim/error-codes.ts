/**
 * The `code` of every `error` message the simulated service sends (SPEC.md sections 4 and 5).
 * Only INVALID_TOKEN is named by the spec; the others say which hello check failed and all close
 * with 4001, except REPLACED (4002).
 */
export const ServiceErrorCode = {
  /** `register` with an unknown or already used registration token. */
  INVALID_TOKEN: 'INVALID_TOKEN',
  /** `register` whose signingKey is not an Ed25519 key or encryptionKey not an X25519 key. */
  INVALID_KEY: 'INVALID_KEY',
  /** `hello` from an agentId the service never registered. */
  UNKNOWN_AGENT: 'UNKNOWN_AGENT',
  /** `hello` whose tenantId is not the agent's tenant. */
  TENANT_MISMATCH: 'TENANT_MISMATCH',
  /** `hello` whose nonce is not this connection's challenge. */
  NONCE_MISMATCH: 'NONCE_MISMATCH',
  /** `hello` whose signature does not verify with the agent's registered signing key. */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** `hello` whose sentAt is further from the service clock than the allowed skew. */
  CLOCK_SKEW: 'CLOCK_SKEW',
  /** Neither `register` nor `hello` arrived in time. */
  HELLO_TIMEOUT: 'HELLO_TIMEOUT',
  /** A newer connection of the same agent took over this one (close 4002). */
  REPLACED: 'REPLACED',
} as const;
export type ServiceErrorCode = (typeof ServiceErrorCode)[keyof typeof ServiceErrorCode];

/**
 * Why an incoming frame was ignored: the protocol's frame errors (protocol/frame-errors.ts) plus
 * a well-formed message at the wrong moment (e.g. `result` before `welcome`, a second `hello`).
 */
export const IgnoredFrame = {
  UNEXPECTED_MESSAGE: 'UNEXPECTED_MESSAGE',
} as const;
export type IgnoredFrame = (typeof IgnoredFrame)[keyof typeof IgnoredFrame];

/** Why a `result` (or an `auditCheckpoint`) was not stored: logged; a result is not acknowledged and its credit not returned. */
export const ResultRefusal = {
  /** The signature does not verify with the session agent's registered signing key. */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** `result.agentId` is not the agent of the session it arrived on. */
  WRONG_AGENT: 'WRONG_AGENT',
  /** An audit checkpoint signed later than the clock plus the allowed skew: held, it would make every real one look stale. */
  FROM_THE_FUTURE: 'FROM_THE_FUTURE',
} as const;
export type ResultRefusal = (typeof ResultRefusal)[keyof typeof ResultRefusal];
