import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';
import { hashToken, newToken } from './secret-hash.js';

/** Issues a one-time registration token; only its hash is kept. */
export async function createRegistrationToken(db: Kysely<ServiceDatabase>, tenantId: string, ttlMs: number, now: Date): Promise<{ token: string; expiresAt: string }> {
  const token = newToken('wbr_');
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  await db
    .insertInto('registration_tokens')
    .values({ token_hash: hashToken(token), tenant_id: tenantId, created_at: now.toISOString(), expires_at: expiresAt, used_at: null, agent_id: null })
    .execute();
  return { token, expiresAt };
}

export type TokenUse = { ok: true; tenantId: string } | { ok: false; reason: 'unknown, used or expired' | 'too many failed attempts' };

export interface AttemptLimit {
  maxFailures: number;
  windowMs: number;
}

/**
 * Spends a token: one conditional UPDATE, so two nodes racing on one token cannot both win. A
 * source (remote address) with too many failures in the window is refused before the token is
 * even looked at, so guessing cannot go on at line speed.
 */
export async function spendRegistrationToken(db: Kysely<ServiceDatabase>, token: string, source: string, now: Date, limit: AttemptLimit): Promise<TokenUse> {
  const failures = await db.selectFrom('registration_failures').selectAll().where('source', '=', source).executeTakeFirst();
  const windowOpen = failures !== undefined && Date.parse(failures.window_start) + limit.windowMs > now.getTime();
  if (windowOpen && failures.failures >= limit.maxFailures) return { ok: false, reason: 'too many failed attempts' };
  const spent = await db
    .updateTable('registration_tokens')
    .set({ used_at: now.toISOString() })
    .where('token_hash', '=', hashToken(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .returning('tenant_id')
    .executeTakeFirst();
  if (spent !== undefined) return { ok: true, tenantId: spent.tenant_id };
  // Counted in the statement, not from the row read above: failures sent at once each count.
  const at = now.toISOString();
  const windowStart = new Date(now.getTime() - limit.windowMs).toISOString();
  await db
    .insertInto('registration_failures')
    .values({ source, window_start: at, failures: 1 })
    .onConflict((oc) =>
      oc.column('source').doUpdateSet((eb) => {
        // Both read the row as it was: an ended window starts again at this failure.
        const ended = eb('registration_failures.window_start', '<=', windowStart);
        return {
          window_start: eb.case().when(ended).then(at).else(eb.ref('registration_failures.window_start')).end(),
          failures: eb
            .case()
            .when(ended)
            .then(1)
            .else(eb('registration_failures.failures', '+', 1))
            .end(),
        };
      }),
    )
    .execute();
  return { ok: false, reason: 'unknown, used or expired' };
}

/** Records which agent a spent token created (for `agents list` and audits). */
export async function linkTokenToAgent(db: Kysely<ServiceDatabase>, token: string, agentId: string): Promise<void> {
  await db.updateTable('registration_tokens').set({ agent_id: agentId }).where('token_hash', '=', hashToken(token)).execute();
}
