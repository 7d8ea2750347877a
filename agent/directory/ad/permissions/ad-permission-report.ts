import type { Client } from 'ldapts';
import type { DirectoryUser, PermissionCheck, PermissionReport } from '../../driver.js';
import { isWithin, parentDn } from '../../ldap/dn.js';
import { entryValues } from '../../ldap/entry-values.js';
import { LdapResultCode } from '../../../../ldap-constants/ldap-result-codes.js';
import { Oid } from '../../../../ldap-constants/oids.js';
import { AdAttribute, BINARY_ATTRIBUTES, DomainPolicyAttribute } from '../ad-attributes.js';
import type { AdContext } from '../ad-context.js';
import { bufferValues } from '../entry-values.js';
import { domainPolicyFrom, readPasswordPolicy } from '../password-policy.js';
import { sidFromBytes } from '../sid.js';
import { readUserEntry } from '../user-lookup.js';
import { checkAccess } from './access-check.js';
import { readAgentToken, tokenFor, type AgentToken } from './agent-token.js';
import { readDcInfo, type DcInfo } from './dc-info.js';
import { protectionReadCheck, readProtectionFacts, type ProtectionReadFacts } from './protection-read-check.js';
import { readDescriptor } from './read-descriptor.js';
import { REQUIRED_RIGHTS } from './required-rights.js';
import { domainRightCheck, listDns, oneUserRightCheck, userRightCheck, type FixTarget, type ScopeFacts } from './right-evaluation.js';
import { scanScope, willFailReasons, type ScannedUser } from './scope-scan.js';
import type { SecurityDescriptor } from './security-descriptor.js';
import { tlsCheck } from './tls-check.js';
import { targetUserCheck, usersThatWillFailCheck } from './will-fail-check.js';

/** Users scanned per `scope.include` base: enough for real OUs' counts, bounded for huge ones. */
export const SCAN_LIMIT = 5000;
/** Users whose allowedAttributesEffective is read to cross-check the DACL evaluation. */
const CROSS_CHECK_USERS = 3;
/** Attributes the driver must read on a user (resolveUser, account state). */
const NEEDED_USER_ATTRIBUTES = [AdAttribute.sAMAccountName, AdAttribute.objectGUID, AdAttribute.objectSid, AdAttribute.userAccountControl, AdAttribute.pwdLastSet];

const NOT_CHECKED = ['resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy'] as const;

function message(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}

/** Runs one read; its failure becomes a note on the check that needed it, not the end of the report. */
async function attempt<T>(fn: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error: message(error) };
  }
}

function days(ms: number): string {
  const d = ms / 86_400_000;
  return d >= 1 ? `${Number(d.toFixed(2))} day${d === 1 ? '' : 's'}` : `${Math.round(ms / 60_000)} minutes`;
}

interface Facts {
  token: AgentToken;
  scopes: ScopeFacts[];
  domainDescriptor: SecurityDescriptor | null;
  /** The --user, or null. */
  target: { user: DirectoryUser; sid: string | null; descriptor: SecurityDescriptor | null } | null;
  /** allowedAttributesEffective (lower-cased) per sample user DN. */
  effective: { user: { dn: string; sid: string | null; descriptor: SecurityDescriptor | null }; attributes: ReadonlySet<string> }[];
  /** The first user the attribute-read check looks at. */
  readable: { dn: string; missing: string[] } | null;
  /** What the protected-account check needs, read on the same user. */
  protection: ProtectionReadFacts | null;
}

async function entryExists(client: Client, dn: string): Promise<boolean> {
  try {
    return (await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] })).searchEntries.length > 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === LdapResultCode.noSuchObject) return false;
    throw error;
  }
}

