import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The self-service portal's tables (issue 19): browser sessions, one-time challenges, registered
 * methods and rate-limit counters. Every secret in them is a keyed hash or sealed (service/portal/portal-key.ts).
 */
export const portalMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('portal_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('portal_challenges')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('session_hash', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
    await db.schema.createIndex('portal_challenges_session').on('portal_challenges').columns(['session_hash', 'purpose']).execute();
    await db.schema
      .createTable('portal_registrations')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_key', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('totp_sealed', 'text')
      .addColumn('totp_last_step', 'integer', (c) => c.notNull())
      .addColumn('confirmed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('portal_registrations_pk', ['tenant_id', 'user_key'])
      .execute();
    await db.schema
      .createTable('portal_rate_limits')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('window_start', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['portal_rate_limits', 'portal_registrations', 'portal_challenges', 'portal_sessions']) await sql`drop table if exists ${sql.table(table)}`.execute(db);
  },
};
