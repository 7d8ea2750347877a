import type { DirectoryStore } from '../store/directory-store.js';
import type { Entry } from '../store/entry.js';
import { filetimeFromMs, msFromFiletime, neverExpires } from './filetime.js';
import type { DomainPolicy } from './password-policy.js';
import { UserAccountControl } from './user-account-control.js';

export function integerValue(store: DirectoryStore, entry: Entry, name: string): bigint {
  const value = store.values(entry, name)[0];
  if (value === undefined) return 0n;
  const text = (typeof value === 'string' ? value : value.toString('utf8')).trim();
  return /^-?\d+$/.test(text) ? BigInt(text) : 0n;
}

export function isUser(store: DirectoryStore, entry: Entry): boolean {
  return store.values(entry, 'objectClass').some((value) => value.toString().toLowerCase() === 'user');
}

export function isDisabled(store: DirectoryStore, entry: Entry): boolean {
  return (integerValue(store, entry, 'userAccountControl') & BigInt(UserAccountControl.accountDisable)) !== 0n;
}

/** A lockout in force now: lockoutTime set and, unless the duration is "forever" (0), not yet over. */
export function isLockedOut(store: DirectoryStore, entry: Entry, policy: DomainPolicy, nowMs: number): boolean {
  const lockoutTime = integerValue(store, entry, 'lockoutTime');
  if (lockoutTime === 0n) return false;
  if (policy.lockoutDurationMs === 0) return true;
  return nowMs < msFromFiletime(lockoutTime) + policy.lockoutDurationMs;
}

/** Password expired by maxPwdAge, or pwdLastSet=0 (must change), as msDS-User-Account-Control-Computed shows. */
export function isPasswordExpired(store: DirectoryStore, entry: Entry, policy: DomainPolicy, nowMs: number): boolean {
  const pwdLastSet = integerValue(store, entry, 'pwdLastSet');
  if (pwdLastSet === 0n) return true;
  if ((integerValue(store, entry, 'userAccountControl') & BigInt(UserAccountControl.dontExpirePassword)) !== 0n) return false;
  if (policy.maxAgeMs === 0) return false;
  return nowMs > msFromFiletime(pwdLastSet) + policy.maxAgeMs;
}

export function isAccountExpired(store: DirectoryStore, entry: Entry, nowMs: number): boolean {
  const expires = integerValue(store, entry, 'accountExpires');
  return expires !== 0n && expires !== neverExpires && filetimeFromMs(nowMs) > expires;
}

export function computedUserAccountControl(store: DirectoryStore, entry: Entry, policy: DomainPolicy, nowMs: number): number {
  let value = 0;
  if (isLockedOut(store, entry, policy, nowMs)) value |= UserAccountControl.lockout;
  if (isPasswordExpired(store, entry, policy, nowMs)) value |= UserAccountControl.passwordExpired;
  return value;
}
