/**
 * Checks a new password against the ppolicy entry before writing, so the refusal names its
 * precise reason even where the server would not check (a password administrator's resets skip
 * quality checks) or would answer vaguely.
 */
import { PolicyReason, ResultCode } from '../../../protocol/codes.js';
import { AgentError } from '../../errors.js';
import type { PpolicyEntry } from './ppolicy-entry.js';

/** `{SSHA}...`-like values: written with a replace they are stored as a hash, not hashed. */
const HASH_PREFIX = /^\{[A-Za-z0-9.+_-]+\}/;

export function precheckPassword(password: string, policy: PpolicyEntry, method: 'passwordModify' | 'replace'): AgentError | null {
  // slapd measures pwdMinLength in bytes of the UTF-8 value, and only when pwdCheckQuality > 0.
  if (password.length === 0 || (policy.checkQuality > 0 && Buffer.byteLength(password, 'utf8') < policy.minLength)) {
    return new AgentError(ResultCode.PASSWORD_POLICY, 'the new password is too short', { details: { reason: PolicyReason.TOO_SHORT, minLength: policy.minLength } });
  }
  if (method === 'replace' && HASH_PREFIX.test(password)) {
    return new AgentError(ResultCode.PASSWORD_POLICY, 'the new password looks like a stored hash and cannot be checked', { details: { reason: PolicyReason.QUALITY } });
  }
  return null;
}