async function gather(client: Client, context: AdContext, user: DirectoryUser | null, token: AgentToken): Promise<Facts> {
  const { config } = context;
  const domainDescriptor = await readDescriptor(client, config.baseDn).catch(() => null);
  const scopes: ScopeFacts[] = [];
  let target: Facts['target'] = null;
  let samples: { dn: string; sid: string | null; descriptor: SecurityDescriptor | null }[];
  if (user === null) {
    const bases = config.scope.include.length > 0 ? config.scope.include : [config.baseDn];
    for (const base of bases) {
      if (!(await entryExists(client, base))) {
        scopes.push({ base, exists: false, descriptor: null, scan: null });
        continue;
      }
      const descriptor = await readDescriptor(client, base).catch(() => null);
      const scan = await scanScope(client, base, config.scope.exclude, SCAN_LIMIT).catch(() => null);
      scopes.push({ base, descriptor, scan });
    }
    samples = scopes
      .flatMap((scope) => scope.scan?.users ?? [])
      .filter((u: ScannedUser) => willFailReasons(u).length === 0)
      .slice(0, CROSS_CHECK_USERS);
  } else {
    const { searchEntries } = await client.search(user.dn, { scope: 'base', filter: '(objectClass=*)', attributes: [AdAttribute.objectSid], explicitBufferAttributes: BINARY_ATTRIBUTES });
    const sidBytes = searchEntries[0] === undefined ? undefined : bufferValues(searchEntries[0], AdAttribute.objectSid)[0];
    target = { user, sid: sidBytes === undefined ? null : sidFromBytes(sidBytes), descriptor: await readDescriptor(client, user.dn).catch(() => null) };
    samples = [{ dn: user.dn, sid: target.sid, descriptor: target.descriptor }];
  }
  const effective: Facts['effective'] = [];
  for (const sample of samples) {
    const entry = await readUserEntry(client, sample.dn, [AdAttribute.allowedAttributesEffective]).catch(() => null);
    effective.push({ user: sample, attributes: new Set((entry === null ? [] : entryValues(entry, AdAttribute.allowedAttributesEffective)).map((name) => name.toLowerCase())) });
  }
  let readable: Facts['readable'] = null;
  const first = samples[0];
  if (first !== undefined) {
    const entry = await readUserEntry(client, first.dn, NEEDED_USER_ATTRIBUTES).catch(() => null);
    readable = {
      dn: first.dn,
      missing: NEEDED_USER_ATTRIBUTES.filter(
        (name) => entry === null || (name === AdAttribute.objectGUID || name === AdAttribute.objectSid ? bufferValues(entry, name).length === 0 : entryValues(entry, name).length === 0),
      ),
    };
  }
  const base = first === undefined ? null : (config.scope.include.find((include) => isWithin(first.dn, include)) ?? parentDn(first.dn) ?? config.baseDn);
  const protection = first === undefined || base === null ? null : await readProtectionFacts(client, first.dn, base, config.baseDn);
  return { token, scopes, domainDescriptor, target, effective, readable, protection };
}

/** Appends what allowedAttributesEffective says about `attribute` on the sample users; a disagreement with the DACL evaluation is a WARN. */
function crossCheck(check: PermissionCheck, attribute: string, right: 'writePwdLastSet' | 'writeLockoutTime', facts: Facts): PermissionCheck {
  if (facts.effective.length === 0) return check;
  const disagree: string[] = [];
  for (const { user, attributes } of facts.effective) {
    const dacl = user.descriptor?.dacl ?? null;
    if (dacl === null) continue;
    const evaluated = checkAccess(dacl.aces, tokenFor(facts.token, user.sid), REQUIRED_RIGHTS[right].request).granted;
    if (evaluated !== attributes.has(attribute.toLowerCase())) disagree.push(`${user.dn} (allowedAttributesEffective ${evaluated ? 'omits' : 'lists'} it)`);
  }
  if (disagree.length === 0) return { ...check, detail: `${check.detail}; allowedAttributesEffective agrees on ${facts.effective.length} user(s)` };
  return { ...check, status: check.status === 'OK' ? 'WARN' : check.status, detail: `${check.detail}; the DC's allowedAttributesEffective disagrees on ${listDns(disagree)}` };
}

