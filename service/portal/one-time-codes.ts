import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { PortalKey } from './portal-key.js';
import type { PortalDb } from './portal-tables.js';

/** Wrong entries a code survives; then it is spent. */
export const MAX_CODE_ATTEMPTS = 5;

/** Six random digits (what a person types from an e-mail or SMS). */
export function newCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** A link token: 32 random bytes, for the administrator's e-mailed link. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * One-time challenges, bound to one browser session and one purpose (`email`, `sms`, `link`,
 * `register-email`...). Stored as an HMAC (portal-key.ts), compared in constant time, single use,
 * expiring, and spent after MAX_CODE_ATTEMPTS wrong entries. Issuing one replaces the session's
 * earlier one for the same purpose.
 */
export class OneTimeCodes {
  constructor(
    private readonly db: PortalDb,
    private readonly key: PortalKey,
    private readonly now: () => Date,
  ) {}

  async issue(sessionHash: string, purpose: string, code: string, ttlSeconds: number): Promise<void> {
    const now = this.now();
    await this.db.deleteFrom('portal_challenges').where('session_hash', '=', sessionHash).where('purpose', '=', purpose).execute();
    await this.db.deleteFrom('portal_challenges').where('expires_at', '<', now.toISOString()).execute();
    await this.db
      .insertInto('portal_challenges')
      .values({
        id: randomUUID(),
        session_hash: sessionHash,
        purpose,
        code_hash: this.key.mac(`${sessionHash}:${purpose}`, code),
        expires_at: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
        attempts: 0,
        used_at: null,
      })
      .execute();
  }

  /**
   * True once for the right code within its lifetime. With no challenge at all, the same keyed
   * hash and comparison run against a dummy, so the answer takes the same time either way.
   */
  async redeem(sessionHash: string, purpose: string, code: string): Promise<boolean> {
    const now = this.now().toISOString();
    const row = await this.db.selectFrom('portal_challenges').selectAll().where('session_hash', '=', sessionHash).where('purpose', '=', purpose).executeTakeFirst();
    const context = `${sessionHash}:${purpose}`;
    const right = this.key.matches(context, code.trim(), row?.code_hash ?? this.key.mac(context, newLinkToken()));
    if (row === undefined || row.used_at !== null || row.expires_at < now || row.attempts >= MAX_CODE_ATTEMPTS) return false;
    if (!right) {
      await this.db
        .updateTable('portal_challenges')
        .set({ attempts: row.attempts + 1 })
        .where('id', '=', row.id)
        .execute();
      return false;
    }
    // Spent atomically: of two requests racing with the right code, only one updates the row.
    const spent = await this.db.updateTable('portal_challenges').set({ used_at: now }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
    return spent.numUpdatedRows === 1n;
  }
}
