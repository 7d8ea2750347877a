/**
 * The read-only permission report for OpenLDAP. Nothing is changed: write rights are probed with
 * the No-Op control on users in scope. Check names follow SPEC.md; for OpenLDAP `writePwdLastSet`
 * means write access to pwdReset (force change) and `writeLockoutTime` to pwdAccountLockedTime.
 * Every fix is the exact olcAccess line, wrapped in the ldapmodify an admin runs on the server.
 */
import type { Client } from 'ldapts';
import type { DirectoryConfig } from '../directory-config.js';
import type { Logger } from '../../logging/logger.js';
import { AgentError } from '../../errors.js';
import { tlsCheck } from '../ad/permissions/tls-check.js';
import type { DirectoryUser, PermissionCheck, PermissionReport } from '../driver.js';
import type { LdapConnectionPool } from '../ldap/connection-pool.js';
import { mapDirectoryError } from '../ldap/directory-errors.js';
import { isWithin, parentDn } from '../ldap/dn.js';
import { entryValue } from '../ldap/entry-values.js';
import { readRootDse } from '../ldap/root-dse.js';
import { Oid } from '../../../ldap-constants/oids.js';
import { deleteAttribute, probeModify, replaceAttribute, type ProbeResult } from './access-probe.js';
import { PpolicyAttr } from './openldap-attributes.js';
import type { PpolicyEntry } from './ppolicy-entry.js';
import type { PolicyReader } from './policy-reader.js';

export interface PermissionCheckInput {
  config: DirectoryConfig;
  pool: LdapConnectionPool;
  policies: PolicyReader;
  logger: Logger;
  user?: DirectoryUser;
  /** Injected clock (certificate days to expiry). */
  now?: () => Date;
}

const USER_FILTER = '(|(objectClass=inetOrgPerson)(objectClass=posixAccount)(objectClass=account)(objectClass=person))';
/** Users probed per included subtree. */
const PROBES_PER_BASE = 3;
/** A value no password policy with a quality check accepts: the manage probe's discriminator. */
const PROBE_PASSWORD = 'x';

/** The olcAccess value granting `rights` on `attrs` under `base` to the agent alone; `by * break` lets every other rule still apply to everyone else. */
export function olcAccessLine(config: DirectoryConfig, what: string, rights: string): string {
  return `{0}to ${what} by dn.exact="${config.bindDn}" ${rights} by * break`;
}

/**
 * The olcAccess line inside the commands that add it, on the server as root: find the database
 * serving `suffix`, then insert the line first in its list.
 */
export function aclFix(config: DirectoryConfig, suffix: string, what: string | readonly string[], rights: string): string {
  const lines = (typeof what === 'string' ? [what] : what).map((target, i) => `olcAccess: ${olcAccessLine(config, target, rights).replace(/^\{0\}/, `{${i}}`)}`);
  return [
    `DB=$(ldapsearch -Q -LLL -Y EXTERNAL -H ldapi:/// -b cn=config '(olcSuffix=${suffix})' dn | sed -n 's/^dn: //p')`,
    `ldapmodify -Y EXTERNAL -H ldapi:/// <<EOF`,
    'dn: $DB',
    'changetype: modify',
    'add: olcAccess',
    ...lines,
    'EOF',
  ].join('\n');
}

/** `to` clauses for attributes under each base. */
const subtree = (bases: readonly string[], attrs: string): string[] => bases.map((base) => `dn.subtree="${base}" attrs=${attrs}`);

function probeCheck(name: string, probes: ProbeResult[], required: boolean, what: string, fix: string): PermissionCheck {
  if (probes.length === 0) return { name, status: 'WARN', required, detail: `not checked: no user found in scope to probe ${what}` };
  const denied = probes.filter((p) => p.outcome === 'denied').length;
  const unsupported = probes.some((p) => p.outcome === 'unsupported');
  if (unsupported) return { name, status: 'WARN', required, detail: `cannot probe ${what}: the server does not support the No-Op control (${Oid.noOp})` };
  if (denied === probes.length) return { name, status: 'MISSING', required, detail: `no ${what} on the ${probes.length} probed user(s) (No-Op probe answered 50, insufficient access)`, fix };
  if (denied > 0) return { name, status: 'WARN', required, detail: `${what} on ${probes.length - denied} of ${probes.length} probed users`, fix };
  return { name, status: 'OK', required, detail: `${what} (No-Op probe answered allowed on ${probes.length} user${probes.length > 1 ? 's' : ''}, nothing changed)` };
}

