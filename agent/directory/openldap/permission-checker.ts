/**
 * The read-only permission report for OpenLDAP. Nothing is changed: write rights are probed with
 * the No-Op control on users in scope. Check names follow SPEC.md; for OpenLDAP `writePwdLastSet`
 * means write access to pwdReset (force change) and `writeLockoutTime` to pwdAccountLockedTime.
 */
import type { Client } from 'ldapts';
import type { DirectoryConfig, Logger } from '../../config/directory-config.js';
import { AgentError } from '../../errors.js';
import type { DirectoryUser, PermissionCheck, PermissionReport } from '../driver.js';
import type { LdapConnectionPool } from '../ldap/connection-pool.js';
import { mapDirectoryError } from '../ldap/directory-errors.js';
import { entryValue } from '../ldap/entry-values.js';
import { Oid } from '../oids.js';
import { deleteAttribute, probeModify, replaceAttribute, type ProbeResult } from './access-probe.js';
import { PpolicyAttr } from './openldap-attributes.js';
import type { PolicyReader } from './policy-reader.js';

export interface PermissionCheckInput {
  config: DirectoryConfig;
  pool: LdapConnectionPool;
  policies: PolicyReader;
  logger: Logger;
  user?: DirectoryUser;
}

const USER_FILTER = '(|(objectClass=inetOrgPerson)(objectClass=posixAccount)(objectClass=account)(objectClass=person))';

/** The olcAccess line an admin can add (database number to be adapted) to grant what is missing. */
function aclFix(config: DirectoryConfig, attrs: string, rights: string): string {
  const base = config.scope.include[0] ?? config.baseDn;
  return `ldapmodify -Y EXTERNAL -H ldapi:/// <<'EOF'\ndn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcAccess\nolcAccess: {0}to dn.subtree="${base}" attrs=${attrs} by dn.exact="${config.bindDn}" ${rights} by * break\nEOF`;
}

function probeCheck(name: string, probes: ProbeResult[], required: boolean, what: string, fix: string): PermissionCheck {
  if (probes.length === 0) return { name, status: 'WARN', required, detail: `not checked: no user found in scope to probe ${what}` };
  const denied = probes.filter((p) => p.outcome === 'denied').length;
  const unsupported = probes.some((p) => p.outcome === 'unsupported');
  if (unsupported) return { name, status: 'WARN', required, detail: `cannot probe ${what}: the server does not support the No-Op control` };
  if (denied === probes.length) return { name, status: 'MISSING', required, detail: `no ${what} on the probed users (result 50)`, fix };
  if (denied > 0) return { name, status: 'WARN', required, detail: `${what} on ${probes.length - denied} of ${probes.length} probed users`, fix };
  return { name, status: 'OK', required, detail: `${what} (No-Op probe answered allowed on ${probes.length} user${probes.length > 1 ? 's' : ''})` };
}

/** Users the probes run against: the one asked about, else one sample per included subtree. */
async function probeUsers(client: Client, input: PermissionCheckInput): Promise<string[]> {
  if (input.user) return [input.user.dn];
  const bases = input.config.scope.include.length > 0 ? input.config.scope.include : [input.config.baseDn];
  const dns: string[] = [];
  for (const base of bases) {
    try {
      const { searchEntries } = await client.search(base, { scope: 'sub', filter: USER_FILTER, attributes: ['1.1'], sizeLimit: 1 });
      if (searchEntries[0]) dns.push(searchEntries[0].dn);
    } catch {
      // An include base that does not exist or cannot be read: it simply yields no probe user.
    }
  }
  return dns;
}

