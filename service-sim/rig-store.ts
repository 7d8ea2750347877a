import type { AgentRow } from '../service/db/database-schema.js';
import type { ServiceDb } from '../service/db/open-database.js';
import type { NodeContext } from '../service/gateway/node-context.js';
import { queueSealed } from '../service/commands/submit-command.js';
import { getAgent, listAgents } from '../service/store/agents.js';
import { hashToken } from '../service/store/secret-hash.js';
import type { CommandSpec } from './command-spec.js';

/** What the service holds of a registered agent, as tests read it. */
export interface RegisteredAgent {
  agentId: string;
  tenantId: string;
  agentName: string;
  hostname: string;
  agentVersion: string;
  /** Raw public keys, base64url. */
  signingKey: string;
  encryptionKey: string;
  registeredAt: string;
}

/** How long a token the rig hands out stays valid (the service's default `registration.tokenTtl`). */
const TOKEN_TTL_MS = 24 * 3600_000;

export function registeredAgent(row: AgentRow): RegisteredAgent {
  return {
    agentId: row.id,
    tenantId: row.tenant_id,
    agentName: row.name,
    hostname: row.hostname,
    agentVersion: row.version,
    signingKey: row.signing_key,
    encryptionKey: row.encryption_key,
    registeredAt: row.registered_at,
  };
}

/** Tests name tenants by id: the service's tenant row (named as its id) is made on first use. */
export async function ensureTenant(store: ServiceDb, tenantId: string, now: Date): Promise<void> {
  await store.db
    .insertInto('tenants')
    .values({ id: tenantId, name: tenantId, created_at: now.toISOString() })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The registration token's row as `writeback-service token create` writes it: its hash, one-time, expiring. */
export async function storeRegistrationToken(store: ServiceDb, token: string, tenantId: string, now: Date): Promise<void> {
  await ensureTenant(store, tenantId, now);
  await store.db
    .insertInto('registration_tokens')
    .values({ token_hash: hashToken(token), tenant_id: tenantId, created_at: now.toISOString(), expires_at: new Date(now.getTime() + TOKEN_TTL_MS).toISOString(), used_at: null, agent_id: null })
    .execute();
}

export async function requireAgent(store: ServiceDb, agentId: string): Promise<AgentRow> {
  const agent = await getAgent(store.db, agentId);
  if (agent === undefined || agent.removed_at !== null) throw new Error(`unknown agent ${agentId}`);
  return agent;
}

/**
 * The service's own queueing (`queueSealed`, as `submitCommand` uses it) with the rig's choices: any
 * op as given, a chosen id, and a pinned agent (only that agent claims it, store/commands.ts).
 */
export async function queueCommand(context: NodeContext, id: string, spec: CommandSpec): Promise<void> {
  const { store } = context;
  let agents: AgentRow[];
  if (spec.agentId !== undefined) {
    const agent = await requireAgent(store, spec.agentId);
    if (agent.tenant_id !== spec.tenantId) throw new Error('the pinned agent is of another tenant (use sendSignedCommand for WRONG_AGENT tests)');
    agents = [agent];
  } else agents = await listAgents(store.db, spec.tenantId);
  const now = context.now();
  await ensureTenant(store, spec.tenantId, now);
  const expiresAt = new Date(now.getTime() + (spec.ttlMs ?? context.config.commands.defaultTtlMs)).toISOString();
  await queueSealed(store, { id, tenantId: spec.tenantId, request: spec, agents, pinnedAgentId: spec.agentId ?? null, submittedBy: 'service-sim', now, expiresAt });
}
