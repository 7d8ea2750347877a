import type { Kysely } from 'kysely';
import type { ServiceKey } from '../../protocol/index.js';
import type { DataDir } from '../config/data-dir.js';
import type { AgentRow, ServiceDatabase } from '../db/database-schema.js';
import { createSigningKey, KeyStatus } from './signing-keys.js';

export interface Rotation {
  added: ServiceKey;
  /** Keys retired now: every agent trusts a newer one. */
  retired: string[];
  /** Agents that do not trust the new key yet (they keep getting commands signed with an older one); they hold back retirement. */
  blockers: AgentRow[];
}

/**
 * `keys rotate`: adds a signing key (agents registering from now on receive it with the older
 * ones). Running nodes pick it up at their next heartbeat and announce it to their version-2
 * agents (agent-gateway.ts); each verified ack updates agent_trusted_keys, and the older keys
 * retire once all agents trust the newest.
 */
export async function rotateKeys(db: Kysely<ServiceDatabase>, dataDir: DataDir, now: Date): Promise<Rotation> {
  const added = await createSigningKey(db, dataDir, now);
  const retired = await retireSupersededKeys(db);
  return { added, retired, blockers: await agentsLacking(db, added.kid) };
}

/** The newest active key and the agents (not removed) that do not trust it: while there are any, older keys stay. */
export async function retirementBlockers(db: Kysely<ServiceDatabase>): Promise<{ newest: string | null; blockers: AgentRow[] }> {
  const newest = await db.selectFrom('signing_keys').select('kid').where('status', '=', KeyStatus.active).orderBy('created_at', 'desc').executeTakeFirst();
  return newest === undefined ? { newest: null, blockers: [] } : { newest: newest.kid, blockers: await agentsLacking(db, newest.kid) };
}

function agentsLacking(db: Kysely<ServiceDatabase>, kid: string): Promise<AgentRow[]> {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('removed_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('agent_trusted_keys').select('kid').whereRef('agent_trusted_keys.agent_id', '=', 'agents.id').where('agent_trusted_keys.kid', '=', kid))))
    .orderBy('registered_at')
    .execute();
}

/** Retires the active keys older than the newest when no agent (removed ones aside) lacks the newest. */
export async function retireSupersededKeys(db: Kysely<ServiceDatabase>): Promise<string[]> {
  const active = await db.selectFrom('signing_keys').select(['kid']).where('status', '=', KeyStatus.active).orderBy('created_at', 'desc').execute();
  const [newest, ...older] = active;
  if (newest === undefined || older.length === 0) return [];
  const lacking = await db
    .selectFrom('agents')
    .select('id')
    .where('removed_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('agent_trusted_keys').select('kid').whereRef('agent_trusted_keys.agent_id', '=', 'agents.id').where('agent_trusted_keys.kid', '=', newest.kid))))
    .executeTakeFirst();
  if (lacking !== undefined) return [];
  const kids = older.map((k) => k.kid);
  await db.updateTable('signing_keys').set({ status: KeyStatus.retired }).where('kid', 'in', kids).execute();
  return kids;
}
