import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The running nodes and the signing keys each holds (service/store/service-nodes.ts): every node
 * writes its row at start and each heartbeat, and a key is retired only once every node seen
 * within its liveness window holds the newest key. One row per process start (`node_id` is random),
 * deleted at a clean stop or a day after it was last seen.
 */
export const serviceNodesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('service_nodes')
      .addColumn('node_id', 'text', (c) => c.primaryKey())
      .addColumn('hostname', 'text', (c) => c.notNull())
      .addColumn('data_dir', 'text')
      .addColumn('kids', 'text', (c) => c.notNull())
      .addColumn('heartbeat_ms', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists service_nodes`.execute(db);
  },
};
