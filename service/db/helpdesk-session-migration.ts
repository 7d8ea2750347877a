import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Help desk sign-ins (service/helpdesk/helpdesk-session.ts): the browser holds a random session
 * id, the database only its hash, with the admin token it was opened with (revoking the token
 * ends them), an absolute expiry and the last use for the idle timeout.
 */
export const helpdeskSessionMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('helpdesk_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().references('admin_tokens.token_hash'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('helpdesk_sessions_token').on('helpdesk_sessions').column('token_hash').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists helpdesk_sessions`.execute(db);
  },
};
