/** Attribute names the OpenLDAP driver reads and writes (ppolicy overlay and common user schema). */
export const PpolicyAttr = {
  userPassword: 'userPassword',
  pwdChangedTime: 'pwdChangedTime',
  pwdReset: 'pwdReset',
  pwdAccountLockedTime: 'pwdAccountLockedTime',
  pwdFailureTime: 'pwdFailureTime',
  pwdPolicySubentry: 'pwdPolicySubentry',
  entryUUID: 'entryUUID',
  member: 'member',
  uniqueMember: 'uniqueMember',
  memberUid: 'memberUid',
  memberOf: 'memberOf',
  uid: 'uid',
  objectClass: 'objectClass',
} as const;
export type PpolicyAttr = (typeof PpolicyAttr)[keyof typeof PpolicyAttr];

/** Attributes of a pwdPolicy entry. */
export const PolicyAttr = {
  pwdMinAge: 'pwdMinAge',
  pwdMaxAge: 'pwdMaxAge',
  pwdInHistory: 'pwdInHistory',
  pwdCheckQuality: 'pwdCheckQuality',
  pwdMinLength: 'pwdMinLength',
  pwdLockout: 'pwdLockout',
  pwdMaxFailure: 'pwdMaxFailure',
  pwdLockoutDuration: 'pwdLockoutDuration',
  pwdMustChange: 'pwdMustChange',
  pwdAllowUserChange: 'pwdAllowUserChange',
  pwdSafeModify: 'pwdSafeModify',
} as const;

/**
 * The pwdAccountLockedTime value ppolicy reserves for "locked by an administrator until unlocked":
 * the agent treats it as a disabled account and will not clear it.
 */
export const ADMIN_LOCK_TIME = '000001010000Z';

/** Filters and attributes per target kind. AD kinds map to their nearest OpenLDAP attribute; objectGUID has none. */
export const TARGET_ATTRIBUTE = {
  uid: 'uid',
  mail: 'mail',
  entryUUID: 'entryUUID',
  sAMAccountName: 'uid',
  userPrincipalName: 'mail',
} as const;
