import type { Kysely } from 'kysely';
import type { AuditCheckpoint } from '../../protocol/index.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import type { DialectName } from '../db/open-database.js';
import { checkpointRegression, type CheckpointRegression } from './checkpoint-regression.js';

/** The tables of service/db/audit-checkpoint-migration.ts (the latest good) and audit-checkpoint-history-migration.ts (every one). */
export type AuditCheckpointTables = {
  audit_checkpoints: { agent_id: string; checkpoint: string; at: string; bytes: number; received_at: string };
  audit_checkpoint_history: { agent_id: string; at: string; checkpoint: string; received_at: string; regression: string | null; previous: string | null };
};

/**
 * `stored`: it extends the previous one and is the new latest good. `stale`: not later than the
 * latest held (a re-send after reconnecting, or a replay), nothing changes. `regressed`: later, but
 * it does not extend the previous one (`regression` says how): kept in the history with `previous`,
 * while the latest good one stays for `audit verify --checkpoint`. `behind`: it extends the previous
 * one, a regressed one, but not the latest good one: kept in the history, the good one stays.
 */
export type CheckpointOutcome = 'stored' | 'stale' | 'regressed' | 'behind';

export interface SavedCheckpoint {
  outcome: CheckpointOutcome;
  /** The latest checkpoint held before this one, whatever its judgement; null for the first. */
  previous: AuditCheckpoint | null;
  regression: CheckpointRegression | null;
  /** The latest good checkpoint once this one is judged. */
  good: AuditCheckpoint | null;
}

/** A checkpoint that did not extend the one before it, as the history keeps it. */
export interface CheckpointRegressionEvent {
  receivedAt: string;
  regression: CheckpointRegression;
  /** Null when the history row holds none (written without it): the regression is still shown, not hidden. */
  previous: AuditCheckpoint | null;
  checkpoint: AuditCheckpoint;
}

function checkpointsDb(db: Kysely<ServiceDatabase>): Kysely<ServiceDatabase & AuditCheckpointTables> {
  return db.withTables<AuditCheckpointTables>();
}

const parse = (text: string): AuditCheckpoint => JSON.parse(text) as AuditCheckpoint;

/**
 * Judges `checkpoint` (its signature verified by the caller) against the agent's previous one and
 * keeps it in the history. It becomes the latest good one only when it extends both the previous
 * one and the latest good one: after a regression, the checkpoints of the rewritten log do not
 * replace the last one taken before it until they pass it.
 */
