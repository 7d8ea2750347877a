import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The latest audit-log checkpoint each agent reported (issue 24, item 9): held here, off the
 * agent's host, so an admin can check the agent's log against it (`writeback-service agents checkpoint`).
 */
export const auditCheckpointMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('agent_id', 'text', (c) => c.primaryKey().references('agents.id'))
      .addColumn('checkpoint', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists audit_checkpoints`.execute(db);
  },
};
