import type { Kysely, Migration } from 'kysely';

/**
 * What an agent reports of its directories (feature `directories`: ids, kinds, the default one),
 * so commands name users the way that directory does; and when an admin removed the agent's
 * record (`agents remove`): the row stays, its keys still verify the results stored for audit.
 */
export const agentRecordsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('agents').addColumn('directories', 'text').execute();
    await db.schema.alterTable('agents').addColumn('removed_at', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('agents').dropColumn('removed_at').execute();
    await db.schema.alterTable('agents').dropColumn('directories').execute();
  },
};
