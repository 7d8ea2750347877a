import type { Kysely, Migration } from 'kysely';

/**
 * The history's pruning (service/store/audit-checkpoints.ts) looks for rows received before the
 * retention's cutoff on every housekeeping run: by this index it reads only those, not the whole
 * history of every agent.
 */
export const auditCheckpointRetentionMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('audit_checkpoint_history_received_at').on('audit_checkpoint_history').column('received_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('audit_checkpoint_history_received_at').ifExists().execute();
  },
};
