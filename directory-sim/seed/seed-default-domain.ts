import { AdGuid } from '../../ldap-constants/ad-guids.js';
import { filetimeFromMs, intervalFromMs } from '../ad/filetime.js';
import { DomainRid } from '../ad/sid.js';
import type { SimDirectory } from '../ad/sim-directory.js';
import { SimMode } from '../ad/sim-mode.js';
import { UserAccountControl } from '../ad/user-account-control.js';
import { passwordSettingsContainer } from '../ad/sim-directory.js';
import { createObject } from './create-object.js';
import { addPasswordSettings, type PasswordSettingsSeed } from './seed-password-settings.js';
import { SeededAccount, SeededContact, SeededContainer, type SeededAccountName } from './seeded-domain.js';
import { defaultSeedPolicy, type SeedPolicy } from './seed-types.js';

export interface DefaultSeedOptions {
  policy?: Partial<SeedPolicy>;
  /** Also grant svc-writeback Unexpire Password on the domain root (resets then keep pwdLastSet). */
  grantUnexpirePassword?: boolean;
  /** Fine-grained password policies created after the accounts (DNs may use the seeded ones). */
  passwordSettings?: PasswordSettingsSeed[];
  /**
   * Set up for an administrator's own reset: `mobile` and `otherMailbox` for the accounts in
   * SeededContact, and svc-writeback may reset pat.admin (what an owner who opts administrators
   * into self-service grants on AdminSDHolder, which SDProp copies onto protected accounts).
   */
  adminSelfService?: boolean;
}

const dayMs = 24 * 3600_000;

/** The domain root's explicit DACL (reduced): administrators full control, inherited everywhere. */
const domainRootSddl = 'D:(A;CI;GA;;;DA)(A;CI;GA;;;EA)(A;CI;GA;;;BA)(A;CI;GA;;;SY)(A;CI;RPLCLORC;;;AU)';
/** Samba 4.17 provisions the domain root with Unexpire Password for Authenticated Users (seen with samba-tool dsacl get). */
const sambaUnexpireAce = `(OA;;CR;${AdGuid.unexpirePassword};;AU)`;
/** AdminSDHolder's template: protected, no delegation reaches it. */
const adminSdHolderSddl = `D:P(A;;GA;;;DA)(A;;GA;;;EA)(A;;GA;;;BA)(A;;GA;;;SY)(OA;;CR;${AdGuid.changePassword};;WD)(OA;;CR;${AdGuid.changePassword};;PS)(A;;RPLCLORC;;;AU)`;

/** Creates the domain root with its policy, the Users container, AdminSDHolder and the domain groups. */
export function seedDomainRoot(directory: SimDirectory, policyOverrides: Partial<SeedPolicy> = {}): void {
  const { domain } = directory;
  const policy = { ...defaultSeedPolicy, ...policyOverrides };
  const dc = domain.baseDn.split(',')[0]!.split('=')[1]!;
  createObject(directory, {
    dn: domain.baseDn,
    sddl: directory.mode === SimMode.samba ? domainRootSddl + sambaUnexpireAce : domainRootSddl,
    attributes: {
      objectClass: ['top', 'domain', 'domainDNS'],
      dc,
      objectSid: domain.sid,
      minPwdLength: policy.minPwdLength,
      pwdProperties: policy.complexity ? 1 : 0,
      pwdHistoryLength: policy.pwdHistoryLength,
      minPwdAge: intervalFromMs(policy.minPwdAgeMs).toString(),
      maxPwdAge: intervalFromMs(policy.maxPwdAgeMs).toString(),
      lockoutThreshold: policy.lockoutThreshold,
      lockoutDuration: intervalFromMs(policy.lockoutDurationMs).toString(),
      lockOutObservationWindow: intervalFromMs(policy.lockoutObservationWindowMs).toString(),
    },
  });
  const at = (rdn: string): string => `${rdn},${domain.baseDn}`;
  createObject(directory, { dn: at(SeededContainer.users), attributes: { objectClass: ['top', 'container'] } });
  createObject(directory, { dn: at(SeededContainer.system), attributes: { objectClass: ['top', 'container'] } });
  createObject(directory, { dn: at(`${passwordSettingsContainer}`), attributes: { objectClass: ['top', 'msDS-PasswordSettingsContainer'] } });
  createObject(directory, { dn: at(SeededContainer.adminSdHolder), sddl: adminSdHolderSddl, attributes: { objectClass: ['top', 'container'] } });
  createObject(directory, {
    dn: at(SeededContainer.domainAdmins),
    sddl: adminSdHolderSddl,
    attributes: { objectClass: ['top', 'group'], sAMAccountName: 'Domain Admins', adminCount: 1, objectSid: `${domain.sid}-${DomainRid.domainAdmins}` },
  });
  createObject(directory, {
    dn: at(SeededContainer.domainUsers),
    attributes: { objectClass: ['top', 'group'], sAMAccountName: 'Domain Users', objectSid: `${domain.sid}-${DomainRid.domainUsers}` },
  });
}

