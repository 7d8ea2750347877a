import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Every audit checkpoint each agent reported, not only the latest (issue 24, item 9): a checkpoint
 * that does not extend the one before it is kept with the reason (`regression`) and the previous
 * one, so a rewrite of the log on the host stays visible off it. `audit_checkpoints` (0004) now
 * holds the latest good one only. The checkpoints held so far start the history.
 */
export const auditCheckpointHistoryMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('audit_checkpoint_history')
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('checkpoint', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('regression', 'text')
      .addColumn('previous', 'text')
      .addPrimaryKeyConstraint('audit_checkpoint_history_pk', ['agent_id', 'at'])
      .execute();
    await sql`insert into audit_checkpoint_history (agent_id, at, checkpoint, received_at) select agent_id, at, checkpoint, received_at from audit_checkpoints`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists audit_checkpoint_history`.execute(db);
  },
};