/** Users the probes run against: the one asked about, else the first few of each included subtree. */
async function probeUsers(client: Client, input: PermissionCheckInput): Promise<string[]> {
  if (input.user) return [input.user.dn];
  const bases = input.config.scope.include.length > 0 ? input.config.scope.include : [input.config.baseDn];
  const dns: string[] = [];
  for (const base of bases) {
    try {
      const { searchEntries } = await client.search(base, { scope: 'sub', filter: USER_FILTER, attributes: ['1.1'], sizeLimit: PROBES_PER_BASE });
      dns.push(...searchEntries.map((entry) => entry.dn).filter((dn) => !input.config.scope.exclude.some((excluded) => isWithin(dn, excluded))));
    } catch {
      // An include base that does not exist or cannot be read yields no probe user (ldapts returns
      // the entries it had when sizeLimit is reached, without an error).
    }
  }
  return dns;
}

/**
 * Password administrator (manage on userPassword): ppolicy then skips minimum age, quality and
 * history on resets. Probed with a No-Op replace by a value the policy's quality check refuses: a
 * plain writer is refused (19), an administrator is not. Without a quality check in the policy the
 * probe cannot tell them apart, and says so.
 */
function administratorCheck(probe: ProbeResult, policy: PpolicyEntry | null, config: DirectoryConfig, suffix: string, bases: readonly string[]): PermissionCheck {
  const fix = aclFix(config, suffix, subtree(bases, 'userPassword'), '=wm');
  if (probe.outcome === 'policyRefused') {
    return {
      name: 'passwordAdministrator',
      status: 'WARN',
      required: false,
      detail:
        "write but not manage on userPassword: resets are checked like the user's own change, so a reset inside pwdMinAge fails with PASSWORD_TOO_YOUNG and pwdInHistory applies; pwdReset is not set by ppolicy",
      fix,
    };
  }
  if (probe.outcome === 'allowed' && policy !== null && policy.checkQuality > 0 && policy.minLength > PROBE_PASSWORD.length) {
    return {
      name: 'passwordAdministrator',
      status: 'OK',
      required: false,
      detail:
        'manage on userPassword: resets skip pwdMinAge, quality and history checks and set pwdReset when pwdMustChange is TRUE (the agent checks length itself; history is not enforced on resets)',
    };
  }
  return {
    name: 'passwordAdministrator',
    status: 'WARN',
    required: false,
    detail: `cannot tell manage from write on userPassword (No-Op replace answered ${probe.ldapCode}; the policy has no quality check to refuse the probe value): with write only, resets inside pwdMinAge fail with PASSWORD_TOO_YOUNG`,
    fix,
  };
}

