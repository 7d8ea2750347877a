/** Every LDAP control and extended-operation OID the agent, its checks and directory-sim use. */
export const Oid = {
  // Controls
  pagedResults: '1.2.840.113556.1.4.319',
  sdFlags: '1.2.840.113556.1.4.801',
  policyHints: '1.2.840.113556.1.4.2239',
  policyHintsDeprecated: '1.2.840.113556.1.4.2066',
  permissiveModify: '1.2.840.113556.1.4.1413',
  passwordPolicyRequest: '1.3.6.1.4.1.42.2.27.8.5.1',
  noOp: '1.3.6.1.4.1.4203.666.5.2',
  manageDsaIt: '2.16.840.1.113730.3.4.2',
  /** OpenLDAP relax rules (test fixtures set operational attributes such as pwdChangedTime with it). */
  relax: '1.3.6.1.4.1.4203.666.5.12',
  // Extended operations
  startTls: '1.3.6.1.4.1.1466.20037',
  whoAmI: '1.3.6.1.4.1.4203.1.11.3',
  passwordModify: '1.3.6.1.4.1.4203.1.11.1',
  /** Unsolicited notification sent before the server drops a connection (RFC 4511 4.4.1). */
  noticeOfDisconnection: '1.3.6.1.4.1.1466.20036',
  // rootDSE supportedCapabilities of Active Directory
  capabilityActiveDirectory: '1.2.840.113556.1.4.800',
  capabilityActiveDirectoryV51: '1.2.840.113556.1.4.1670',
  capabilityLdapIntegration: '1.2.840.113556.1.4.1791',
  capabilityActiveDirectoryV60: '1.2.840.113556.1.4.1935',
  capabilityActiveDirectoryV61R2: '1.2.840.113556.1.4.2080',
  capabilityActiveDirectoryW8: '1.2.840.113556.1.4.2237',
  // Matching rules used in AD filters
  matchingRuleBitAnd: '1.2.840.113556.1.4.803',
  matchingRuleBitOr: '1.2.840.113556.1.4.804',
  matchingRuleInChain: '1.2.840.113556.1.4.1941',
} as const;
export type Oid = (typeof Oid)[keyof typeof Oid];
