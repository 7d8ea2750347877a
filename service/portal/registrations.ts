import type { PortalKey } from './portal-key.js';
import type { PortalDb } from './portal-tables.js';

/** What a user registered (their own e-mail, phone, authenticator), with the authenticator's secret opened. */
export interface Registration {
  email: string | null;
  phone: string | null;
  totpSecret: string | null;
  totpLastStep: number;
  confirmedAt: Date;
}

/** The key a user name is stored under: case does not matter to the directories served. */
export function userKey(user: string): string {
  return user.trim().toLowerCase();
}

/** Registered methods per tenant and user; the authenticator secret sealed under the portal key. */
export class Registrations {
  constructor(
    private readonly db: PortalDb,
    private readonly key: PortalKey,
  ) {}

  async get(tenantId: string, user: string): Promise<Registration | null> {
    const row = await this.db.selectFrom('portal_registrations').selectAll().where('tenant_id', '=', tenantId).where('user_key', '=', userKey(user)).executeTakeFirst();
    if (row === undefined) return null;
    return {
      email: row.email,
      phone: row.phone,
      totpSecret: row.totp_sealed === null ? null : this.key.open(row.totp_sealed),
      totpLastStep: row.totp_last_step,
      confirmedAt: new Date(row.confirmed_at),
    };
  }

  /** Stores the user's methods as confirmed now (registration and re-confirmation both end here). */
  /** `totpLastStep`: keep the last used step when the authenticator is unchanged, so a used code stays used. */
  async save(tenantId: string, user: string, methods: { email: string | null; phone: string | null; totpSecret: string | null; totpLastStep?: number }, now: Date): Promise<void> {
    const row = {
      email: methods.email,
      phone: methods.phone,
      totp_sealed: methods.totpSecret === null ? null : this.key.seal(methods.totpSecret),
      totp_last_step: methods.totpLastStep ?? 0,
      confirmed_at: now.toISOString(),
    };
    await this.db
      .insertInto('portal_registrations')
      .values({ tenant_id: tenantId, user_key: userKey(user), ...row })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_key']).doUpdateSet(row))
      .execute();
  }

  /** Records the authenticator step just used, only if it is newer (so a code cannot be replayed on another node). */
  async useTotpStep(tenantId: string, user: string, step: number): Promise<boolean> {
    const updated = await this.db
      .updateTable('portal_registrations')
      .set({ totp_last_step: step })
      .where('tenant_id', '=', tenantId)
      .where('user_key', '=', userKey(user))
      .where('totp_last_step', '<', step)
      .executeTakeFirst();
    return updated.numUpdatedRows === 1n;
  }
}
