import type { Kysely } from 'kysely';
import type { CommandRow, ServiceDatabase } from '../db/database-schema.js';
import type { DialectName } from '../db/open-database.js';
import { PreparedQuery } from '../db/prepared-query.js';
import { CommandState } from './command-states.js';

export async function getCommand(db: Kysely<ServiceDatabase>, id: string): Promise<CommandRow | undefined> {
  return db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
}

interface ClaimArgs extends Record<string, unknown> {
  tenantId: string;
  agentId: string;
  sessionId: string;
  limit: number;
  now: string;
}

/** The claim, built once per dialect: it runs whenever an agent has room for more commands. */
function claimQuery(dialect: DialectName): PreparedQuery<ClaimArgs, CommandRow> {
  return new PreparedQuery<ClaimArgs, CommandRow>((db, param) => {
    const agentId = param('agentId');
    let candidates = db
      .selectFrom('commands')
      .select('id')
      .where('tenant_id', '=', param('tenantId'))
      .where('state', '=', CommandState.queued)
      .where('expires_at', '>', param('now'))
      .where((eb) =>
        eb.or([
          eb('agent_id', '=', agentId),
          eb.and([
            eb('agent_id', 'is', null),
            eb.or([
              eb('has_secret', '=', 0),
              eb.exists(eb.selectFrom('command_secrets').select('command_id').whereRef('command_secrets.command_id', '=', 'commands.id').where('command_secrets.agent_id', '=', agentId)),
            ]),
          ]),
        ]),
      )
      .orderBy('created_at')
      .limit(param('limit'));
    if (dialect === 'postgres') candidates = candidates.forUpdate().skipLocked();
    return (
      db
        .updateTable('commands')
        .set((eb) => ({ state: CommandState.sent, agent_id: agentId, session_id: param('sessionId'), updated_at: param('now'), sends: eb('sends', '+', 1) }))
        .where('id', 'in', candidates)
        .where('state', '=', CommandState.queued)
        // Only while this session is still the agent's current one (another node may have taken it).
        .where((eb) => eb.exists(eb.selectFrom('agents').select('agents.id').where('agents.id', '=', agentId).where('agents.session_id', '=', param('sessionId'))))
        .returningAll()
    );
  });
}

const CLAIM: Record<DialectName, PreparedQuery<ClaimArgs, CommandRow>> = { sqlite: claimQuery('sqlite'), postgres: claimQuery('postgres') };

export interface Claimed {
  command: CommandRow;
  /** The agent's sealed copy of the secret (JSON), when the command has one. */
  sealed: string | null;
}

/**
 * Claims up to `limit` queued commands of the agent's tenant for one of its sessions, oldest first:
 * commands pinned to this agent (redeliveries) and unpinned ones the agent can open (a sealed copy
 * for it exists, or no secret). One UPDATE statement picks and claims them, only while the session
 * is still the agent's current one, so nodes never claim twice; on PostgreSQL the pick skips rows
 * another node is claiming at the same moment (FOR UPDATE SKIP LOCKED), and on SQLite the statement
 * holds the write lock from its start.
 */
export async function claimCommands(db: Kysely<ServiceDatabase>, dialect: DialectName, claim: { tenantId: string; agentId: string; sessionId: string; limit: number; now: Date }): Promise<Claimed[]> {
  const { tenantId, agentId, sessionId, limit } = claim;
  const claimed = (await CLAIM[dialect].execute(db, { tenantId, agentId, sessionId, limit, now: claim.now.toISOString() })).rows;
  if (claimed.length === 0) return [];
  const withSecret = claimed.filter((c) => c.has_secret === 1).map((c) => c.id);
  const secrets =
    withSecret.length === 0 ? [] : await db.selectFrom('command_secrets').select(['command_id', 'sealed']).where('agent_id', '=', agentId).where('command_id', 'in', withSecret).execute();
  const byId = new Map(secrets.map((s) => [s.command_id, s.sealed]));
  return claimed.sort((a, b) => a.created_at.localeCompare(b.created_at)).map((command) => ({ command, sealed: byId.get(command.id) ?? null }));
}

/**
 * Puts an agent's sent and acknowledged commands back in the queue, still pinned to it: after its
 * session ended (`sessionId` given), or when it starts a new session anywhere (`sessionId` null: a node
 * that died never cleaned up). The agent answers a known id from its journal, never applying twice.
 */
export async function requeueAgentCommands(db: Kysely<ServiceDatabase>, agentId: string, sessionId: string | null, now: Date): Promise<number> {
  let query = db
    .updateTable('commands')
    .set({ state: CommandState.queued, session_id: null, updated_at: now.toISOString() })
    .where('agent_id', '=', agentId)
    .where('state', 'in', [CommandState.sent, CommandState.acknowledged]);
  if (sessionId !== null) query = query.where('session_id', '=', sessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Expires what can no longer be acted on and drops its sealed secrets: queued commands past their
 * `expiresAt`, and sent ones past it plus the agent's allowed skew (the agent refuses them then).
 * A result that still arrives for an expired command is stored (the command becomes done).
 */
export async function expireCommands(db: Kysely<ServiceDatabase>, now: Date, skewMs: number): Promise<number> {
  const nowText = now.toISOString();
  const lateText = new Date(now.getTime() - skewMs).toISOString();
  return db.transaction().execute(async (tx) => {
    const expired = await tx
      .updateTable('commands')
      .set({ state: CommandState.expired, session_id: null, updated_at: nowText })
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', CommandState.queued), eb('expires_at', '<=', nowText)]),
          eb.and([eb('state', 'in', [CommandState.sent, CommandState.acknowledged]), eb('expires_at', '<=', lateText)]),
        ]),
      )
      .returning('id')
      .execute();
    if (expired.length > 0) {
      await tx
        .deleteFrom('command_secrets')
        .where(
          'command_id',
          'in',
          expired.map((row) => row.id),
        )
        .execute();
    }
    return expired.length;
  });
}
