import { AdGuid } from '../../../../ldap-constants/ad-guids.js';
import type { CheckStatus, PermissionCheck } from '../../driver.js';
import { checkAccess, effectiveInheritedAces, type AccessDecision } from './access-check.js';
import { tokenFor, type AgentToken } from './agent-token.js';
import { grantCommand, type DirectoryFlavor } from './permission-fixes.js';
import { REQUIRED_RIGHTS, type RequiredRightName } from './required-rights.js';
import { willFailReasons, type ScannedUser, type ScopeScan } from './scope-scan.js';
import { isInherited, type Ace, type SecurityDescriptor } from './security-descriptor.js';
import { WELL_KNOWN_SID_NAMES } from './well-known-sid.js';

/** What the report read about one `scope.include` base. */
export interface ScopeFacts {
  base: string;
  /** False when the base does not exist (a typo in scope.include). */
  exists?: boolean;
  /** The OU's own descriptor; null when it could not be read. */
  descriptor: SecurityDescriptor | null;
  scan: ScopeScan | null;
}

export interface FixTarget {
  flavor: DirectoryFlavor;
  token: AgentToken;
}

/** How many DNs a detail line names. */
export const LIST_FIRST = 5;

const SEVERITY: Record<CheckStatus, number> = { OK: 0, WARN: 1, MISSING: 2 };

export function worst(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'OK');
}

export function sidName(sid: string, token: AgentToken): string {
  if (sid === token.sid) return `the agent's account (${sid})`;
  const known = WELL_KNOWN_SID_NAMES[sid];
  return known === undefined ? sid : `${known} (${sid})`;
}

export function describeDecision(decision: AccessDecision, token: AgentToken): string {
  const ace: Ace | null = decision.decidedBy;
  if (ace === null) return "no ACE grants it to any of the agent's SIDs";
  return `${decision.granted ? 'granted' : 'denied'} by ${isInherited(ace) ? 'an inherited' : 'an explicit'} ${ace.kind} ACE for ${sidName(ace.sid, token)}`;
}

export function listDns(dns: readonly string[]): string {
  const shown = dns.slice(0, LIST_FIRST).join('; ');
  return dns.length > LIST_FIRST ? `${shown}; and ${dns.length - LIST_FIRST} more` : shown;
}

/** Users whose own DACL decides the right (protected ones are listed separately as "will fail anyway"). */
function ordinaryUsers(scan: ScopeScan | null): ScannedUser[] {
  return (scan?.users ?? []).filter((user) => (user.descriptor?.dacl ?? null) !== null && !willFailReasons(user).some((reason) => reason !== 'disabled'));
}

interface ScopeVerdict {
  status: CheckStatus;
  note: string;
  /** The OU needs the grant command. */
  needsGrant: boolean;
}

function scopeVerdict(right: RequiredRightName, facts: ScopeFacts, token: AgentToken): ScopeVerdict {
  const request = REQUIRED_RIGHTS[right].request;
  const dacl = facts.descriptor?.dacl ?? null;
  const onOu = dacl === null ? null : checkAccess(effectiveInheritedAces(dacl.aces, AdGuid.userClass), token.sids, request);
  const users = ordinaryUsers(facts.scan);
  const denied = users.filter((user) => !checkAccess(user.descriptor?.dacl?.aces ?? [], tokenFor(token, user.sid), request).granted).map((user) => user.dn);
  const seen = `${users.length - denied.length} of ${users.length} users checked there have it${facts.scan?.truncated === true ? ' (scan limit reached)' : ''}`;
  const at = `users in ${facts.base}`;
  if (facts.exists === false) return { status: 'MISSING', note: `${facts.base} does not exist: fix scope.include`, needsGrant: false };
  if (onOu === null && users.length === 0) {
    return { status: 'WARN', note: `${at}: cannot evaluate (the OU's security descriptor is not readable and no user there could be read; the account needs Read Permissions)`, needsGrant: false };
  }
  if (onOu === null) {
    return denied.length === 0
      ? { status: 'OK', note: `${at}: ${seen} (the OU's own descriptor is not readable)`, needsGrant: false }
      : { status: denied.length === users.length ? 'MISSING' : 'WARN', note: `${at}: ${seen}; missing on ${listDns(denied)}`, needsGrant: true };
  }
  if (onOu.granted) {
    return denied.length === 0
      ? { status: 'OK', note: `${at}: ${describeDecision(onOu, token)} on the OU; ${seen}`, needsGrant: false }
      : { status: 'WARN', note: `${at}: the OU grants it, but ${denied.length} user(s) lack it by their own ACEs: ${listDns(denied)}`, needsGrant: false };
  }
  if (users.length > 0 && denied.length === 0) {
    return {
      status: 'WARN',
      note: `${at}: not inherited from the OU (${describeDecision(onOu, token)}), though the ${users.length} users there have it by their own ACEs: users created later will not`,
      needsGrant: true,
    };
  }
  return { status: 'MISSING', note: `${at}: ${describeDecision(onOu, token)}; ${seen}`, needsGrant: true };
}

