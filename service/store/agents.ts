import type { Kysely } from 'kysely';
import type { AgentRow, ServiceDatabase } from '../db/database-schema.js';
import { PreparedQuery } from '../db/prepared-query.js';

export interface NewAgent {
  id: string;
  tenantId: string;
  name: string;
  hostname: string;
  version: string;
  signingKey: string;
  encryptionKey: string;
}

/** Stores a registered agent and the service keys it was given (the keys it trusts). */
export async function insertAgent(db: Kysely<ServiceDatabase>, agent: NewAgent, trustedKids: readonly string[], now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('agents')
      .values({
        id: agent.id,
        tenant_id: agent.tenantId,
        name: agent.name,
        hostname: agent.hostname,
        version: agent.version,
        signing_key: agent.signingKey,
        encryption_key: agent.encryptionKey,
        capabilities: '[]',
        protocol: null,
        registered_at: now.toISOString(),
        last_seen_at: null,
        node_id: null,
        session_id: null,
        directories: null,
        removed_at: null,
      })
      .execute();
    if (trustedKids.length > 0)
      await tx
        .insertInto('agent_trusted_keys')
        .values(trustedKids.map((kid) => ({ agent_id: agent.id, kid })))
        .execute();
  });
}

/** Read at every submission (its secret is sealed to each of these agents). */
const TENANT_AGENTS = new PreparedQuery<{ tenantId: string }, AgentRow>((db, param) =>
  db.selectFrom('agents').selectAll().where('tenant_id', '=', param('tenantId')).where('removed_at', 'is', null).orderBy('registered_at'),
);

export async function getAgent(db: Kysely<ServiceDatabase>, agentId: string): Promise<AgentRow | undefined> {
  return db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
}

/** The agents in use (a removed record is kept for audit but listed nowhere). */
export async function listAgents(db: Kysely<ServiceDatabase>, tenantId: string | null): Promise<AgentRow[]> {
  if (tenantId !== null) return (await TENANT_AGENTS.execute(db, { tenantId })).rows;
  return db.selectFrom('agents').selectAll().where('removed_at', 'is', null).orderBy('registered_at').execute();
}

export async function trustedKids(db: Kysely<ServiceDatabase>, agentId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('agent_trusted_keys').select('kid').where('agent_id', '=', agentId).execute();
  return new Set(rows.map((row) => row.kid));
}

/** The agent's session now lives on `nodeId` (a node still holding an older one will notice and close it). */
export async function recordSession(
  db: Kysely<ServiceDatabase>,
  agentId: string,
  session: { nodeId: string; sessionId: string; version: string; capabilities: readonly string[]; protocol: string; features: readonly string[] },
  now: Date,
): Promise<void> {
  await db
    .updateTable('agents')
    .set({
      node_id: session.nodeId,
      session_id: session.sessionId,
      version: session.version,
      capabilities: JSON.stringify(session.capabilities),
      protocol: session.protocol,
      features: JSON.stringify(session.features),
      last_seen_at: now.toISOString(),
    })
    .where('id', '=', agentId)
    .execute();
}

/** Clears the session unless a newer one (on any node) has taken over. */
export async function clearSession(db: Kysely<ServiceDatabase>, agentId: string, sessionId: string, now: Date): Promise<void> {
  await db.updateTable('agents').set({ node_id: null, session_id: null, last_seen_at: now.toISOString() }).where('id', '=', agentId).where('session_id', '=', sessionId).execute();
}

/** Refreshes last_seen_at of the sessions this node holds; returns the ids whose session another node has taken. */
export async function touchSessions(db: Kysely<ServiceDatabase>, sessions: ReadonlyMap<string, string>, now: Date): Promise<string[]> {
  if (sessions.size === 0) return [];
  const ids = [...sessions.keys()];
  await db.updateTable('agents').set({ last_seen_at: now.toISOString() }).where('id', 'in', ids).execute();
  const rows = await db.selectFrom('agents').select(['id', 'session_id']).where('id', 'in', ids).execute();
  return rows.filter((row) => row.session_id !== sessions.get(row.id)).map((row) => row.id);
}

/** Connected: a node holds a session and refreshed it within `staleMs`. */
export function isConnected(agent: AgentRow, now: Date, staleMs: number): boolean {
  return agent.session_id !== null && agent.last_seen_at !== null && now.getTime() - Date.parse(agent.last_seen_at) <= staleMs;
}

/** The agent acknowledged a key announcement: it now trusts exactly `kids`. */
export async function replaceTrustedKids(db: Kysely<ServiceDatabase>, agentId: string, kids: readonly string[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('agent_trusted_keys').where('agent_id', '=', agentId).execute();
    if (kids.length > 0)
      await tx
        .insertInto('agent_trusted_keys')
        .values(kids.map((kid) => ({ agent_id: agentId, kid })))
        .execute();
  });
}

/** The agent's latest `directories` report (docs/protocol.md, "Directories"), as JSON of its ids, kinds and default. */
export async function recordDirectories(db: Kysely<ServiceDatabase>, agentId: string, report: StoredDirectories): Promise<void> {
  await db
    .updateTable('agents')
    .set({ directories: JSON.stringify(report) })
    .where('id', '=', agentId)
    .execute();
}

/** What `agents.directories` holds. */
export interface StoredDirectories {
  directories: { id: string; kind: string }[];
  defaultDirectory: string;
}

/** The stored report, or null when the agent never sent one (version 1, older agent) or it does not read. */
export function storedDirectories(agent: Pick<AgentRow, 'directories'>): StoredDirectories | null {
  const read = readStoredDirectories(agent);
  return read.state === 'reported' ? read.report : null;
}

/** The stored report, or why there is none: never sent (version 1, older agent), or stored in a shape that does not read. */
export function readStoredDirectories(agent: Pick<AgentRow, 'directories'>): { state: 'reported'; report: StoredDirectories } | { state: 'never' } | { state: 'unreadable' } {
  if (agent.directories === null) return { state: 'never' };
  try {
    const value = JSON.parse(agent.directories) as StoredDirectories;
    return Array.isArray(value.directories) && typeof value.defaultDirectory === 'string' ? { state: 'reported', report: value } : { state: 'unreadable' };
  } catch {
    return { state: 'unreadable' };
  }
}
