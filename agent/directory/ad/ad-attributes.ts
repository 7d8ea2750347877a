/** Attribute names, flags and values of Active Directory the driver reads or writes. */
export const AdAttribute = {
  objectGUID: 'objectGUID',
  objectSid: 'objectSid',
  sAMAccountName: 'sAMAccountName',
  userPrincipalName: 'userPrincipalName',
  mail: 'mail',
  displayName: 'displayName',
  userAccountControl: 'userAccountControl',
  userAccountControlComputed: 'msDS-User-Account-Control-Computed',
  pwdLastSet: 'pwdLastSet',
  lockoutTime: 'lockoutTime',
  adminCount: 'adminCount',
  primaryGroupID: 'primaryGroupID',
  unicodePwd: 'unicodePwd',
  tokenGroups: 'tokenGroups',
  resultantPso: 'msDS-ResultantPSO',
  allowedAttributesEffective: 'allowedAttributesEffective',
  memberOf: 'memberOf',
  groupType: 'groupType',
} as const;

/** Attributes ldapts must hand back as Buffers (binary); names are matched case-sensitively by ldapts. */
export const BINARY_ATTRIBUTES = [AdAttribute.objectGUID, AdAttribute.objectSid, AdAttribute.tokenGroups];

/** groupType bits. */
export const GroupTypeFlag = {
  /** A security group: listed in tokenGroups. Without it, a distribution group (not in tokens). */
  security: 0x80000000,
} as const;

/** userAccountControl and msDS-User-Account-Control-Computed bits. */
export const UacFlag = {
  accountDisabled: 0x2,
  lockout: 0x10,
  dontExpirePassword: 0x10000,
  passwordExpired: 0x800000,
  /** Trust accounts: another domain's (interdomain), a member computer's, a DC's. */
  interdomainTrustAccount: 0x800,
  workstationTrustAccount: 0x1000,
  serverTrustAccount: 0x2000,
} as const;

/** pwdLastSet values with a meaning of their own on write. */
export const PwdLastSet = {
  /** The user must change the password at next logon. */
  mustChange: '0',
  /** Set to the current time: the password is not expired. */
  now: '-1',
} as const;

/** Domain-root attributes of the default domain password policy. */
export const DomainPolicyAttribute = {
  minPwdAge: 'minPwdAge',
  maxPwdAge: 'maxPwdAge',
  minPwdLength: 'minPwdLength',
  pwdProperties: 'pwdProperties',
  pwdHistoryLength: 'pwdHistoryLength',
  lockoutThreshold: 'lockoutThreshold',
  lockoutDuration: 'lockoutDuration',
} as const;

/** Attributes of a Password Settings Object (fine-grained policy). */
export const PsoAttribute = {
  minAge: 'msDS-MinimumPasswordAge',
  maxAge: 'msDS-MaximumPasswordAge',
  minLength: 'msDS-MinimumPasswordLength',
  complexity: 'msDS-PasswordComplexityEnabled',
  historyLength: 'msDS-PasswordHistoryLength',
  lockoutThreshold: 'msDS-LockoutThreshold',
  lockoutDuration: 'msDS-LockoutDuration',
} as const;

/** pwdProperties bit: complexity required. */
export const PWD_PROPERTIES_COMPLEX = 0x1;
