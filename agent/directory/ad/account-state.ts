import type { Entry } from 'ldapts';
import type { AccountState, PasswordPolicy } from '../driver.js';
import { AdAttribute, UacFlag } from './ad-attributes.js';
import { entryValue } from '../ldap/entry-values.js';
import { firstInteger } from './entry-values.js';
import { fileTimeToDate } from './filetime.js';

export interface AccountFlags {
  disabled: boolean;
  locked: boolean;
  passwordLastSet: Date | null;
  mustChangePassword: boolean;
}

/**
 * Account state from one entry. Locked: msDS-User-Account-Control-Computed bit 0x10, which the DC
 * computes with the lockout duration in mind; lockoutTime != 0 only where that attribute is missing
 * (it may still hold an expired lockout). Must change: pwdLastSet = 0.
 */
export function accountFlags(entry: Entry): AccountFlags {
  const uac = firstInteger(entry, AdAttribute.userAccountControl) ?? 0;
  const computed = firstInteger(entry, AdAttribute.userAccountControlComputed);
  const lockoutTime = entryValue(entry, AdAttribute.lockoutTime);
  const locked = computed !== null ? (computed & UacFlag.lockout) !== 0 : lockoutTime !== null && lockoutTime !== '0';
  const pwdLastSet = entryValue(entry, AdAttribute.pwdLastSet);
  return {
    disabled: (uac & UacFlag.accountDisabled) !== 0,
    locked,
    passwordLastSet: fileTimeToDate(pwdLastSet),
    mustChangePassword: pwdLastSet === '0' || (computed !== null && (computed & UacFlag.passwordExpired) !== 0),
  };
}

/** When the user may change the password again: pwdLastSet + minimum age; null when that is already allowed or unknown. */
export function passwordChangeAllowedAt(flags: AccountFlags, policy: PasswordPolicy): Date | null {
  if (flags.passwordLastSet === null || flags.mustChangePassword || policy.minAgeMs <= 0) return null;
  return new Date(flags.passwordLastSet.getTime() + policy.minAgeMs);
}

export function accountState(dn: string, entry: Entry | null, policy: PasswordPolicy | null): AccountState {
  if (entry === null) {
    return { dn, exists: false, locked: false, disabled: false, passwordLastSet: null, passwordChangeAllowedAt: null, mustChangePassword: false };
  }
  const flags = accountFlags(entry);
  return {
    dn: entry.dn,
    exists: true,
    ...flags,
    passwordChangeAllowedAt: policy === null ? null : passwordChangeAllowedAt(flags, policy),
  };
}
