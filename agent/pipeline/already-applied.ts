import { formatTime, type Command } from '../../protocol/index.js';
import type { DirectoryDriver, DirectoryUser } from '../directory/driver.js';
import type { Outcome } from './error-to-result.js';

/**
 * Whether the new password may already be in place: this agent crashed while applying it, or the
 * directory shows a change since the command was issued (another agent of the tenant may have
 * applied it before dropping off). Only then does the agent spend a bind to find out.
 */
export function mayAlreadyHold(user: DirectoryUser, command: Command, maybeApplied: boolean): boolean {
  if (maybeApplied) return true;
  if (user.mustChangePassword) return true;
  return user.passwordLastSet !== null && user.passwordLastSet.getTime() >= Date.parse(command.issuedAt);
}

/** Asks the directory whether `newPassword` was set for `user` since the command was issued (a bind as the user). */
export function probeAlreadyApplied(driver: DirectoryDriver, user: DirectoryUser, newPassword: string, command: Command): Promise<boolean> {
  return driver.passwordAlreadyApplied(user, newPassword, new Date(command.issuedAt));
}

/** The one "already applied" result: OK, nothing written now, `appliedAt` from the directory when it says. */
export function alreadyAppliedOutcome(user: DirectoryUser, message: string, now: Date): Outcome {
  return { code: 'OK', message, details: { dn: user.dn, appliedAt: formatTime(user.passwordLastSet ?? now), alreadyApplied: true } };
}
