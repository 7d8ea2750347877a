/** Outcome of one rate-limit check; `retryAfter` goes into a BUSY result's details. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfter: string; retryAfterMs: number };

export interface RateLimiterOptions {
  /** Events allowed per key within any window. */
  limit: number;
  /** Window length; default 60 s (the config's perTargetPerMinute). */
  windowMs?: number;
  now?: () => Date;
}

const SWEEP_EVERY = 1000;

/**
 * A per-target sliding-window limiter (a log of event times per key), so a runaway or abusive
 * caller cannot hammer one account with resets. Key by something stable per account, e.g.
 * `${directory}\n${dn.toLowerCase()}`. Refused attempts are not counted, so retrying at
 * `retryAfter` always succeeds.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => Date;
  readonly #events = new Map<string, number[]>();
  #calls = 0;

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    this.#limit = options.limit;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? (() => new Date());
  }

  /** Counts one event for `key` when under the limit; otherwise says when the next one is allowed. */
  take(key: string): RateLimitDecision {
    const decision = this.peek(key);
    if (decision.allowed) {
      const events = this.#events.get(key) ?? [];
      events.push(this.#now().getTime());
      this.#events.set(key, events);
    }
    if (++this.#calls % SWEEP_EVERY === 0) this.sweep();
    return decision;
  }

  /** The decision `take` would make, without counting. */
  peek(key: string): RateLimitDecision {
    const now = this.#now().getTime();
    const events = this.#prune(key, now);
    if (events.length < this.#limit) return { allowed: true };
    // The oldest event in the window leaves it at oldest + windowMs; then one slot frees up.
    const retryAt = events[events.length - this.#limit]! + this.#windowMs;
    return { allowed: false, retryAfter: new Date(retryAt).toISOString(), retryAfterMs: retryAt - now };
  }

  /** Forgets keys with no event inside the window (bounded memory). */
  sweep(): void {
    const now = this.#now().getTime();
    for (const key of [...this.#events.keys()]) this.#prune(key, now);
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#events.size;
  }

  #prune(key: string, now: number): number[] {
    const events = this.#events.get(key);
    if (events === undefined) return [];
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < events.length && events[drop]! <= cutoff) drop++;
    if (drop > 0) events.splice(0, drop);
    if (events.length === 0) this.#events.delete(key);
    return events;
  }
}
