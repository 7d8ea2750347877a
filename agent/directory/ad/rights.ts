import { AdGuid } from '../../../ldap-constants/ad-guids.js';

/** The rights the driver's writes need, named as `details.missing` and the permission report name them. */
export const AdRight = {
  resetPassword: `Reset Password extended right (${AdGuid.resetPassword}) on the user`,
  writePwdLastSet: `Write Property pwdLastSet (${AdGuid.pwdLastSet}) on the user`,
  writeLockoutTime: `Write Property lockoutTime (${AdGuid.lockoutTime}) on the user`,
  unexpirePassword: `Unexpire Password extended right (${AdGuid.unexpirePassword}) on the domain root`,
  changePassword: `Change Password extended right (${AdGuid.changePassword}) on the user`,
  policyHints: 'a domain controller that supports LDAP_SERVER_POLICY_HINTS (Windows Server 2012 or later)',
} as const;
