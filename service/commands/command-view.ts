import type { Kysely } from 'kysely';
import type { CommandTarget, Result } from '../../protocol/index.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import { ServiceError } from '../errors.js';
import { FINAL_STATES, type CommandState } from '../store/command-states.js';
import { getCommand } from '../store/commands.js';
import { getResult } from '../store/results.js';

/** A command as the admin API and the CLI show it: its state and, once done, its signed result. */
export interface CommandView {
  id: string;
  tenantId: string;
  op: string;
  target: CommandTarget | null;
  state: CommandState;
  agentId: string | null;
  issuedAt: string;
  expiresAt: string;
  result: Result | null;
  signature: string | null;
}

export async function viewCommand(db: Kysely<ServiceDatabase>, tenantId: string, id: string): Promise<CommandView> {
  const command = await getCommand(db, id);
  if (command === undefined || command.tenant_id !== tenantId) throw new ServiceError('NOT_FOUND', `no command ${id} in this tenant`);
  const stored = await getResult(db, id);
  return {
    id: command.id,
    tenantId: command.tenant_id,
    op: command.op,
    target: command.target === null ? null : (JSON.parse(command.target) as CommandTarget),
    state: command.state as CommandState,
    agentId: command.agent_id,
    issuedAt: command.issued_at,
    expiresAt: command.expires_at,
    result: stored === undefined ? null : (JSON.parse(stored.result) as Result),
    signature: stored?.signature ?? null,
  };
}

/** Polls until the command is done or expired, or `deadline` passes (then returns its state as is). */
export async function waitForCommand(db: Kysely<ServiceDatabase>, tenantId: string, id: string, options: { deadline: number; pollMs: number }): Promise<CommandView> {
  for (;;) {
    const view = await viewCommand(db, tenantId, id);
    if (FINAL_STATES.includes(view.state) || Date.now() >= options.deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs, Math.max(0, options.deadline - Date.now()))));
  }
}