async function policyChecks(context: AdContext, client: Client, user: DirectoryUser | null, dc: DcInfo): Promise<PermissionCheck[]> {
  const { config } = context;
  const checks: PermissionCheck[] = [];
  const policy = await attempt(async () => {
    if (user !== null) return readPasswordPolicy(client, user.dn, config.baseDn);
    const { searchEntries } = await client.search(config.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: Object.values(DomainPolicyAttribute) });
    const entry = searchEntries[0];
    return entry === undefined || entryValues(entry, DomainPolicyAttribute.minPwdLength).length === 0 ? null : domainPolicyFrom(entry);
  });
  if ('error' in policy || policy.value === null) {
    checks.push({
      name: 'readPasswordPolicy',
      status: 'MISSING',
      required: true,
      detail: `the password policy attributes of ${config.baseDn} are not readable${'error' in policy ? ` (${policy.error})` : ''}: the agent cannot check passwords before writing them`,
      fix: "give the account Read on the domain root's minPwdLength, pwdProperties, pwdHistoryLength, minPwdAge, maxPwdAge, lockoutThreshold (Authenticated Users have it by default)",
    });
  } else {
    const p = policy.value;
    checks.push({
      name: 'readPasswordPolicy',
      status: 'OK',
      required: true,
      detail: `${p.source}: minimum length ${p.minLength}, complexity ${p.complexity ? 'on' : 'off'}, history ${p.historyLength}, lockout after ${p.lockoutThreshold || 'never'}`,
    });
    checks.push({
      name: 'minimumPasswordAge',
      status: 'OK',
      required: false,
      detail:
        p.minAgeMs > 0
          ? `minimum password age ${days(p.minAgeMs)} in force (${p.source}): a reset that asks to enforce it (enforceMinimumAge) is refused within ${days(p.minAgeMs)} of the last change, and users cannot change their own password that soon after a reset`
          : `no minimum password age (${p.source})`,
    });
  }
  const hints = dc.supportedControls.has(Oid.policyHints) || dc.supportedControls.has(Oid.policyHintsDeprecated);
  const requireHistory = config.historyOnReset === 'require';
  checks.push(
    hints
      ? { name: 'historyOnReset', status: 'OK', required: requireHistory, detail: 'the DC supports the policy hints control: password history is enforced on resets' }
      : {
          name: 'historyOnReset',
          status: requireHistory ? 'MISSING' : 'WARN',
          required: requireHistory,
          detail: `the DC supports no policy hints control (${Oid.policyHints}): ${requireHistory ? 'resets that enforce history are refused (historyOnReset "require")' : 'resets do not enforce password history (historyOnReset "bestEffort"); length and complexity still are'}`,
          fix: 'a Windows Server 2012 or later DC enforces it; or accept it with historyOnReset "bestEffort"',
        },
  );
  return checks;
}

/**
 * The Active Directory permission report, read-only: bind and TLS, the agent's token, the DACLs
 * of each scope.include OU, of every user in scope (up to SCAN_LIMIT) and of the domain root,
 * evaluated as AD does; allowedAttributesEffective as a cross-check; the users whose resets fail
 * anyway; policy, history-on-reset and minimum age. Every MISSING carries the command that fixes it.
 */