export async function saveAuditCheckpoint(db: Kysely<ServiceDatabase>, agentId: string, checkpoint: AuditCheckpoint, now: Date): Promise<SavedCheckpoint> {
  return checkpointsDb(db)
    .transaction()
    .execute(async (tx) => {
      // Times are fixed-width RFC 3339 UTC: text order is time order, the same in SQLite and PostgreSQL.
      const last = await tx.selectFrom('audit_checkpoint_history').select('checkpoint').where('agent_id', '=', agentId).orderBy('at', 'desc').limit(1).executeTakeFirst();
      const held = await tx.selectFrom('audit_checkpoints').select('checkpoint').where('agent_id', '=', agentId).executeTakeFirst();
      const previous = last === undefined ? null : parse(last.checkpoint);
      const good = held === undefined ? null : parse(held.checkpoint);
      if (previous !== null && checkpoint.at <= previous.at) return { outcome: 'stale', previous, regression: null, good };
      const regression = previous === null ? null : checkpointRegression(previous, checkpoint);
      const receivedAt = now.toISOString();
      const text = JSON.stringify(checkpoint);
      // The key (agent, at) makes a second node inserting the same checkpoint a no-op.
      const inserted = await tx
        .insertInto('audit_checkpoint_history')
        .values({ agent_id: agentId, at: checkpoint.at, checkpoint: text, received_at: receivedAt, regression, previous: regression === null ? null : JSON.stringify(previous) })
        .onConflict((conflict) => conflict.columns(['agent_id', 'at']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return { outcome: 'stale', previous, regression: null, good };
      if (regression !== null || (good !== null && checkpointRegression(good, checkpoint) !== null)) {
        return { outcome: regression === null ? 'behind' : 'regressed', previous, regression, good };
      }
      const row = { checkpoint: text, at: checkpoint.at, bytes: checkpoint.bytes, received_at: receivedAt };
      await tx
        .insertInto('audit_checkpoints')
        .values({ agent_id: agentId, ...row })
        .onConflict((conflict) => conflict.column('agent_id').doUpdateSet(row))
        .execute();
      return { outcome: 'stored', previous, regression: null, good: checkpoint };
    });
}

/** The agent's latest good checkpoint as it signed it, or null when it reported none. */
export async function latestAuditCheckpoint(db: Kysely<ServiceDatabase>, agentId: string): Promise<{ checkpoint: AuditCheckpoint; receivedAt: string } | null> {
  const row = await checkpointsDb(db).selectFrom('audit_checkpoints').select(['checkpoint', 'received_at']).where('agent_id', '=', agentId).executeTakeFirst();
  return row === undefined ? null : { checkpoint: parse(row.checkpoint), receivedAt: row.received_at };
}

/** Every checkpoint of the agent that did not extend the one before it, oldest first. */
export async function auditCheckpointRegressions(db: Kysely<ServiceDatabase>, agentId: string): Promise<CheckpointRegressionEvent[]> {
  const rows = await checkpointsDb(db)
    .selectFrom('audit_checkpoint_history')
    .select(['checkpoint', 'received_at', 'regression', 'previous'])
    .where('agent_id', '=', agentId)
    .where('regression', 'is not', null)
    .orderBy('at', 'asc')
    .execute();
  return rows.flatMap((row) =>
    row.regression === null
      ? []
      : [{ receivedAt: row.received_at, regression: row.regression as CheckpointRegression, previous: row.previous === null ? null : parse(row.previous), checkpoint: parse(row.checkpoint) }],
  );
}

/**
 * At most this many history rows go in one pruning: the first run after an upgrade, over a year of
 * history, must not hold SQLite's only write lock (which storing results waits on) for long; the next
 * runs take the rest.
 */
export const CHECKPOINT_PRUNE_BATCH = 10_000;

/**
 * Deletes, in one statement, up to `limit` history rows received before `cutoff`, oldest first, except
 * what must stay: each agent's latest row (the previous one its next checkpoint is judged against) and
 * every regression (with the previous checkpoint it holds, the evidence `agents checkpoint` prints).
 * `audit_checkpoints`, the latest good ones, is not touched. A row is the latest while no later one
 * exists, and only rows with a later one go, so nodes pruning at once never take an agent's latest; on
 * PostgreSQL each skips the rows another is deleting (FOR UPDATE SKIP LOCKED) rather than wait on them.
 * Returns how many rows went.
 */
export async function pruneAuditCheckpointHistory(db: Kysely<ServiceDatabase>, dialect: DialectName, cutoff: Date, limit = CHECKPOINT_PRUNE_BATCH): Promise<number> {
  const tables = checkpointsDb(db);
  let old = tables
    .selectFrom('audit_checkpoint_history as old')
    .select(['old.agent_id', 'old.at'])
    .where('old.received_at', '<', cutoff.toISOString())
    .where('old.regression', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('audit_checkpoint_history as later').select('later.at').whereRef('later.agent_id', '=', 'old.agent_id').whereRef('later.at', '>', 'old.at')))
    .orderBy('old.received_at')
    .limit(limit);
  if (dialect === 'postgres') old = old.forUpdate().skipLocked();
  const deleted = await tables
    .deleteFrom('audit_checkpoint_history')
    .where((eb) => eb(eb.refTuple('agent_id', 'at'), 'in', old.$asTuple('agent_id', 'at')))
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** Every checkpoint held for the agent as it signed it, oldest first. */
export async function auditCheckpointHistory(db: Kysely<ServiceDatabase>, agentId: string): Promise<AuditCheckpoint[]> {
  const rows = await checkpointsDb(db).selectFrom('audit_checkpoint_history').select('checkpoint').where('agent_id', '=', agentId).orderBy('at', 'asc').execute();
  return rows.map((row) => parse(row.checkpoint));
}
