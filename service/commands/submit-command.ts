import { randomUUID } from 'node:crypto';
import { publicKeyFromRaw, sealSecret } from '../../protocol/index.js';
import type { ServiceDb } from '../db/open-database.js';
import { ServiceError } from '../errors.js';
import { listAgents } from '../store/agents.js';
import { CommandState } from '../store/command-states.js';
import { insertCommand } from '../store/command-inserts.js';
import type { AgentRow } from '../db/database-schema.js';
import type { CommandRequest } from './command-request.js';

export interface Submitted {
  id: string;
  expiresAt: string;
}

/**
 * Queues a command for a tenant. A secret is sealed here, once per agent of the tenant (any of them
 * may take the command), and the plain form goes no further than this function. Any node then
 * delivers it: the one holding a session of an agent that claims it (on PostgreSQL, a NOTIFY at the
 * commit wakes every node at once).
 */
export async function submitCommand(store: ServiceDb, input: { tenantId: string; request: CommandRequest; submittedBy: string; defaultTtlMs: number; now: Date }): Promise<Submitted> {
  const { request, now } = input;
  const { db } = store;
  const agents = await listAgents(db, input.tenantId);
  if (agents.length === 0) throw new ServiceError('NOT_SENT', 'the tenant has no registered agent; register one with `writeback-agent register` and a token from `writeback-service token create`');
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + (request.ttlMs ?? input.defaultTtlMs)).toISOString();
  await queueSealed(store, { id, tenantId: input.tenantId, request, agents, pinnedAgentId: null, submittedBy: input.submittedBy, now, expiresAt });
  return { id, expiresAt };
}

/** What `queueSealed` stores: a request (any op: the test rig issues ops the API refuses) for `agents`. */
export interface QueuedCommand {
  id: string;
  tenantId: string;
  request: Omit<CommandRequest, 'op' | 'params'> & { op: string; params?: Record<string, unknown> };
  /** Every agent that may take the command: the secret is sealed to each. */
  agents: readonly AgentRow[];
  /** Only this agent claims it (store/commands.ts); null: any agent of the tenant. */
  pinnedAgentId: string | null;
  submittedBy: string;
  now: Date;
  expiresAt: string;
}

/** Seals the secret to each agent that may take the command and inserts it, queued. */
export async function queueSealed(store: ServiceDb, command: QueuedCommand): Promise<void> {
  const { request, id } = command;
  const sealed = new Map<string, string>();
  if (request.secret !== undefined) {
    for (const agent of command.agents) {
      const key = publicKeyFromRaw(agent.encryption_key, 'X25519');
      if (key !== null) sealed.set(agent.id, JSON.stringify(sealSecret(request.secret, key, id)));
    }
  }
  const issuedAt = command.now.toISOString();
  await insertCommand(
    store,
    {
      id,
      tenant_id: command.tenantId,
      op: request.op,
      directory: request.directory ?? null,
      target: request.target === undefined ? null : JSON.stringify(request.target),
      params: JSON.stringify(request.params ?? {}),
      has_secret: request.secret === undefined ? 0 : 1,
      state: CommandState.queued,
      agent_id: command.pinnedAgentId,
      session_id: null,
      issued_at: issuedAt,
      expires_at: command.expiresAt,
      created_at: issuedAt,
      updated_at: issuedAt,
      sends: 0,
      submitted_by: command.submittedBy,
    },
    sealed,
  );
}