export async function adPermissionReport(context: AdContext, user: DirectoryUser | null): Promise<PermissionReport> {
  const { config } = context;
  const checks: PermissionCheck[] = [];
  const report = (): PermissionReport => ({ directory: config.id, checks });
  let dc: DcInfo;
  try {
    dc = await context.withClient('serviceBind', readDcInfo, { idempotent: true });
  } catch (error) {
    checks.push({ name: 'bind', status: 'MISSING', required: true, detail: `cannot bind as ${config.bindDn}: ${message(error)}`, fix: 'check bindDn, bindPassword, urls and tls.caFile' });
    return report();
  }
  checks.push({
    name: 'bind',
    status: 'OK',
    required: true,
    detail: `bound as ${config.bindDn} to ${dc.dnsHostName ?? 'the DC'} (${dc.flavor === 'samba' ? `Samba: ${dc.vendor ?? ''}` : 'Windows'})`,
  });
  checks.push(await tlsCheck(config, context.deps.now()));

  const body = await attempt(() =>
    context.withClient(
      'search',
      async (client) => {
        const token = await readAgentToken(client, config.bindDn, config.baseDn);
        if (token === null) return null;
        return { facts: await gather(client, context, user, token), policy: await policyChecks(context, client, user, dc) };
      },
      { idempotent: true },
    ),
  );
  if ('error' in body || body.value === null) {
    const why = 'error' in body ? body.error : `objectSid and tokenGroups of ${config.bindDn} are not readable`;
    checks.push({
      name: 'agentToken',
      status: 'MISSING',
      required: true,
      detail: `cannot read the agent's SIDs: ${why}`,
      fix: `let the account read its own objectSid and tokenGroups (${config.bindDn})`,
    });
    for (const name of NOT_CHECKED) checks.push({ name, status: 'WARN', required: true, detail: "not checked: the agent's SIDs are unknown" });
    return report();
  }
  const { facts, policy } = body.value;
  const fix: FixTarget = { flavor: dc.flavor, token: facts.token };
  checks.push({ name: 'agentToken', status: 'OK', required: false, detail: `${facts.token.sid} with ${facts.token.groupCount} groups from tokenGroups, plus Everyone and Authenticated Users` });

  for (const right of ['resetPassword', 'writePwdLastSet', 'writeLockoutTime'] as const) {
    let check: PermissionCheck;
    if (facts.target !== null) {
      const base = config.scope.include.find((include) => isWithin(facts.target!.user.dn, include)) ?? parentDn(facts.target.user.dn) ?? config.baseDn;
      check = oneUserRightCheck(right, { dn: facts.target.user.dn, sid: facts.target.sid, descriptor: facts.target.descriptor }, base, fix);
    } else {
      check = userRightCheck(right, facts.scopes, fix);
    }
    if (right === 'writePwdLastSet') check = crossCheck(check, AdAttribute.pwdLastSet, right, facts);
    if (right === 'writeLockoutTime') check = crossCheck(check, AdAttribute.lockoutTime, right, facts);
    checks.push(check);
  }
  checks.push(
    domainRightCheck(
      'unexpirePassword',
      config.baseDn,
      facts.domainDescriptor,
      fix,
      'a Windows DC may then leave a reset password expired (pwdLastSet stays 0 when -1 cannot be written); Samba does not check it',
    ),
  );
  checks.push(...policy);
  if (facts.readable !== null) {
    const { dn, missing } = facts.readable;
    checks.push(
      missing.length === 0
        ? { name: 'readUserAttributes', status: 'OK', required: true, detail: `${NEEDED_USER_ATTRIBUTES.join(', ')} readable on ${dn}` }
        : {
            name: 'readUserAttributes',
            status: 'MISSING',
            required: true,
            detail: `not readable on ${dn}: ${missing.join(', ')}`,
            fix: `give the account Read Property on ${missing.join(', ')} of users in scope (Authenticated Users have it by default)`,
          },
    );
  }
  if (facts.protection !== null) checks.push(protectionReadCheck(facts.protection, dc.flavor, facts.token));
  if (facts.target !== null) checks.push(targetUserCheck(facts.target.user, facts.target.descriptor, dc.flavor));
  else if (facts.scopes.every((scope) => scope.scan !== null || scope.exists === false))
    checks.push(
      usersThatWillFailCheck(
        facts.scopes.flatMap((scope) => (scope.scan === null ? [] : [scope.scan])),
        dc.flavor,
      ),
    );
  else
    checks.push({
      name: 'usersThatWillFail',
      status: 'WARN',
      required: false,
      detail: `could not list the users of ${facts.scopes
        .filter((scope) => scope.scan === null)
        .map((scope) => scope.base)
        .join('; ')}`,
    });
  return report();
}
