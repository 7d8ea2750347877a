import type { KeyObject } from 'node:crypto';
import { verifyResult, type ResultMessage } from '../../protocol/index.js';
import { ResultRefusal } from './wire-errors.js';

/** Null when the result is the session agent's own and signed by its registered key (SPEC.md section 7). */
export function checkResult(message: ResultMessage, session: { readonly agentId: string; readonly agentSigningKey: KeyObject }): ResultRefusal | null {
  if (message.result.agentId !== session.agentId) return ResultRefusal.WRONG_AGENT;
  return verifyResult(message, session.agentSigningKey) ? null : ResultRefusal.INVALID_SIGNATURE;
}
