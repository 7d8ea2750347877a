/** A pwdPolicy entry as the OpenLDAP driver needs it, and its mapping to the agent's PasswordPolicy. */
import type { Entry } from 'ldapts';
import type { PasswordPolicy } from '../driver.js';
import { entryValue } from '../ldap/entry-values.js';
import { PolicyAttr } from './openldap-attributes.js';

export interface PpolicyEntry {
  dn: string;
  minAgeSeconds: number;
  maxAgeSeconds: number;
  inHistory: number;
  /** 0 none, 1 check when possible, 2 refuse what cannot be checked (pre-hashed values). */
  checkQuality: number;
  minLength: number;
  lockout: boolean;
  maxFailure: number;
  lockoutDurationSeconds: number;
  mustChange: boolean;
  allowUserChange: boolean;
  safeModify: boolean;
}

/** The attributes to request when reading a policy entry. */
export const POLICY_ATTRIBUTES: string[] = Object.values(PolicyAttr);

function int(entry: Entry, name: string): number {
  const value = Number.parseInt(entryValue(entry, name) ?? '0', 10);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function bool(entry: Entry, name: string, fallback: boolean): boolean {
  const value = entryValue(entry, name);
  return value === null ? fallback : value.toUpperCase() === 'TRUE';
}

/** Defaults are the ppolicy schema's (draft-behera): absent means 0 / FALSE, pwdAllowUserChange TRUE. */
export function parsePpolicyEntry(entry: Entry): PpolicyEntry {
  return {
    dn: entry.dn,
    minAgeSeconds: int(entry, PolicyAttr.pwdMinAge),
    maxAgeSeconds: int(entry, PolicyAttr.pwdMaxAge),
    inHistory: int(entry, PolicyAttr.pwdInHistory),
    checkQuality: int(entry, PolicyAttr.pwdCheckQuality),
    minLength: int(entry, PolicyAttr.pwdMinLength),
    lockout: bool(entry, PolicyAttr.pwdLockout, false),
    maxFailure: int(entry, PolicyAttr.pwdMaxFailure),
    lockoutDurationSeconds: int(entry, PolicyAttr.pwdLockoutDuration),
    mustChange: bool(entry, PolicyAttr.pwdMustChange, false),
    allowUserChange: bool(entry, PolicyAttr.pwdAllowUserChange, true),
    safeModify: bool(entry, PolicyAttr.pwdSafeModify, false),
  };
}

/** No policy entry found: the server applies none either (or one the agent cannot read; the server still enforces it). */
export function emptyPpolicy(): PpolicyEntry {
  return {
    dn: '',
    minAgeSeconds: 0,
    maxAgeSeconds: 0,
    inHistory: 0,
    checkQuality: 0,
    minLength: 0,
    lockout: false,
    maxFailure: 0,
    lockoutDurationSeconds: 0,
    mustChange: false,
    allowUserChange: true,
    safeModify: false,
  };
}

export function toPasswordPolicy(p: PpolicyEntry): PasswordPolicy {
  return {
    source: p.dn,
    minLength: p.minLength,
    complexity: p.checkQuality > 0,
    historyLength: p.inHistory,
    minAgeMs: p.minAgeSeconds * 1000,
    maxAgeMs: p.maxAgeSeconds * 1000,
    lockoutThreshold: p.lockout ? p.maxFailure : 0,
    lockoutDurationMs: p.lockoutDurationSeconds * 1000,
  };
}
