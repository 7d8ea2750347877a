import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';

/** The portal's tables (service/db/portal-migration.ts). Times are RFC 3339 UTC strings. */
export type PortalTables = {
  portal_sessions: { id_hash: string; data: string; expires_at: string };
  portal_challenges: { id: string; session_hash: string; purpose: string; code_hash: string; expires_at: string; attempts: number; used_at: string | null };
  portal_registrations: { tenant_id: string; user_key: string; email: string | null; phone: string | null; totp_sealed: string | null; totp_last_step: number; confirmed_at: string };
  portal_rate_limits: { key: string; window_start: string; count: number };
};

export type PortalDb = Kysely<ServiceDatabase & PortalTables>;

/** The service's database seen with the portal's tables too. */
export function portalDb(db: Kysely<ServiceDatabase>): PortalDb {
  return db.withTables<PortalTables>();
}
