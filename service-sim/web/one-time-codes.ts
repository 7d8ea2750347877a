import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

export const IdentityMethod = { email: 'email', sms: 'sms' } as const;
export type IdentityMethod = (typeof IdentityMethod)[keyof typeof IdentityMethod];

interface PendingCode {
  hash: Buffer;
  expiresAt: number;
  wrongAttempts: number;
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'none' | 'burned';

/**
 * Six-digit codes, one per identity method, kept only as hashes. A code works once, until it
 * expires, and dies after `maxWrongAttempts` wrong guesses (a new one must be requested).
 */
export class OneTimeCodes {
  readonly #pending = new Map<IdentityMethod, PendingCode>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxWrongAttempts: number,
    private readonly now: () => number,
  ) {}

  /** A fresh code for `method` (replacing an earlier one) and when it expires. */
  issue(method: IdentityMethod): { code: string; expiresAt: Date } {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = this.now() + this.ttlMs;
    this.#pending.set(method, { hash: digest(code), expiresAt, wrongAttempts: 0 });
    return { code, expiresAt: new Date(expiresAt) };
  }

  has(method: IdentityMethod): boolean {
    return this.#pending.has(method);
  }

  check(method: IdentityMethod, candidate: string): CodeCheck {
    const pending = this.#pending.get(method);
    if (pending === undefined) return 'none';
    if (this.now() >= pending.expiresAt) {
      this.#pending.delete(method);
      return 'expired';
    }
    if (timingSafeEqual(pending.hash, digest(candidate.trim()))) {
      this.#pending.delete(method);
      return 'ok';
    }
    pending.wrongAttempts++;
    if (pending.wrongAttempts >= this.maxWrongAttempts) {
      this.#pending.delete(method);
      return 'burned';
    }
    return 'wrong';
  }

  clear(): void {
    this.#pending.clear();
  }
}

function digest(code: string): Buffer {
  return createHash('sha256').update(code, 'utf8').digest();
}
