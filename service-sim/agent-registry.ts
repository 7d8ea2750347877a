import type { KeyObject } from 'node:crypto';

/** What the service keeps of a registered agent (SPEC.md section 4). */
export interface RegisteredAgent {
  agentId: string;
  tenantId: string;
  agentName: string;
  hostname: string;
  agentVersion: string;
  /** Ed25519: verifies the agent's hello and results. */
  signingKey: KeyObject;
  /** X25519: secrets are sealed to it. */
  encryptionKey: KeyObject;
  signingKeyRaw: string;
  encryptionKeyRaw: string;
  registeredAt: string;
}

/** Registered agents by id, with a per-tenant view. */
export class AgentRegistry {
  readonly #agents = new Map<string, RegisteredAgent>();

  add(agent: RegisteredAgent): void {
    this.#agents.set(agent.agentId, agent);
  }

  get(agentId: string): RegisteredAgent | undefined {
    return this.#agents.get(agentId);
  }

  ofTenant(tenantId: string): RegisteredAgent[] {
    return [...this.#agents.values()].filter((agent) => agent.tenantId === tenantId);
  }

  all(): RegisteredAgent[] {
    return [...this.#agents.values()];
  }
}