export async function checkOpenLdapPermissions(input: PermissionCheckInput): Promise<PermissionReport> {
  const { config } = input;
  const checks: PermissionCheck[] = [];
  const report = (): PermissionReport => ({ directory: config.id, checks });
  const tlsDetail = config.urls.every((u) => u.startsWith('ldaps://')) ? 'LDAPS' : 'StartTLS';
  const trust = config.tls.caFile === null ? 'the system trust store' : config.tls.caFile;
  try {
    await input.pool.withClient(async (client) => {
      const who = await client.exop(Oid.whoAmI);
      checks.push({ name: 'bind', status: 'OK', required: true, detail: `bound as ${who.value?.replace(/^dn:/, '') ?? config.bindDn} via ${input.pool.activeUrl}` });
      checks.push({ name: 'tls', status: 'OK', required: true, detail: `${tlsDetail}, certificate verified against ${trust}` });

      const users = await probeUsers(client, input);
      const run = async (change: () => ReturnType<typeof deleteAttribute>): Promise<ProbeResult[]> => {
        const out: ProbeResult[] = [];
        for (const dn of users) out.push(await probeModify(client, dn, change()));
        return out.filter((p) => p.outcome !== 'noSuchEntry');
      };
      const pwDelete = await run(() => deleteAttribute(PpolicyAttr.userPassword));
      checks.push(probeCheck('resetPassword', pwDelete, true, 'write access to userPassword', aclFix(config, 'userPassword', '=wm')));
      checks.push(probeCheck('writePwdLastSet', await run(() => deleteAttribute(PpolicyAttr.pwdReset)), true, 'write access to pwdReset (force change at next logon)', aclFix(config, 'pwdReset,pwdAccountLockedTime', 'write')));
      checks.push(probeCheck('writeLockoutTime', await run(() => deleteAttribute(PpolicyAttr.pwdAccountLockedTime)), true, 'write access to pwdAccountLockedTime (unlock)', aclFix(config, 'pwdReset,pwdAccountLockedTime', 'write')));

      if (pwDelete.some((p) => p.outcome === 'allowed')) {
        const dn = users[0] ?? '';
        const admin = await probeModify(client, dn, replaceAttribute(PpolicyAttr.userPassword, 'x'));
        if (admin.outcome === 'allowed') {
          checks.push({ name: 'passwordAdministrator', status: 'OK', required: false, detail: 'manage on userPassword: resets skip pwdMinAge, quality and history checks and set pwdReset when pwdMustChange is TRUE (the agent checks length itself; history is not enforced on resets)' });
        } else {
          checks.push({
            name: 'passwordAdministrator',
            status: 'WARN',
            required: false,
            detail: 'write but not manage on userPassword: resets are checked like the user\'s own change, so a reset inside pwdMinAge fails with PASSWORD_TOO_YOUNG',
            fix: aclFix(config, 'userPassword', '=wm'),
          });
        }
      }

      const policyDn = users[0] === undefined ? await input.policies.defaultDn(client) : null;
      const policy = users[0] === undefined ? (policyDn === null ? null : await input.policies.read(client, policyDn)) : await input.policies.forUser(client, users[0]);
      if (policy === null || policy.dn === '') {
        checks.push({ name: 'readPasswordPolicy', status: 'MISSING', required: true, detail: 'no readable pwdPolicy entry found (set defaultPolicyDn, and give the account read access to the policy entries)', fix: `olcAccess: to dn.subtree="<policies OU>" by dn.exact="${config.bindDn}" read` });
      } else {
        checks.push({ name: 'readPasswordPolicy', status: 'OK', required: true, detail: `read ${policy.dn} (pwdMinAge ${policy.minAgeSeconds}s, pwdMinLength ${policy.minLength}, pwdInHistory ${policy.inHistory})` });
      }

      if (users[0] !== undefined) {
        const { searchEntries } = await client.search(users[0], { scope: 'base', attributes: [PpolicyAttr.pwdChangedTime] });
        const seen = entryValue(searchEntries[0], PpolicyAttr.pwdChangedTime) !== null;
        checks.push(
          seen
            ? { name: 'readPwdChangedTime', status: 'OK', required: false, detail: `pwdChangedTime readable on ${users[0]}` }
            : { name: 'readPwdChangedTime', status: 'WARN', required: false, detail: `no pwdChangedTime visible on ${users[0]}: never set, or not readable (minimum age and redelivery checks need it)`, fix: aclFix(config, 'pwdChangedTime,pwdPolicySubentry', 'read') },
        );
      }
    }, { idempotent: true });
  } catch (error) {
    const mapped = error instanceof AgentError ? error : mapDirectoryError(error, { operation: 'probe' });
    if (!checks.some((c) => c.name === 'bind')) {
      checks.push({ name: 'bind', status: 'MISSING', required: true, detail: `${mapped.message} (${String(mapped.details.reason)})` });
    } else {
      checks.push({ name: 'completed', status: 'MISSING', required: true, detail: `the check stopped early: ${mapped.message}` });
    }
    input.logger.warn('permission check failed', { directory: config.id, code: mapped.code, reason: mapped.details.reason });
  }
  return report();
}
