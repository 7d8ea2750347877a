import { AdGuid } from '../../ldap-constants/ad-guids.js';
import { AttributeSyntax } from './attribute-syntax.js';

/**
 * `stored`: returned by `*`. `constructed`: computed, returned only when named. `secret`: never
 * readable (unicodePwd). `system`: stored but not writable over LDAP.
 */
export type AttributeKind = 'stored' | 'system' | 'constructed' | 'secret';

export interface AttributeDefinition {
  /** The schema's lDAPDisplayName, in the case AD returns it. */
  name: string;
  syntax: AttributeSyntax;
  kind: AttributeKind;
  singleValued: boolean;
  /** schemaIDGUID, for object ACEs on write property. */
  guid?: string;
  /** Equality lookups on it use an index instead of a scan. */
  indexed?: boolean;
}

const S = AttributeSyntax;

const definitions: AttributeDefinition[] = [
  { name: 'objectClass', syntax: S.string, kind: 'stored', singleValued: false, indexed: true },
  { name: 'distinguishedName', syntax: S.dn, kind: 'system', singleValued: true },
  { name: 'cn', syntax: S.string, kind: 'system', singleValued: true },
  { name: 'ou', syntax: S.string, kind: 'system', singleValued: true },
  { name: 'dc', syntax: S.string, kind: 'system', singleValued: true },
  { name: 'name', syntax: S.string, kind: 'system', singleValued: true },
  { name: 'objectGUID', syntax: S.binary, kind: 'system', singleValued: true, indexed: true },
  { name: 'objectSid', syntax: S.sid, kind: 'system', singleValued: true, indexed: true },
  { name: 'objectCategory', syntax: S.dn, kind: 'system', singleValued: true },
  { name: 'sAMAccountName', syntax: S.string, kind: 'stored', singleValued: true, indexed: true, guid: '3e0abfd0-126a-11d0-a060-00aa006c33ed' },
  { name: 'userPrincipalName', syntax: S.string, kind: 'stored', singleValued: true, indexed: true, guid: '28630ebb-41d5-11d1-a9c1-0000f80367c1' },
  { name: 'mail', syntax: S.string, kind: 'stored', singleValued: true, indexed: true, guid: 'bf967961-0de6-11d0-a285-00aa003049e2' },
  { name: 'uid', syntax: S.string, kind: 'stored', singleValued: false, indexed: true },
  { name: 'displayName', syntax: S.string, kind: 'stored', singleValued: true, guid: 'bf967953-0de6-11d0-a285-00aa003049e2' },
  { name: 'givenName', syntax: S.string, kind: 'stored', singleValued: true, guid: 'f0f8ff8e-1191-11d0-a060-00aa006c33ed' },
  { name: 'sn', syntax: S.string, kind: 'stored', singleValued: true, guid: 'bf967a41-0de6-11d0-a285-00aa003049e2' },
  { name: 'description', syntax: S.string, kind: 'stored', singleValued: false, guid: 'bf967950-0de6-11d0-a285-00aa003049e2' },
  { name: 'member', syntax: S.dn, kind: 'stored', singleValued: false, guid: 'bf9679c0-0de6-11d0-a285-00aa003049e2' },
  { name: 'memberOf', syntax: S.dn, kind: 'system', singleValued: false },
  { name: 'userAccountControl', syntax: S.integer, kind: 'stored', singleValued: true, guid: 'bf967a68-0de6-11d0-a285-00aa003049e2' },
  { name: 'adminCount', syntax: S.integer, kind: 'stored', singleValued: true, guid: 'bf967918-0de6-11d0-a285-00aa003049e2' },
  { name: 'pwdLastSet', syntax: S.integer, kind: 'stored', singleValued: true, guid: AdGuid.pwdLastSet },
  { name: 'lockoutTime', syntax: S.integer, kind: 'stored', singleValued: true, guid: AdGuid.lockoutTime },
  { name: 'badPwdCount', syntax: S.integer, kind: 'system', singleValued: true },
  { name: 'badPasswordTime', syntax: S.integer, kind: 'system', singleValued: true },
  { name: 'lastLogon', syntax: S.integer, kind: 'system', singleValued: true },
  { name: 'accountExpires', syntax: S.integer, kind: 'stored', singleValued: true, guid: 'bf967915-0de6-11d0-a285-00aa003049e2' },
  { name: 'primaryGroupID', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'groupType', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'sAMAccountType', syntax: S.integer, kind: 'system', singleValued: true },
  { name: 'whenCreated', syntax: S.time, kind: 'system', singleValued: true },
  { name: 'whenChanged', syntax: S.time, kind: 'system', singleValued: true },
  { name: 'uSNCreated', syntax: S.integer, kind: 'system', singleValued: true },
  { name: 'uSNChanged', syntax: S.integer, kind: 'system', singleValued: true },
  { name: 'instanceType', syntax: S.integer, kind: 'system', singleValued: true },
  { name: 'minPwdAge', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'maxPwdAge', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'minPwdLength', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'pwdProperties', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'pwdHistoryLength', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'lockoutThreshold', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'lockoutDuration', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'lockOutObservationWindow', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-PasswordSettingsPrecedence', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-PasswordReversibleEncryptionEnabled', syntax: S.string, kind: 'stored', singleValued: true },
  { name: 'msDS-PasswordHistoryLength', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-PasswordComplexityEnabled', syntax: S.string, kind: 'stored', singleValued: true },
  { name: 'msDS-MinimumPasswordLength', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-MinimumPasswordAge', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-MaximumPasswordAge', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-LockoutThreshold', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-LockoutObservationWindow', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-LockoutDuration', syntax: S.integer, kind: 'stored', singleValued: true },
  { name: 'msDS-PSOAppliesTo', syntax: S.dn, kind: 'stored', singleValued: false },
  { name: 'unicodePwd', syntax: S.binary, kind: 'secret', singleValued: true, guid: 'bf9679e1-0de6-11d0-a285-00aa003049e2' },
  { name: 'userPassword', syntax: S.binary, kind: 'secret', singleValued: false },
  { name: 'nTSecurityDescriptor', syntax: S.binary, kind: 'constructed', singleValued: true },
  { name: 'tokenGroups', syntax: S.sid, kind: 'constructed', singleValued: false },
  { name: 'allowedAttributesEffective', syntax: S.string, kind: 'constructed', singleValued: false },
  { name: 'sDRightsEffective', syntax: S.integer, kind: 'constructed', singleValued: true },
  { name: 'msDS-User-Account-Control-Computed', syntax: S.integer, kind: 'constructed', singleValued: true },
  { name: 'msDS-ResultantPSO', syntax: S.dn, kind: 'constructed', singleValued: true },
];

const byLowerName = new Map(definitions.map((definition) => [definition.name.toLowerCase(), definition]));

/** Lookups by the exact spelling seen, so the hot path of bulk seeding skips toLowerCase. */
const byExactName = new Map<string, AttributeDefinition>();

/** The definition of an attribute; unknown names are treated as writable case-ignore strings. */
export function attributeDefinition(name: string): AttributeDefinition {
  const cached = byExactName.get(name);
  if (cached) return cached;
  const definition = byLowerName.get(name.toLowerCase()) ?? { name, syntax: S.string, kind: 'stored' as const, singleValued: false };
  if (byExactName.size < 10_000) byExactName.set(name, definition);
  return definition;
}

export function isKnownAttribute(name: string): boolean {
  return byLowerName.has(name.toLowerCase());
}

/** Attributes whose write access allowedAttributesEffective reports. */
export function writableCandidates(): AttributeDefinition[] {
  return definitions.filter((definition) => definition.kind === 'stored');
}
