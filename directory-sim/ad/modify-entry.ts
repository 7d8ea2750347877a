import { AdGuid } from '../../ldap-constants/ad-guids.js';
import type { ModifyChange } from '../protocol/ldap-request.js';
import type { AccountSecret, AttributeValue, Entry } from '../store/entry.js';
import { normalizeValue, storedValue } from '../store/normalize-value.js';
import { integerValue, isLockedOut } from './account-state.js';
import { recordBadPassword } from './authenticate.js';
import { filetimeFromMs, generalizedTime, msFromFiletime } from './filetime.js';
import { hashPassword } from './password-hash.js';
import { checkPasswordRules } from './password-policy.js';
import { PolicyFailure } from './policy-failure.js';
import { attributeDefinition } from './schema.js';
import type { Identity, SimDirectory } from './sim-directory.js';
import { SimMode } from './sim-mode.js';
import { decodeUnicodePwd } from './unicode-pwd.js';

/** What the connection adds to a modify: transport security and the controls that change semantics. */
export interface ModifyContext {
  encrypted: boolean;
  /** Policy hints control with flag 1 (enforce history on reset), honoured in Windows mode only. */
  enforceHistoryOnReset: boolean;
  /** Permissive modify: adding a present value or deleting an absent one is not an error. */
  permissive: boolean;
}

/** How far back AD keeps password history, whatever the policy says today. */
const maxHistoryKept = 24;

const Special = { unicodePwd: 'unicodepwd', userPassword: 'userpassword', pwdLastSet: 'pwdlastset', lockoutTime: 'lockouttime' } as const;

/** Finds the nearest existing ancestor, for noSuchObject's matchedDN. */
export function bestMatch(directory: SimDirectory, dn: string): string {
  const parts = dn.split(',');
  for (let i = 1; i < parts.length; i++) {
    const candidate = directory.store.get(parts.slice(i).join(','));
    if (candidate) return candidate.dn;
  }
  return '';
}

/**
 * Applies one LDAP modify with AD semantics, atomically: every change is checked against the
 * working copy first and nothing is stored unless all pass.
 */
export function modifyEntry(directory: SimDirectory, identity: Identity, dn: string, changes: readonly ModifyChange[], context: ModifyContext): Entry {
  const { store, texts } = directory;
  if (!identity.entry) throw texts.notBound();
  const entry = store.get(dn);
  if (!entry) throw texts.noSuchObject(dn, bestMatch(directory, dn));
  const now = directory.clock();
  const pending = new Map<string, { name: string; values: readonly AttributeValue[] }>();
  let secret: AccountSecret | undefined;
  const current = (name: string): readonly AttributeValue[] => pending.get(name.toLowerCase())?.values ?? store.values(entry, name);
  const put = (name: string, values: AttributeValue[]): void => {
    pending.set(name.toLowerCase(), { name, values });
  };

  for (let index = 0; index < changes.length; index++) {
    const change = changes[index]!;
    const lower = change.attribute.toLowerCase();
    if (lower === Special.unicodePwd) {
      if (!context.encrypted) throw texts.unicodePwdNeedsEncryption();
      const next = changes[index + 1];
      if (change.operation === 'replace' && change.values.length === 1) {
        secret = resetPassword(directory, identity, entry, change.values[0]!, secret, context);
        // Windows leaves a reset without Unexpire Password expired (pwdLastSet 0); Samba 4.17 sets it to now whoever resets.
        const unexpired = directory.mode === SimMode.samba || directory.canControlAccess(identity, directory.domainRoot(), AdGuid.unexpirePassword);
        put('pwdLastSet', [unexpired ? filetimeFromMs(now).toString() : '0']);
      } else if (change.operation === 'delete' && change.values.length === 1 && next?.attribute.toLowerCase() === Special.unicodePwd && next.operation === 'add' && next.values.length === 1) {
        secret = changePassword(directory, identity, entry, change.values[0]!, next.values[0]!, secret);
        put('pwdLastSet', [filetimeFromMs(now).toString()]);
        index++;
      } else {
        throw texts.unwilling();
      }
      continue;
    }
    if (lower === Special.userPassword) throw texts.unwilling();
    if (lower === Special.pwdLastSet) {
      const value = change.values[0]?.toString('utf8').trim();
      if (change.operation !== 'replace' || change.values.length !== 1 || (value !== '0' && value !== '-1')) throw texts.unwilling();
      if (!directory.canWriteProperty(identity, entry, change.attribute)) throw texts.insufficientRightsForAttribute(entry.dn);
      // Samba 4.17 checks Unexpire Password on the domain root for -1 (its default DACL grants it to Authenticated Users).
      if (value === '-1' && directory.mode === SimMode.samba && !directory.canControlAccess(identity, directory.domainRoot(), AdGuid.unexpirePassword)) throw texts.unexpirePasswordRequired(entry.dn);
      put('pwdLastSet', [value === '0' ? '0' : filetimeFromMs(now).toString()]);
      continue;
    }
    if (lower === Special.lockoutTime) {
      const value = change.values[0]?.toString('utf8').trim();
      if (change.operation !== 'replace' || change.values.length !== 1 || value !== '0') throw texts.unwilling();
      if (!directory.canWriteProperty(identity, entry, change.attribute)) throw texts.insufficientRightsForAttribute(entry.dn);
      put('lockoutTime', ['0']);
      put('badPwdCount', ['0']);
      continue;
    }
    const definition = attributeDefinition(change.attribute);
    if (definition.kind !== 'stored') throw texts.unwilling();
    if (!directory.canWriteProperty(identity, entry, change.attribute)) throw texts.insufficientRightsForAttribute(entry.dn);
    const incoming = change.values.map((value) => storedValue(change.attribute, value));
    const existing = current(change.attribute);
    const keyOf = (value: AttributeValue): string => normalizeValue(change.attribute, value);
    let result: AttributeValue[];
    if (change.operation === 'replace') {
      result = incoming;
    } else if (change.operation === 'add') {
      const present = new Set(existing.map(keyOf));
      const added = incoming.filter((value) => !present.has(keyOf(value)));
      if (added.length !== incoming.length && !context.permissive) throw texts.attributeExists(definition.name);
      if (incoming.length === 0) throw texts.constraint(definition.name);
      result = [...existing, ...added];
    } else if (incoming.length === 0) {
      if (existing.length === 0 && !context.permissive) throw texts.noSuchAttribute(definition.name);
      result = [];
    } else {
      const removing = new Set(incoming.map(keyOf));
      result = existing.filter((value) => !removing.has(keyOf(value)));
      if (existing.length - result.length !== removing.size && !context.permissive) throw texts.noSuchAttribute(definition.name);
    }
    if (definition.singleValued && result.length > 1) throw texts.constraint(definition.name);
    put(definition.name.toLowerCase() === lower ? definition.name : change.attribute, result);
  }

  for (const { name, values } of pending.values()) store.setValues(entry, name, values);
  if (secret) entry.secret = secret;
  store.setValues(entry, 'whenChanged', [generalizedTime(now)]);
  return entry;
}

