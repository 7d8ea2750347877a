import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Kysely, type Migration } from 'kysely';
import { ServiceError } from '../errors.js';
import { agentRecordsMigration } from './agent-records-migration.js';
import { auditCheckpointHistoryMigration } from './audit-checkpoint-history-migration.js';
import { auditCheckpointMigration } from './audit-checkpoint-migration.js';
import { auditCheckpointRetentionMigration } from './audit-checkpoint-retention-migration.js';
import { helpdeskSessionMigration } from './helpdesk-session-migration.js';
import { portalMigration } from './portal-migration.js';
import { serviceNodesMigration } from './service-nodes-migration.js';

/**
 * The schema's history, oldest first. A migration is never edited once released: a change is a
 * new entry. Column types are the portable subset (text, integer) so one list serves SQLite and
 * PostgreSQL.
 */
export const SCHEMA_MIGRATIONS: Record<string, Migration> = {
  '0001-initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('signing_key', 'text', (c) => c.notNull())
        .addColumn('encryption_key', 'text', (c) => c.notNull())
        .addColumn('capabilities', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text')
        .addColumn('node_id', 'text')
        .addColumn('session_id', 'text')
        .execute();
      await db.schema.createIndex('agents_tenant').on('agents').column('tenant_id').execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('agent_trusted_keys')
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('kid', 'text', (c) => c.notNull().references('signing_keys.kid'))
        .addPrimaryKeyConstraint('agent_trusted_keys_pk', ['agent_id', 'kid'])
        .execute();
      await db.schema
        .createTable('registration_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('agent_id', 'text')
        .execute();
      await db.schema
        .createTable('registration_failures')
        .addColumn('source', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('commands')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('op', 'text', (c) => c.notNull())
        .addColumn('directory', 'text')
        .addColumn('target', 'text')
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('has_secret', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text')
        .addColumn('session_id', 'text')
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('sends', 'integer', (c) => c.notNull())
        .addColumn('submitted_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('commands_queue').on('commands').columns(['tenant_id', 'state', 'created_at']).execute();
      await db.schema.createIndex('commands_agent').on('commands').columns(['agent_id', 'state']).execute();
      await db.schema
        .createTable('command_secrets')
        .addColumn('command_id', 'text', (c) => c.notNull().references('commands.id'))
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('command_secrets_pk', ['command_id', 'agent_id'])
        .execute();
      await db.schema
        .createTable('results')
        .addColumn('command_id', 'text', (c) => c.primaryKey().references('commands.id'))
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('stored_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('admin_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['admin_tokens', 'results', 'command_secrets', 'commands', 'registration_failures', 'registration_tokens', 'agent_trusted_keys', 'signing_keys', 'agents', 'tenants']) {
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
      }
    },
  },
  '0002-portal': portalMigration,
  /** The protocol version and shared features of each agent's last session (`agents list`). */
  '0003-agent-session-protocol': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('agents').addColumn('protocol', 'text').execute();
      await db.schema
        .alterTable('agents')
        .addColumn('features', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('agents').dropColumn('features').execute();
      await db.schema.alterTable('agents').dropColumn('protocol').execute();
    },
  },
  '0004-audit-checkpoints': auditCheckpointMigration,
  '0005-agent-directories-and-removal': agentRecordsMigration,
  '0006-helpdesk-sessions': helpdeskSessionMigration,
  '0007-audit-checkpoint-history': auditCheckpointHistoryMigration,
  '0008-audit-checkpoint-retention': auditCheckpointRetentionMigration,
  '0009-service-nodes': serviceNodesMigration,
};

export interface MigrateOptions {
  /** Where the database is, without credentials, for the refusal's message. */
  location?: string;
  /** The schema's history this version knows; tests pass a shorter list to play an older version. */
  migrations?: Record<string, Migration>;
}

/**
 * Brings the schema to the newest migration; returns the names it applied (none: already current).
 * A database that a newer version migrated is refused (Kysely's migrator refuses to run past
 * migrations it does not know), with the migrations named and the way back.
 */
export async function migrateToLatest(db: Kysely<unknown>, options: MigrateOptions = {}): Promise<string[]> {
  const migrations = options.migrations ?? SCHEMA_MIGRATIONS;
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const unknown = await unknownMigrations(db, migrations);
    if (unknown.length > 0) {
      const where = options.location === undefined ? 'the database' : `the database ${options.location}`;
      throw new ServiceError(
        'CONFIG',
        `${where} was migrated by a newer writeback-service (${unknown.length === 1 ? 'migration' : 'migrations'} ${unknown.join(', ')} unknown to this version); run that newer version on this node too, or restore the backup taken before the upgrade (see docs/service.md, "Backups")`,
        { cause: error },
      );
    }
    throw new Error(`database migration failed: ${error instanceof Error ? error.message : 'unknown error'}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The executed migrations that `migrations` lacks, oldest name first; none when the table cannot be read. */
async function unknownMigrations(db: Kysely<unknown>, migrations: Record<string, Migration>): Promise<string[]> {
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
    return rows
      .map((row) => row.name)
      .filter((name) => !(name in migrations))
      .sort();
  } catch {
    return [];
  }
}
