import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { AdGuid } from '../../ldap-constants/ad-guids.js';
import { AccessMask } from '../../directory-sim/ad/access-mask.js';
import { WellKnownSid } from '../../directory-sim/ad/sid.js';
import { SeededAccount, SeededContainer, type SeededAccountName } from '../../directory-sim/seed/seeded-domain.js';
import { startDirectorySim } from '../../directory-sim/start-directory-sim.js';
import { makeCa, makeServerCert } from '../fixtures/samba/tls.js';
import { driverConfig, type Backend, type Role, type RoleAccount } from './backend.js';

/** Which seeded sim account plays each role (directory-sim/README.md has the table). */
const SIM_ROLES: Record<Role, SeededAccountName> = {
  delegated: 'alice',
  changer: 'bob',
  outside: 'mallory',
  protectedAdmin: 'patAdmin',
  // pat.admin's DACL is AdminSDHolder's (protected): the Staff delegation does not reach it.
  protectedDacl: 'patAdmin',
  mustChange: 'erin',
  disabled: 'carol',
  lockable: 'frank',
  administrator: 'administrator',
};

/** directory-sim in Samba mode with the default seed, on 127.0.0.1, LDAPS with a certificate made like the Samba fixture's (same CA kind, 365 days). */
export async function startSimBackend(): Promise<Backend> {
  const pkiDir = await mkdtemp(join(tmpdir(), 'differential-sim-pki-'));
  try {
    await makeCa(pkiDir);
    await makeServerCert(pkiDir, pkiDir, '127.0.0.1', 'dc1.sim.test');
    const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((name) => readFile(join(pkiDir, name), 'utf8')));
    const sim = await startDirectorySim({ mode: 'samba', tls: { key: key!, cert: cert!, ca: ca! }, seed: 'default' });
    const at = (rdn: string) => `${rdn},${sim.baseDn}`;
    const account = (name: SeededAccountName): RoleAccount => {
      const seeded = SeededAccount[name];
      return { dn: at(seeded.rdn), sam: seeded.sam, upn: `${seeded.sam}@${sim.domain.dnsName}`, password: seeded.password, mail: `${seeded.sam}@${sim.domain.dnsName}` };
    };
    const roles = Object.fromEntries(Object.entries(SIM_ROLES).map(([role, name]) => [role, account(name)])) as Record<Role, RoleAccount>;
    const delegatedOu = at(SeededContainer.staff);
    const staff = sim.store.get(delegatedOu);
    if (staff === undefined) throw new Error('directory-sim: the seeded OU=Staff is missing');
    const delegation = [...staff.security.dacl];
    const followUp = new Set<string>([AdGuid.pwdLastSet, AdGuid.lockoutTime]);
    return {
      name: 'directory-sim',
      baseDn: sim.baseDn,
      netbiosDomain: sim.domain.netbiosName,
      delegatedOu,
      ldapsUrl: sim.ldapsUrl!,
      ldapUrl: sim.ldapUrl,
      caPem: ca!,
      config: driverConfig({ ldapsUrl: sim.ldapsUrl!, baseDn: sim.baseDn, bindDn: at(SeededAccount.svcWriteback.rdn), caFile: sim.caFile!, delegatedOu }),
      bindPassword: SeededAccount.svcWriteback.password,
      roles,
      secrets: Object.values(SeededAccount).map((seeded) => seeded.password),
      adminClient: async () => {
        const client = new Client({ url: sim.ldapsUrl!, tlsOptions: { ca: [ca!] }, timeout: 5000, connectTimeout: 5000 });
        await client.bind(at(SeededAccount.administrator.rdn), SeededAccount.administrator.password);
        return client;
      },
      setFollowUpRights: (granted) => {
        staff.security.dacl = granted ? [...delegation] : delegation.filter((ace) => ace.objectType === undefined || !followUp.has(ace.objectType));
        return Promise.resolve();
      },
      setUnexpireForAuthenticatedUsers: (granted) => {
        const root = sim.directory.domainRoot();
        const others = root.security.dacl.filter((ace) => !(ace.objectType === AdGuid.unexpirePassword && ace.sid === WellKnownSid.authenticatedUsers));
        root.security.dacl = granted ? [...others, { allow: true, mask: AccessMask.controlAccess, flags: 0, objectType: AdGuid.unexpirePassword, sid: WellKnownSid.authenticatedUsers }] : others;
        return Promise.resolve();
      },
      goDown: () => {
        sim.faults.refuseConnections = true;
        sim.dropConnections();
        return Promise.resolve();
      },
      comeBack: () => {
        sim.faults.refuseConnections = false;
        return Promise.resolve();
      },
      stop: () => sim.stop(),
    };
  } finally {
    await rm(pkiDir, { recursive: true, force: true });
  }
}