/** resetPassword / writePwdLastSet / writeLockoutTime over every `scope.include` base. */
export function userRightCheck(right: RequiredRightName, scopes: readonly ScopeFacts[], fix: FixTarget): PermissionCheck {
  const verdicts = scopes.map((facts) => ({ facts, verdict: scopeVerdict(right, facts, fix.token) }));
  const status = worst(verdicts.map((v) => v.verdict.status));
  const check: PermissionCheck = { name: right, status, required: true, detail: `${REQUIRED_RIGHTS[right].label}: ${verdicts.map((v) => v.verdict.note).join('; ')}` };
  const grants = verdicts.filter((v) => v.verdict.needsGrant).map((v) => grantCommand(fix.flavor, right, v.facts.base, { sid: fix.token.sid, principal: fix.token.principal }));
  if (grants.length > 0) check.fix = grants.join('\n');
  return check;
}

/** The same right on one given user's own DACL (`--user`). */
export function oneUserRightCheck(right: RequiredRightName, user: { dn: string; sid: string | null; descriptor: SecurityDescriptor | null }, grantBase: string, fix: FixTarget): PermissionCheck {
  const label = REQUIRED_RIGHTS[right].label;
  const dacl = user.descriptor?.dacl ?? null;
  if (dacl === null) return { name: right, status: 'WARN', required: true, detail: `${label}: cannot read the DACL of ${user.dn} (the account needs Read Permissions on it)` };
  const decision = checkAccess(dacl.aces, tokenFor(fix.token, user.sid), REQUIRED_RIGHTS[right].request);
  if (decision.granted) return { name: right, status: 'OK', required: true, detail: `${label} on ${user.dn}: ${describeDecision(decision, fix.token)}` };
  return {
    name: right,
    status: 'MISSING',
    required: true,
    detail: `${label} on ${user.dn}: ${describeDecision(decision, fix.token)}`,
    fix: grantCommand(fix.flavor, right, grantBase, { sid: fix.token.sid, principal: fix.token.principal }),
  };
}

/** Unexpire Password on the domain root. */
export function domainRightCheck(right: RequiredRightName, domainDn: string, descriptor: SecurityDescriptor | null, fix: FixTarget, why: string): PermissionCheck {
  const label = REQUIRED_RIGHTS[right].label;
  const dacl = descriptor?.dacl ?? null;
  if (dacl === null) return { name: right, status: 'WARN', required: false, detail: `${label}: cannot read the DACL of ${domainDn}` };
  const decision = checkAccess(dacl.aces, fix.token.sids, REQUIRED_RIGHTS[right].request);
  if (decision.granted) return { name: right, status: 'OK', required: false, detail: `${label} on ${domainDn}: ${describeDecision(decision, fix.token)}` };
  return {
    name: right,
    status: 'MISSING',
    required: false,
    detail: `${label} on ${domainDn}: ${describeDecision(decision, fix.token)}; ${why}`,
    fix: grantCommand(fix.flavor, right, domainDn, { sid: fix.token.sid, principal: fix.token.principal }),
  };
}
