import type { AgentRow } from '../db/database-schema.js';
import { isConnected, storedDirectories, type StoredDirectories } from '../store/agents.js';

/** How long after its last refresh an agent's session counts as gone: a node refreshes its sessions every heartbeat interval, and three missed refreshes mean gone. */
export function staleAfterMs(heartbeatIntervalMs: number): number {
  return 3 * heartbeatIntervalMs;
}

/** An agent as `agents list` and the admin API show it. */
export interface AgentView {
  id: string;
  tenantId: string;
  name: string;
  hostname: string;
  version: string;
  connected: boolean;
  lastSeenAt: string | null;
  capabilities: string[];
  /** Subprotocol of the last session; null before the first. */
  protocol: string | null;
  /** Features the last session shared (keyRotation: the agent learns new signing keys). */
  features: string[];
  registeredAt: string;
  /** The directories the agent reported (id and kind) and its default one; null: never reported (version 1, older agent). */
  directories: StoredDirectories | null;
}

export function viewAgent(agent: AgentRow, now: Date, heartbeatIntervalMs: number): AgentView {
  return {
    id: agent.id,
    tenantId: agent.tenant_id,
    name: agent.name,
    hostname: agent.hostname,
    version: agent.version,
    connected: isConnected(agent, now, staleAfterMs(heartbeatIntervalMs)),
    lastSeenAt: agent.last_seen_at,
    capabilities: JSON.parse(agent.capabilities) as string[],
    protocol: agent.protocol,
    features: JSON.parse(agent.features) as string[],
    registeredAt: agent.registered_at,
    directories: storedDirectories(agent),
  };
}
