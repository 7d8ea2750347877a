import type { Entry } from '../store/entry.js';
import { isAccountExpired, isDisabled, isLockedOut, isPasswordExpired, integerValue, isUser } from './account-state.js';
import { AdBindData } from '../../ldap-constants/ad-diagnostic-codes.js';
import { filetimeFromMs, msFromFiletime } from './filetime.js';
import { hashPassword } from './password-hash.js';
import type { SimDirectory } from './sim-directory.js';
import { SimMode } from './sim-mode.js';

/** Samba's smb.conf `old password allowed period` (default 60 minutes). */
const sambaOldPasswordAllowedMs = 60 * 60_000;

/**
 * The password matches: the current one, or in Samba mode also the previous one while the last
 * set is younger than the old password allowed period (seen on Samba 4.17: after a reset or a
 * change the previous password still binds for an hour, and clears badPwdCount; never after a
 * reset that forces a change, whose pwdLastSet is 0).
 */
function passwordMatches(directory: SimDirectory, entry: Entry, password: string, now: number): boolean {
  const hash = hashPassword(password);
  if (entry.secret?.current !== undefined && hash === entry.secret.current) return true;
  if (directory.mode !== SimMode.samba || entry.secret?.history[0] !== hash) return false;
  const lastSet = integerValue(directory.store, entry, 'pwdLastSet');
  return lastSet > 0n && now < msFromFiletime(lastSet) + sambaOldPasswordAllowedMs;
}

/**
 * Finds the account a simple bind names: a DN, user@domain (UPN), DOMAIN\user or (Windows only) a
 * bare sAMAccountName. Samba 4.17 takes DOMAIN\user with the NetBIOS name only.
 */
export function findBindAccount(directory: SimDirectory, name: string): Entry | undefined {
  const { store } = directory;
  const first = (keys: ReadonlySet<string> | undefined): Entry | undefined => {
    for (const key of keys ?? []) return store.getByKey(key);
    return undefined;
  };
  if (name.includes('=')) return store.get(name);
  if (name.includes('@')) return first(store.lookup('userPrincipalName', name));
  const backslash = name.indexOf('\\');
  if (backslash >= 0) {
    const domain = name.slice(0, backslash).toLowerCase();
    const dnsAllowed = directory.mode !== SimMode.samba && domain === directory.domain.dnsName.toLowerCase();
    if (domain !== directory.domain.netbiosName.toLowerCase() && !dnsAllowed) return undefined;
    return first(store.lookup('sAMAccountName', name.slice(backslash + 1)));
  }
  return directory.mode === SimMode.samba ? undefined : first(store.lookup('sAMAccountName', name));
}

/**
 * A simple bind with a password, AD order: unknown account 525 (Samba 52e); a lockout in force 775 whatever the
 * password; wrong password 52e (counting toward lockout); then disabled 533, account expired 701,
 * must change 773, password expired 532. Success clears badPwdCount.
 */
export function authenticate(directory: SimDirectory, name: string, password: string): Entry {
  const { store, texts } = directory;
  const entry = findBindAccount(directory, name);
  // Samba answers an unknown account like a wrong password (52e), counted nowhere; Windows says 525.
  if (!entry || !entry.secret || !isUser(store, entry)) throw texts.bindFailed(directory.mode === SimMode.samba ? AdBindData.wrongPassword : AdBindData.noSuchUser);
  const now = directory.clock();
  const policy = directory.policyFor(entry);
  if (isLockedOut(store, entry, policy, now)) throw texts.bindFailed(AdBindData.locked);
  if (!passwordMatches(directory, entry, password, now)) {
    recordBadPassword(directory, entry, now);
    throw texts.bindFailed(AdBindData.wrongPassword);
  }
  if (isDisabled(store, entry)) throw texts.bindFailed(AdBindData.disabled);
  if (isAccountExpired(store, entry, now)) throw texts.bindFailed(AdBindData.accountExpired);
  if (integerValue(store, entry, 'pwdLastSet') === 0n) throw texts.bindFailed(AdBindData.mustChangePassword);
  if (isPasswordExpired(store, entry, policy, now)) throw texts.bindFailed(AdBindData.passwordExpired);
  store.setValues(entry, 'badPwdCount', ['0']);
  // A lockout that ran out is cleared by the next good logon, as AD does.
  if (integerValue(store, entry, 'lockoutTime') !== 0n) store.setValues(entry, 'lockoutTime', ['0']);
  store.setValues(entry, 'lastLogon', [filetimeFromMs(now).toString()]);
  return entry;
}

/** Counts a bad password (also a wrong old password on change) toward the lockout threshold. */
export function recordBadPassword(directory: SimDirectory, entry: Entry, now: number): void {
  const { store } = directory;
  const policy = directory.policyFor(entry);
  let count = integerValue(store, entry, 'badPwdCount');
  const last = integerValue(store, entry, 'badPasswordTime');
  if (last !== 0n && policy.observationWindowMs > 0 && now - msFromFiletime(last) > policy.observationWindowMs) count = 0n;
  count += 1n;
  store.setValues(entry, 'badPwdCount', [count.toString()]);
  store.setValues(entry, 'badPasswordTime', [filetimeFromMs(now).toString()]);
  if (policy.lockoutThreshold > 0 && count >= BigInt(policy.lockoutThreshold)) {
    store.setValues(entry, 'lockoutTime', [filetimeFromMs(now).toString()]);
  }
}
