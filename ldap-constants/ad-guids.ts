/** Schema and extended-right GUIDs of Active Directory that the agent evaluates or delegates. */
export const AdGuid = {
  /** Extended right "Reset Password" (User-Force-Change-Password). */
  resetPassword: '00299570-246d-11d0-a768-00aa006e0529',
  /** Extended right "Change Password" (User-Change-Password). */
  changePassword: 'ab721a53-1e2f-11d0-9819-00aa0040529b',
  /** Extended right "Unexpire Password", held on the domain root. */
  unexpirePassword: 'ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501',
  /** Attribute pwdLastSet. */
  pwdLastSet: 'bf967a0a-0de6-11d0-a285-00aa003049e2',
  /** Property set User-Account-Restrictions (attributeSecurityGUID of pwdLastSet, userAccountControl...). */
  userAccountRestrictionsPropertySet: '4c164200-20c0-11d0-a768-00aa006e0529',
  /** Attribute lockoutTime (in no property set). */
  lockoutTime: '28630ebf-41d5-11d1-a9c1-0000f80367c1',
  /** Attribute adminCount (in no property set). */
  adminCount: 'bf967918-0de6-11d0-a285-00aa003049e2',
  /** Attribute tokenGroups (constructed; property set Membership). */
  tokenGroups: 'b7c69e6d-2cc7-11d2-854e-00a0c983f608',
  /** Attribute primaryGroupID (property set General Information). */
  primaryGroupID: 'bf967a00-0de6-11d0-a285-00aa003049e2',
  /** Attribute objectSid (property set General Information). */
  objectSid: 'bf967a79-0de6-11d0-a285-00aa003049e2',
  /** Class user. */
  userClass: 'bf967aba-0de6-11d0-a285-00aa003049e2',
  /** Class group. */
  groupClass: 'bf967a9c-0de6-11d0-a285-00aa003049e2',
  /** Class organizationalUnit. */
  organizationalUnitClass: 'bf967aa5-0de6-11d0-a285-00aa003049e2',
  /** Class container. */
  containerClass: 'bf967a8b-0de6-11d0-a285-00aa003049e2',
  /** Class domainDNS (the domain root). */
  domainDnsClass: '19195a5b-6da0-11d0-afd3-00c04fd930c9',
  /** Class computer. */
  computerClass: 'bf967a86-0de6-11d0-a285-00aa003049e2',
} as const;
export type AdGuid = (typeof AdGuid)[keyof typeof AdGuid];
