/**
 * The `code` of every `error` message the gateway sends (SPEC.md sections 4 and 5). All close with
 * 4001 except REPLACED (4002) and SHUTTING_DOWN (1001).
 */
export const WireError = {
  /** `register` with an unknown, used or expired token, or from a source with too many failures. */
  INVALID_TOKEN: 'INVALID_TOKEN',
  /** `register` whose keys are not an Ed25519 and an X25519 public key. */
  INVALID_KEY: 'INVALID_KEY',
  UNKNOWN_AGENT: 'UNKNOWN_AGENT',
  TENANT_MISMATCH: 'TENANT_MISMATCH',
  NONCE_MISMATCH: 'NONCE_MISMATCH',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  CLOCK_SKEW: 'CLOCK_SKEW',
  HELLO_TIMEOUT: 'HELLO_TIMEOUT',
  /** None of the service's signing keys is one the agent trusts (re-register it). */
  NO_TRUSTED_KEY: 'NO_TRUSTED_KEY',
  REPLACED: 'REPLACED',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** The database failed while the connection was being set up; the agent retries. */
  UNAVAILABLE: 'UNAVAILABLE',
} as const;
export type WireError = (typeof WireError)[keyof typeof WireError];

/** Why a `result` was not stored (logged, not acknowledged, no credit back). */
export const ResultRefusal = {
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  WRONG_AGENT: 'WRONG_AGENT',
} as const;
export type ResultRefusal = (typeof ResultRefusal)[keyof typeof ResultRefusal];

/** Why an `auditCheckpoint` was not held (logged; the agent gets no answer either way). */
export const CheckpointRefusal = {
  /** Names another agent than the session's. */
  WRONG_AGENT: 'WRONG_AGENT',
  /** Does not verify with the session agent's registered signing key. */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** Signed later than the clock plus the allowed skew: held, it would make every real one after it look stale. */
  FROM_THE_FUTURE: 'FROM_THE_FUTURE',
} as const;
export type CheckpointRefusal = (typeof CheckpointRefusal)[keyof typeof CheckpointRefusal];
