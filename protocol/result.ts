import type { KeyObject } from 'node:crypto';
import { statusOfCode, type ResultCode, type ResultStatus } from './codes.js';
import type { Result, ResultMessage } from './messages.js';
import { signCanonical, verifyCanonical } from './signature.js';
import { formatTime } from './time.js';

export interface ResultInput {
  commandId: string;
  agentId: string;
  code: ResultCode;
  message: string;
  details?: Record<string, unknown>;
  /** Defaults to the code's status (codes.ts); the agent overrides it when it refused before writing. */
  status?: ResultStatus;
  completedAt: Date;
}

/** Builds the result object R of SPEC.md section 7. */
export function buildResult(input: ResultInput): Result {
  return {
    commandId: input.commandId,
    agentId: input.agentId,
    status: input.status ?? statusOfCode[input.code],
    code: input.code,
    message: input.message,
    details: input.details ?? {},
    completedAt: formatTime(input.completedAt),
  };
}

/** `{"type":"result","result":R,"signature":SIG}` with SIG over JCS(R). */
export function signResult(result: Result, agentSigningKey: KeyObject): ResultMessage {
  return { type: 'result', result, signature: signCanonical(result, agentSigningKey) };
}

export function verifyResult(message: ResultMessage, agentPublicKey: KeyObject): boolean {
  return verifyCanonical(message.result, message.signature, agentPublicKey);
}

/**
 * An agent's refusal of a frame it could not authenticate (bad schema, signature or agent): the
 * agent answers any well-formed id, so a service never takes it as the final result of a command it
 * signed (anyone on the path could have sent a frame with that id).
 */
export function isPreAuthenticationRefusal(result: Result): boolean {
  return result.details['preAuthentication'] === true;
}
