import type { Kysely } from 'kysely';
import { printable } from '../../protocol/index.js';
import type { AgentRow, ServiceDatabase } from '../db/database-schema.js';
import { ServiceError } from '../errors.js';
import { retireSupersededKeys } from '../keys/key-rotation.js';
import { getAgent, isConnected } from '../store/agents.js';
import { CommandState } from '../store/command-states.js';

/** An agent id as the service issues them (a UUID), with room for other printable ids; anything else is refused before any lookup. */
const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `value` when it is shaped like an agent id, else a usage error that does not echo it. */
export function agentIdArgument(value: string, what = '--agent'): string {
  if (!AGENT_ID.test(value)) throw new ServiceError('USAGE', `${what} takes an agent id (letters, digits, ".", "_" or "-", as \`writeback-service agents list\` shows it)`);
  return value;
}

export interface Removal {
  agentId: string;
  /** It had a session that is now closed (`force`). */
  wasConnected: boolean;
  /** Commands only this agent could still act on, expired now. */
  expired: number;
  /** Signing keys retired because this agent was the last one holding them back. */
  retiredKeys: string[];
}

/**
 * `agents remove` and `DELETE /api/v1/tenants/{t}/agents/{id}` (docs/service.md, "Removing an
 * agent"): the record stays for audit (its public key still verifies the results stored from it)
 * but may not connect, is listed nowhere and no longer holds back key retirement. Its sealed
 * secrets go. Commands that were sent to it expire: it may have applied them, so no other agent
 * may apply them a second time. Queued commands not yet sent stay queued for the tenant's other
 * agents, unless their password was sealed to no other agent (then they expire at once rather
 * than wait for nobody). A connected agent is refused unless `force`: its session is then ended by
 * the node holding it within one heartbeat (the hello it answers with is refused, UNKNOWN_AGENT).
 */
export async function removeAgent(db: Kysely<ServiceDatabase>, input: { tenantId: string; agentId: string; force: boolean; staleMs: number; now: Date }): Promise<Removal> {
  const agent = await getAgent(db, input.agentId);
  if (agent === undefined || agent.tenant_id !== input.tenantId || agent.removed_at !== null) throw notFound(input.agentId);
  const nowText = input.now.toISOString();
  // Not connected as isConnected() decides it, in SQL: no session, or not refreshed within staleMs
  // (last_seen_at is always an ISO string, so text order is time order).
  const staleBefore = new Date(input.now.getTime() - input.staleMs).toISOString();
  const { expired, wasConnected } = await db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('agents').selectAll().where('id', '=', agent.id).executeTakeFirst();
    const wasConnected = current !== undefined && isConnected(current, input.now, input.staleMs);
    // The connected check is part of this one conditional update, so an agent whose session began
    // after any earlier read is not removed without `force`; and of two removals at once (two
    // admins, two nodes) only one goes on.
    let mark = tx.updateTable('agents').set({ removed_at: nowText, session_id: null, node_id: null }).where('id', '=', agent.id).where('removed_at', 'is', null);
    if (!input.force) mark = mark.where((eb) => eb.or([eb('session_id', 'is', null), eb('last_seen_at', 'is', null), eb('last_seen_at', '<', staleBefore)]));
    const marked = await mark.executeTakeFirst();
    if (Number(marked.numUpdatedRows) === 0) {
      const after = await tx.selectFrom('agents').select('removed_at').where('id', '=', agent.id).executeTakeFirst();
      if (after === undefined || after.removed_at !== null) throw notFound(input.agentId);
      throw new ServiceError('CONFLICT', `agent ${agent.id} (${printable(agent.name)}) is connected; stop it first, or add --force to close its session`);
    }
    await tx.deleteFrom('agent_trusted_keys').where('agent_id', '=', agent.id).execute();
    await tx.deleteFrom('command_secrets').where('agent_id', '=', agent.id).execute();
    const open = [CommandState.queued, CommandState.sent, CommandState.acknowledged];
    const orphaned = await tx
      .updateTable('commands')
      .set({ state: CommandState.expired, session_id: null, updated_at: nowText })
      .where('tenant_id', '=', agent.tenant_id)
      .where('state', 'in', open)
      .where((eb) =>
        eb.or([
          eb('agent_id', '=', agent.id),
          eb.and([
            eb('agent_id', 'is', null),
            eb('has_secret', '=', 1),
            eb.not(eb.exists(eb.selectFrom('command_secrets').select('command_id').whereRef('command_secrets.command_id', '=', 'commands.id'))),
          ]),
        ]),
      )
      .returning('id')
      .execute();
    if (orphaned.length > 0)
      await tx
        .deleteFrom('command_secrets')
        .where(
          'command_id',
          'in',
          orphaned.map((row) => row.id),
        )
        .execute();
    return { expired: orphaned.length, wasConnected: input.force && wasConnected };
  });
  return { agentId: agent.id, wasConnected, expired, retiredKeys: await retireSupersededKeys(db, input.now) };
}

function notFound(agentId: string): ServiceError {
  return new ServiceError('NOT_FOUND', `no agent ${JSON.stringify(agentId)} in this tenant; see \`writeback-service agents list --tenant T\``);
}

/** One line naming an agent for an admin: id, name, host and when it was last seen. */
export function describeAgent(agent: AgentRow, now: Date, staleMs: number): string {
  const seen = isConnected(agent, now, staleMs) ? 'connected' : agent.last_seen_at === null ? 'never connected' : `last seen ${agent.last_seen_at}`;
  return `${agent.id} (${printable(agent.name)} on ${printable(agent.hostname)}, ${seen})`;
}
