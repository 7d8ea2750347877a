import { AdGuid } from '../../../../ldap-constants/ad-guids.js';
import type { AccessRequest } from './access-check.js';
import { DsAccess } from '../../../../ldap-constants/ad-access-mask.js';

/** One right the agent's writes need, as the access check asks for it and as an admin names it. */
export interface RequiredRight {
  request: AccessRequest;
  /** Where the right is held: on each user, or on the domain root. */
  on: 'user' | 'domainRoot';
  /** dsacls' spelling of the permission (`CA;Reset Password` or `RPWP;pwdLastSet`). */
  dsacls: string;
  /** The SDDL rights and object type for an object ACE granting it. */
  sddlRights: string;
  label: string;
}

/** The rights checked, keyed by the check that reports them. */
export const REQUIRED_RIGHTS = {
  resetPassword: {
    request: { mask: DsAccess.controlAccess, objectType: AdGuid.resetPassword },
    on: 'user',
    dsacls: 'CA;Reset Password',
    sddlRights: 'CR',
    label: 'Reset Password',
  },
  writePwdLastSet: {
    request: { mask: DsAccess.writeProperty, objectType: AdGuid.pwdLastSet, propertySet: AdGuid.userAccountRestrictionsPropertySet },
    // RP too: the agent reads pwdLastSet back, and the delegation of DIRECTORY-FACTS.md grants both.
    on: 'user',
    dsacls: 'RPWP;pwdLastSet',
    sddlRights: 'RPWP',
    label: 'Write pwdLastSet',
  },
  writeLockoutTime: {
    request: { mask: DsAccess.writeProperty, objectType: AdGuid.lockoutTime },
    on: 'user',
    dsacls: 'RPWP;lockoutTime',
    sddlRights: 'RPWP',
    label: 'Write lockoutTime',
  },
  unexpirePassword: {
    request: { mask: DsAccess.controlAccess, objectType: AdGuid.unexpirePassword },
    on: 'domainRoot',
    dsacls: 'CA;Unexpire Password',
    sddlRights: 'CR',
    label: 'Unexpire Password',
  },
} as const satisfies Record<string, RequiredRight>;
export type RequiredRightName = keyof typeof REQUIRED_RIGHTS;