function samAccountName(directory: SimDirectory, entry: Entry): string {
  return directory.store.values(entry, 'sAMAccountName')[0]?.toString() ?? '';
}

function decodeOrRefuse(directory: SimDirectory, value: Buffer): string {
  const password = decodeUnicodePwd(value);
  if (password === undefined) throw directory.texts.unwilling();
  return password;
}

function withNewPassword(secret: AccountSecret | undefined, newHash: string): AccountSecret {
  const history = secret?.current === undefined ? [...(secret?.history ?? [])] : [secret.current, ...secret.history];
  return { current: newHash, history: history.slice(0, maxHistoryKept) };
}

/** Admin reset: Reset Password right; length and complexity always, history only when asked for. */
function resetPassword(directory: SimDirectory, identity: Identity, entry: Entry, value: Buffer, pendingSecret: AccountSecret | undefined, context: ModifyContext): AccountSecret {
  if (!directory.canControlAccess(identity, entry, AdGuid.resetPassword)) throw directory.texts.insufficientRightsForReset(entry.dn);
  const password = decodeOrRefuse(directory, value);
  const secret = pendingSecret ?? entry.secret ?? { current: undefined, history: [] };
  const policy = directory.policyFor(entry);
  const newHash = hashPassword(password);
  const failure = checkPasswordRules({
    policy,
    password,
    samAccountName: samAccountName(directory, entry),
    newHash,
    currentHash: secret.current,
    history: secret.history,
    enforceHistory: context.enforceHistoryOnReset,
  });
  if (failure) throw directory.texts.policyViolation(failure, policy.minLength);
  return withNewPassword(secret, newHash);
}

/** The user's change: Change Password right, the old password, minimum age, then every rule. */
function changePassword(directory: SimDirectory, identity: Identity, entry: Entry, oldValue: Buffer, newValue: Buffer, pendingSecret: AccountSecret | undefined): AccountSecret {
  if (!directory.canControlAccess(identity, entry, AdGuid.changePassword)) throw directory.texts.insufficientRightsForReset(entry.dn);
  const oldPassword = decodeOrRefuse(directory, oldValue);
  const password = decodeOrRefuse(directory, newValue);
  const secret = pendingSecret ?? entry.secret ?? { current: undefined, history: [] };
  const now = directory.clock();
  // Samba refuses any change by a locked-out account before looking at the old password (not counted as a bad one).
  if (directory.mode === SimMode.samba && isLockedOut(directory.store, entry, directory.policyFor(entry), now)) throw directory.texts.changeWhileLockedOut();
  if (secret.current === undefined || hashPassword(oldPassword) !== secret.current) {
    recordBadPassword(directory, entry, now);
    throw directory.texts.wrongOldPassword();
  }
  const policy = directory.policyFor(entry);
  const lastSet = integerValue(directory.store, entry, 'pwdLastSet');
  if (policy.minAgeMs > 0 && lastSet !== 0n && now - msFromFiletime(lastSet) < policy.minAgeMs) {
    throw directory.texts.policyViolation(PolicyFailure.tooYoung, policy.minLength);
  }
  const newHash = hashPassword(password);
  const failure = checkPasswordRules({
    policy,
    password,
    samAccountName: samAccountName(directory, entry),
    newHash,
    currentHash: secret.current,
    history: secret.history,
    enforceHistory: true,
  });
  if (failure) throw directory.texts.policyViolation(failure, policy.minLength);
  return withNewPassword(secret, newHash);
}
