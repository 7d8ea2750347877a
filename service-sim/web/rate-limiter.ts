/** At most `limit` events per key within `windowMs` (a sliding window of timestamps). */
export class RateLimiter {
  readonly #events = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts an event when allowed; otherwise returns when the next one will be. */
  take(key: string): { allowed: true } | { allowed: false; retryAt: Date } {
    const now = this.now();
    const recent = (this.#events.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.#events.set(key, recent);
      return { allowed: false, retryAt: new Date((recent[0] ?? now) + this.windowMs) };
    }
    recent.push(now);
    this.#events.set(key, recent);
    return { allowed: true };
  }
}
