import type { Kysely } from 'kysely';
import type { AuditCheckpoint } from '../../protocol/index.js';
import type { ServiceDatabase } from '../db/database-schema.js';

/** The table of service/db/audit-checkpoint-migration.ts. */
export type AuditCheckpointTables = {
  audit_checkpoints: { agent_id: string; checkpoint: string; at: string; bytes: number; received_at: string };
};

/**
 * `stored`: the new latest. `stale`: not later than the one held (a re-send after reconnecting, or
 * a replay), nothing changes. `shrank`: later but for a shorter log than the one held; stored all
 * the same (an admin may have moved the log aside) and reported with the `previous` one, since a
 * log only grows otherwise.
 */
export type CheckpointOutcome = 'stored' | 'stale' | 'shrank';

function checkpointsDb(db: Kysely<ServiceDatabase>): Kysely<ServiceDatabase & AuditCheckpointTables> {
  return db.withTables<AuditCheckpointTables>();
}

/** Keeps `checkpoint` (its signature verified by the caller) as the agent's latest unless one as late is held. */
export async function saveAuditCheckpoint(
  db: Kysely<ServiceDatabase>,
  agentId: string,
  checkpoint: AuditCheckpoint,
  now: Date,
): Promise<{ outcome: CheckpointOutcome; previous: AuditCheckpoint | null }> {
  const tables = checkpointsDb(db);
  const held = await tables.selectFrom('audit_checkpoints').select(['bytes', 'checkpoint']).where('agent_id', '=', agentId).executeTakeFirst();
  const row = { checkpoint: JSON.stringify(checkpoint), at: checkpoint.at, bytes: checkpoint.bytes, received_at: now.toISOString() };
  // One statement, so two nodes racing keep the later one. Times are fixed-width RFC 3339 UTC:
  // text order is time order, the same in SQLite and PostgreSQL.
  const written = await tables
    .insertInto('audit_checkpoints')
    .values({ agent_id: agentId, ...row })
    .onConflict((conflict) => conflict.column('agent_id').doUpdateSet(row).where('audit_checkpoints.at', '<', checkpoint.at))
    .executeTakeFirst();
  const previous = held === undefined ? null : (JSON.parse(held.checkpoint) as AuditCheckpoint);
  if (Number(written.numInsertedOrUpdatedRows ?? 0n) === 0) return { outcome: 'stale', previous };
  return { outcome: held !== undefined && checkpoint.bytes < held.bytes ? 'shrank' : 'stored', previous };
}

/** The agent's latest checkpoint as it signed it, or null when it reported none. */
export async function latestAuditCheckpoint(db: Kysely<ServiceDatabase>, agentId: string): Promise<{ checkpoint: AuditCheckpoint; receivedAt: string } | null> {
  const row = await checkpointsDb(db).selectFrom('audit_checkpoints').select(['checkpoint', 'received_at']).where('agent_id', '=', agentId).executeTakeFirst();
  return row === undefined ? null : { checkpoint: JSON.parse(row.checkpoint) as AuditCheckpoint, receivedAt: row.received_at };
}
