/**
 * Minimum password age (AD minPwdAge, OpenLDAP pwdMinAge): when a new password may be set, and the
 * agent's one decision to refuse a command for it (SPEC.md step 10). Drivers report the facts
 * (passwordLastSet, mustChangePassword, the policy's minAgeMs); this file decides.
 */
import { formatTime, resetParams, type Command } from '../../protocol/index.js';
import type { DirectoryUser } from '../directory/driver.js';
import { AgentError } from '../errors.js';

/** When a change becomes possible; null when there is no restriction (no minimum age, or never set). */
export function passwordChangeAllowedAt(passwordLastSet: Date | null, minAgeMs: number): Date | null {
  if (passwordLastSet === null || minAgeMs <= 0) return null;
  return new Date(passwordLastSet.getTime() + minAgeMs);
}

/**
 * null when a change is allowed at `now`; otherwise the allowedAt Date for PASSWORD_TOO_YOUNG's
 * `details.allowedAt`.
 */
export function checkMinimumAge(passwordLastSet: Date | null, minAgeMs: number, now: Date): Date | null {
  const allowedAt = passwordChangeAllowedAt(passwordLastSet, minAgeMs);
  return allowedAt !== null && now.getTime() < allowedAt.getTime() ? allowedAt : null;
}

/**
 * Whether the minimum age is checked for this command: a reset when `enforceMinimumAge` (the
 * default), the user's own change unless the user must change the password (the directories exempt
 * that change too); never a password that was never set (nothing to be young), nor other operations.
 */
export function minimumAgeApplies(command: Command, user: DirectoryUser): boolean {
  if (user.passwordLastSet === null) return false;
  if (command.op === 'resetPassword') return resetParams(command.params).enforceMinimumAge;
  return command.op === 'changePassword' && !user.mustChangePassword;
}

/** PASSWORD_TOO_YOUNG (with `allowedAt`) when the user's password is younger than `minAgeMs` at `now`; else null. */
export function minimumAgeRefusal(user: DirectoryUser, minAgeMs: number, now: Date): AgentError | null {
  const allowedAt = checkMinimumAge(user.passwordLastSet, minAgeMs, now);
  if (allowedAt === null) return null;
  return new AgentError('PASSWORD_TOO_YOUNG', `the password was changed too recently; a change is possible from ${formatTime(allowedAt)}`, {
    details: { dn: user.dn, allowedAt: formatTime(allowedAt), minimumAgeSeconds: Math.round(minAgeMs / 1000) },
  });
}
