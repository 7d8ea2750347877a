/**
 * Reconnect delay (SPEC.md section 1): exponential from 1 s doubling to 60 s, full jitter.
 * Pure: the random source comes in, so tests need no timers.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** A connection that stayed up this long resets the attempt count. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, resetAfterMs: 60_000 };

/** The delay before reconnect attempt number `attempt` (0 = the first retry). */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** The attempt number to use next, given how long the last connection stayed up. */
export function nextAttempt(attempt: number, uptimeMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return uptimeMs >= policy.resetAfterMs ? 0 : attempt + 1;
}

/** The attempt that pins the delay's ceiling to the maximum (after a 4001: unauthorized). */
export function maxAttempt(policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.ceil(Math.log2(policy.maxMs / policy.baseMs));
}
