import type { DirectoryStore } from '../store/directory-store.js';
import type { Entry } from '../store/entry.js';
import { msFromInterval } from './filetime.js';
import { PolicyFailure } from './policy-failure.js';

/** The domain password and lockout policy as read from the domain root. */
export interface DomainPolicy {
  minAgeMs: number;
  maxAgeMs: number;
  minLength: number;
  complexity: boolean;
  historyLength: number;
  lockoutThreshold: number;
  /** 0: locked until an administrator unlocks. */
  lockoutDurationMs: number;
  observationWindowMs: number;
}

/** pwdProperties bit DOMAIN_PASSWORD_COMPLEX. */
const pwdPropertiesComplex = 1n;

function bigintOf(store: DirectoryStore, entry: Entry, name: string): bigint {
  const value = store.values(entry, name)[0];
  if (value === undefined) return 0n;
  const text = typeof value === 'string' ? value : value.toString('utf8');
  return /^-?\d+$/.test(text) ? BigInt(text) : 0n;
}

export function readDomainPolicy(store: DirectoryStore, domainRoot: Entry): DomainPolicy {
  return {
    minAgeMs: msFromInterval(bigintOf(store, domainRoot, 'minPwdAge')),
    maxAgeMs: msFromInterval(bigintOf(store, domainRoot, 'maxPwdAge')),
    minLength: Number(bigintOf(store, domainRoot, 'minPwdLength')),
    complexity: (bigintOf(store, domainRoot, 'pwdProperties') & pwdPropertiesComplex) !== 0n,
    historyLength: Number(bigintOf(store, domainRoot, 'pwdHistoryLength')),
    lockoutThreshold: Number(bigintOf(store, domainRoot, 'lockoutThreshold')),
    lockoutDurationMs: msFromInterval(bigintOf(store, domainRoot, 'lockoutDuration')),
    observationWindowMs: msFromInterval(bigintOf(store, domainRoot, 'lockOutObservationWindow')),
  };
}

/** A fine-grained password policy (msDS-PasswordSettings object), read like the domain root. */
export function readPsoPolicy(store: DirectoryStore, pso: Entry): DomainPolicy {
  const flag = (name: string): boolean => store.values(pso, name)[0]?.toString().toUpperCase() === 'TRUE';
  return {
    minAgeMs: msFromInterval(bigintOf(store, pso, 'msDS-MinimumPasswordAge')),
    maxAgeMs: msFromInterval(bigintOf(store, pso, 'msDS-MaximumPasswordAge')),
    minLength: Number(bigintOf(store, pso, 'msDS-MinimumPasswordLength')),
    complexity: flag('msDS-PasswordComplexityEnabled'),
    historyLength: Number(bigintOf(store, pso, 'msDS-PasswordHistoryLength')),
    lockoutThreshold: Number(bigintOf(store, pso, 'msDS-LockoutThreshold')),
    lockoutDurationMs: msFromInterval(bigintOf(store, pso, 'msDS-LockoutDuration')),
    observationWindowMs: msFromInterval(bigintOf(store, pso, 'msDS-LockoutObservationWindow')),
  };
}

/**
 * AD's complexity rule: no sAMAccountName inside (when 3+ characters) and characters from at
 * least three of: upper case, lower case, digits, other (non-alphanumeric or non-Latin letters).
 */
export function meetsComplexity(password: string, samAccountName: string): boolean {
  if (samAccountName.length >= 3 && password.toLowerCase().includes(samAccountName.toLowerCase())) return false;
  let categories = 0;
  if (/\p{Lu}/u.test(password)) categories++;
  if (/\p{Ll}/u.test(password)) categories++;
  if (/[0-9]/.test(password)) categories++;
  if (/[^\p{Lu}\p{Ll}0-9]/u.test(password)) categories++;
  return categories >= 3;
}

export interface PasswordCheck {
  policy: DomainPolicy;
  password: string;
  samAccountName: string;
  newHash: string;
  currentHash: string | undefined;
  history: readonly string[];
  enforceHistory: boolean;
}

/** Length, complexity, then history (current password first, as Samba reports it). */
export function checkPasswordRules(check: PasswordCheck): PolicyFailure | undefined {
  const { policy } = check;
  // AD counts UTF-16 code units.
  if (check.password.length < policy.minLength) return PolicyFailure.tooShort;
  if (policy.complexity && !meetsComplexity(check.password, check.samAccountName)) return PolicyFailure.complexity;
  if (check.enforceHistory && policy.historyLength > 0) {
    if (check.currentHash === check.newHash) return PolicyFailure.previousPassword;
    if (check.history.slice(0, Math.max(0, policy.historyLength - 1)).includes(check.newHash)) return PolicyFailure.inHistory;
  }
  return undefined;
}
