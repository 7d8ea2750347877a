/**
 * The accounts and groups Active Directory protects with AdminSDHolder, by well-known SID or RID
 * (names are localised and can be renamed; SIDs cannot). A member of any, direct or nested, is a
 * protected account: delegated rights do not reach it and the agent refuses to touch it.
 */

/** Built-in domain-local groups (S-1-5-32-...). */
export const PrivilegedBuiltinSid = {
  'S-1-5-32-544': 'Administrators',
  'S-1-5-32-548': 'Account Operators',
  'S-1-5-32-549': 'Server Operators',
  'S-1-5-32-550': 'Print Operators',
  'S-1-5-32-551': 'Backup Operators',
  'S-1-5-32-552': 'Replicator',
} as const;

/**
 * Groups by RID within any domain of the forest (S-1-5-21-<domain>-RID): Enterprise and Schema Admins
 * live in the root domain. Beyond AdminSDHolder's list: Cert Publishers, Group Policy Creator Owners
 * (they edit policy that runs on every machine), Protected Users (an admin put them there to protect
 * them) and Enterprise Read-only Domain Controllers. DnsAdmins has no well-known RID (it is created
 * with the next free one), so it can only be protected by DN: list it in `scope.protectedGroups`.
 */
export const PrivilegedGroupRid = {
  498: 'Enterprise Read-only Domain Controllers',
  512: 'Domain Admins',
  516: 'Domain Controllers',
  517: 'Cert Publishers',
  518: 'Schema Admins',
  519: 'Enterprise Admins',
  520: 'Group Policy Creator Owners',
  521: 'Read-only Domain Controllers',
  525: 'Protected Users',
  526: 'Key Admins',
  527: 'Enterprise Key Admins',
} as const;

/** Accounts protected themselves, by RID. */
export const ProtectedAccountRid = {
  500: 'Administrator',
  502: 'krbtgt',
} as const;

/** A read-only DC's own krbtgt account (`krbtgt_<number>`): a Kerberos key, never a person. */
export const RODC_KRBTGT_NAME = /^krbtgt_\d+$/i;
