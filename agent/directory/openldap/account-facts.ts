/** What a user entry's ppolicy attributes say about the account, given its policy and the time. */
import type { Entry } from 'ldapts';
import { entryValue } from '../ldap/entry-values.js';
import { parseGeneralizedTime } from '../ldap/generalized-time.js';
import { ADMIN_LOCK_TIME, PpolicyAttr } from './openldap-attributes.js';
import type { PpolicyEntry } from './ppolicy-entry.js';

/** The user attributes the driver reads for every account decision. */
export const USER_ATTRIBUTES: string[] = [
  PpolicyAttr.entryUUID,
  PpolicyAttr.pwdChangedTime,
  PpolicyAttr.pwdReset,
  PpolicyAttr.pwdAccountLockedTime,
  PpolicyAttr.pwdPolicySubentry,
  // For the protected-group check: posixGroup memberUid and the memberOf overlay.
  PpolicyAttr.uid,
  PpolicyAttr.memberOf,
];

export interface AccountFacts {
  /** A failure lockout in force now. */
  locked: boolean;
  /** Locked by an administrator (pwdAccountLockedTime 000001010000Z): the agent does not clear it. */
  disabled: boolean;
  passwordLastSet: Date | null;
  mustChangePassword: boolean;
  /** pwdChangedTime + pwdMinAge; null when no minimum age applies (none set, never changed, or pwdReset). */
  passwordChangeAllowedAt: Date | null;
}

/** Reads pwdAccountLockedTime, pwdChangedTime and pwdReset the way slapd's ppolicy overlay does. */
export function accountFacts(entry: Entry | undefined, policy: PpolicyEntry, now: Date): AccountFacts {
  const lockedTime = entryValue(entry, PpolicyAttr.pwdAccountLockedTime);
  const disabled = lockedTime === ADMIN_LOCK_TIME;
  let locked = false;
  if (lockedTime !== null && !disabled) {
    const since = parseGeneralizedTime(lockedTime);
    // A lockout with a duration ends by itself; without one it lasts until cleared.
    locked = policy.lockoutDurationSeconds === 0 || since === null || since.getTime() + policy.lockoutDurationSeconds * 1000 > now.getTime();
  }
  const changedText = entryValue(entry, PpolicyAttr.pwdChangedTime);
  const passwordLastSet = changedText === null ? null : parseGeneralizedTime(changedText);
  const mustChangePassword = (entryValue(entry, PpolicyAttr.pwdReset) ?? '').toUpperCase() === 'TRUE';
  // ppolicy skips the minimum age for a user who must change a reset password.
  const passwordChangeAllowedAt = passwordLastSet !== null && policy.minAgeSeconds > 0 && !mustChangePassword ? new Date(passwordLastSet.getTime() + policy.minAgeSeconds * 1000) : null;
  return { locked, disabled, passwordLastSet, mustChangePassword, passwordChangeAllowedAt };
}
