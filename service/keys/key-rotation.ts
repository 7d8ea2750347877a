import type { Kysely } from 'kysely';
import type { ServiceKey } from '../../protocol/index.js';
import type { DataDir } from '../config/data-dir.js';
import type { AgentRow, ServiceDatabase, ServiceNodeRow } from '../db/database-schema.js';
import { heldKids, liveNodes } from '../store/service-nodes.js';
import { activeKids, createSigningKey, KeyStatus } from './signing-keys.js';

/** What keeps the older active keys from retiring: agents that do not trust the newest key, live nodes that do not hold it. */
export interface RetirementBlockers {
  /** Agents (not removed) that do not trust the newest key yet: older keys sign their commands. */
  agents: AgentRow[];
  /** Nodes seen within their liveness window that have not loaded the newest key (its file is not there yet): they sign with older keys only. */
  nodes: ServiceNodeRow[];
}

export interface Rotation {
  added: ServiceKey;
  /** Keys retired now: every agent trusts a newer one and every live node holds it. */
  retired: string[];
  /** What holds back the older keys' retirement, for the new key. */
  blockers: RetirementBlockers;
}

/**
 * `keys rotate`: adds a signing key (agents registering from now on receive it with the older
 * ones). Running nodes pick it up at their next heartbeat (when its file is in their data
 * directory) and announce it to their version-2 agents (agent-gateway.ts); each verified ack
 * updates agent_trusted_keys, and the older keys retire once all agents trust the newest and
 * every live node holds it.
 */
export async function rotateKeys(db: Kysely<ServiceDatabase>, dataDir: DataDir, now: Date): Promise<Rotation> {
  const added = await createSigningKey(db, dataDir, now);
  const retired = await retireSupersededKeys(db, now);
  return { added, retired, blockers: await blockersOf(db, added.kid, now) };
}

/** The newest active key and what holds back the older ones (nothing when there is none). */
export async function retirementBlockers(db: Kysely<ServiceDatabase>, now: Date): Promise<{ newest: string | null; blockers: RetirementBlockers }> {
  const [newest] = await activeKids(db);
  return newest === undefined ? { newest: null, blockers: { agents: [], nodes: [] } } : { newest, blockers: await blockersOf(db, newest, now) };
}

async function blockersOf(db: Kysely<ServiceDatabase>, kid: string, now: Date): Promise<RetirementBlockers> {
  return { agents: await agentsLacking(db, kid), nodes: await nodesLacking(db, kid, now) };
}

/** Whether some agent (not removed) does not trust `kid`: reads one row at most, for the checks each heartbeat. */
async function anyAgentLacking(db: Kysely<ServiceDatabase>, kid: string): Promise<boolean> {
  const lacking = await db
    .selectFrom('agents')
    .select('id')
    .where('removed_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('agent_trusted_keys').select('kid').whereRef('agent_trusted_keys.agent_id', '=', 'agents.id').where('agent_trusted_keys.kid', '=', kid))))
    .executeTakeFirst();
  return lacking !== undefined;
}

/** When every agent trusts the newest active key: the live nodes that do not hold it (what alone keeps older keys active). Empty otherwise. */
export async function nodesHoldingBack(db: Kysely<ServiceDatabase>, now: Date): Promise<{ newest: string | null; nodes: ServiceNodeRow[] }> {
  const [newest] = await activeKids(db);
  if (newest === undefined || (await anyAgentLacking(db, newest))) return { newest: newest ?? null, nodes: [] };
  return { newest, nodes: await nodesLacking(db, newest, now) };
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

/**
 * Live nodes that do not hold `kid`. Retiring the keys they sign with would leave them no key an
 * agent trusts (every hello refused, NO_TRUSTED_KEY): an outage for want of a file copy.
 */
async function nodesLacking(db: Kysely<ServiceDatabase>, kid: string, now: Date): Promise<ServiceNodeRow[]> {
  return (await liveNodes(db, now)).filter((node) => !heldKids(node).includes(kid));
}

/**
 * Retires the active keys older than the newest when no agent (removed ones aside) lacks the
 * newest and every node seen within its liveness window holds it. Fails closed: a live node whose
 * row does not say it holds the newest key keeps the older ones active.
 */
export async function retireSupersededKeys(db: Kysely<ServiceDatabase>, now: Date): Promise<string[]> {
  const [newest, ...older] = await activeKids(db);
  if (newest === undefined || older.length === 0) return [];
  if (await anyAgentLacking(db, newest)) return [];
  if ((await nodesLacking(db, newest, now)).length > 0) return [];
  await db.updateTable('signing_keys').set({ status: KeyStatus.retired }).where('kid', 'in', older).execute();
  return older;
}
