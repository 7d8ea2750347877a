import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSambaDc, type SeedUserName } from '../fixtures/samba.js';
import { run } from '../fixtures/samba/run.js';
import { SYSTEM_PYTHON } from '../fixtures/samba/template.js';
import { driverConfig, type Backend, type Role, type RoleAccount } from './backend.js';

const UNEXPIRE_ACE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'unexpire-ace.py');

/** Which seeded Samba fixture user plays each role (test/fixtures/samba/constants.ts). */
const SAMBA_ROLES: Record<Exclude<Role, 'administrator'>, SeedUserName> = {
  delegated: 'alice',
  changer: 'dave',
  outside: 'bob',
  protectedAdmin: 'protectedAdmin',
  // Samba has no SDProp: padmin keeps the OU's inherited ACEs, so the protected DACL is noinherit's.
  protectedDacl: 'noInherit',
  mustChange: 'mustChange',
  disabled: 'disabled',
  lockable: 'carol',
};

/** A real Samba AD DC from the fixture's cached template, on its own 127.0.0.N. */
export async function startSambaBackend(): Promise<Backend> {
  const dc = await startSambaDc();
  try {
    const roles = Object.fromEntries(
      Object.entries(SAMBA_ROLES).map(([role, name]) => {
        const { dn, sam, upn, password, mail } = dc.users[name];
        return [role, { dn, sam, upn, password, mail }];
      }),
    ) as Record<Role, RoleAccount>;
    roles.administrator = { dn: dc.adminDn, sam: 'Administrator', upn: `Administrator@${dc.realm.toLowerCase()}`, password: dc.adminPassword, mail: null };
    return {
      name: 'samba',
      baseDn: dc.baseDn,
      netbiosDomain: dc.netbiosDomain,
      delegatedOu: dc.managedOu,
      ldapsUrl: dc.ldapsUrl,
      ldapUrl: dc.ldapUrl,
      caPem: await readFile(dc.caFile, 'utf8'),
      config: driverConfig({ ldapsUrl: dc.ldapsUrl, baseDn: dc.baseDn, bindDn: dc.svcDn, caFile: dc.caFile, delegatedOu: dc.managedOu }),
      bindPassword: dc.svcPassword,
      roles,
      secrets: [dc.svcPassword, dc.adminPassword, ...Object.values(dc.users).map((user) => user.password)],
      adminClient: () => dc.adminClient(),
      setFollowUpRights: (granted) => dc.setDelegation(granted ? {} : { pwdLastSet: false, lockoutTime: false }),
      setUnexpireForAuthenticatedUsers: async (granted) => {
        await run(SYSTEM_PYTHON, [UNEXPIRE_ACE_SCRIPT, join(dc.instanceDir, 'etc', 'smb.conf'), dc.baseDn, granted ? 'grant' : 'revoke']);
      },
      goDown: () => dc.stop(),
      comeBack: () => dc.start(),
      stop: () => dc.destroy(),
    };
  } catch (error) {
    await dc.destroy();
    throw error;
  }
}