export async function checkOpenLdapPermissions(input: PermissionCheckInput): Promise<PermissionReport> {
  const { config } = input;
  const checks: PermissionCheck[] = [];
  const report = (): PermissionReport => ({ directory: config.id, checks });
  try {
    await input.pool.withClient(
      async (client) => {
        const who = await client.exop(Oid.whoAmI);
        checks.push({ name: 'bind', status: 'OK', required: true, detail: `bound as ${who.value?.replace(/^dn:/, '') ?? config.bindDn} via ${input.pool.activeUrl}` });
        checks.push(await tlsCheck(config, (input.now ?? (() => new Date()))()));

        const contexts = (await readRootDse(client).catch(() => null))?.namingContexts ?? [];
        const suffix = contexts.find((nc) => isWithin(config.baseDn, nc)) ?? config.baseDn;
        // The subtrees the fixes grant on: the one holding the user asked about, else every included one.
        const includes = config.scope.include.length > 0 ? config.scope.include : [config.baseDn];
        const bases = input.user === undefined ? includes : [includes.find((include) => isWithin(input.user!.dn, include)) ?? parentDn(input.user.dn) ?? config.baseDn];
        const users = await probeUsers(client, input);
        const run = async (change: () => ReturnType<typeof deleteAttribute>): Promise<ProbeResult[]> => {
          const out: ProbeResult[] = [];
          for (const dn of users) out.push(await probeModify(client, dn, change()));
          return out.filter((p) => p.outcome !== 'noSuchEntry');
        };
        const stateFix = aclFix(config, suffix, subtree(bases, 'pwdReset,pwdAccountLockedTime'), 'write');
        const pwDelete = await run(() => deleteAttribute(PpolicyAttr.userPassword));
        checks.push(probeCheck('resetPassword', pwDelete, true, 'write access to userPassword', aclFix(config, suffix, subtree(bases, 'userPassword'), '=wm')));
        checks.push(probeCheck('writePwdLastSet', await run(() => deleteAttribute(PpolicyAttr.pwdReset)), true, 'write access to pwdReset (force change at next logon)', stateFix));
        checks.push(probeCheck('writeLockoutTime', await run(() => deleteAttribute(PpolicyAttr.pwdAccountLockedTime)), true, 'write access to pwdAccountLockedTime (unlock)', stateFix));

        const first = users[0];
        const policyDn = first === undefined ? await input.policies.defaultDn(client) : null;
        const policy = first === undefined ? (policyDn === null ? null : await input.policies.read(client, policyDn)) : await input.policies.forUser(client, first);
        const readable = policy !== null && policy.dn !== '';
        checks.push(
          readable
            ? {
                name: 'readPasswordPolicy',
                status: 'OK',
                required: true,
                detail: `read ${policy.dn} (pwdMinAge ${policy.minAgeSeconds}s, pwdMinLength ${policy.minLength}, pwdCheckQuality ${policy.checkQuality}, pwdInHistory ${policy.inHistory}, pwdMustChange ${policy.mustChange ? 'TRUE' : 'FALSE'})`,
              }
            : {
                name: 'readPasswordPolicy',
                status: 'MISSING',
                required: true,
                detail: 'no readable pwdPolicy entry found (set defaultPolicyDn, and give the account read access to the policy entries)',
                fix: aclFix(config, suffix, `dn.subtree="${suffix}" filter=(objectClass=pwdPolicy)`, 'read'),
              },
        );

        if (first !== undefined && pwDelete.some((p) => p.outcome === 'allowed')) {
          checks.push(administratorCheck(await probeModify(client, first, replaceAttribute(PpolicyAttr.userPassword, PROBE_PASSWORD)), readable ? policy : null, config, suffix, bases));
        }

        if (first !== undefined) {
          const { searchEntries } = await client.search(first, { scope: 'base', attributes: [PpolicyAttr.pwdChangedTime] });
          const seen = entryValue(searchEntries[0], PpolicyAttr.pwdChangedTime) !== null;
          checks.push(
            seen
              ? { name: 'readPwdChangedTime', status: 'OK', required: false, detail: `pwdChangedTime readable on ${first}` }
              : {
                  name: 'readPwdChangedTime',
                  status: 'WARN',
                  required: false,
                  detail: `no pwdChangedTime visible on ${first}: never set, or not readable (minimum age and redelivery checks need it)`,
                  fix: aclFix(config, suffix, subtree(bases, 'pwdChangedTime,pwdPolicySubentry'), 'read'),
                },
          );
        }
      },
      { idempotent: true },
    );
  } catch (error) {
    const mapped = error instanceof AgentError ? error : mapDirectoryError(error, { operation: 'probe' });
    if (!checks.some((c) => c.name === 'bind')) {
      checks.push({ name: 'bind', status: 'MISSING', required: true, detail: `${mapped.message} (${String(mapped.details.reason)})`, fix: 'check bindDn, bindPassword, urls and tls.caFile' });
    } else {
      checks.push({ name: 'completed', status: 'MISSING', required: true, detail: `the check stopped early: ${mapped.message}` });
    }
    input.logger.warn('permission check failed', { directory: config.id, code: mapped.code, reason: mapped.details.reason });
  }
  return report();
}