/**
 * The default domain: OU=Staff (with OU=Sales below) delegated to svc-writeback exactly as
 * DIRECTORY-FACTS.md shows, OU=Contractors not delegated, and accounts in every state a
 * writeback agent meets (see SeededAccount).
 */
export function seedDefaultDomain(directory: SimDirectory, options: DefaultSeedOptions = {}): void {
  const { domain } = directory;
  seedDomainRoot(directory, options.policy);
  const at = (rdn: string): string => `${rdn},${domain.baseDn}`;
  const now = directory.clock();
  const monthAgo = filetimeFromMs(now - 30 * dayMs).toString();
  const svcSid = `${domain.sid}-${SeededAccount.svcWriteback.rid}`;

  createObject(directory, {
    dn: at(SeededContainer.staff),
    sddl: [
      'D:',
      `(OA;CIIO;CR;${AdGuid.resetPassword};${AdGuid.userClass};${svcSid})`,
      `(OA;CIIO;RPWP;${AdGuid.pwdLastSet};${AdGuid.userClass};${svcSid})`,
      `(OA;CIIO;RPWP;${AdGuid.lockoutTime};${AdGuid.userClass};${svcSid})`,
    ].join(''),
    attributes: { objectClass: ['top', 'organizationalUnit'] },
  });
  createObject(directory, { dn: at(SeededContainer.sales), attributes: { objectClass: ['top', 'organizationalUnit'] } });
  createObject(directory, { dn: at(SeededContainer.contractors), attributes: { objectClass: ['top', 'organizationalUnit'] } });
  if (options.grantUnexpirePassword) {
    directory.domainRoot().security.dacl.push({ allow: true, mask: 0x100, flags: 0, objectType: AdGuid.unexpirePassword, sid: svcSid });
  }

  const user = (name: SeededAccountName, extra: Record<string, string | number> = {}, sddl?: string): void => {
    const account = SeededAccount[name];
    const rdnValue = account.rdn.split(',')[0]!.slice(3);
    const [given, family] = rdnValue.includes(' ') ? rdnValue.split(' ') : [rdnValue, rdnValue];
    createObject(directory, {
      dn: at(account.rdn),
      password: account.password,
      ...(sddl === undefined ? {} : { sddl }),
      attributes: {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: account.sam,
        userPrincipalName: `${account.sam}@${domain.dnsName}`,
        mail: `${account.sam}@${domain.dnsName}`,
        givenName: given ?? rdnValue,
        sn: family ?? rdnValue,
        displayName: rdnValue,
        objectSid: `${domain.sid}-${account.rid}`,
        pwdLastSet: monthAgo,
        ...extra,
      },
    });
  };
  const contact = (name: keyof typeof SeededContact): Record<string, string> => (options.adminSelfService === true ? { ...SeededContact[name] } : {});
  const svcResets = [`(OA;;CR;${AdGuid.resetPassword};;${svcSid})`, `(OA;;RPWP;${AdGuid.pwdLastSet};;${svcSid})`, `(OA;;RPWP;${AdGuid.lockoutTime};;${svcSid})`].join('');
  user('administrator', { adminCount: 1, userAccountControl: UserAccountControl.normalAccount | UserAccountControl.dontExpirePassword }, adminSdHolderSddl);
  user('svcWriteback', { userAccountControl: UserAccountControl.normalAccount | UserAccountControl.dontExpirePassword, description: 'Password writeback agent' });
  user('alice');
  user('bob');
  user('carol', { userAccountControl: UserAccountControl.normalAccount | UserAccountControl.accountDisable });
  user('dave', { lockoutTime: filetimeFromMs(now - 60_000).toString(), badPwdCount: 5 });
  user('erin', { pwdLastSet: '0' });
  user('frank', contact('frank'));
  user('patAdmin', { adminCount: 1, ...contact('patAdmin') }, options.adminSelfService === true ? adminSdHolderSddl + svcResets : adminSdHolderSddl);
  user('mallory');

  const group = (rdn: string, sam: string, members: string[], extra: Record<string, string | number> = {}): void => {
    createObject(directory, { dn: at(rdn), attributes: { objectClass: ['top', 'group'], sAMAccountName: sam, member: members, ...extra } });
  };
  const domainAdmins = directory.store.get(at(SeededContainer.domainAdmins))!;
  directory.store.setValues(domainAdmins, 'member', [at(SeededAccount.administrator.rdn), at(SeededAccount.patAdmin.rdn)]);
  group(SeededContainer.helpdesk, 'Helpdesk', [at(SeededAccount.alice.rdn)]);
  group(SeededContainer.allStaff, 'All Staff', [at(SeededContainer.helpdesk), at(SeededAccount.bob.rdn)]);
  for (const pso of options.passwordSettings ?? []) addPasswordSettings(directory, pso);
}
