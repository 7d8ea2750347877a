import type { KeyObject } from 'node:crypto';
import type { Command, CommandMessage } from './messages.js';
import type { JsonObject } from './schema.js';
import { signCanonical, type TrustedKeys } from './signature.js';
import { validateCommandMessage } from './validate-command.js';

/** Service side: `{"type":"command","command":C,"kid":K,"signature":SIG}` with SIG over JCS(C). */
export function signCommand(command: Command, kid: string, serviceSigningKey: KeyObject): CommandMessage {
  return { type: 'command', command, kid, signature: signCanonical(command, serviceSigningKey) };
}

/** Step 2 of the pipeline [INVALID_SIGNATURE]: a trusted kid and a valid signature over JCS(C). */
export function verifyCommandSignature(message: CommandMessage, trusted: TrustedKeys): boolean {
  return trusted.verify(message.command, message.kid, message.signature);
}

/** Step 3 [WRONG_AGENT]. */
export function isForAgent(command: Command, agentId: string, tenantId: string): boolean {
  return command.agentId === agentId && command.tenantId === tenantId;
}

export type Authentication =
  | { ok: true; message: CommandMessage }
  /** `commandId` null: the frame gets no result at all (SPEC.md section 6). */
  | { ok: false; code: 'MALFORMED' | 'INVALID_SIGNATURE' | 'WRONG_AGENT'; commandId: string | null; reason: string };

/**
 * The first three steps of SPEC.md's processing order: schema, signature and kid, tenant/agent.
 * A command refused here is never recorded (section 7).
 */
export function authenticateCommand(raw: JsonObject, context: { trusted: TrustedKeys; agentId: string; tenantId: string }): Authentication {
  const validated = validateCommandMessage(raw);
  if (!validated.ok) return { ok: false, code: 'MALFORMED', commandId: validated.commandId, reason: validated.reason };
  const { message } = validated;
  if (!verifyCommandSignature(message, context.trusted)) {
    const reason = context.trusted.get(message.kid) === undefined ? 'signed with an unknown key id' : 'the signature does not verify';
    return { ok: false, code: 'INVALID_SIGNATURE', commandId: message.command.id, reason };
  }
  if (!isForAgent(message.command, context.agentId, context.tenantId)) {
    return { ok: false, code: 'WRONG_AGENT', commandId: message.command.id, reason: 'the command is for another agent or tenant' };
  }
  return { ok: true, message };
}
